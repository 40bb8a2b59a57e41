/**
 * Nothing a run starts is left behind, and nothing of one run reaches another: runs built
 * directly on the local target and on a real sshd on loopback, with the process table read from
 * /proc (the sshd runs on this machine, so "remote" processes are in it too).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { AuditLog } from '../../server/audit-log.ts';
import { Run, STOP_STEPS_MS } from '../../server/run.ts';
import { localTarget, runEnvironment } from '../../server/targets/local.ts';
import { markerFilter, secretLine, sshTarget } from '../../server/targets/ssh.ts';
import type { TargetDriver } from '../../server/targets/target.ts';
import type { CommandBlock } from '../../src/runbook/schema.ts';
import {
	commandLines,
	descriptorsOf,
	processes,
	processesOfRun,
	until,
} from '../support/processes.ts';
import { spawnTestBridge, TestClient } from '../support/bridge.ts';
import { startSshd, type Sshd } from '../support/sshd.ts';

let dir: string;
let audit: AuditLog;
let sshd: Sshd;
const local = localTarget('local', { kind: 'local', production: false });
let remote: TargetDriver;
const runs: Run[] = [];

before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'opsbook-nothing-left-'));
	audit = new AuditLog(join(dir, 'audit.log'));
	sshd = await startSshd();
	remote = sshTarget(
		'box',
		{ kind: 'ssh', host: sshd.host, production: false },
		{ controlDir: join(dir, 'ctl'), configFile: sshd.configFile, env: runEnvironment() },
	);
});

afterEach(async () => {
	for (const run of runs.splice(0)) run.stop();
});

after(async () => {
	await remote?.close();
	await audit?.close();
	await sshd?.close();
	await rm(dir, { recursive: true, force: true });
});

function block(timeoutMs = 60_000): CommandBlock {
	return {
		id: 'test.block',
		title: 'A test block',
		lang: 'bash',
		template: '',
		segments: [],
		params: [],
		risk: 'read',
		target: 'local',
		timeoutMs,
		page: { slug: 'tests', title: 'Tests' },
		source: { file: 'tests/bridge/nothing-left.test.ts', line: 1, column: 1 },
	};
}

interface Started {
	run: Run;
	/** Everything the page would have shown so far. */
	output(): string;
}

function start(
	driver: TargetDriver,
	command: string,
	options: {
		secrets?: Record<string, string>;
		timeoutMs?: number;
		/** Called as soon as the process is started, before any of its output. */
		onRunning?: (run: Run) => void;
	} = {},
): Started {
	const run = new Run({
		id: randomBytes(9).toString('base64url'),
		block: block(options.timeoutMs),
		command,
		redacted: command,
		driver,
		cols: 100,
		rows: 30,
		ringBytes: 1 << 20,
		audit,
		onUpdate(run) {
			if (run.state === 'running') options.onRunning?.(run);
		},
		...(options.secrets && { secrets: options.secrets }),
	});
	runs.push(run);
	void run.start();
	return {
		run,
		output: () => Buffer.concat(run.ring.read(0).chunks).toString(),
	};
}

/** A `sleep` only this test starts, so it can be found in the process table. */
const unique = () => `900.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
const sleeping = (...seconds: string[]) =>
	processes((argv) => argv.length === 2 && argv[0] === 'sleep' && seconds.includes(argv[1]!));

/** The pty masters process `pid` holds: none but the bridge should hold any. */
async function masters(pid: number): Promise<string[]> {
	return [...(await descriptorsOf(pid))]
		.filter(([, target]) => target === '/dev/ptmx')
		.map(([fd, target]) => `${pid}: ${fd} -> ${target}`);
}

/** Every terminal and file `pids` hold, each once. */
async function heldBy(pids: number[]): Promise<string[]> {
	const held = new Set<string>();
	for (const pid of pids)
		for (const target of (await descriptorsOf(pid)).values()) held.add(target);
	return [...held].sort();
}

describe('no run holds another run’s terminal', () => {
	it('a local run and its children hold only their own terminal', async () => {
		const others = [start(local, `sleep ${unique()}`), start(local, `sleep ${unique()}`)];
		const [a, b] = [unique(), unique()];
		const third = start(local, `sleep ${a} & sleep ${b}`);
		const pids = await until(async () => {
			const found = await processesOfRun(third.run.id);
			return found.length >= 3 && found;
		}, 'the third run and its two sleeps');
		// A background job's stdin is /dev/null; everything else is the run's one terminal.
		const held = (await heldBy(pids)).filter((target) => target !== '/dev/null');
		assert.equal(held.length, 1, `one terminal, not ${held.join(', ')}`);
		assert.match(held[0]!, /^\/dev\/pts\/\d+$/);
		for (const { run } of [...others, third]) run.stop();
		await Promise.all([...others, third].map(({ run }) => run.finished));
	});

	it('an ssh run and the ssh master hold no other run’s terminal', async () => {
		const others = [start(local, `sleep ${unique()}`), start(remote, `sleep ${unique()}`)];
		const seconds = unique();
		const third = start(remote, `sleep ${seconds}`);
		await until(async () => (await sleeping(seconds)).length === 1, 'the remote sleep');
		const client = await processesOfRun(third.run.id);
		assert.equal(client.length, 1, 'the ssh client');
		const held = await heldBy(client);
		assert.equal(held.filter((target) => target.startsWith('/dev/')).length, 1, held.join(', '));
		assert.match(
			held.find((target) => target.startsWith('/dev/'))!,
			/^\/dev\/pts\/\d+$/,
		);
		// The master is handed each session's terminal by its client (that is how multiplexing
		// works), but it must not hold the bridge's side of any of them.
		const master = await processes(
			(argv) => argv.includes('-M') && argv.some((arg) => arg.includes(dir)),
		);
		assert.equal(master.length, 1, 'the master');
		assert.deepEqual(await masters(master[0]!), []);
		for (const { run } of [...others, third]) run.stop();
		await Promise.all([...others, third].map(({ run }) => run.finished));
	});
});

describe('a bridge killed with SIGKILL', () => {
	it('hangs up its runs, even when a later run ignores the hangup', async () => {
		const bridge = await spawnTestBridge();
		let stubborn: string | undefined;
		try {
			const client = await TestClient.connect(bridge);
			const { run: first } = await client.run('t.sleep');
			assert.ok(first);
			await client.until(() => client.output.get(first.id)?.includes('sleeping'), 'the sleep');
			const { run: later } = await client.run('t.stubborn');
			assert.ok(later);
			stubborn = later.id;
			await client.until(() => client.output.get(later.id)?.includes('stubborn'), 'the trap');
			assert.ok((await processesOfRun(first.id)).length >= 2, 'the shell and its sleep');
			bridge.child.kill('SIGKILL');
			await client.closed;
			// Had the later run inherited the first one's pty master, the first terminal would
			// stay open as long as the later run lives, and its command would never be hung up.
			await until(
				async () => (await processesOfRun(first.id)).length === 0,
				'the first run to get its hangup',
				5000,
			);
		} finally {
			// The later run ignores SIGHUP: nothing but the bridge could have ended it.
			if (stubborn) for (const pid of await processesOfRun(stubborn)) process.kill(pid, 'SIGKILL');
			await bridge.dispose();
		}
	});
});

describe('Stop ends everything the run started', () => {
	/** Background children that outlive their shell's Ctrl-C and ignore the hangup (and more). */
	const stubbornChildren = (nohup: string, trapped: string) =>
		`nohup sleep ${nohup} >/dev/null 2>&1 & (trap '' INT TERM HUP; sleep ${trapped}) & echo ready; wait`;

	for (const where of ['local', 'ssh'] as const) {
		const driver = () => (where === 'local' ? local : remote);

		it(`${where}: children that ignore Ctrl-C and the hangup, after their shell has ended`, async () => {
			const [nohup, trapped] = [unique(), unique()];
			const { run, output } = start(driver(), stubbornChildren(nohup, trapped));
			await until(async () => (await sleeping(nohup, trapped)).length === 2, 'both sleeps');
			await until(() => output().includes('ready'), 'the command to be ready');
			run.stop();
			await run.finished;
			assert.equal(run.end, 'stopped');
			assert.deepEqual(await sleeping(nohup, trapped), [], 'nothing left once it says stopped');
			assert.equal(run.message, undefined);
		});

		it(`${where}: a command that traps INT, TERM and HUP, with a nohup child`, async () => {
			const [nohup, main] = [unique(), unique()];
			const { run, output } = start(
				driver(),
				`trap '' INT TERM HUP; nohup sleep ${nohup} >/dev/null 2>&1 & echo ready; sleep ${main}`,
			);
			await until(async () => (await sleeping(nohup, main)).length === 2, 'both sleeps');
			await until(() => output().includes('ready'), 'the trap to be set');
			const began = performance.now();
			run.stop();
			await run.finished;
			assert.equal(run.end, 'stopped');
			assert.ok(performance.now() - began >= STOP_STEPS_MS.term, 'it took the escalation');
			assert.deepEqual(await sleeping(nohup, main), [], 'nothing left once it says stopped');
		});
	}

	it('the block’s timeout ends the whole group too', async () => {
		const [nohup, trapped] = [unique(), unique()];
		const { run } = start(local, stubbornChildren(nohup, trapped), { timeoutMs: 500 });
		await run.finished;
		assert.equal(run.end, 'timeout');
		assert.match(run.message ?? '', /timeout of 0\.5 s/);
		assert.deepEqual(await sleeping(nohup, trapped), []);
	});
});

describe('a run that ends on its own leaves nothing running', () => {
	for (const where of ['local', 'ssh'] as const) {
		it(`${where}: leftover background children are stopped, and the run says so`, async () => {
			const [nohup, trapped] = [unique(), unique()];
			const { run, output } = start(
				where === 'local' ? local : remote,
				// Long enough for both to be started and to have set what they ignore.
				`nohup sleep ${nohup} >/dev/null 2>&1 & (trap '' HUP TERM; sleep ${trapped}) & sleep 0.5; echo done`,
			);
			await run.finished;
			assert.deepEqual([run.end, run.exitCode], ['exited', 0]);
			assert.deepEqual(await sleeping(nohup, trapped), [], 'nothing left once it says exited');
			assert.match(
				run.message ?? '',
				/^The command left [2-9] processes running; they were stopped \(SIGHUP, then SIGTERM and SIGKILL\)\.$/,
			);
			assert.match(output(), /\[opsbook\] The command left [2-9] processes running/);
		});
	}

	it('a run that leaves nothing says nothing more', async () => {
		const { run, output } = start(local, 'sleep 0.1 & wait; echo done');
		await run.finished;
		assert.equal(run.message, undefined);
		assert.equal(output(), 'done\r\n');
	});
});

describe('secrets reach the command and nothing else', () => {
	const token = randomBytes(8).toString('hex');
	// Quotes, a dollar, a backslash, a percent, control characters a terminal acts on (^C, ^U),
	// a newline and non-ASCII: every way a value could be mangled or act on its way.
	const value = `v a$l'"\\%b\x03\x15\n\tü-${token}`;
	const digest = createHash('sha256').update(value).digest('hex');
	// Compares without ever holding the value: `printf` is a builtin, so no argv has it.
	const check = (seconds: string) =>
		`[ "$(printf %s "$OPSBOOK_SECRET_X" | sha256sum | cut -c1-64)" = ${digest} ] && echo OK; echo checked; sleep ${seconds}`;

	for (const where of ['local', 'ssh'] as const) {
		it(`${where}: the command sees the value; no command line, ps or output shows it`, async () => {
			const seconds = unique();
			const { run, output } = start(where === 'local' ? local : remote, check(seconds), {
				secrets: { OPSBOOK_SECRET_X: value },
			});
			await until(() => output().includes('checked'), 'the command to check its secret', 15_000);
			await until(async () => (await sleeping(seconds)).length === 1, 'the sleep');
			assert.match(output(), /^OK\r\nchecked\r\n$/);
			const lines = await commandLines();
			assert.ok(lines.length > 10, 'the process table was read');
			assert.deepEqual(
				lines.filter((line) => line.includes(token)),
				[],
			);
			const ps = spawnSync('ps', ['-eww', '-o', 'args'], { encoding: 'utf8' });
			assert.equal(ps.status, 0);
			assert.doesNotMatch(ps.stdout, new RegExp(token));
			run.stop();
			await run.finished;
			assert.doesNotMatch(output(), new RegExp(token));
		});
	}

	it('ssh: keystrokes typed before the secrets are delivered are not read as secrets', async () => {
		const { run, output } = start(remote, check('0'), {
			secrets: { OPSBOOK_SECRET_X: value },
			onRunning: (running) => running.input('typed too early\r'),
		});
		await run.finished;
		assert.equal(run.exitCode, 0);
		assert.match(output(), /^OK\r\nchecked\r\n$/);
	});

	it('refuses a name that is not a variable name', async () => {
		const { run } = start(local, 'true', { secrets: { 'X; rm -rf': 'v' } });
		await run.finished;
		assert.equal(run.end, 'failed');
		assert.match(run.message ?? '', /not a valid environment variable name/);
	});
});

describe('ssh in-band markers', () => {
	const nonce = 'ab'.repeat(16);
	const mark = (kind: string, value: string, of = nonce) =>
		`\x1b]opsbook-${kind};${of};${value}\x07`;

	it('reads the group, hands out the input once on ready, and takes the markers out', () => {
		const filter = markerFilter(nonce, Buffer.from('line\n'));
		assert.equal(filter.waitingForInput, true);
		const text = `${mark('pgid', '4242')}${mark('ready', '0')}hello${mark('exit', '3')}`;
		let out = '';
		for (const ch of text) out += Buffer.from(filter.push(Buffer.from(ch, 'latin1'))).toString();
		assert.equal(out, 'hello');
		assert.deepEqual([filter.pgid, filter.exitCode], [4242, 3]);
		assert.equal(Buffer.from(filter.takeInput!()!).toString(), 'line\n');
		assert.equal(filter.takeInput!(), undefined);
		assert.equal(filter.waitingForInput, false);
	});

	it('ignores later, forged markers and other nonces', () => {
		const filter = markerFilter(nonce, Buffer.from('x\n'));
		filter.push(Buffer.from(`${mark('pgid', '10')}${mark('ready', '0')}`));
		filter.takeInput!();
		const forged = `${mark('pgid', '1')}${mark('ready', '0')}${mark('pgid', '7', 'cd'.repeat(16))}`;
		const out = Buffer.from(filter.push(Buffer.from(forged))).toString();
		assert.equal(filter.pgid, 10);
		assert.equal(filter.takeInput!(), undefined, 'the secrets are sent once only');
		assert.equal(out, mark('pgid', '7', 'cd'.repeat(16)));
	});

	it('escapes a secret into one line of printable ASCII', () => {
		assert.equal(secretLine('a b'), 'a b\n');
		assert.equal(secretLine('\\\x03\n\x7fé'), '\\0134\\0003\\0012\\0177\\0303\\0251\n');
	});
});
