/**
 * Gates over the local shell: a block with `needs=` is refused until what it needs has passed in
 * this bridge session, unless the request runs it anyway with a reason, which the audit log keeps.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startTestBridge, TestClient, type TestBridge } from '../support/bridge.ts';

describe('gates', () => {
	let bridge: TestBridge;
	let client: TestClient;
	const state = `gate-${process.pid}`;
	const stateFile = `/tmp/opsbook-procedure-${state}.txt`;

	before(async () => {
		bridge = await startTestBridge();
		client = await TestClient.connect(bridge);
	});
	after(async () => {
		client.close();
		await bridge.dispose();
		await rm(stateFile, { force: true });
	});

	const startsOf = async (block: string) =>
		(await bridge.readAudit()).filter((e) => e.event === 'start' && e.block === block);

	it('refuses a gated block whose needs have not passed, and logs no run', async () => {
		const welcome = client.messages.find((m) => m.type === 'welcome');
		assert.deepEqual(welcome?.type === 'welcome' && welcome.passed, []);
		const { refused } = await client.run('p.gated');
		assert.equal(refused?.code, 'gate-closed');
		assert.match(
			refused?.message ?? '',
			/waits for "Check the state file says ready" to pass first/,
		);
		assert.deepEqual(await startsOf('p.gated'), []);
		// An empty reason is no reason.
		const blank = await client.run('p.gated', {}, { override: { reason: '   ' } });
		assert.equal(blank.refused?.code, 'gate-closed');
	});

	it('runs it anyway with a reason, on record in the audit log and the run', async () => {
		const reason = 'the database answers in psql already';
		const { run } = await client.run('p.gated', {}, { override: { reason } });
		assert.ok(run);
		assert.deepEqual(run.override, { reason, needs: ['p.ready'] });
		const end = await client.ended(run.id);
		assert.equal(end.exitCode, 0);
		assert.deepEqual(end.override, { reason, needs: ['p.ready'] });
		const [start] = await startsOf('p.gated');
		assert.deepEqual(start?.override, { reason, needs: ['p.ready'] });
		assert.equal(start?.run, run.id);
	});

	it('opens once the needed check passes, and closes when it fails again', async () => {
		// A failing check keeps it closed.
		const failing = await client.run('p.ready', { state });
		assert.ok(failing.run);
		assert.equal((await client.ended(failing.run.id)).verdict?.outcome, 'fail');
		assert.equal((await client.run('p.gated')).refused?.code, 'gate-closed');

		await writeFile(stateFile, 'starting\nready\n');
		const passing = await client.run('p.ready', { state });
		assert.ok(passing.run);
		assert.equal((await client.ended(passing.run.id)).verdict?.outcome, 'pass');
		const open = await client.run('p.gated');
		assert.ok(open.run, JSON.stringify(open.refused));
		assert.equal(open.run.override, undefined);
		await client.ended(open.run.id);
		const starts = await startsOf('p.gated');
		assert.equal(starts.length, 2);
		assert.equal(starts[1]?.override, undefined);

		// A later page learns which blocks passed (a plain block passes by exiting 0).
		const late = await TestClient.connect(bridge);
		const welcome = late.messages.find((m) => m.type === 'welcome');
		assert.deepEqual(welcome?.type === 'welcome' && welcome.passed.sort(), ['p.gated', 'p.ready']);
		late.close();

		await writeFile(stateFile, 'starting\n');
		const again = await client.run('p.ready', { state });
		assert.ok(again.run);
		await client.ended(again.run.id);
		assert.equal((await client.run('p.gated')).refused?.code, 'gate-closed');
	});
});
