/**
 * The import corpus (tests/fixtures/import/): the seed in its MkDocs-Material form and real
 * runbooks of open-source projects (see SOURCES.md there for where each comes from and its
 * licence). Each imports into a page the model reads without a problem, as the golden file beside
 * it shows; `UPDATE_GOLDEN=1` rewrites the golden files, to be read before they are committed.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatReport } from '../../src/import/index.ts';
import { importFiles, type ImportedPage } from '../../src/import/import-fs.ts';
import { formatProblems, loadRunbooks } from '../../src/runbook/runbooks-fs.ts';
import { displayTemplate } from '../../src/runbook/template.ts';

const corpus = 'tests/fixtures/import';
const update = process.env.UPDATE_GOLDEN === '1';

async function sources(): Promise<string[]> {
	const files: string[] = [];
	for (const project of (await readdir(corpus, { withFileTypes: true })).filter((e) =>
		e.isDirectory(),
	)) {
		for (const name of await readdir(join(corpus, project.name))) {
			if (name.endsWith('.md') && name !== 'SOURCE.md')
				files.push(join(corpus, project.name, name));
		}
	}
	return files.sort();
}

describe('the import corpus', () => {
	let dir: string;
	let pages: ImportedPage[];
	before(async () => {
		// Inside the repository, so the pages' import of src/components.ts reads the same in every
		// checkout, as the golden files have it.
		const root = process.cwd();
		await mkdir(join(root, 'tests/.tmp'), { recursive: true });
		dir = await mkdtemp(join(root, 'tests/.tmp/import-corpus-'));
		({ pages } = await importFiles(await sources(), {
			outDir: relative(root, join(dir, 'content')),
			root,
		}));
	});
	after(() => rm(dir, { recursive: true, force: true }));

	it('holds the seed and at least eight runbooks of other projects, in both formats', () => {
		const projects = new Set(pages.map((p) => p.from.split('/')[3]));
		assert.ok(projects.has('seed-mkdocs'));
		assert.ok(projects.size - 1 >= 8, `${projects.size - 1} projects`);
		const formats = new Set(pages.map((p) => p.result.format));
		assert.deepEqual([...formats].sort(), ['gfm', 'mkdocs']);
	});

	it('imports every runbook into a page the model reads without a problem', async () => {
		for (const page of pages) {
			assert.deepEqual(page.problems, [], `${page.from}\n${formatProblems(page.problems)}`);
			assert.ok(page.result.commandBlocks > 0, `${page.from} has command blocks`);
			assert.ok(
				!page.result.report.some((n) => /does not parse as MDX/.test(n.message)),
				page.from,
			);
		}
		// And as one site: ids unique across pages, links and gates resolved.
		const loaded = await loadRunbooks({ root: dir, contentDir: 'content' });
		assert.deepEqual(loaded.problems, [], formatProblems(loaded.problems));
		assert.equal(
			loaded.blocks.length,
			pages.reduce((n, p) => n + p.result.commandBlocks, 0),
		);
	});

	it('shows each result as its reviewed golden file', async () => {
		for (const page of pages) {
			const golden = page.from.replace(/\.md$/, '.mdx.golden');
			const report = page.from.replace(/\.md$/, '.report.golden');
			const text = formatReport(page.from, page.result.report) + '\n';
			if (update || !existsSync(golden)) {
				await writeFile(golden, page.result.mdx);
				await writeFile(report, text);
			}
			assert.equal(
				page.result.mdx,
				await readFile(golden, 'utf8'),
				`${golden} (UPDATE_GOLDEN=1 rewrites it)`,
			);
			assert.equal(text, await readFile(report, 'utf8'), report);
		}
	});

	it('has every command of the seed as a typed block', async () => {
		const page = pages.find((p) => p.from.includes('seed-mkdocs'))!;
		const loaded = await loadRunbooks({ root: dir, contentDir: 'content' });
		const blocks = loaded.blocks.filter((b) => page.to.endsWith(`${b.block.page.slug}.mdx`));
		const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
		const shown = squash(blocks.map((b) => displayTemplate(b.block).text).join('\n'));
		const COMMAND =
			/^\s*(docker|sudo|curl|cd |dig|ssh|df|du |free|ps |git |sleep|bash|aws|ls |source|find|truncate|systemctl|psql|"SELECT|FROM|WHERE|ORDER|LIMIT|UNION|celery|--endpoint|--profile)/;
		const seed = (await readFile('tests/fixtures/orion-seed.txt', 'utf8')).split('\n');
		const commands = seed.filter((line) => COMMAND.test(line));
		assert.ok(commands.length > 100, `the seed has over 100 command lines (${commands.length})`);
		const missing = commands.filter((line) =>
			squash(line)
				.split(/<[^>]+>/)
				.some((part) => !shown.includes(squash(part))),
		);
		assert.deepEqual(missing, []);
	});
});
