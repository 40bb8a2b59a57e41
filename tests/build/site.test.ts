/**
 * The built site (built once by `npm test` into OPSBOOK_TEST_SITE) and builds that must fail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadValidRunbooks } from '../../src/runbook/runbooks-fs.ts';
import { RegistrySchema, type Registry } from '../../src/runbook/schema.ts';

const site = process.env.OPSBOOK_TEST_SITE ?? resolve('tests/.tmp/site');
const astro = resolve('node_modules/astro/bin/astro.mjs');

function build(contentDir: string, outDir: string, env: Record<string, string> = {}) {
	return spawnSync(process.execPath, [astro, 'build'], {
		encoding: 'utf8',
		env: {
			...process.env,
			OPSBOOK_CONTENT_DIR: contentDir,
			OPSBOOK_OUT_DIR: outDir,
			NO_COLOR: '1',
			...env,
		},
	});
}

const pageHtml = (slug: string) =>
	readFile(join(site, slug === 'index' ? '' : slug, 'index.html'), 'utf8');

describe('the runbook site', () => {
	let registry: Registry;
	before(async () => {
		assert.ok(existsSync(join(site, 'index.html')), `the site is built in ${site}`);
		registry = RegistrySchema.parse(
			JSON.parse(await readFile(join(site, 'opsbook/registry.json'), 'utf8')),
		);
	});

	it('emits a registry of every command block of the runbooks', async () => {
		const loaded = await loadValidRunbooks({ root: process.cwd() });
		assert.ok(
			loaded.blocks.length > 100,
			`the Orion runbook has over 100 steps (${loaded.blocks.length})`,
		);
		assert.deepEqual(
			registry.blocks.map((b) => b.id),
			loaded.blocks.map((b) => b.block.id),
		);
	});

	it('renders every block of the registry on its page, with its risk and target', async () => {
		const pages = new Map<string, string>();
		for (const block of registry.blocks) {
			if (!pages.has(block.page.slug)) pages.set(block.page.slug, await pageHtml(block.page.slug));
			const html = pages.get(block.page.slug)!;
			const start = html.indexOf(`<opsbook-command id="cmd-${block.id}"`);
			assert.ok(start >= 0, `${block.id} is on /${block.page.slug}/`);
			const element = html.slice(start, html.indexOf('</opsbook-command>', start));
			assert.match(element, new RegExp(`data-risk="${block.risk}"`));
			assert.match(element, new RegExp(`risk: ${block.risk}`));
			assert.match(element, /class="ob-target"/);
		}
	});

	it('shows the real values of variables, and never a raw placeholder', async () => {
		const html = await pageHtml('runbooks/database');
		assert.doesNotMatch(html, /\{\{\s*vars\./);
		assert.doesNotMatch(html, /\{\{[a-z_]+:[a-z]+/);
		assert.match(html, /orion_user/);
		assert.match(
			html,
			/&#x3C;pid>|&lt;pid&gt;/,
			'the PID placeholder is visible without JavaScript',
		);
	});

	it('loads no terminal code on runbook pages', async () => {
		const html = await pageHtml('runbooks/database');
		assert.doesNotMatch(html, /xterm/i);
	});

	it('heads every tab panel with its label, so it reads without JavaScript', async () => {
		// Starlight's own <Tabs> hide all panels but one from a reader without JavaScript; the
		// runbooks import Opsbook's (src/components.ts), which head each panel with its label.
		const headless: string[] = [];
		const files = await readdir(site, { recursive: true });
		for (const file of files.filter((f) => f.endsWith('index.html'))) {
			const html = await readFile(join(site, file), 'utf8');
			for (const panel of html.split(/(?=<div[^>]* role="tabpanel")/).slice(1)) {
				const label = /^<div[^>]*>\s*<h3 class="ob-tab-label" id="tab-[^"]+">/.test(panel);
				if (!label) headless.push(`${file}: ${panel.slice(0, 80)}`);
			}
		}
		assert.deepEqual(headless, [], 'tab panels without a label heading');
	});

	it('dates each page by the newest commit to its file under content/', async () => {
		const pages: Array<[string, string]> = [
			['severity', 'content/severity.mdx'],
			['runbooks/database', 'content/runbooks/database.mdx'],
		];
		for (const [slug, file] of pages) {
			const log = spawnSync('git', ['log', '-1', '--format=%ct', '--', file], { encoding: 'utf8' });
			const committed = new Date(Number(log.stdout.trim()) * 1000).toISOString();
			assert.match(
				await pageHtml(slug),
				new RegExp(`Last updated:.*<time datetime="${committed}"`, 's'),
				`/${slug}/ says when ${file} was last committed`,
			);
		}
	});

	it('has no “Edit page” link unless OPSBOOK_EDIT_URL says where pages are edited', async () => {
		assert.doesNotMatch(await pageHtml('severity'), /Edit page/);
	});
});

describe('what an incident reads from the site', () => {
	it('keeps the severity page in the seed’s words', async () => {
		const text = (await pageHtml('severity')).replace(/<[^>]+>/g, '');
		assert.ok(
			text.includes(
				'If a SEV-2 is not resolved within 2 hours, escalate to SEV-1. If a SEV-3 trends toward impacting users, escalate to SEV-2.',
			),
			'the escalation rules read as the seed wrote them',
		);
		assert.match(await pageHtml('severity'), /<td>&lt; 15 min<\/td>/);
	});

	it('gives every page the levels and rules, and no page the template from the header', async () => {
		const { incident } = await loadValidRunbooks({ root: process.cwd() });
		const { template, ...rest } = incident;
		assert.ok(template, 'the site has a report template');
		for (const slug of ['index', 'severity', 'runbooks/database', 'post-incident']) {
			const html = await pageHtml(slug);
			const json =
				/<script type="application\/json" id="opsbook-incident-content">(.*?)<\/script>/s.exec(
					html,
				)?.[1];
			assert.ok(json, `/${slug}/ embeds the incident content`);
			assert.doesNotMatch(json, /</, 'no markup can end the element early');
			assert.deepEqual(JSON.parse(json), rest, `/${slug}/ has the site's levels and rules`);
		}
	});
});

describe('with OPSBOOK_EDIT_URL', () => {
	it('links every page to its file there', async () => {
		const out = resolve('tests/.tmp/edit-link-site');
		try {
			const result = build('tests/fixtures/bridge/content', out, {
				OPSBOOK_CONFIG: 'tests/fixtures/bridge/opsbook.config.ts',
				OPSBOOK_EDIT_URL: 'https://git.example/opsbook/edit/main/',
			});
			assert.equal(result.status, 0, result.stderr);
			const html = await readFile(join(out, 'remote/index.html'), 'utf8');
			assert.match(
				html,
				/href="https:\/\/git\.example\/opsbook\/edit\/main\/tests\/fixtures\/bridge\/content\/remote\.mdx"[^>]*>.*Edit page/s,
			);
		} finally {
			await rm(out, { recursive: true, force: true });
		}
	});
});

describe('a broken runbook', () => {
	it('fails the build with the list opsbook check prints, and no stack trace', async () => {
		const out = resolve('tests/.tmp/broken-site');
		try {
			const result = build('tests/fixtures/broken', out);
			assert.notEqual(result.status, 0, 'the build fails');
			const output = result.stdout + result.stderr;
			const check = spawnSync(process.execPath, ['bin/opsbook.ts', 'check'], {
				encoding: 'utf8',
				env: { ...process.env, OPSBOOK_CONTENT_DIR: 'tests/fixtures/broken' },
			});
			const listed = check.stderr.split('\n').filter((l) => /^ {2}\S+:\d+:\d+: /.test(l));
			assert.equal(listed.length, 9, check.stderr);
			// Every line, as check prints it, in the same order.
			const at = listed.map((line) => output.indexOf(`\n${line}\n`));
			assert.ok(
				at.every((i, n) => i >= 0 && (n === 0 || i > at[n - 1]!)),
				`each problem in order:\n${output}`,
			);
			assert.match(
				output,
				/^ {2}tests\/fixtures\/broken\/runbook\.mdx:9:20: risk "high" is not one of read, change, destructive$/m,
			);
			// The severity table and escalation rules an incident reads are validated like blocks.
			assert.match(output, /severity\.mdx:11:\d+: SEV-1's response time "ASAP" is not one/);
			assert.match(output, /The runbooks have 9 problems, listed above as file:line:column/);
			assert.match(output, /npx opsbook check/);
			assert.doesNotMatch(output, /Stack trace|\n\s+at /, 'a list, not a stack trace');
			assert.ok(!existsSync(join(out, 'index.html')), 'nothing is published');
		} finally {
			await rm(out, { recursive: true, force: true });
		}
	});
});
