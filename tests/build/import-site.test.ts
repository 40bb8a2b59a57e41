/**
 * Every page of the import corpus (tests/fixtures/import/) builds, all in one site: one Astro
 * build for the seed and every real runbook, each project in a folder of its own, with a config
 * that has the local target only. Each page is rendered with every command block of the golden
 * page, and each block is in the registry; the seed keeps its asides and Opsbook's tabs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importFiles, REPORT_FILE, type ImportedPage } from '../../src/import/import-fs.ts';
import { slugOf } from '../../src/runbook/parse.ts';
import { RegistrySchema, type Registry } from '../../src/runbook/schema.ts';

const corpus = 'tests/fixtures/import';
// The content folder stands as deep in tests/.tmp as the corpus test's, so the pages import
// src/components.ts by the same relative path as the golden files do.
const content = resolve('tests/.tmp/import-site');
const out = resolve('tests/.tmp/import-site-dist');

describe('the imported corpus as one site', () => {
	const pages: Array<ImportedPage & { project: string; slug: string }> = [];
	let registry: Registry;
	let build: ReturnType<typeof spawnSync>;

	before(async () => {
		await rm(content, { recursive: true, force: true });
		await rm(out, { recursive: true, force: true });
		for (const project of (await readdir(corpus, { withFileTypes: true })).filter((e) =>
			e.isDirectory(),
		)) {
			const folder = join(corpus, project.name);
			const sources = (await readdir(folder))
				.filter((name) => name.endsWith('.md') && name !== 'SOURCE.md')
				.map((name) => join(folder, name));
			const imported = await importFiles(sources, {
				outDir: relative(process.cwd(), join(content, project.name)),
			});
			for (const page of imported.pages) {
				const slug = slugOf(relative(content, resolve(page.to)));
				pages.push({ ...page, project: project.name, slug });
			}
		}
		await writeFile(
			join(content, 'opsbook.config.ts'),
			"export default { defaultTarget: 'local' };\n",
		);
		build = spawnSync(process.execPath, [resolve('node_modules/astro/bin/astro.mjs'), 'build'], {
			encoding: 'utf8',
			env: {
				...process.env,
				OPSBOOK_CONTENT_DIR: relative(process.cwd(), content),
				OPSBOOK_CONFIG: relative(process.cwd(), join(content, 'opsbook.config.ts')),
				OPSBOOK_OUT_DIR: out,
				NO_COLOR: '1',
			},
		});
		if (build.status === 0) {
			registry = RegistrySchema.parse(
				JSON.parse(await readFile(join(out, 'opsbook/registry.json'), 'utf8')),
			);
		}
	});
	after(async () => {
		await rm(content, { recursive: true, force: true });
		await rm(out, { recursive: true, force: true });
	});

	it('builds the golden page of the seed and of every real runbook, in one build', async () => {
		assert.ok(pages.length >= 9, `${pages.length} pages`);
		for (const page of pages) {
			const golden = await readFile(page.from.replace(/\.md$/, '.mdx.golden'), 'utf8');
			assert.equal(page.result.mdx, golden, `${page.from}: run the import corpus test first`);
			assert.deepEqual(page.problems, [], page.from);
		}
		assert.equal(build.status, 0, `${build.stdout}${build.stderr}`);
	});

	it('renders every page with each of its command blocks, all in the registry', async () => {
		for (const page of pages) {
			const html = await readFile(join(out, page.slug, 'index.html'), 'utf8');
			const blocks = registry.blocks.filter((b) => b.page.slug === page.slug);
			assert.equal(blocks.length, page.result.commandBlocks, page.from);
			for (const block of blocks) {
				assert.ok(html.includes(`<opsbook-command id="cmd-${block.id}"`), block.id);
			}
			assert.doesNotMatch(html, /opsbook import, review/, 'review comments are not page text');
		}
		assert.equal(
			registry.blocks.length,
			pages.reduce((n, p) => n + p.result.commandBlocks, 0),
		);
	});

	it('keeps the seed’s asides and tabs, and the import reports out of the site', async () => {
		const seed = pages.find((p) => p.project === 'seed-mkdocs')!;
		const html = await readFile(join(out, seed.slug, 'index.html'), 'utf8');
		assert.match(html, /class="starlight-aside starlight-aside--danger"/);
		assert.match(
			html,
			/<h3 class="ob-tab-label" id="tab-container-stopped">Container stopped<\/h3>/,
		);
		// Each project's folder has its report beside its pages, which the site does not show.
		assert.ok(existsSync(join(content, seed.project, REPORT_FILE)));
		assert.ok(!existsSync(join(out, seed.project, REPORT_FILE.replace(/\.md$/, ''))));
	});
});
