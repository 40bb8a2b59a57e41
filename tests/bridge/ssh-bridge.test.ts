/**
 * Blocks that name an ssh target, run through the bridge on a real sshd on 127.0.0.1: what a
 * responder sees when a step runs on a server, fails there, is stopped, or cannot connect.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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
		bridge = await startTestBridge({ runOn: 'runbook', sshConfig: sshd.configFile });
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
		assert.equal(welcome.bridge.runsOn, undefined);
		assert.deepEqual(
			welcome.bridge.targets.map((t) => [t.name, t.kind, t.production]),
			[
				['local', 'local', false],
				['testbox', 'ssh', false],
				['prodbox', 'ssh', true],
				['downbox', 'ssh', false],
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

describe('the default bridge', () => {
	it('runs blocks of ssh targets on the local shell, and reaches no host', async () => {
		const bridge = await startTestBridge();
		try {
			const client = await TestClient.connect(bridge);
			const welcome = client.messages.find((m) => m.type === 'welcome');
			assert.ok(welcome?.type === 'welcome');
			assert.equal(welcome.bridge.runsOn, 'local');
			assert.deepEqual(
				welcome.bridge.targets.map((t) => t.name),
				['local'],
			);
			const { run } = await client.run('r.hello');
			assert.ok(run);
			assert.equal(run.target, 'local');
			assert.equal((await client.ended(run.id)).exitCode, 0);
			client.close();
		} finally {
			await bridge.dispose();
		}
	});
});
