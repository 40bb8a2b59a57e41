/**
 * Runs on the local target, through a real bridge and real ptys: exit codes, Stop, timeouts,
 * pages that leave and come back, floods, secrets and the audit log.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { HIGH_WATERMARK } from '../../server/run.ts';
import {
	readAudit,
	spawnTestBridge,
	startTestBridge,
	TestClient,
	type TestBridge,
} from '../support/bridge.ts';
import { commandLines, openDescriptors, processesOfRun, until } from '../support/processes.ts';

describe('runs on the local target', () => {
	let bridge: TestBridge;
	let client: TestClient;

	before(async () => {
		bridge = await startTestBridge();
		client = await TestClient.connect(bridge);
	});
	after(async () => {
		client.close();
		await bridge.dispose();
	});

	it('streams output and reports the exact exit code', async () => {
		const ok = await client.run('t.seq', { count: '3' });
		assert.ok(ok.run);
		assert.equal(ok.run.command, 'seq 1 3');
		const okEnd = await client.ended(ok.run.id);
		assert.equal(client.output.get(ok.run.id), '1\r\n2\r\n3\r\n');
		assert.deepEqual([okEnd.end, okEnd.exitCode, okEnd.signal], ['exited', 0, undefined]);
		assert.ok((okEnd.durationMs ?? -1) >= 0);

		const failed = await client.run('t.fail');
		assert.ok(failed.run);
		const end = await client.ended(failed.run.id);
		assert.deepEqual([end.end, end.exitCode], ['exited', 3]);
		assert.match(client.output.get(failed.run.id) ?? '', /about to fail/);
	});

	it('reports the exit of a command that closes its output before it exits', async () => {
		// `touch` closes its standard streams on the way out (coreutils' close_stdout); the bridge
		// used to let the terminal hang up then, and about one run in three was "killed by SIGHUP".
		const ends: string[] = [];
		for (let i = 0; i < 30; i++) {
			const started = await client.run('t.change', { tag: 'closes-output' });
			assert.ok(started.run);
			const end = await client.ended(started.run.id);
			ends.push(`${end.end} ${end.exitCode} ${end.signal ?? ''}`.trim());
		}
		assert.deepEqual(new Set(ends), new Set(['exited 0']));
	});

	it('Stop ends the command and everything it started', async () => {
		const { run } = await client.run('t.sleep');
		assert.ok(run);
		await client.until(() => client.output.get(run.id)?.includes('sleeping'), 'the sleep to start');
		const pids = await until(async () => {
			const found = await processesOfRun(run.id);
			return found.length >= 2 && found;
		}, 'the shell and its sleep');
		client.send({ type: 'stop', run: run.id });
		const end = await client.ended(run.id);
		assert.equal(end.end, 'stopped');
		// `sleep … &` ignores Ctrl-C in a non-interactive shell: the group's hangup ends it.
		await until(
			async () => (await processesOfRun(run.id)).length === 0,
			`pids ${pids.join(', ')} to exit`,
		);
	});

	it('Stop escalates to SIGKILL for a command that ignores Ctrl-C and SIGTERM', async () => {
		const { run } = await client.run('t.stubborn');
		assert.ok(run);
		await client.until(() => client.output.get(run.id)?.includes('stubborn'), 'the trap to be set');
		client.send({ type: 'stop', run: run.id });
		const end = await client.ended(run.id);
		assert.deepEqual([end.end, end.signal], ['stopped', 'SIGKILL']);
		await until(async () => (await processesOfRun(run.id)).length === 0, 'the group to be gone');
	});

	it('stops a run that passes its timeout', async () => {
		const { run } = await client.run('t.timeout');
		assert.ok(run);
		const end = await client.ended(run.id);
		assert.equal(end.end, 'timeout');
		assert.match(end.message ?? '', /timeout of 1 s/);
		assert.deepEqual(await processesOfRun(run.id), []);
	});

	it('takes keystrokes and follows resizes, within bounds', async () => {
		const { run } = await client.run('t.ask');
		assert.ok(run);
		await client.until(() => client.output.get(run.id)?.includes('Your name? '), 'the prompt');
		assert.match(client.output.get(run.id) ?? '', /^24 80\r\n/);
		client.send({ type: 'resize', run: run.id, cols: 100_000, rows: -5 });
		client.send({ type: 'input', run: run.id, data: 'Ada\r' });
		const end = await client.ended(run.id);
		assert.equal(end.exitCode, 0);
		assert.match(client.output.get(run.id) ?? '', /got \[Ada\]\r\n1 500\r\n$/);
	});

	it('passes Ctrl-C typed into the terminal to the command', async () => {
		const { run } = await client.run('t.sleep');
		assert.ok(run);
		await client.until(() => client.output.get(run.id)?.includes('sleeping'), 'the sleep to start');
		client.send({ type: 'input', run: run.id, data: '\x03' });
		const end = await client.ended(run.id);
		assert.equal(end.end, 'exited', 'it ended by itself, not by Stop');
		assert.deepEqual([end.exitCode, end.signal], [undefined, 'SIGINT']);
	});

	it('lets a page that comes back replay a run and follow it', async () => {
		const { run } = await client.run('t.seq', { count: '20000' });
		assert.ok(run);
		const expected = `${Array.from({ length: 20000 }, (_, i) => i + 1).join('\r\n')}\r\n`;
		await client.ended(run.id);
		const later = await TestClient.connect(bridge);
		const welcome = later.messages.find((m) => m.type === 'welcome');
		assert.ok(
			welcome?.type === 'welcome' && welcome.runs.some((r) => r.id === run.id),
			'welcome lists the run',
		);
		later.send({ type: 'attach', run: run.id, from: 0 });
		await later.waitFor((m) => m.type === 'attached' && m.run === run.id);
		await later.until(() => later.output.get(run.id) === expected, 'the whole output again');
		later.close();
	});

	it('keeps a run going when its page goes away, for the next page to pick up', async () => {
		const leaving = await TestClient.connect(bridge);
		const { run } = await leaving.run('t.sleep');
		assert.ok(run);
		await leaving.until(
			() => leaving.output.get(run.id)?.includes('sleeping'),
			'the sleep to start',
		);
		leaving.close();
		await leaving.closed;
		const next = await TestClient.connect(bridge);
		const welcome = next.messages.find((m) => m.type === 'welcome');
		assert.equal(
			welcome?.type === 'welcome' && welcome.runs.find((r) => r.id === run.id)?.state,
			'running',
		);
		next.send({ type: 'attach', run: run.id });
		await next.until(() => next.output.get(run.id)?.includes('sleeping'), 'the replayed output');
		next.send({ type: 'stop', run: run.id });
		assert.equal((await next.ended(run.id)).end, 'stopped');
		next.close();
	});

	it('pauses a flood for a page that falls behind, and resumes when it catches up', async () => {
		const slow = await TestClient.connect(bridge);
		slow.autoAck = false;
		const { run } = await slow.run('t.flood', { bytes: String(8 * HIGH_WATERMARK) });
		assert.ok(run);
		// Without acknowledgements the bridge stops reading just past the high watermark…
		await slow.until(
			() => (slow.bytes.get(run.id) ?? 0) > HIGH_WATERMARK,
			'output up to the watermark',
		);
		let last = -1;
		await until(async () => {
			await new Promise((r) => setTimeout(r, 300));
			const now = slow.bytes.get(run.id) ?? 0;
			const settled = now === last;
			last = now;
			return settled;
		}, 'the output to stop growing');
		assert.ok(last < HIGH_WATERMARK + 256 * 1024, `${last} bytes sent unacknowledged`);
		assert.ok(
			!slow.messages.some(
				(m) => m.type === 'run' && m.run.id === run.id && m.run.state === 'exited',
			),
		);
		// …and carries on once the page has caught up.
		slow.autoAck = true;
		slow.send({ type: 'ack', run: run.id, bytes: last });
		const end = await slow.ended(run.id, 30_000);
		assert.equal(end.exitCode, 0);
		assert.equal(slow.bytes.get(run.id), end.outputBytes);
		slow.close();
	});

	it('gives a check its verdict, the same in the run and the audit log', async () => {
		const cases = [
			[
				't.check-ready',
				{},
				{ outcome: 'pass', reason: 'a line matched `^accepting connections$`' },
			],
			[
				't.check-down',
				{},
				{ outcome: 'fail', reason: 'exit 1, expected 0; no line matched `^PONG$`' },
			],
			['t.check-warn', {}, { outcome: 'warn', reason: 'exit 2, a warning' }],
			['t.check-warn', { code: '3' }, { outcome: 'fail', reason: 'exit 3, expected 0' }],
		] as const;
		for (const [block, params, verdict] of cases) {
			const { run } = await client.run(block, params);
			assert.ok(run, block);
			const end = await client.ended(run.id);
			assert.deepEqual(end.verdict, verdict, block);
			const logged = (await bridge.readAudit()).find((e) => e.run === run.id && e.event === 'end');
			assert.deepEqual(logged?.verdict, verdict, `${block} in the audit log`);
		}
		// A block that is not a check has no verdict.
		const { run } = await client.run('t.echo');
		assert.ok(run);
		assert.equal((await client.ended(run.id)).verdict, undefined);
	});

	it('judges a check on all its output, past what the ring buffer keeps', async () => {
		const { run } = await client.run('t.check-long');
		assert.ok(run);
		const end = await client.ended(run.id, 60_000);
		assert.ok(end.bufferStart > 0, 'the first line has left the ring buffer');
		assert.equal(end.verdict?.outcome, 'pass');
	});

	it('fails a check that is stopped before it finishes', async () => {
		const { run } = await client.run('t.check-long');
		assert.ok(run);
		client.send({ type: 'stop', run: run.id });
		const end = await client.ended(run.id);
		assert.deepEqual(end.verdict, { outcome: 'fail', reason: 'stopped before it finished' });
	});

	it('keeps secrets out of the page, the run list and the audit log', async () => {
		const { run } = await client.run('t.secret', { password: 'hunter2-s3cret' });
		assert.ok(run);
		assert.doesNotMatch(run.command, /hunter2/);
		assert.match(run.command, /\*\*\*/);
		await client.ended(run.id);
		assert.match(client.output.get(run.id) ?? '', /secret length 14/);
		const audit = await readFile(bridge.auditLog, 'utf8');
		assert.doesNotMatch(audit, /hunter2/);
		assert.doesNotMatch(audit, new RegExp(bridge.token));
	});

	it('never puts a secret on a command line while the run goes', async () => {
		const secret = `s3cret '"$(touch /tmp/opsbook-secret-x)" ${process.pid}`;
		const { run } = await client.run('t.secret-hold', { password: secret });
		assert.ok(run);
		await client.until(
			() => client.output.get(run.id)?.includes('secret length'),
			'the command to have read the secret',
		);
		const lines = await commandLines();
		assert.ok(
			lines.some((line) => line.includes('OPSBOOK_SECRET_PASSWORD')),
			'the run is going',
		);
		assert.deepEqual(
			lines.filter((line) => line.includes(`s3cret`)),
			[],
			'no process shows the secret in its command line',
		);
		await client.ended(run.id);
		assert.match(
			client.output.get(run.id) ?? '',
			new RegExp(`secret length ${Buffer.byteLength(secret)}`),
		);
		assert.equal(existsSync('/tmp/opsbook-secret-x'), false);
	});

	it('logs every run, start and end, with the resolved command', async () => {
		const { run } = await client.run('t.fail');
		assert.ok(run);
		await client.ended(run.id);
		const entries = (await bridge.readAudit()).filter((e) => e.run === run.id);
		assert.deepEqual(
			entries.map((e) => [e.event, e.block, e.target]),
			[
				['start', 't.fail', 'local'],
				['end', 't.fail', 'local'],
			],
		);
		assert.equal(entries[0]?.command, 'echo about to fail; exit 3');
		assert.equal(entries[1]?.exitCode, 3);
		assert.equal(entries[1]?.outputBytes, 15);
	});

	it('closes every pty it opens', async () => {
		// Warm up first: the first runs open files that stay open (node-pty's own, the audit log).
		for (const id of ['t.echo', 't.fail']) await client.ended((await client.run(id)).run!.id);
		const before = await openDescriptors();
		for (let i = 0; i < 20; i++) {
			const { run } = await client.run(i % 2 ? 't.echo' : 't.fail');
			assert.ok(run);
			await client.ended(run.id);
		}
		const { run } = await client.run('t.sleep');
		assert.ok(run);
		await client.until(() => client.output.get(run.id)?.includes('sleeping'), 'the sleep to start');
		client.send({ type: 'stop', run: run.id });
		await client.ended(run.id);
		assert.equal(await openDescriptors(), before);
	});
});

describe('a bridge killed mid-run', () => {
	it('has every finished run in its audit log', async () => {
		const bridge = await spawnTestBridge();
		try {
			const client = await TestClient.connect(bridge);
			const done = await client.run('t.seq', { count: '10' });
			assert.ok(done.run);
			await client.ended(done.run.id);
			const cut = await client.run('t.sleep');
			assert.ok(cut.run);
			await client.until(() => client.output.get(cut.run.id)?.includes('sleeping'), 'the sleep');
			bridge.child.kill('SIGKILL');
			await client.closed;

			const audit = await readAudit(bridge.auditLog);
			const finished = audit.find((e) => e.run === done.run.id && e.event === 'end');
			assert.equal(finished?.exitCode, 0);
			assert.ok(
				audit.some((e) => e.run === cut.run.id && e.event === 'start'),
				'the cut run started',
			);
			assert.ok(!audit.some((e) => e.run === cut.run.id && e.event === 'end'), 'and never ended');
			// The pty died with the bridge, and the kernel's hangup took the command with it.
			await until(
				async () => (await processesOfRun(cut.run.id)).length === 0,
				'the orphaned sleep to die',
			);
		} finally {
			await bridge.dispose();
		}
	});
});
