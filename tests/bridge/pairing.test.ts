/**
 * Pairing without the link in every tab: the site the bridge serves trades the token for an
 * HttpOnly cookie, which only that site's own pages can use, and which `--new-token` voids.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CloseCode, PAIR_PATH, PROTOCOL_VERSION, STATUS_PATH } from '../../src/protocol.ts';
import {
	ROOT,
	spawnTestBridge,
	startTestBridge,
	TestClient,
	type BridgeProcess,
	type TestBridge,
} from '../support/bridge.ts';

/** POSTs to the pairing route as a page of `origin` would; returns the status and cookie. */
async function pair(
	bridge: TestBridge,
	body: unknown,
	headers: Record<string, string> = {},
): Promise<{ status: number; cookie: string | undefined }> {
	const response = await fetch(`${bridge.origin}${PAIR_PATH}`, {
		method: 'POST',
		headers: {
			origin: bridge.origin,
			'content-type': 'application/json',
			'sec-fetch-site': 'same-origin',
			...headers,
		},
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
	const cookie = response.headers.get('set-cookie') ?? undefined;
	return { status: response.status, cookie };
}

/** Says hello without a token, as a tab paired by cookie does; the welcome, or the close code. */
async function helloByCookie(
	bridge: TestBridge,
	cookie: string | undefined,
	origin = bridge.origin,
): Promise<'welcome' | number | string> {
	const client = new TestClient(bridge.wsUrl, { origin, ...(cookie && { cookie }) });
	try {
		await client.opened;
	} catch (error) {
		return (error as Error).message;
	}
	client.send({ type: 'hello', version: PROTOCOL_VERSION });
	const result = await Promise.race([
		client.waitFor((m) => m.type === 'welcome').then(() => 'welcome' as const),
		client.closed.then((c) => c.code),
	]);
	client.close();
	return result;
}

describe('the pairing cookie', () => {
	let bridge: TestBridge;
	let cookie: string;

	before(async () => {
		bridge = await startTestBridge({ allowedOrigins: ['https://runbooks.example.com'] });
		const paired = await pair(bridge, { token: bridge.token });
		assert.equal(paired.status, 200);
		assert.ok(paired.cookie);
		cookie = paired.cookie.split(';')[0]!;
	});
	after(() => bridge.dispose());

	it('is HttpOnly, SameSite=Strict, for the bridge path, named for this port, and not the token', async () => {
		const { cookie: header = '' } = await pair(bridge, { token: bridge.token });
		assert.match(header, new RegExp(`^opsbook-${bridge.port}=[A-Za-z0-9_-]{43};`));
		assert.match(header, /; Path=\/_opsbook;/);
		assert.match(header, /; HttpOnly;/);
		assert.match(header, /; SameSite=Strict$/);
		assert.doesNotMatch(header, /Max-Age|Expires|Domain/);
		assert.ok(!header.includes(bridge.token));
	});

	it('pairs a socket from the site served here without a token', async () => {
		assert.equal(await helloByCookie(bridge, cookie), 'welcome');
		const client = new TestClient(bridge.wsUrl, { origin: bridge.origin, cookie });
		await client.opened;
		client.send({ type: 'hello', version: PROTOCOL_VERSION });
		await client.waitFor((m) => m.type === 'welcome');
		const run = await client.run('t.echo');
		assert.ok(run.run);
		client.close();
	});

	it('is refused when forged, missing, or with a wrong token beside it', async () => {
		assert.equal(await helloByCookie(bridge, undefined), CloseCode.Unauthorized);
		assert.equal(
			await helloByCookie(bridge, `opsbook-${bridge.port}=${'A'.repeat(43)}`),
			CloseCode.Unauthorized,
		);
		// The right value under another port's name is another bridge's cookie.
		assert.equal(
			await helloByCookie(bridge, cookie.replace(/^opsbook-\d+/, 'opsbook-1')),
			CloseCode.Unauthorized,
		);
		const mixed = new TestClient(bridge.wsUrl, { origin: bridge.origin, cookie });
		await mixed.opened;
		mixed.send({ type: 'hello', version: PROTOCOL_VERSION, token: 'wrong' });
		assert.equal((await mixed.closed).code, CloseCode.Unauthorized);
	});

	it('counts only from the site served here', async () => {
		// Not an allowed origin: refused before the upgrade, cookie or not.
		assert.equal(await helloByCookie(bridge, cookie, 'http://evil.example'), 'HTTP 403');
		// An allowed published site never gets this cookie from a browser; forged, it gains nothing.
		assert.equal(
			await helloByCookie(bridge, cookie, 'https://runbooks.example.com'),
			CloseCode.Unauthorized,
		);
	});

	it('is given only for the token, to the site itself', async () => {
		const refused = [
			[{ token: 'wrong' }, {}, 401],
			[{}, {}, 401],
			['{"token":', {}, 401],
			[{ token: bridge.token }, { origin: 'http://evil.example' }, 403],
			[{ token: bridge.token }, { origin: 'https://runbooks.example.com' }, 403],
			[{ token: bridge.token }, { origin: 'null' }, 403],
			[{ token: bridge.token }, { 'sec-fetch-site': 'cross-site' }, 403],
			[{ token: bridge.token }, { 'sec-fetch-site': 'same-site' }, 403],
			[{ token: bridge.token }, { 'content-type': 'text/plain' }, 415],
			[{ token: bridge.token }, { 'content-type': 'application/x-www-form-urlencoded' }, 415],
			[{ token: bridge.token, pad: 'x'.repeat(2000) }, {}, 401],
		] as const;
		for (const [body, headers, status] of refused) {
			const result = await pair(bridge, body, headers);
			assert.equal(result.status, status, JSON.stringify({ body, headers }).slice(0, 120));
			assert.equal(result.cookie, undefined);
		}
		// Origin must match the Host the cookie would be set for.
		const port = bridge.port;
		const other = await pair(
			bridge,
			{ token: bridge.token },
			{ origin: `http://localhost:${port}` },
		);
		assert.equal(other.status, 403);
	});

	it('answers status with nothing but whether this browser is paired', async () => {
		const status = async (headers: Record<string, string>) => {
			const response = await fetch(`${bridge.origin}${STATUS_PATH}`, { headers });
			return { status: response.status, body: await response.text() };
		};
		assert.deepEqual(await status({}), { status: 200, body: '{"paired":false}' });
		assert.deepEqual(await status({ cookie }), { status: 200, body: '{"paired":true}' });
		assert.equal((await status({ 'sec-fetch-site': 'cross-site', cookie })).status, 403);
		const response = await fetch(`${bridge.origin}${STATUS_PATH}`);
		assert.equal(response.headers.get('access-control-allow-origin'), null);
	});

	it('is refused on a Host that is not this bridge (DNS rebinding)', async () => {
		const { request } = await import('node:http');
		const statusFor = (path: string, method = 'GET') =>
			new Promise<number>((resolve, reject) => {
				const req = request(
					`${bridge.origin}${path}`,
					{ method, headers: { host: `evil.example:${bridge.port}` } },
					(res) => {
						res.resume();
						resolve(res.statusCode ?? 0);
					},
				);
				req.on('error', reject);
				req.end();
			});
		assert.equal(await statusFor(STATUS_PATH), 421);
		assert.equal(await statusFor(PAIR_PATH, 'POST'), 421);
	});

	it('is void once the bridge starts with --new-token, and kept across a plain restart', async () => {
		const { stateDir, port } = bridge;
		await bridge.close();
		bridge = await startTestBridge({ stateDir, port });
		assert.equal(await helloByCookie(bridge, cookie), 'welcome');
		await bridge.close();
		bridge = await startTestBridge({ stateDir, port, newToken: true });
		assert.equal(await helloByCookie(bridge, cookie), CloseCode.Unauthorized);
		const status = await fetch(`${bridge.origin}${STATUS_PATH}`, { headers: { cookie } });
		assert.equal(await status.text(), '{"paired":false}');
	});
});

describe('a bridge without a site of its own', () => {
	it('has no pairing routes', async () => {
		const standalone = await startTestBridge({
			siteRoot: undefined,
			siteUrl: 'https://runbooks.example.com/',
		});
		try {
			const response = await fetch(`${standalone.origin}${PAIR_PATH}`, {
				method: 'POST',
				headers: { origin: 'https://runbooks.example.com', 'content-type': 'application/json' },
				body: JSON.stringify({ token: standalone.token }),
			});
			assert.equal(response.status, 404);
			assert.equal(response.headers.get('set-cookie'), null);
		} finally {
			await standalone.dispose();
		}
	});
});

describe('npm run pair', () => {
	const pairCommand = (stateHome: string) =>
		spawnSync(process.execPath, ['server/cli.ts', 'pair'], {
			cwd: ROOT,
			env: { ...process.env, XDG_STATE_HOME: stateHome },
			encoding: 'utf8',
		});
	const stop = async (bridge: BridgeProcess, signal: NodeJS.Signals) => {
		const exited = new Promise((resolve) => bridge.child.once('exit', resolve));
		bridge.child.kill(signal);
		await exited;
	};

	it('prints the running bridge’s link again, and says when none runs', async () => {
		const bridge = await spawnTestBridge();
		try {
			const printed = pairCommand(bridge.stateDir);
			assert.equal(printed.status, 0, printed.stderr);
			assert.ok(
				printed.stdout.includes(`${bridge.origin}/#opsbook=${bridge.token}`),
				printed.stdout,
			);
			await stop(bridge, 'SIGTERM');
			const after = pairCommand(bridge.stateDir);
			assert.equal(after.status, 2);
			assert.match(
				after.stderr,
				/No Opsbook bridge is running for you: start one with {2}npx opsbook serve {2}\(npm start in the Opsbook repository/,
			);
			assert.doesNotMatch(after.stdout, /opsbook=/);
		} finally {
			await bridge.dispose();
		}
	});

	it('does not offer the link of a bridge that was killed', async () => {
		const bridge = await spawnTestBridge();
		try {
			await stop(bridge, 'SIGKILL');
			assert.equal(pairCommand(bridge.stateDir).status, 2);
		} finally {
			await bridge.dispose();
		}
	});
});
