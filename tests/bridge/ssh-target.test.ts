/**
 * The ssh target against a real sshd on loopback, with the real ssh client in a real pty: what a
 * responder sees when a step runs on a remote host, is stopped, or cannot connect.
 *
 * The sshd runs on this machine, so "remote" processes are in this machine's process table.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import pty, { type IPty } from 'node-pty';
import { runEnvironment } from '../../server/targets/local.ts';
import {
	describeSshFailure,
	markerFilter,
	sshTarget,
	type SshOptions,
	type SshTarget,
} from '../../server/targets/ssh.ts';
import { TargetError, type PreparedRun, type TargetDriver } from '../../server/targets/target.ts';
import { processes, until } from '../support/processes.ts';
import { startSshd, type Sshd } from '../support/sshd.ts';

let sshd: Sshd;
const drivers: TargetDriver[] = [];
const ptys: IPty[] = [];
const dirs: string[] = [];
const servers: { server: Server; sockets: Set<Socket> }[] = [];

before(async () => {
	sshd = await startSshd();
});

afterEach(async () => {
	for (const child of ptys.splice(0)) {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			// It has ended already.
		}
	}
	await Promise.all(drivers.splice(0).map((driver) => driver.close()));
	for (const { server, sockets } of servers.splice(0)) {
		for (const socket of sockets) socket.destroy();
		server.close();
	}
	await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

after(async () => {
	await sshd?.close();
});

/** A driver for one of the sshd's aliases, with a control directory of its own. */
async function driver(
	host = sshd.host,
	options: Partial<SshOptions> & { port?: number } = {},
): Promise<{ driver: TargetDriver; controlDir: string }> {
	const controlDir = await mkdtemp(join(tmpdir(), 'opsbook-ctl-'));
	dirs.push(controlDir);
	const target: SshTarget = { kind: 'ssh', host, port: options.port, production: false };
	const made = sshTarget('box', target, {
		controlDir,
		configFile: sshd.configFile,
		env: runEnvironment(),
		...options,
	});
	drivers.push(made);
	return { driver: made, controlDir };
}

const prepare = (
	target: TargetDriver,
	command: string,
	signal = new AbortController().signal,
	secrets: Record<string, string> = {},
) => target.prepare(command, { runId: 'run-1', lang: 'bash', signal, secrets });

interface Running {
	pty: IPty;
	/** The output as the page would show it: filtered. */
	output(): string;
	/** The raw bytes, marker included. */
	raw(): string;
	exited: Promise<{ ptyExitCode: number; exitCode: number | undefined }>;
}

/** Spawns exactly what `prepare` returned, in a pty, the way the bridge does. */
function start(prepared: PreparedRun): Running {
	const { file, args, env, cwd } = prepared.spawn;
	const child = pty.spawn(file, args, {
		name: 'xterm-256color',
		cols: 100,
		rows: 30,
		cwd,
		env,
		encoding: null,
	});
	ptys.push(child);
	const filter = prepared.filter;
	assert.ok(filter, 'an ssh run comes with an output filter');
	let output = '';
	let raw = '';
	child.onData((data: string | Buffer) => {
		const bytes = typeof data === 'string' ? Buffer.from(data) : data;
		raw += bytes.toString('latin1');
		output += Buffer.from(filter.push(bytes)).toString();
	});
	const exited = new Promise<{ ptyExitCode: number; exitCode: number | undefined }>((resolve) => {
		child.onExit(({ exitCode }) => {
			output += Buffer.from(filter.flush()).toString();
			resolve({ ptyExitCode: exitCode, exitCode: filter.exitCode });
		});
	});
	return { pty: child, output: () => output, raw: () => raw, exited };
}

/** A loopback port that accepts connections and never says a word, as a hung host would. */
async function silentServer(): Promise<{ server: Server; port: number }> {
	const sockets = new Set<Socket>();
	const server = createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	servers.push({ server, sockets });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { server, port: (server.address() as { port: number }).port };
}

/** The ssh masters using a control socket in `controlDir`. */
const masters = (controlDir: string) =>
	processes(
		(argv) =>
			argv.includes('-M') && argv.some((arg) => arg.startsWith(`ControlPath=${controlDir}/`)),
	);

/** A `sleep` only this test starts, so it can be found in the process table. */
const uniqueSleep = () => `600.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
const sleeping = (seconds: string) =>
	processes((argv) => argv.length === 2 && argv[0] === 'sleep' && argv[1] === seconds);

describe('ssh target: running commands', () => {
	it('runs a command on the host and reports its exit code, without the marker', async () => {
		const { driver: box } = await driver();
		const run = start(await prepare(box, 'echo hello from $(hostname)'));
		const { exitCode, ptyExitCode } = await run.exited;
		assert.match(run.output(), /hello from /);
		assert.match(
			run.raw(),
			/\x1b\]opsbook-exit;[0-9a-f]{32};0\x07/,
			'the marker came over the wire',
		);
		assert.doesNotMatch(run.output(), /opsbook-exit|\x1b\]/);
		assert.equal(exitCode, 0);
		assert.equal(ptyExitCode, 0);
	});

	it('reports the exit code of a command that exits on its own (exit 3 → 3)', async () => {
		const { driver: box } = await driver();
		const run = start(await prepare(box, 'echo before; exit 3; echo never'));
		const { exitCode } = await run.exited;
		assert.equal(exitCode, 3);
		assert.match(run.output(), /before/);
		assert.doesNotMatch(run.output(), /never/);
	});

	it('reports a command killed by a signal as 128 + the signal (TERM → 143), not ssh’s 255', async () => {
		const { driver: box } = await driver();
		const run = start(await prepare(box, 'kill -TERM $$'));
		const { exitCode } = await run.exited;
		assert.equal(exitCode, 143);
	});

	it('runs a `sh` block under sh and a `bash` block under bash', async () => {
		const { driver: box } = await driver();
		const prepared = await box.prepare('echo "shell=$0"', {
			runId: 'r',
			lang: 'sh',
			signal: new AbortController().signal,
			secrets: {},
		});
		const sh = start(prepared);
		await sh.exited;
		assert.match(sh.output(), /shell=sh\b/);
		const bash = start(await prepare(box, 'echo "bash=$BASH_VERSION"'));
		await bash.exited;
		assert.match(bash.output(), /bash=\d/);
	});

	it('cannot be fooled by output that prints a marker of its own', async () => {
		const { driver: box } = await driver();
		const forged = String.raw`printf '\033]opsbook-exit;%s;0\007' 00000000000000000000000000000000; exit 7`;
		const run = start(await prepare(box, forged));
		const { exitCode } = await run.exited;
		assert.equal(exitCode, 7);
	});
});

describe('ssh target: one master connection', () => {
	it('reuses the master for the next run', async () => {
		const { driver: box, controlDir } = await driver();
		await start(await prepare(box, 'true')).exited;
		const [master, ...others] = await masters(controlDir);
		assert.ok(master, 'a master is running after the first run');
		assert.deepEqual(others, []);
		const [socket] = readdirSync(controlDir);
		assert.ok(socket);
		const inode = statSync(join(controlDir, socket)).ino;

		await start(await prepare(box, 'true')).exited;
		assert.deepEqual(await masters(controlDir), [master], 'the same master, no other');
		assert.equal(statSync(join(controlDir, socket)).ino, inode, 'the same control socket');
	});

	it('starts a single master for runs prepared at the same time', async () => {
		const { driver: box, controlDir } = await driver();
		const runs = await Promise.all([1, 2, 3].map((n) => prepare(box, `echo run ${n}`)));
		assert.equal((await masters(controlDir)).length, 1);
		const codes = await Promise.all(runs.map((prepared) => start(prepared).exited));
		assert.deepEqual(
			codes.map((c) => c.exitCode),
			[0, 0, 0],
		);
	});

	it('starts a new master when the old one died', async () => {
		const { driver: box, controlDir } = await driver();
		await prepare(box, 'true');
		const [first] = await masters(controlDir);
		assert.ok(first);
		process.kill(first, 'SIGKILL');
		await until(
			async () => (await masters(controlDir)).length === 0,
			'the master to be gone',
			5000,
		);

		const run = start(await prepare(box, 'echo again'));
		assert.equal((await run.exited).exitCode, 0);
		const now = await masters(controlDir);
		assert.equal(now.length, 1);
		assert.notEqual(now[0], first);
	});

	it('close() ends the master', async () => {
		const { driver: box, controlDir } = await driver();
		await prepare(box, 'true');
		const [master] = await masters(controlDir);
		assert.ok(master);
		await box.close();
		await until(async () => (await masters(controlDir)).length === 0, 'the master to exit', 5000);
		assert.deepEqual(readdirSync(controlDir), [], 'its control socket is gone');
	});
});

describe('ssh target: stopping a run', () => {
	it('Ctrl-C stops the remote command, and the run reports 130', async () => {
		const { driver: box } = await driver();
		const seconds = uniqueSleep();
		const run = start(await prepare(box, `sleep ${seconds}; echo after`));
		await until(
			async () => (await sleeping(seconds)).length === 1,
			'the remote sleep to start',
			5000,
		);

		run.pty.write('\x03');
		const { exitCode } = await run.exited;
		assert.equal(exitCode, 130);
		assert.doesNotMatch(run.output(), /after/);
		await until(
			async () => (await sleeping(seconds)).length === 0,
			'the remote sleep to be gone',
			5000,
		);
	});

	it('SIGTERM to the local process group ends a remote command that ignores Ctrl-C', async () => {
		const { driver: box } = await driver();
		const seconds = uniqueSleep();
		const run = start(await prepare(box, `trap '' INT; sleep ${seconds}; echo after`));
		await until(
			async () => (await sleeping(seconds)).length === 1,
			'the remote sleep to start',
			5000,
		);

		run.pty.write('\x03');
		// The remote terminal echoes ^C as it signals the command: the signal has been delivered.
		await until(() => run.output().includes('^C'), 'the remote ^C echo', 5000);
		assert.equal((await sleeping(seconds)).length, 1, 'the command ignored Ctrl-C');

		process.kill(-run.pty.pid, 'SIGTERM');
		const { exitCode, ptyExitCode } = await run.exited;
		await until(
			async () => (await sleeping(seconds)).length === 0,
			'the remote sleep to be gone',
			5000,
		);
		assert.equal(exitCode, undefined, 'no in-band exit code: the session was cut');
		assert.equal(ptyExitCode, 255);
		assert.doesNotMatch(run.output(), /after/);
	});
});

describe('ssh target: when the host cannot be reached', () => {
	const assertNothingLeft = async (controlDir: string) => {
		assert.deepEqual(await masters(controlDir), [], 'no master left behind');
		assert.deepEqual(readdirSync(controlDir), [], 'no control socket');
	};

	it('a closed port is refused at once, naming host and port', async () => {
		const { driver: box, controlDir } = await driver('opsbook-test-closed');
		const began = Date.now();
		await assert.rejects(prepare(box, 'touch /tmp/never'), (error: unknown) => {
			assert.ok(error instanceof TargetError);
			assert.match(
				error.message,
				/opsbook-test-closed \(127\.0\.0\.1 port \d+\) refused the connection/,
			);
			assert.match(
				error.message,
				/\(ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused\)$/,
			);
			return true;
		});
		assert.ok(Date.now() - began < 3000, 'well within the 10 s connect timeout');
		await assertNothingLeft(controlDir);
	});

	it('an unknown host key is refused, telling how to check and accept it', async () => {
		const { driver: box, controlDir } = await driver('opsbook-test-unknown');
		await assert.rejects(prepare(box, 'true'), (error: unknown) => {
			assert.ok(error instanceof TargetError);
			assert.match(error.message, /opsbook-test-unknown is not in known_hosts/);
			assert.match(error.message, /connect once with `ssh -F \S+ opsbook-test-unknown`/);
			assert.doesNotMatch(error.message, /StrictHostKeyChecking/);
			return true;
		});
		await assertNothingLeft(controlDir);
	});

	it('a changed host key is refused with a warning, never a way around it', async () => {
		const { driver: box } = await driver('opsbook-test-changed');
		await assert.rejects(prepare(box, 'true'), (error: unknown) => {
			assert.ok(error instanceof TargetError);
			assert.match(error.message, /host key of opsbook-test-changed has changed/);
			assert.doesNotMatch(error.message, /StrictHostKeyChecking|ssh-keygen -R/);
			return true;
		});
	});

	it('a key the host does not accept is a refused login', async () => {
		const { driver: box } = await driver('opsbook-test-denied');
		await assert.rejects(prepare(box, 'true'), (error: unknown) => {
			assert.ok(error instanceof TargetError);
			assert.match(error.message, /refused the login as \w+/);
			assert.match(error.message, /Permission denied \(publickey\)/);
			return true;
		});
	});

	it('a host that never answers times out after the connect timeout', async () => {
		const { port } = await silentServer();
		const { driver: box, controlDir } = await driver('127.0.0.1', {
			port,
			connectTimeoutSeconds: 1,
		});
		const began = Date.now();
		await assert.rejects(prepare(box, 'true'), (error: unknown) => {
			assert.ok(error instanceof TargetError);
			assert.match(
				error.message,
				/127\.0\.0\.1 did not answer within 1 s \(connection timed out\)/,
			);
			return true;
		});
		assert.ok(Date.now() - began < 5000);
		await assertNothingLeft(controlDir);
	});

	it('Stop while connecting ends the attempt at once', async () => {
		const { server: silent, port } = await silentServer();
		const { driver: box, controlDir } = await driver('127.0.0.1', { port });
		const stop = new AbortController();
		silent.once('connection', () => stop.abort());
		await assert.rejects(prepare(box, 'true', stop.signal), (error: unknown) => {
			assert.ok(error instanceof TargetError);
			assert.match(error.message, /Stopped while connecting to 127\.0\.0\.1/);
			return true;
		});
		await until(
			async () =>
				(
					await processes((argv) =>
						argv.some((arg) => arg.startsWith(`ControlPath=${controlDir}/`)),
					)
				).length === 0,
			'the connecting ssh to be gone',
			5000,
		);
	});
});

describe('ssh marker filter', () => {
	const nonce = 'ab'.repeat(16);
	const marker = `\x1b]opsbook-exit;${nonce};42\x07`;
	const feed = (chunks: string[]) => {
		const filter = markerFilter(nonce);
		let out = '';
		for (const chunk of chunks)
			out += Buffer.from(filter.push(Buffer.from(chunk, 'latin1'))).toString('latin1');
		out += Buffer.from(filter.flush()).toString('latin1');
		return { out, exitCode: filter.exitCode };
	};

	it('takes the marker out wherever the stream is cut', () => {
		const text = `output\r\n\x1b[31mred\x1b[0m${marker}`;
		for (let cut = 0; cut <= text.length; cut++) {
			for (let second = cut; second <= text.length; second++) {
				const { out, exitCode } = feed([
					text.slice(0, cut),
					text.slice(cut, second),
					text.slice(second),
				]);
				assert.equal(out, 'output\r\n\x1b[31mred\x1b[0m', `cut at ${cut} and ${second}`);
				assert.equal(exitCode, 42);
			}
		}
	});

	it('passes on look-alikes and gives back a held partial marker at the end', () => {
		const other = `\x1b]opsbook-exit;${'cd'.repeat(16)};0\x07`;
		assert.deepEqual(feed([other]), { out: other, exitCode: undefined });
		const noDigits = `\x1b]opsbook-exit;${nonce};x\x07`;
		assert.deepEqual(feed([noDigits]), { out: noDigits, exitCode: undefined });
		const cut = marker.slice(0, 20);
		assert.deepEqual(feed(['dropped', cut]), { out: `dropped${cut}`, exitCode: undefined });
	});
});

describe('ssh failure messages', () => {
	const context = {
		host: 'db-1',
		connectTimeoutSeconds: 10,
		connectCommand: 'ssh db-1',
		exit: 'exit code 255',
	};
	it('names a host that does not resolve', () => {
		const message = describeSshFailure(
			'ssh: Could not resolve hostname db-1: Name or service not known\r\n',
			context,
		);
		assert.equal(
			message,
			'The host name db-1 could not be resolved: check its spelling, your ~/.ssh/config, and your DNS or VPN. (ssh: Could not resolve hostname db-1: Name or service not known)',
		);
	});

	it('falls back to ssh’s own last line', () => {
		assert.equal(
			describeSshFailure('debug1: x\nsomething odd happened\n', context),
			'ssh could not connect to db-1 (exit code 255). (ssh: something odd happened)',
		);
	});
});
