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
 *
 * The report of every page is written beside them too, as `DIR/_import-report.md` (see
 * `writeReport`): its leading `_` keeps it out of the site and of `opsbook check`, which skip such
 * files, when DIR is the content folder.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { OpsbookConfig } from '../runbook/config.ts';
import { parseRunbook, type RunbookProblem } from '../runbook/parse.ts';
import {
	formatReport,
	importMarkdown,
	summarizeReport,
	type ImportFormat,
	type ImportResult,
} from './index.ts';

/** The report's name in the folder the pages go to. */
export const REPORT_FILE = '_import-report.md';

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
	/** The page written, relative to the root (in full when outside it). */
	to: string;
	result: ImportResult;
	/** What the model says about the page written: none, unless the importer has a bug. */
	problems: RunbookProblem[];
}

const posix = (path: string) => path.split(sep).join('/');
/** A path as the report shows it: from the root when inside it, else in full. */
const shown = (root: string, path: string) => {
	const inside = relative(root, path);
	return posix(inside.startsWith('..') || isAbsolute(inside) ? path : inside);
};

/**
 * Imports `files` into `outDir`, and writes their report there; `report` is its path, as `to`
 * shows a page's. Two sources with the same name get `-2`, `-3`…
 */
export async function importFiles(
	files: readonly string[],
	options: ImportFilesOptions,
): Promise<{ pages: ImportedPage[]; report: string }> {
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
			defaultTarget: config.defaultTarget,
		});
		const target = join(outDir, name);
		await writeFile(target, result.mdx);
		for (const asset of result.assets) {
			const to = join(outDir, asset);
			if (!to.startsWith(outDir + sep)) continue;
			await mkdir(dirname(to), { recursive: true });
			await copyFile(join(from, asset), to);
		}
		const to = shown(root, target);
		const { problems } = parseRunbook(result.mdx, {
			file: to,
			contentPath: name,
			config,
		});
		pages.push({ from: file, to, result, problems });
	}
	const report = join(outDir, REPORT_FILE);
	await writeReport(report, pages);
	return { pages, report: shown(root, report) };
}

const REPORT_HEAD = `# Opsbook import report

What \`opsbook import\` guessed (\`inferred\`) and could not convert (\`not-converted\`), what
needs a human most first: what was not converted, the risk guesses, where the blocks run, the
parameters, the checks and the other guesses, one line each as FILE:LINE: [KIND] MESSAGE; then
how many ids, read guesses and routine conversions the page has, counted. The page marks every one with an
\`opsbook import, review\` comment at its source line: review it there, then delete the comment.
`;

/**
 * Writes the report of `pages` to `path`: a section per page, its notes one a line in a text
 * fence (they quote `<placeholders>` a Markdown viewer would take for HTML). A report there
 * already keeps its sections for other pages, so importing file by file into one folder keeps
 * every note; a page imported again replaces its own section.
 */
export async function writeReport(path: string, pages: readonly ImportedPage[]): Promise<void> {
	const sections = new Map<string, string>();
	if (existsSync(path)) {
		const previous = await readFile(path, 'utf8');
		for (const section of previous.split(/^(?=## )/m).slice(1)) {
			sections.set(section.split('\n', 1)[0]!, section.trimEnd());
		}
	}
	for (const page of pages) {
		const heading = `## ${page.from} → ${page.to}`;
		const notes = page.result.report;
		const lines = formatReport(page.from, notes);
		// A fence longer than any run of backticks a note quotes.
		const fence = '`'.repeat(Math.max(3, ...(lines.match(/`+/g) ?? []).map((r) => r.length + 1)));
		const body =
			notes.length === 0
				? 'Nothing to review.'
				: `${summarizeReport(notes)}.\n\n${fence}text\n${lines}\n${fence}`;
		sections.delete(heading);
		sections.set(heading, `${heading}\n\n${body}`);
	}
	await writeFile(path, `${REPORT_HEAD}\n${[...sections.values()].join('\n\n')}\n`);
}
