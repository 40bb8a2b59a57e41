/**
 * Practice and drill mode through a real bridge. The promise tested here: in a drill nothing is
 * executed (no pty, no ssh, no child process of any kind, for any run or arming), yet a run goes
 * through the same validation, confirmation, gates, arming, streaming, ring buffer, reattach,
 * verdict, audit log and timeline as a real one, answered from the scenario
 * (tests/fixtures/bridge/content/drills/db-down.yaml).
 *
 * Every block of the fixture page `drill.mdx` would create a marker file if it ran; the tests
 * also count every process the bridge starts, by wrapping node-pty's and child_process's
 * functions, and check first (in practice mode, which runs read steps for real) that a real run
 * is counted and creates the marker, so that "none" after the drill means something.
 */
import assert from 'node:assert/strict';
import childProcess, { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join, resolve } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import pty from 'node-pty';
import { parseTimeline } from '../../src/incident/file.ts';
import type { ModeMessage, ServerMessage, TargetInfo, WelcomeMessage } from '../../src/protocol.ts';
import {
	FIXTURE,
	ROOT,
	spawnTestBridge,
	startTestBridge,
	TestClient,
	type TestBridge,
} from '../support/bridge.ts';
import { until } from '../support/processes.ts';

/** The fixture config's `drill_marker`. */
const MARKER = resolve(ROOT, 'tests/.tmp/drill-marker');

/** Every process this test process starts, as `function file`. */
const started: string[] = [];

function countSpawns() {
	const cp = childProcess as unknown as Record<string, (...args: unknown[]) => unknown>;
	for (const name of [
		'spawn',
		'spawnSync',
		'execFile',
		'execFileSync',
		'exec',
		'execSync',
		'fork',
	]) {
		const original = cp[name]!;
		mock.method(cp, name, function (this: unknown, ...args: unknown[]) {
			started.push(`child_process.${name} ${String(args[0])} ${JSON.stringify(args[1])}`);
			return original.apply(this, args);
		});
	}
	// The bridge's modules import these by name: let those bindings see the wrappers too.
	syncBuiltinESMExports();
	const ptys = pty as unknown as Record<string, (...args: unknown[]) => unknown>;
	const original = ptys.spawn!;
	mock.method(ptys, 'spawn', function (this: unknown, ...args: unknown[]) {
		started.push(`node-pty.spawn ${String(args[0])} ${JSON.stringify(args[1])}`);
		return original.apply(this, args);
	});
}

/** This process's children, from /proc (Linux). */
function children(): number[] {
	const found: number[] = [];
	for (const task of readdirSync('/proc/self/task')) {
		const text = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
		if (text) found.push(...text.split(/\s+/).map(Number));
	}
	return found;
}

const ref = () => Math.random().toString(36).slice(2);
const welcomeOf = (client: TestClient) =>
	client.messages.find((m): m is WelcomeMessage => m.type === 'welcome')!;
const lastTargets = (client: TestClient): TargetInfo[] =>
	client.messages.findLast((m) => m.type === 'targets')?.type === 'targets'
		? (client.messages.findLast((m) => m.type === 'targets') as { targets: TargetInfo[] }).targets
		: welcomeOf(client).bridge.targets;

async function drillStart(client: TestClient, name: string) {
	const id = ref();
	client.send({ type: 'drill-start', ref: id, name });
	const answer = await client.waitFor(
		(m: ServerMessage) => (m.type === 'mode' || m.type === 'refused') && m.ref === id,
	);
	return answer.type === 'mode'
		? ({ mode: answer.mode } as const)
		: ({ refused: answer.type === 'refused' ? answer : undefined } as const);
}

async function drillEnd(client: TestClient) {
	const id = ref();
	client.send({ type: 'drill-end', ref: id });
	return client.waitFor((m) => (m.type === 'mode' || m.type === 'refused') && m.ref === id);
}

describe('practice and drill mode', () => {
	let bridge: TestBridge;
	let client: TestClient;

	before(async () => {
		await rm(MARKER, { force: true });
		countSpawns();
		bridge = await startTestBridge({ practice: true });
		client = await TestClient.connect(bridge);
	});
	after(async () => {
		client.close();
		await bridge.dispose();
		mock.restoreAll();
		syncBuiltinESMExports();
		await rm(MARKER, { force: true });
	});

	it('says it is a practice bridge, and refuses a change block with a sentence for a new hire', async () => {
		const welcome = welcomeOf(client);
		assert.deepEqual(welcome.mode, {
			kind: 'practice',
			drills: [
				{ name: 'db-down', title: 'The test database is down', severity: 2 },
				{ name: 'service-down', title: 'The test service says it is down', severity: 2 },
			],
		});
		assert.equal(welcome.bridge.maxRisk, 'read');
		for (const block of ['p.change', 'p.destroy', 'd.start']) {
			const { refused } = await client.run(block, {}, { confirm: 'destroy' });
			assert.equal(refused?.code, 'practice', block);
			assert.match(
				refused?.message ?? '',
				/^This is a practice bridge: it runs read steps only, so nothing can change by mistake\. "[^"]+" is a (change|destructive) step/,
			);
		}
		const starts = (await bridge.readAudit()).filter((e) => e.event === 'start');
		assert.deepEqual(starts, [], 'nothing refused reached the audit log');
	});

	it('arms nothing but local, and says so in its targets', async () => {
		const targets = welcomeOf(client).bridge.targets;
		assert.deepEqual(
			targets.map((t) => [t.name, t.armable]),
			[
				['local', true],
				['testbox', false],
				['prodbox', false],
				['downbox', false],
			],
		);
		for (const [target, confirm] of [
			['prodbox', 'prodbox'],
			['testbox', undefined],
		] as const) {
			const id = ref();
			client.send({ type: 'arm', ref: id, target, ...(confirm && { confirm }) });
			const refused = await client.waitFor((m) => m.type === 'refused' && m.ref === id);
			assert.equal(refused.type === 'refused' && refused.code, 'practice', target);
			assert.match(
				refused.type === 'refused' ? refused.message : '',
				new RegExp(
					`^This is a practice bridge: it runs steps on this machine only, so ${target} cannot be armed`,
				),
			);
		}
		const arms = (await bridge.readAudit()).filter((e) => e.event === 'arm');
		assert.deepEqual(arms, [], 'nothing was armed');
		assert.ok(lastTargets(client).every((t) => t.armed === (t.name === 'local')));
	});

	it('runs read steps for real, which the marker and the process count see', async () => {
		// The control: without it, "no marker, no process" after the drill would prove nothing.
		const { run } = await client.run('d.status');
		assert.ok(run);
		assert.equal(run.simulated, undefined);
		const end = await client.ended(run.id);
		assert.equal(end.verdict?.outcome, 'pass');
		assert.ok(existsSync(MARKER), 'the real command created the marker');
		assert.equal(started.filter((s) => s.startsWith('node-pty.spawn')).length, 1);
		await rm(MARKER);
		started.length = 0;
	});

	it('refuses drills it does not have, and drills on a bridge that runs for real', async () => {
		const unknown = await drillStart(client, 'no-such-drill');
		assert.equal(unknown.refused?.code, 'drill-refused');
		assert.match(
			unknown.refused?.message ?? '',
			/no drill "no-such-drill"\. Its drills: db-down, service-down\./,
		);
		assert.equal(welcomeOf(client).mode.kind, 'practice');

		const live = await startTestBridge();
		try {
			const page = await TestClient.connect(live);
			assert.deepEqual(welcomeOf(page).mode, { kind: 'live' });
			const refused = await drillStart(page, 'db-down');
			assert.equal(refused.refused?.code, 'drill-refused');
			assert.match(refused.refused?.message ?? '', /runs blocks for real, so it plays no drills/);
			page.close();
		} finally {
			await live.dispose();
		}
	});

	it('plays a whole drill through every check of a real run, and executes nothing', async () => {
		// Closing the live bridge above ran `ssh -O exit` for its ssh targets: count from here.
		started.length = 0;
		const other = await TestClient.connect(bridge);
		const before = Date.now();
		const { mode } = await drillStart(client, 'db-down');
		assert.equal(mode?.kind, 'drill');
		if (mode?.kind !== 'drill') return;
		assert.equal(mode.drill.name, 'db-down');
		assert.match(mode.drill.alert, /TestServiceDown/);
		const { incident } = mode.drill;
		assert.match(incident, /^\d{4}-\d{2}-\d{2}-drill-db-down-[0-9a-f]{4}$/);
		// Every page hears it, with every risk open and every gate closed; the drill's arming
		// starts from scratch.
		const heard = await other.waitFor(
			(m): m is ModeMessage => m.type === 'mode' && m.mode.kind === 'drill',
		);
		assert.deepEqual([heard.ref, heard.maxRisk, heard.passed], [undefined, 'destructive', []]);
		// A clean slate: practice's finished run (d.status above) is forgotten, and pages are told.
		assert.deepEqual(heard.runs, []);
		assert.deepEqual(welcomeOf(await TestClient.connect(bridge)).runs, []);
		// In a drill every target can be armed: nothing is reached.
		assert.ok(lastTargets(client).every((t) => t.armable === true));
		await client.until(
			() => lastTargets(client).find((t) => t.name === 'prodbox')?.armed === false,
			'the targets as armed in the drill',
		);

		// The declaration, from the scenario.
		const declared = await client.until(
			() =>
				client.messages.find(
					(m) =>
						m.type === 'timeline' && m.incident === incident && m.events[0]?.kind === 'declared',
				),
			'the drill declared on the timeline',
		);
		const event = declared.type === 'timeline' ? declared.events[0] : undefined;
		assert.equal(event?.kind, 'declared');
		if (event?.kind !== 'declared') return;
		assert.equal(event.drill, 'db-down');
		assert.equal(event.title, 'The test database is down');
		assert.equal(event.severity, 2);
		const detectedAgo = Date.parse(event.at) - Date.parse(event.detectedAt);
		assert.equal(detectedAgo, 6 * 60_000);
		assert.ok(Date.parse(event.at) >= before - 1000);

		const play = async (
			block: string,
			extra: Record<string, unknown> = {},
			params: Record<string, string> = {},
		) => {
			const { run, refused } = await client.run(block, params, extra);
			assert.ok(run, `${block}: ${JSON.stringify(refused)}`);
			assert.equal(run.simulated, true);
			return { run, end: await client.ended(run.id), output: () => client.output.get(run.id) };
		};

		// Before the fix: the checks fail as the scenario says.
		const status = await play('d.status');
		assert.equal(status.output(), 'status: down\r\n');
		assert.deepEqual([status.end.end, status.end.exitCode], ['exited', 0]);
		assert.deepEqual(status.end.verdict, {
			outcome: 'fail',
			reason: 'no line matched `^status: up$`',
		});
		const db = await play('d.db');
		assert.equal(db.end.exitCode, 2);
		assert.equal(db.end.verdict?.outcome, 'fail');

		// Gates and confirmations hold as in a real run.
		assert.equal((await client.run('d.restart')).refused?.code, 'gate-closed');
		const table = { table: 'orders' };
		assert.equal((await client.run('d.wipe', table)).refused?.code, 'confirm-required');
		// The answer names what the trainee typed.
		const wipe = await play('d.wipe', { confirm: 'wipe' }, table);
		assert.equal(wipe.output(), 'database wiped: orders\r\n');

		// Arming a production target is practised too (its name typed), and reaches nothing.
		assert.equal((await client.run('d.remote')).refused?.code, 'target-not-armed');
		const armRef = ref();
		client.send({ type: 'arm', ref: armRef, target: 'prodbox' });
		const notTyped = await client.waitFor((m) => m.type === 'refused' && m.ref === armRef);
		assert.equal(notTyped.type === 'refused' && notTyped.code, 'confirm-required');
		client.send({ type: 'arm', ref: ref(), target: 'prodbox', confirm: 'prodbox' });
		await client.until(
			() => lastTargets(client).find((t) => t.name === 'prodbox')?.armed === true,
			'prodbox armed in the drill',
		);

		// A slow answer streams; a page that comes in halfway replays it from the ring and follows.
		const { run: remote } = await client.run('d.remote');
		assert.ok(remote);
		await client.until(
			() => client.output.get(remote.id)?.includes('FATAL'),
			'the first line of the answer',
		);
		const partial = client.output.get(remote.id)!;
		assert.ok(!partial.includes("Failed with result 'exit-code'"), 'it streams over its duration');
		const later = await TestClient.connect(bridge);
		assert.equal(welcomeOf(later).runs.find((r) => r.id === remote.id)?.state, 'running');
		assert.equal(welcomeOf(later).mode.kind, 'drill');
		later.send({ type: 'attach', run: remote.id, from: 0 });
		await later.waitFor((m) => m.type === 'attached' && m.run === remote.id);
		const remoteEnd = await client.ended(remote.id);
		assert.deepEqual(
			[remoteEnd.end, remoteEnd.exitCode, remoteEnd.target],
			['exited', 0, 'prodbox'],
		);
		assert.ok((remoteEnd.durationMs ?? 0) >= 1400, `took ${remoteEnd.durationMs} ms`);
		await later.until(
			() => later.output.get(remote.id) === client.output.get(remote.id),
			'the reattached page to have the whole answer',
		);
		assert.equal(client.output.get(remote.id)!.split('\r\n').length, 4);
		later.close();

		// A block the scenario does not cover says so plainly, once (the page shows the message
		// under the terminal), and never ran.
		const unanswered = await play('d.unanswered');
		const sentence =
			'This drill has no scripted output for d.unanswered: nothing ran, and a real run on local would show what it shows.';
		assert.equal(unanswered.end.end, 'failed');
		assert.equal(unanswered.end.exitCode, undefined);
		assert.equal(unanswered.end.message, sentence);
		assert.equal(unanswered.output() ?? '', '', 'not repeated in the terminal');

		// "Run on this machine": the drill answers a block on its own target only.
		const elsewhere = await play('d.remote', { on: 'local' });
		assert.deepEqual(
			[elsewhere.end.end, elsewhere.end.exitCode, elsewhere.end.target],
			['failed', undefined, 'local'],
		);
		assert.equal(
			elsewhere.end.message,
			'This drill answers d.remote only on its own target, prodbox: nothing ran on local. Run it on prodbox to see what it prints in this scenario.',
		);
		assert.equal(elsewhere.output() ?? '', '');

		// Stop works on an answer as on a command.
		const { run: stopped } = await client.run('d.remote');
		assert.ok(stopped);
		await client.until(
			() => client.output.get(stopped.id)?.includes('FATAL'),
			'the answer to start',
		);
		client.send({ type: 'stop', run: stopped.id });
		const stoppedEnd = await client.ended(stopped.id);
		assert.equal(stoppedEnd.end, 'stopped');
		assert.match(client.output.get(stopped.id)!, /\^C\r\n$/);

		// The fix; then the answers change, and the gate it opens opens.
		const fix = await play('d.start');
		assert.equal(fix.output(), 'Starting the database ... done\r\n');
		const statusAfter = await play('d.status');
		assert.equal(statusAfter.output(), 'status: up\r\n');
		assert.equal(statusAfter.end.verdict?.outcome, 'pass');
		const dbAfter = await play('d.db');
		assert.deepEqual([dbAfter.end.exitCode, dbAfter.end.verdict?.outcome], [0, 'pass']);
		assert.match(dbAfter.output() ?? '', /accepting connections/);
		const restart = await play('d.restart');
		assert.equal(restart.end.override, undefined, 'the gate opened in the drill');

		// The end: back to practice, the drill's arming and gates gone, its incident resolved.
		const ended = await drillEnd(client);
		assert.equal(ended.type === 'mode' && ended.mode.kind, 'practice');
		assert.equal(ended.type === 'mode' && ended.maxRisk, 'read');
		assert.deepEqual(ended.type === 'mode' && ended.passed, ['d.status'], 'the real gates again');
		assert.deepEqual(ended.type === 'mode' && ended.runs, [], 'the drill’s runs are forgotten');
		await client.until(
			() => lastTargets(client).find((t) => t.name === 'prodbox')?.armed === false,
			'prodbox disarmed with the drill',
		);
		assert.equal((await client.run('p.change')).refused?.code, 'practice');
		const after = await TestClient.connect(bridge);
		assert.equal(welcomeOf(after).mode.kind, 'practice');
		assert.ok(
			!welcomeOf(after).passed.includes('d.restart'),
			'the drill’s gates stay in the drill',
		);
		assert.deepEqual(welcomeOf(after).runs, [], 'no run of the drill is left in the Runs list');
		assert.equal(welcomeOf(after).incident?.id, incident);
		after.close();
		other.close();

		// Nothing was executed: no marker, no process of any kind.
		assert.ok(!existsSync(MARKER), 'no command of the drill ran');
		assert.deepEqual(started, [], 'the bridge started no process during the drill');
		assert.deepEqual(children(), []);

		// The timeline: declared as a drill, every run simulated, resolved at the end.
		const { events } = parseTimeline(
			await readFile(join(bridge.stateDir, 'incidents', `${incident}.jsonl`), 'utf8'),
		);
		const runs = events.filter((e) => e.kind === 'run-started');
		assert.ok(runs.every((e) => e.kind === 'run-started' && e.simulated === true));
		assert.deepEqual(
			runs.map((e) => e.kind === 'run-started' && e.block),
			[
				'd.status',
				'd.db',
				'd.wipe',
				'd.remote',
				'd.unanswered',
				'd.remote',
				'd.remote',
				'd.start',
				'd.status',
				'd.db',
				'd.restart',
			],
		);
		const endedRuns = events.filter((e) => e.kind === 'run-ended');
		assert.equal(endedRuns.length, runs.length);
		assert.equal(events.at(-1)?.kind, 'resolved');

		// The audit log: the drill's start and end, and every run and arming in between, marked.
		const audit = await bridge.readAudit();
		const from = audit.findIndex((e) => e.event === 'drill-start');
		const to = audit.findIndex((e) => e.event === 'drill-end');
		assert.ok(from >= 0 && to > from);
		assert.deepEqual(
			[audit[from]!.drill, audit[from]!.incident, audit[to]!.drill],
			['db-down', incident, 'db-down'],
		);
		const inside = audit.slice(from + 1, to);
		assert.equal(inside.filter((e) => e.event === 'start').length, runs.length);
		assert.ok(inside.some((e) => e.event === 'arm' && e.target === 'prodbox'));
		// The drill's arming ends with it, in the audit log too.
		assert.deepEqual(
			inside.filter((e) => e.event === 'disarm').map((e) => [e.target, e.by]),
			[['prodbox', 'drill-end']],
		);
		assert.ok(
			inside.every((e) => e.drill === 'db-down'),
			JSON.stringify(inside),
		);
	});

	it('ends a drill only when one runs', async () => {
		const refused = await drillEnd(client);
		assert.equal(refused.type === 'refused' && refused.code, 'drill-refused');
	});

	it('ends the drill when a page resolves its incident', async () => {
		const { mode } = await drillStart(client, 'db-down');
		assert.equal(mode?.kind, 'drill');
		if (mode?.kind !== 'drill') return;
		const resolved = await client.append([
			{
				id: `resolve-${ref()}`,
				incident: mode.drill.incident,
				at: new Date().toISOString(),
				kind: 'resolved',
			},
		]);
		assert.equal(resolved.events?.length, 1);
		await client.waitFor((m) => m.type === 'mode' && m.mode.kind === 'practice' && !m.ref);
		const events = parseTimeline(
			await readFile(join(bridge.stateDir, 'incidents', `${mode.drill.incident}.jsonl`), 'utf8'),
		).events;
		assert.equal(events.filter((e) => e.kind === 'resolved').length, 1, 'resolved once');
	});
});

describe('a drill and a real incident', () => {
	it('will not start a drill while a real incident is open, and never stands in its way', async () => {
		const bridge = await startTestBridge({ practice: true });
		const client = await TestClient.connect(bridge);
		try {
			const incident = `2026-11-26-real-${ref().slice(0, 4)}`;
			const at = new Date().toISOString();
			const declared = {
				id: `d-${ref()}`,
				incident,
				at,
				kind: 'declared',
				title: 'A real one',
				severity: 2,
				detectedAt: at,
				responders: [],
			};
			assert.equal((await client.append([declared])).events?.length, 1);
			const refused = await drillStart(client, 'db-down');
			assert.equal(refused.refused?.code, 'drill-refused');
			assert.match(refused.refused?.message ?? '', /"A real one" is open on this bridge/);
			assert.equal(bridge.bridge.mode().kind, 'practice');
		} finally {
			client.close();
			await bridge.dispose();
		}
	});
});

describe('npm start -- --drill NAME', () => {
	it('starts in the drill, and runs nothing a page asks', async () => {
		await rm(MARKER, { force: true });
		const bridge = await spawnTestBridge({ args: ['--drill', 'db-down'] });
		try {
			const client = await TestClient.connect(bridge);
			const mode = welcomeOf(client).mode;
			assert.equal(mode.kind === 'drill' && mode.drill.name, 'db-down');
			assert.equal(welcomeOf(client).incident?.id, mode.kind === 'drill' && mode.drill.incident);
			// It says DRILL, and not that an incident was left open: the drill's is the one it declared.
			assert.match(bridge.printed(), /DRILL: .*\(SEV-\d\), incident /);
			assert.doesNotMatch(bridge.printed(), /Incident still open/);
			const { run } = await client.run('d.start');
			assert.ok(run);
			assert.equal((await client.ended(run.id)).exitCode, 0);
			assert.equal(client.output.get(run.id), 'Starting the database ... done\r\n');
			// Ending the drill leaves a practice bridge.
			const id = ref();
			client.send({ type: 'drill-end', ref: id });
			const ended = await client.waitFor((m) => m.type === 'mode' && m.ref === id);
			assert.equal(ended.type === 'mode' && ended.mode.kind, 'practice');
			assert.equal((await client.run('d.start')).refused?.code, 'practice');
			client.close();
			assert.ok(!existsSync(MARKER));
		} finally {
			await bridge.dispose();
		}
	});

	it('resolves a drill its bridge never ended (killed mid-drill) at the next start', async () => {
		const killed = await spawnTestBridge({ args: ['--drill', 'db-down'] });
		const incidents = join(killed.stateDir, 'opsbook', 'incidents');
		try {
			killed.child.kill('SIGKILL');
			await until(() => killed.child.exitCode !== null || killed.child.signalCode !== null, 'kill');
			const again = await spawnTestBridge({ args: ['--practice'], stateDir: killed.stateDir });
			try {
				const client = await TestClient.connect(again);
				assert.equal(welcomeOf(client).mode.kind, 'practice');
				const [file] = readdirSync(incidents);
				await until(async () => {
					const { events } = parseTimeline(await readFile(join(incidents, file!), 'utf8'));
					return events.at(-1)?.kind === 'resolved';
				}, 'the stale drill to be resolved');
				client.close();
			} finally {
				await again.dispose();
			}
		} finally {
			await rm(killed.stateDir, { recursive: true, force: true });
		}
	});

	it('refuses a drill it does not have, naming the ones it has', async () => {
		const child = spawn(
			process.execPath,
			['server/cli.ts', 'serve', '--port', '0', '--drill', 'nope'],
			{
				cwd: ROOT,
				env: {
					...process.env,
					XDG_STATE_HOME: resolve(ROOT, 'tests/.tmp/drill-state'),
					OPSBOOK_CONTENT_DIR: FIXTURE.contentDir,
					OPSBOOK_CONFIG: FIXTURE.configFile,
				},
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const code = await until(() => child.exitCode ?? undefined, 'the CLI to exit', 20_000);
		assert.equal(code, 2);
		assert.match(stderr, /--drill nope: no such drill; the drills are db-down/);
		await rm(resolve(ROOT, 'tests/.tmp/drill-state'), { recursive: true, force: true });
	});

	it('refuses --practice with a higher --max-risk', async () => {
		const child = spawn(
			process.execPath,
			['server/cli.ts', 'serve', '--port', '0', '--practice', '--max-risk', 'change'],
			{ cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
		);
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const code = await until(() => child.exitCode ?? undefined, 'the CLI to exit', 20_000);
		assert.equal(code, 2);
		assert.match(stderr, /--practice runs read steps only/);
	});

	it('refuses --practice with --arm of another machine than this one', async () => {
		const child = spawn(
			process.execPath,
			['server/cli.ts', 'serve', '--port', '0', '--practice', '--arm', 'orion'],
			{ cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
		);
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const code = await until(() => child.exitCode ?? undefined, 'the CLI to exit', 20_000);
		assert.equal(code, 2);
		assert.match(stderr, /--practice runs steps on this machine only, so it arms nothing else/);
	});
});
