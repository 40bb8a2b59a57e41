/**
 * Imports runbook files from disk into a folder of Opsbook pages: what `opsbook import FILE…
 * --out DIR` does, in one call.
 *
 * ```ts
 * const { pages } = await importFiles(['docs/db.md'], { outDir: 'content/runbooks' });
 * for (const page of pages) console.log(formatReport(page.from, page.result.report));
 * ```
 *
 * Each `NAME.md` becomes `DIR/NAME.mdx`; the images it shows by a relative path are copied
 * beside it (one that is missing becomes a link, and the report says so); and each page is read
 * back through the model, so `problems` is what `opsbook check` would say about it.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { OpsbookConfig } from '../runbook/config.ts';
import { parseRunbook, type RunbookProblem } from '../runbook/parse.ts';
import { importMarkdown, type ImportFormat, type ImportResult } from './index.ts';

export interface ImportFilesOptions {
	/** The folder the pages are written to; created if missing. */
	outDir: string;
	/** The project root: paths in problems are relative to it, and `src/components.ts` is found there. */
	root?: string;
	format?: ImportFormat;
	/** The module pages import Tabs and TabItem from; by default the project's `src/components.ts`, relative to the page. */
	componentsModule?: string;
	/** The config the pages are checked against; by default an empty one (the local target only). */
	config?: OpsbookConfig;
}

export interface ImportedPage {
	/** The source file, as given. */
	from: string;
	/** The page written, relative to the root. */
	to: string;
	result: ImportResult;
	/** What the model says about the page written: none, unless the importer has a bug. */
	problems: RunbookProblem[];
}

const posix = (path: string) => path.split(sep).join('/');

/** Imports `files` into `outDir`. Two sources with the same name get `-2`, `-3`… */
export async function importFiles(
	files: readonly string[],
	options: ImportFilesOptions,
): Promise<{ pages: ImportedPage[] }> {
	const root = resolve(options.root ?? process.cwd());
	const outDir = resolve(root, options.outDir);
	const components = join(root, 'src/components.ts');
	const componentsModule =
		options.componentsModule ??
		(existsSync(components) ? posix(relative(outDir, components)) : 'opsbook/components');
	const config = options.config ?? (await import('../runbook/config.ts')).ConfigSchema.parse({});
	await mkdir(outDir, { recursive: true });
	const taken = new Set<string>();
	const pages: ImportedPage[] = [];
	for (const file of files) {
		const source = await readFile(resolve(root, file), 'utf8');
		const from = dirname(resolve(root, file));
		const stem = basename(file).replace(/\.(md|markdown|mdx)$/i, '');
		let name = `${stem}.mdx`;
		for (let n = 2; taken.has(name); n++) name = `${stem}-${n}.mdx`;
		taken.add(name);
		const result = importMarkdown(source, {
			file,
			page: name.replace(/\.mdx$/, ''),
			...(options.format ? { format: options.format } : {}),
			componentsModule,
			hasAsset: (path) => existsSync(join(from, path)),
		});
		const target = join(outDir, name);
		await writeFile(target, result.mdx);
		for (const asset of result.assets) {
			const to = join(outDir, asset);
			if (!to.startsWith(outDir + sep)) continue;
			await mkdir(dirname(to), { recursive: true });
			await copyFile(join(from, asset), to);
		}
		const to = posix(relative(root, target));
		const { problems } = parseRunbook(result.mdx, {
			file: to,
			contentPath: name,
			config,
		});
		pages.push({ from: file, to, result, problems });
	}
	return { pages };
}
