/**
 * `npm start` when its port is taken: without `--port` it serves on a free port and says so above
 * the link; with `--port` it stops and says why. Either way it never leaves the responder guessing.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HELP } from '../../server/cli.ts';
import { FIXTURE, ROOT } from '../support/bridge.ts';
import { freePort, until } from '../support/processes.ts';

/** Runs `server/cli.ts serve` with `args`; resolves once it printed its link or exited. */
async function startCli(stateDir: string, args: string[]) {
	const env: NodeJS.ProcessEnv = {
		...process.env,
		XDG_STATE_HOME: stateDir,
		OPSBOOK_CONTENT_DIR: FIXTURE.contentDir,
		OPSBOOK_CONFIG: FIXTURE.configFile,
	};
	delete env.PORT;
	// A built site's folder, as `opsbook serve` wants one.
	const site = join(stateDir, 'site');
	mkdirSync(site, { recursive: true });
	writeFileSync(join(site, 'index.html'), '<!doctype html><title>Runbooks</title>\n');
	const child = spawn(process.execPath, ['server/cli.ts', 'serve', site, ...args], {
		cwd: ROOT,
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exited = once(child, 'exit');
	await until(
		() => /#opsbook=/.test(stdout) || child.exitCode !== null || undefined,
		'the CLI to print its link or exit',
		20_000,
	);
	return {
		child,
		output: () => ({ stdout, stderr }),
		async stop() {
			if (child.exitCode === null) child.kill('SIGTERM');
			await exited;
		},
	};
}

/** Holds `port` on 127.0.0.1; another process may hold it already, which serves as well. */
async function occupy(port: number): Promise<Server | undefined> {
	const server = createServer();
	try {
		server.listen(port, '127.0.0.1');
		await once(server, 'listening');
		return server;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return undefined;
		throw error;
	}
}

describe('the CLI on a taken port', () => {
	let stateDir: string;
	before(async () => {
		stateDir = await mkdtemp(join(tmpdir(), 'opsbook-cli-'));
	});
	after(async () => {
		await rm(stateDir, { recursive: true, force: true });
	});

	it('serves on another port without --port, and says which and why', async () => {
		const holder = await occupy(4321);
		try {
			const cli = await startCli(stateDir, []);
			try {
				const { stdout } = cli.output();
				const link = /http:\/\/127\.0\.0\.1:(\d+)\/#opsbook=/.exec(stdout);
				assert.ok(link, `it prints its link (${stdout})`);
				const port = link[1];
				assert.notEqual(port, '4321');
				assert.match(
					stdout,
					new RegExp(`Port 4321 is in use \\(another Opsbook\\?\\); serving on ${port} instead`),
				);
				// Above the link, where the eye lands first.
				assert.ok(stdout.indexOf('Port 4321 is in use') < stdout.indexOf(link[0]));
			} finally {
				await cli.stop();
			}
		} finally {
			holder?.close();
		}
	});

	it('stops with the reason when the --port asked for is taken', async () => {
		const port = await freePort();
		const holder = await occupy(port);
		try {
			const cli = await startCli(stateDir, ['--port', String(port)]);
			await cli.stop();
			const { stdout, stderr } = cli.output();
			assert.equal(cli.child.exitCode, 2);
			assert.doesNotMatch(stdout, /#opsbook=/);
			assert.match(stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use`));
			assert.doesNotMatch(stderr, /\n\s+at /, 'a sentence, not a stack trace');
		} finally {
			holder?.close();
		}
	});

	it('npm start -- --help prints the options at once, without building the site first', () => {
		const npm = spawnSync('npm', ['start', '--silent', '--', '--help'], {
			cwd: ROOT,
			encoding: 'utf8',
			timeout: 30_000,
		});
		assert.equal(npm.status, 0, npm.stderr);
		// serve's help and nothing else: no build ran first.
		assert.equal(npm.stdout + npm.stderr, `${HELP.serve}\n`);
	});

	it('refuses to serve a folder with no built site in it, and says how to build one', () => {
		const cli = spawnSync(process.execPath, ['server/cli.ts', 'serve', join(stateDir, 'no-site')], {
			cwd: ROOT,
			env: {
				...process.env,
				XDG_STATE_HOME: stateDir,
				OPSBOOK_CONTENT_DIR: FIXTURE.contentDir,
				OPSBOOK_CONFIG: FIXTURE.configFile,
			},
			encoding: 'utf8',
		});
		assert.equal(cli.status, 2);
		assert.doesNotMatch(cli.stdout, /#opsbook=/);
		assert.match(
			cli.stderr,
			/There is no built site in .*no-site: build it first \(npx astro build\)/,
		);
	});

	it('says how to give a site, rather than failing with a stack trace', () => {
		for (const [args, said] of [
			[
				['serve', '--site', 'tests/.tmp/bridge-site'],
				/give the built site's folder as it is \(opsbook serve tests\/\.tmp\/bridge-site\)/,
			],
			[
				['bridge', '--site', 'runbooks.example.com'],
				/--site must be the address of the published runbooks/,
			],
		] as const) {
			const cli = spawnSync(process.execPath, ['server/cli.ts', ...args], {
				cwd: ROOT,
				env: { ...process.env, XDG_STATE_HOME: stateDir },
				encoding: 'utf8',
			});
			assert.equal(cli.status, 2, args.join(' '));
			assert.doesNotMatch(cli.stdout, /#opsbook=/);
			assert.match(cli.stderr, said);
			assert.doesNotMatch(cli.stderr, /\n\s+at /, 'a sentence, not a stack trace');
		}
	});
});
