/**
 * The seed, imported from its MkDocs-Material form, builds as a site: every command block of the
 * page is in the registry and rendered, with its asides and Opsbook's tabs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, it } from 'node:test';
import { importFiles } from '../../src/import/import-fs.ts';
import { RegistrySchema } from '../../src/runbook/schema.ts';

const work = resolve('tests/.tmp/import-site');
after(() => rm(work, { recursive: true, force: true }));

it('builds the imported seed, with every block in the registry and on the page', async () => {
	await rm(work, { recursive: true, force: true });
	const { pages } = await importFiles(
		['tests/fixtures/import/seed-mkdocs/incident-response-runbook.md'],
		{
			outDir: 'tests/.tmp/import-site/content',
		},
	);
	const [page] = pages;
	assert.deepEqual(page!.problems, []);
	const out = join(work, 'dist');
	const result = spawnSync(
		process.execPath,
		[resolve('node_modules/astro/bin/astro.mjs'), 'build'],
		{
			encoding: 'utf8',
			env: {
				...process.env,
				OPSBOOK_CONTENT_DIR: 'tests/.tmp/import-site/content',
				OPSBOOK_OUT_DIR: out,
				NO_COLOR: '1',
			},
		},
	);
	assert.equal(result.status, 0, result.stdout + result.stderr);
	const registry = RegistrySchema.parse(
		JSON.parse(await readFile(join(out, 'opsbook/registry.json'), 'utf8')),
	);
	assert.equal(registry.blocks.length, page!.result.commandBlocks);
	const html = await readFile(join(out, 'incident-response-runbook/index.html'), 'utf8');
	for (const block of registry.blocks)
		assert.ok(html.includes(`<opsbook-command id="cmd-${block.id}"`), block.id);
	assert.match(html, /class="starlight-aside starlight-aside--danger"/);
	assert.match(html, /<h3 class="ob-tab-label" id="tab-container-stopped">Container stopped<\/h3>/);
	assert.doesNotMatch(
		html,
		/opsbook import, review/,
		'review comments are MDX comments, not page text',
	);
});
