/**
 * The `opsbook()` Starlight plugin: its options, and what its `config:setup` adds to a site, with
 * Starlight's hook arguments played by plain functions.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import type { StarlightUserConfig } from '@astrojs/starlight/types';
import { AstroError } from 'astro/errors';
import opsbook from '../../src/index.ts';
import { packageFile } from '../../src/integration/package-fs.ts';
import { defaultContentDir } from '../../src/runbook/runbooks-fs.ts';

const made: string[] = [];
after(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

async function project(folders: string[], files: Record<string, string> = {}) {
	const root = await mkdtemp(join(tmpdir(), 'opsbook-plugin-'));
	made.push(root);
	for (const folder of folders) await mkdir(join(root, folder), { recursive: true });
	for (const [file, text] of Object.entries(files)) await writeFile(join(root, file), text);
	return root;
}

/** Runs the plugin's `config:setup` as Starlight would; returns what it asked for. */
async function setup(
	root: string,
	config: Partial<StarlightUserConfig> = {},
	plugin = opsbook(),
	base = '/',
) {
	const updates: Partial<StarlightUserConfig>[] = [];
	const integrations: string[] = [];
	const middleware: string[] = [];
	const warnings: string[] = [];
	const hook = plugin.hooks['config:setup']!;
	await hook({
		config: { title: 'Runbooks', ...config },
		updateConfig: (update: Partial<StarlightUserConfig>) => void updates.push(update),
		addIntegration: (integration: { name: string }) => void integrations.push(integration.name),
		addRouteMiddleware: ({ entrypoint }: { entrypoint: string }) =>
			void middleware.push(entrypoint),
		astroConfig: { root: pathToFileURL(`${root}/`), srcDir: pathToFileURL(`${root}/src/`), base },
		logger: { warn: (message: string) => void warnings.push(message), info() {}, error() {} },
	} as unknown as Parameters<typeof hook>[0]);
	assert.equal(updates.length, 1, 'one update of the Starlight config');
	return { update: updates[0]!, integrations, middleware, warnings };
}

describe('opsbook() options', () => {
	it('refuses an unknown or mistyped option with an AstroError naming it', () => {
		assert.throws(
			() => opsbook({ contnetDir: 'runbooks' } as never),
			(error: unknown) => error instanceof AstroError && /contnetDir/.test(error.message),
		);
		assert.throws(
			() => opsbook({ contentDir: 3 } as never),
			(error: unknown) => error instanceof AstroError && /contentDir/.test(error.message),
		);
	});

	it('refuses a runbook folder that does not exist, and says which option names it', async () => {
		const root = await project(['src/content/docs']);
		await assert.rejects(
			setup(root, {}, opsbook({ contentDir: 'runbooks' })),
			(error: unknown) =>
				error instanceof AstroError &&
				/runbooks/.test(error.message) &&
				/contentDir/.test(error.hint ?? ''),
		);
	});
});

describe('what opsbook() adds to a Starlight site', () => {
	it('adds the code-block plugin, the header, the CSS and the integration to a docsLoader site', async () => {
		const root = await project(['src/content/docs']);
		const mine = { name: 'mine', hooks: {} };
		const { update, integrations, middleware } = await setup(root, {
			customCss: ['./src/custom.css'],
			expressiveCode: { plugins: [mine], themes: ['github-dark'] },
			lastUpdated: true,
		});
		const ec = update.expressiveCode as { plugins: { name: string }[]; themes: string[] };
		assert.deepEqual(
			ec.plugins.map((p) => p.name),
			['mine', 'opsbook-commands'],
		);
		assert.deepEqual(ec.themes, ['github-dark'], 'the site’s own Expressive Code options stay');
		assert.equal(update.components?.Header, packageFile('src/components/Header.astro'));
		assert.deepEqual(update.customCss, [packageFile('src/styles/opsbook.css'), './src/custom.css']);
		// Starlight processes and dates src/content/docs itself.
		assert.equal(update.markdown, undefined);
		// Walkthrough steps in "On this page", on every site.
		assert.deepEqual(middleware, [packageFile('src/integration/walkthrough-toc-fs.ts')]);
		assert.deepEqual(integrations, ['opsbook']);
	});

	it('links the light theme for readers without JavaScript, under the site’s base, after its own head', async () => {
		const root = await project(['src/content/docs']);
		const own = { tag: 'meta' as const, attrs: { name: 'team', content: 'sre' } };
		for (const [base, href] of [
			['/', '/opsbook/no-script-light.css'],
			['/docs', '/docs/opsbook/no-script-light.css'],
			['/docs/', '/docs/opsbook/no-script-light.css'],
		] as const) {
			const { update } = await setup(root, { head: [own] }, opsbook(), base);
			assert.deepEqual(update.head, [
				own,
				{ tag: 'noscript', attrs: {}, content: `<link rel="stylesheet" href="${href}">` },
			]);
		}
	});

	it('has Starlight process and date a runbook folder outside src/content/docs', async () => {
		const root = await project(['content']);
		const { update, middleware } = await setup(root, { lastUpdated: true });
		assert.deepEqual(update.markdown?.processedDirs, ['content']);
		assert.deepEqual(middleware, [
			packageFile('src/integration/last-updated-fs.ts'),
			packageFile('src/integration/walkthrough-toc-fs.ts'),
		]);
	});

	it('keeps a header override of the site’s own, and says what to render in it', async () => {
		const root = await project(['src/content/docs']);
		const { update, warnings } = await setup(root, {
			components: { Header: './src/MyHeader.astro' },
		});
		assert.equal(update.components?.Header, './src/MyHeader.astro');
		assert.match(warnings.join('\n'), /opsbook\/components\/Header\.astro/);
	});

	it('refuses `expressiveCode: false`', async () => {
		const root = await project(['src/content/docs']);
		await assert.rejects(setup(root, { expressiveCode: false }), AstroError);
	});

	it('refuses an ec.config.mjs whose plugin list would replace Opsbook’s, with the line to add', async () => {
		const root = await project(['src/content/docs'], {
			'ec.config.mjs': "export default { plugins: [{ name: 'mine', hooks: {} }] };\n",
		});
		await assert.rejects(
			setup(root),
			(error: unknown) =>
				error instanceof AstroError && /pluginOpsbookCommands\(\)/.test(error.hint ?? ''),
		);
		const listed = await project(['src/content/docs'], {
			'ec.config.mjs': "export default { plugins: [[{ name: 'opsbook-commands', hooks: {} }]] };\n",
		});
		await setup(listed);
		const withoutPlugins = await project(['src/content/docs'], {
			'ec.config.mjs': "export default { themes: ['github-dark'] };\n",
		});
		await setup(withoutPlugins);
	});
});

describe('the runbook folder of a project that names none', () => {
	it('is Starlight’s src/content/docs when there is one, else content/', async () => {
		assert.equal(
			defaultContentDir(await project(['src/content/docs', 'content'])),
			'src/content/docs',
		);
		assert.equal(defaultContentDir(await project(['content'])), 'content');
	});
});
