/**
 * Opsbook as a team meets it: `npm pack`, then a Starlight site of its own (made here, not copied
 * from this repository) installs the tarball, adds `opsbook()` to its plugins and builds; its
 * registry holds the page's typed block; `npx opsbook bridge` from that install starts a bridge.
 *
 * Offline and on loopback only: the site gets this repository's lockfile with its own
 * dependencies as the root's, so npm resolves nothing and reads every tarball from the cache
 * `npm ci` filled (`--offline` fails rather than reach the registry). The site lives under the
 * system temp folder, where nothing of this repository's node_modules can be found by accident.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistrySchema } from '../../src/runbook/schema.ts';
import { freePort, until } from '../support/processes.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The environment of a team's shell: Node 24 (this repository's) first on the PATH, for npm, npx
 * and the bin's `env node`; none of the `npm_*` variables `npm test` sets, which name this
 * repository (`npm_config_local_prefix` would make the site's npm install here). npm reads its
 * own settings (cache, nodedir) from ~/.npmrc as it would for the team.
 */
const env: NodeJS.ProcessEnv = Object.fromEntries(
	Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD'),
);
Object.assign(env, {
	PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
	NO_COLOR: '1',
	npm_config_audit: 'false',
	npm_config_fund: 'false',
	npm_config_update_notifier: 'false',
});
delete env.OPSBOOK_CONTENT_DIR;
delete env.OPSBOOK_CONFIG;
delete env.OPSBOOK_OUT_DIR;

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
	const started = performance.now();
	const result = spawnSync(command, args, { encoding: 'utf8', env, ...options });
	const seconds = ((performance.now() - started) / 1000).toFixed(1);
	console.log(`# ${command} ${args.join(' ')}: ${seconds} s`);
	assert.equal(
		result.status,
		0,
		`${command} ${args.join(' ')} failed:\n${String(result.stdout)}\n${String(result.stderr)}`,
	);
	return String(result.stdout);
}

/**
 * This repository's lockfile, with the site as its root and the packed Opsbook in it: every
 * version already decided, so npm fetches no package document, only tarballs from the cache.
 */
async function lockfileFor(name: string, dependencies: Record<string, string>, tarball: string) {
	const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
		name: string;
		packages: Record<string, Record<string, unknown>>;
	};
	const own = lock.packages['']!;
	lock.name = name;
	for (const entry of Object.values(lock.packages)) {
		// Here, this repository's dev tools; in the site, Astro and Starlight are its own.
		delete entry.dev;
		delete entry.devOptional;
	}
	lock.packages[''] = { name, dependencies };
	lock.packages['node_modules/opsbook'] = {
		version: own.version,
		resolved: `file:vendor/${tarball}`,
		license: own.license,
		dependencies: own.dependencies,
		peerDependencies: own.peerDependencies,
		bin: own.bin,
		engines: own.engines,
	};
	return `${JSON.stringify(lock, null, '\t')}\n`;
}

const PAGE = `---
title: Disk full
description: What to do when a disk fills up.
---

import { Tabs, TabItem } from 'opsbook/components';

Check the free space first.

\`\`\`bash id=disk.free risk=read title="Size of the logs"
du -sh {{dir:path=logs}}
\`\`\`

<Tabs>
<TabItem label="Linux">Look under \`/var/log\`.</TabItem>
<TabItem label="macOS">Look under \`/private/var/log\`.</TabItem>
</Tabs>
`;

describe('the packed package in a new Starlight site', () => {
	let work: string;
	let site: string;

	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'opsbook-package-'));
		site = join(work, 'site');
	});
	after(async () => {
		await rm(work, { recursive: true, force: true });
	});

	it('installs offline, builds with the plugin and emits the registry with the block', async () => {
		// `prepack` compiles the Node side (plugin, bin, bridge) to lib/ first.
		// Into the site's own vendor/ folder, as the README says: committed with the site, so a CI
		// runner that checks the site out installs the same file.
		const vendor = join(site, 'vendor');
		await mkdir(vendor, { recursive: true });
		run('npm', ['pack', '--silent', '--pack-destination', vendor], { cwd: ROOT });
		const [tarball] = (await readdir(vendor)).filter((f) => f.endsWith('.tgz'));
		assert.ok(tarball, 'npm pack wrote a tarball');

		const own = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
			peerDependencies: Record<string, string>;
		};
		const dependencies = {
			...own.peerDependencies,
			opsbook: `file:vendor/${tarball}`,
		};
		await mkdir(join(site, 'src/content/docs'), { recursive: true });
		await writeFile(
			join(site, 'package.json'),
			`${JSON.stringify(
				{
					name: 'team-runbooks',
					private: true,
					type: 'module',
					dependencies,
					// node-pty, the bridge's terminals, builds in its install script, which npm 11
					// warns about unless the site allows it (and later npm versions will skip).
					allowScripts: { 'node-pty': true },
				},
				null,
				'\t',
			)}\n`,
		);
		await writeFile(
			join(site, 'package-lock.json'),
			await lockfileFor('team-runbooks', dependencies, tarball),
		);
		await writeFile(
			join(site, 'astro.config.mjs'),
			`import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';
import opsbook from 'opsbook';

export default defineConfig({
	site: 'https://runbooks.example.com',
	integrations: [starlight({ title: 'Team runbooks', plugins: [opsbook()] })],
});
`,
		);
		await writeFile(
			join(site, 'src/content.config.ts'),
			`import { defineCollection } from 'astro:content';
import { docsLoader } from '@astrojs/starlight/loaders';
import { docsSchema } from '@astrojs/starlight/schema';

export const collections = {
	docs: defineCollection({ loader: docsLoader(), schema: docsSchema() }),
};
`,
		);
		await writeFile(join(site, 'src/content/docs/disk.mdx'), PAGE);

		run('npm', ['install', '--offline', '--no-audit', '--no-fund'], { cwd: site });
		assert.ok(
			existsSync(join(site, 'node_modules/node-pty/build/Release/pty.node')),
			"node-pty's install script built it (the site's allowScripts)",
		);
		const built = run(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build'], {
			cwd: site,
		});
		// Starlight adds the sitemap; the plugin adds nothing to it twice, nor warns about it.
		assert.doesNotMatch(built, /\[WARN\] \[@astrojs\/sitemap\]/, built);
		const sitemap = await readFile(join(site, 'dist/sitemap-0.xml'), 'utf8');
		assert.deepEqual([...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]).sort(), [
			'https://runbooks.example.com/disk/',
			'https://runbooks.example.com/incident/',
		]);
		// The terminal's document is built, and left out of the sitemap (it is a frame of the pages).
		assert.ok(existsSync(join(site, 'dist/opsbook/terminal/index.html')));

		const registry = RegistrySchema.parse(
			JSON.parse(await readFile(join(site, 'dist/opsbook/registry.json'), 'utf8')),
		);
		assert.deepEqual(
			registry.blocks.map((b) => [b.id, b.risk, b.page.slug]),
			[['disk.free', 'read', 'disk']],
		);
		const html = await readFile(join(site, 'dist/disk/index.html'), 'utf8');
		assert.match(html, /<opsbook-command id="cmd-disk.free"/, 'the block renders as a step');
		assert.match(html, /<opsbook-bridge /, 'the header carries the bridge status');
		assert.match(html, /class="ob-tab-label"/, 'opsbook/components resolves');
		const incident = await readFile(join(site, 'dist/incident/index.html'), 'utf8');
		assert.match(incident, /<opsbook-timeline /, 'the incident timeline page is added');
	});

	it('starts a bridge with `npx opsbook bridge --site …` from that install', async () => {
		const port = await freePort();
		const stateDir = join(work, 'state');
		const child = spawn(
			'npx',
			[
				'--offline',
				'opsbook',
				'bridge',
				'--site',
				'https://runbooks.example.com/',
				'--port',
				String(port),
			],
			{
				cwd: site,
				env: { ...env, XDG_STATE_HOME: stateDir },
				stdio: ['ignore', 'pipe', 'pipe'],
				// Its own process group: npx, npm and the bridge stop together.
				detached: true,
			},
		);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const exited = once(child, 'exit');
		try {
			await until(
				() => /#opsbook=/.test(stdout) || child.exitCode !== null || undefined,
				'the bridge to print its pairing link',
				20_000,
			);
			// The published site's address, with the token and the bridge's in its fragment.
			assert.match(
				stdout,
				new RegExp(`https://runbooks\\.example\\.com/#opsbook=[\\w-]+@127\\.0\\.0\\.1:${port}\\s`),
				`it prints its pairing link:\n${stdout}\n${stderr}`,
			);
			// A bridge without a site of its own answers plain requests by saying so.
			const answer = await fetch(`http://127.0.0.1:${port}/`);
			assert.equal(answer.status, 404);
			assert.equal(await answer.text(), 'Opsbook bridge: no site here.\n');
		} finally {
			if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
			await exited;
		}
	});
});
