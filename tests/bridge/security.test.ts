/**
 * Nothing but the runbooks runs: every forged, foreign or malformed request is refused with its
 * code, a marker file proves no command ran, and the bridge keeps serving afterwards.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CloseCode, MAX_CLIENT_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/protocol.ts';
import { startTestBridge, TestClient, type TestBridge } from '../support/bridge.ts';
import { injections, refusedValues } from '../support/injections.ts';

const MARKER = `/tmp/opsbook-security-${process.pid}`;

function assertNothingRan() {
	assert.equal(existsSync(MARKER), false, `${MARKER} exists: a forged request ran a command`);
}

async function upgradeStatus(
	bridge: TestBridge,
	headers: { origin?: string; host?: string },
): Promise<string> {
	const client = new TestClient(bridge.wsUrl, headers);
	try {
		await client.opened;
		client.close();
		return 'upgraded';
	} catch (error) {
		return (error as Error).message;
	}
}

describe('the bridge refuses what the runbooks do not contain', () => {
	let bridge: TestBridge;

	before(async () => {
		rmSync(MARKER, { force: true });
		bridge = await startTestBridge({ limits: { helloTimeoutMs: 300 } });
	});
	after(async () => {
		await bridge.dispose();
		rmSync(MARKER, { force: true });
	});

	it('accepts only the exact origins of its own site', async () => {
		for (const origin of [
			'http://evil.example',
			'null',
			`${bridge.origin}.evil.example`,
			'https://127.0.0.1',
		]) {
			assert.equal(await upgradeStatus(bridge, { origin }), 'HTTP 403', origin);
		}
		assert.equal(await upgradeStatus(bridge, {}), 'HTTP 403', 'no Origin at all');
		assert.equal(await upgradeStatus(bridge, { origin: bridge.origin }), 'upgraded');
	});

	it('refuses a Host that is not loopback with its port (DNS rebinding)', async () => {
		const port = new URL(bridge.url).port;
		for (const host of [
			`evil.example:${port}`,
			`127.0.0.1:1`,
			`127.0.0.1.nip.io:${port}`,
			`localhost`,
		]) {
			assert.equal(await upgradeStatus(bridge, { origin: bridge.origin, host }), 'HTTP 403', host);
		}
	});

	it('closes connections without the right token', async () => {
		const wrong = new TestClient(bridge.wsUrl, { origin: bridge.origin });
		await wrong.opened;
		wrong.send({
			type: 'hello',
			version: PROTOCOL_VERSION,
			token: `${bridge.token.slice(0, -1)}x`,
		});
		assert.equal((await wrong.closed).code, CloseCode.Unauthorized);

		const empty = new TestClient(bridge.wsUrl, { origin: bridge.origin });
		await empty.opened;
		empty.send({ type: 'hello', version: PROTOCOL_VERSION, token: '' });
		assert.equal((await empty.closed).code, CloseCode.Unauthorized);

		// Skipping hello and asking for a run straight away.
		const rude = new TestClient(bridge.wsUrl, { origin: bridge.origin });
		await rude.opened;
		rude.send({
			type: 'run',
			ref: 'x',
			block: 't.change',
			params: { tag: 'x' },
			command: 'touch /tmp/opsbook-change-x',
			cols: 80,
			rows: 24,
		});
		assert.equal((await rude.closed).code, CloseCode.Unauthorized);

		const silent = new TestClient(bridge.wsUrl, { origin: bridge.origin });
		await silent.opened;
		assert.equal((await silent.closed).code, CloseCode.HelloTimeout);

		const old = new TestClient(bridge.wsUrl, { origin: bridge.origin });
		await old.opened;
		old.send({ type: 'hello', version: PROTOCOL_VERSION + 1, token: bridge.token });
		assert.equal((await old.closed).code, CloseCode.UnsupportedVersion);
		assertNothingRan();
	});

	it('closes on malformed JSON, unknown messages, binary and oversize frames', async () => {
		const cases: Array<[string, (c: TestClient) => void, number]> = [
			['malformed JSON', (c) => c.ws.send('{"type":"run",'), CloseCode.BadRequest],
			[
				'unknown type',
				(c) => c.send({ type: 'exec', command: `touch ${MARKER}` }),
				CloseCode.BadRequest,
			],
			[
				'a command field',
				(c) => c.send({ type: 'run', ref: 'r', command: `touch ${MARKER}` }),
				CloseCode.BadRequest,
			],
			['binary frame', (c) => c.ws.send(Buffer.from(`touch ${MARKER}`)), CloseCode.BadRequest],
			[
				'oversize frame',
				(c) => c.ws.send('x'.repeat(MAX_CLIENT_FRAME_BYTES + 1)),
				CloseCode.MessageTooBig,
			],
		];
		for (const [what, send, code] of cases) {
			const client = await TestClient.connect(bridge);
			send(client);
			assert.equal((await client.closed).code, code, what);
		}
		assertNothingRan();
	});

	it('refuses unknown blocks and values that fail their type, and runs hostile text as text', async () => {
		const client = await TestClient.connect(bridge);
		const unknown = await client.run('../../etc/passwd', {});
		assert.equal(unknown.refused?.code, 'unknown-block');
		const extra = await client.run('t.echo', { command: `touch ${MARKER}` });
		assert.equal(extra.refused?.code, 'invalid-params');
		for (const value of refusedValues(MARKER)) {
			const result = await client.run('t.name', { name: value });
			assert.equal(result.refused?.code, 'invalid-params', JSON.stringify(value));
		}
		// `tag` is a word: every shell metacharacter is refused.
		for (const value of injections(MARKER)) {
			const result = await client.run('t.change', { tag: value });
			if (/^[A-Za-z0-9_]/.test(value) && /^[A-Za-z0-9._:@%+,-]+$/.test(value)) continue;
			assert.equal(result.refused?.code, 'invalid-params', JSON.stringify(value));
		}
		// `name` is text: every value runs, and comes out as one literal argument.
		for (const value of injections(MARKER)) {
			const result = await client.run('t.name', { name: value });
			assert.ok(result.run, `runs with ${JSON.stringify(value)}`);
			const end = await client.ended(result.run.id);
			assert.equal(end.exitCode, 0);
			assert.ok(
				client.output.get(result.run.id)?.includes(`name=[${value}]`),
				JSON.stringify(value),
			);
		}
		assertNothingRan();
		client.close();
	});

	it('refuses a run whose page shows another command than the bridge would run', async () => {
		const client = await TestClient.connect(bridge);
		const stale = await client.run(
			't.change',
			{ tag: 'x' },
			{ command: 'touch /tmp/opsbook-old-x' },
		);
		assert.equal(stale.refused?.code, 'stale-page');
		assert.equal(existsSync('/tmp/opsbook-change-x'), false);
		// The same command the bridge renders runs.
		const fresh = await client.run('t.seq', { count: '2' }, { command: 'seq 1 2' });
		assert.ok(fresh.run);
		assert.equal((await client.ended(fresh.run.id)).exitCode, 0);
		client.close();
		// A request that leaves the command out cannot skip the comparison: it is not a request.
		const bare = await TestClient.connect(bridge);
		bare.send({ type: 'run', ref: 'r', block: 't.change', params: { tag: 'x' }, cols: 80, rows: 24 });
		assert.equal((await bare.closed).code, CloseCode.BadRequest);
		assert.equal(existsSync('/tmp/opsbook-change-x'), false);
	});

	it('enforces its risk ceiling and destructive confirmations', async () => {
		const readOnly = await startTestBridge({ maxRisk: 'read' });
		try {
			const client = await TestClient.connect(readOnly);
			const change = await client.run('t.change', { tag: String(process.pid) });
			assert.equal(change.refused?.code, 'risk-ceiling');
			assert.match(change.refused?.message ?? '', /--max-risk read/);
			assert.equal(existsSync(`/tmp/opsbook-change-${process.pid}`), false);
			const read = await client.run('t.echo');
			assert.ok(read.run, 'read blocks still run');
			client.close();
		} finally {
			await readOnly.dispose();
		}

		const client = await TestClient.connect(bridge);
		assert.equal((await client.run('t.destroy')).refused?.code, 'confirm-required');
		assert.equal(
			(await client.run('t.destroy', {}, { confirm: 'Delete' })).refused?.code,
			'confirm-required',
		);
		const confirmed = await client.run('t.destroy', { what: 'tmpfiles' }, { confirm: 'delete' });
		assert.ok(confirmed.run);
		await client.ended(confirmed.run.id);
		assert.match(client.output.get(confirmed.run.id) ?? '', /destroying tmpfiles/);
		client.close();
	});

	it('limits connections, and keeps serving after every refusal', async () => {
		const flood = await startTestBridge({});
		try {
			// Anything on this machine can forge an Origin: sockets that never say hello.
			const silent = await Promise.all(
				Array.from({ length: 70 }, async () => {
					const c = new TestClient(flood.wsUrl, { origin: flood.origin });
					await c.opened;
					return c;
				}),
			);
			// Only 16 may wait for hello; the oldest make room for the newest.
			const codes = await Promise.all(
				silent.map((c) =>
					Promise.race([
						c.closed.then((x) => x.code),
						new Promise((r) => setTimeout(() => r(0), 500)),
					]),
				),
			);
			assert.equal(codes.filter((c) => c === CloseCode.TooManyConnections).length, 70 - 16);
			// A page with the token gets in while the flood still holds every waiting place.
			const paired = await TestClient.connect(flood);
			const run = await paired.run('t.echo');
			assert.ok(run.run);
			// And the silent ones are gone by the hello deadline (2 s).
			const late = await Promise.all(silent.slice(-15).map((c) => c.closed));
			assert.deepEqual(new Set(late.map((x) => x.code)), new Set([CloseCode.HelloTimeout]));
			paired.close();
			for (const c of silent) c.close();
		} finally {
			await flood.dispose();
		}

		const client = await TestClient.connect(bridge);
		const run = await client.run('t.echo');
		assert.ok(run.run);
		await client.ended(run.run.id);
		assert.match(client.output.get(run.run.id) ?? '', /hello from opsbook/);
		client.close();
	});
});
