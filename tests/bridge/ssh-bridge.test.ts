/**
 * Blocks that name an ssh target, run through the bridge on a real sshd on 127.0.0.1: what a
 * responder sees when a step runs on a server, fails there, is stopped, or cannot connect.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBridge, TestClient, type TestBridge } from '../support/bridge.ts';
import { processesRunning, until } from '../support/processes.ts';
import { startSshd, type Sshd } from '../support/sshd.ts';

describe('runs over ssh', () => {
	let sshd: Sshd;
	let bridge: TestBridge;
	let client: TestClient;

	before(async () => {
		sshd = await startSshd();
		// Armed at start-up, as `--arm testbox --arm downbox` does; prodbox is armed by a test.
		bridge = await startTestBridge({ arm: ['testbox', 'downbox'], sshConfig: sshd.configFile });
		client = await TestClient.connect(bridge);
	});
	after(async () => {
		client?.close();
		await bridge?.dispose();
		await sshd?.close();
	});

	it('runs a block on its ssh target and streams its output', async () => {
		const welcome = client.messages.find((m) => m.type === 'welcome');
		assert.ok(welcome?.type === 'welcome');
		assert.deepEqual(
			welcome.bridge.targets.map((t) => [t.name, t.kind, t.production, t.armed]),
			[
				['local', 'local', false, true],
				['testbox', 'ssh', false, true],
				['prodbox', 'ssh', true, false],
				['downbox', 'ssh', false, true],
			],
		);
		const { run } = await client.run('r.hello');
		assert.ok(run);
		assert.equal(run.target, 'testbox');
		const end = await client.ended(run.id);
		assert.deepEqual([end.end, end.exitCode], ['exited', 0]);
		const output = client.output.get(run.id) ?? '';
		assert.match(output, /remote says hi from /);
		assert.doesNotMatch(output, /opsbook-exit/, 'the exit marker never reaches the page');
	});

	it('gives a remote check its verdict', async () => {
		const { run } = await client.run('r.check');
		assert.ok(run);
		assert.deepEqual((await client.ended(run.id)).verdict, {
			outcome: 'pass',
			reason: 'a line matched `^up$`',
		});
	});

	it('reports the exact exit code of a remote command', async () => {
		const { run } = await client.run('r.fail');
		assert.ok(run);
		const end = await client.ended(run.id);
		assert.deepEqual([end.end, end.exitCode], ['exited', 3]);
		const audit = (await bridge.readAudit()).find((e) => e.run === run.id && e.event === 'end');
		assert.deepEqual([audit?.target, audit?.exitCode], ['testbox', 3]);
	});

	it('Stop ends the remote command', async () => {
		const seconds = String(10_000 + (process.pid % 80_000));
		const { run } = await client.run('r.sleep', { seconds });
		assert.ok(run);
		await client.until(
			() => client.output.get(run.id)?.includes('remote sleeping'),
			'the remote sleep',
		);
		await until(
			async () => (await processesRunning(['sleep', seconds])).length === 1,
			'the remote sleep process',
		);
		client.send({ type: 'stop', run: run.id });
		const end = await client.ended(run.id);
		assert.equal(end.end, 'stopped');
		await until(
			async () => (await processesRunning(['sleep', seconds])).length === 0,
			'the remote sleep to die',
		);
	});

	it('arms a production target only when its name is typed, and logs it', async () => {
		const before = await client.run('r.prod', {}, { confirm: 'prodbox' });
		assert.equal(before.refused?.code, 'target-not-armed');
		client.send({ type: 'arm', ref: 'a1', target: 'prodbox' });
		const refused = await client.waitFor((m) => m.type === 'refused' && m.ref === 'a1');
		assert.ok(refused.type === 'refused');
		assert.equal(refused.code, 'confirm-required');
		assert.match(refused.message, /type "prodbox"/);
		client.send({ type: 'arm', ref: 'a2', target: 'prodbox', confirm: 'prodbox' });
		const targets = await client.waitFor((m) => m.type === 'targets');
		assert.ok(targets.type === 'targets');
		assert.equal(targets.targets.find((t) => t.name === 'prodbox')?.armed, true);
		const audit = await bridge.readAudit();
		assert.deepEqual(
			audit.filter((e) => e.event === 'arm').map((e) => [e.target, e.by]),
			[
				['testbox', 'start-up'],
				['downbox', 'start-up'],
				['prodbox', 'page'],
			],
		);
	});

	it('asks for the target name of a destructive block on a production target', async () => {
		const refused = await client.run('r.prod');
		assert.equal(refused.refused?.code, 'confirm-required');
		assert.match(refused.refused?.message ?? '', /type "prodbox"/);
		const { run } = await client.run('r.prod', {}, { confirm: 'prodbox' });
		assert.ok(run);
		assert.equal((await client.ended(run.id)).exitCode, 0);
	});

	it('says clearly when the host cannot be reached, and runs nothing', async () => {
		const { run } = await client.run('r.down');
		assert.ok(run);
		const end = await client.ended(run.id);
		assert.equal(end.end, 'failed');
		assert.match(end.message ?? '', /refused the connection/);
		assert.match(
			client.output.get(run.id) ?? '',
			/refused the connection/,
			'the terminal says so too',
		);
		assert.equal(existsSync('/tmp/opsbook-should-not-exist'), false);
	});
});

describe('a step runs where it says', () => {
	let sshd: Sshd;
	let bridge: TestBridge;
	let client: TestClient;

	before(async () => {
		sshd = await startSshd();
		bridge = await startTestBridge({ sshConfig: sshd.configFile });
		client = await TestClient.connect(bridge);
	});
	after(async () => {
		client?.close();
		await bridge?.dispose();
		await sshd?.close();
	});

	/** Logins the test sshd accepted so far. */
	const connections = async () =>
		(await readFile(join(sshd.dir, 'sshd.log'), 'utf8').catch(() => '')).match(
			/Accepted publickey/g,
		)?.length ?? 0;

	it('runs nothing for a target that is not armed, and reaches no host', async () => {
		const welcome = client.messages.find((m) => m.type === 'welcome');
		assert.ok(welcome?.type === 'welcome');
		assert.deepEqual(
			welcome.bridge.targets.filter((t) => t.armed).map((t) => t.name),
			['local'],
		);
		for (const [block, extra] of [
			['r.hello', {}],
			['r.change', {}],
			['r.prod', { confirm: 'prodbox' }],
		] as const) {
			const { refused } = await client.run(block, {}, extra);
			assert.equal(refused?.code, 'target-not-armed', block);
			assert.match(refused?.message ?? '', /is not armed/);
		}
		assert.equal(await connections(), 0, 'no ssh login reached the test sshd');
		assert.equal((await bridge.readAudit()).length, 0, 'nothing ran, nothing to log');
	});

	it('never runs a change or destructive step anywhere but its own target', async () => {
		const change = await client.run('r.change', {}, { on: 'local' });
		assert.equal(change.refused?.code, 'wrong-target');
		assert.match(change.refused?.message ?? '', /runs on its own target, testbox, or not at all/);
		const destructive = await client.run('r.prod', {}, { on: 'local', confirm: 'prodbox' });
		assert.equal(destructive.refused?.code, 'wrong-target');
		const local = await client.run('t.change', {}, { on: 'testbox' });
		assert.equal(local.refused?.code, 'wrong-target');
		assert.equal(await connections(), 0);
	});

	it('runs a read step elsewhere only when asked to, and says so', async () => {
		const { run } = await client.run('r.hello', {}, { on: 'local' });
		assert.ok(run);
		assert.deepEqual([run.target, run.blockTarget], ['local', 'testbox']);
		assert.equal((await client.ended(run.id)).exitCode, 0);
		const start = (await bridge.readAudit()).find((e) => e.run === run.id);
		assert.deepEqual([start?.target, start?.blockTarget], ['local', 'testbox']);
		assert.equal(await connections(), 0, 'it ran here, not on the host');
	});

	it('reaches a target once armed from the page, and no more once disarmed', async () => {
		client.send({ type: 'arm', ref: 'a', target: 'testbox' });
		await client.waitFor(
			(m) => m.type === 'targets' && m.targets.some((t) => t.name === 'testbox' && t.armed),
		);
		const { run } = await client.run('r.hello');
		assert.ok(run);
		assert.equal(run.target, 'testbox');
		assert.equal((await client.ended(run.id)).exitCode, 0);
		assert.match(client.output.get(run.id) ?? '', /remote says hi/);
		assert.equal(await connections(), 1, 'one login, for the armed target');
		client.send({ type: 'disarm', target: 'testbox' });
		await client.waitFor(
			(m) => m.type === 'targets' && m.targets.some((t) => t.name === 'testbox' && !t.armed),
		);
		const after = await client.run('r.hello');
		assert.equal(after.refused?.code, 'target-not-armed');
		const events = (await bridge.readAudit()).filter((e) => e.target === 'testbox');
		assert.deepEqual(
			events.map((e) => e.event),
			['arm', 'start', 'end', 'disarm'],
		);
	});

	it('cannot disarm this machine, nor arm a target it does not know', async () => {
		client.send({ type: 'disarm', target: 'local' });
		client.send({ type: 'arm', ref: 'x', target: 'nowhere' });
		const refused = await client.waitFor((m) => m.type === 'refused' && m.ref === 'x');
		assert.ok(refused.type === 'refused');
		assert.equal(refused.code, 'unknown-target');
		const { run } = await client.run('t.echo');
		assert.ok(run);
		assert.equal((await client.ended(run.id)).exitCode, 0);
	});
});
