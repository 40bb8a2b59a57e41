/**
 * The pairing link's fragment: a page pairs only with a bridge on this computer, named in one of
 * three literal ways, and never with an address dressed up to look like one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopbackBridgeUrl, parseFragment, sameOriginBridge } from '../../src/client/pairing.ts';

const local = { protocol: 'http:', host: '127.0.0.1:4321' };
const published = { protocol: 'https:', host: 'runbooks.example.com' };

describe('parseFragment', () => {
	it('reads the links the bridge prints', () => {
		assert.deepEqual(parseFragment('#opsbook=abc', local), {
			pairing: { token: 'abc', url: 'ws://127.0.0.1:4321/_opsbook/bridge' },
			rest: '',
		});
		assert.deepEqual(parseFragment('#count&opsbook=abc@127.0.0.1:7777', published), {
			pairing: { token: 'abc', url: 'ws://127.0.0.1:7777/_opsbook/bridge' },
			rest: 'count',
		});
		for (const host of ['localhost:4322', '[::1]:4322', '127.0.0.1:65535']) {
			assert.equal(
				parseFragment(`#opsbook=abc@${host}`, published).pairing?.url,
				`ws://${host}/_opsbook/bridge`,
				host,
			);
		}
		// Percent-encoded as some chat apps do.
		assert.equal(
			parseFragment('#opsbook=abc%40%5B%3A%3A1%5D%3A4322', published).pairing?.url,
			'ws://[::1]:4322/_opsbook/bridge',
		);
	});

	it('refuses every bridge that is not on this computer', () => {
		const hosts = [
			'evil.example:1234',
			'127.0.0.1.evil.example:1234',
			'localhost.evil:1234',
			'evil.example@127.0.0.1:1234',
			'127.0.0.1:1234@evil.example:1234',
			'user:pass@127.0.0.1:1234',
			'127.0.0.1:1234/@evil.example',
			'127.0.0.1:1234#@evil.example',
			'127.0.0.1:1234/x',
			'2130706433:1234',
			'0x7f000001:1234',
			'0x7f.0.0.1:1234',
			'0177.0.0.1:1234',
			'127.1:1234',
			'127.0.0.2:1234',
			'0.0.0.0:1234',
			'LOCALHOST:1234',
			'localhost.:1234',
			'[::ffff:127.0.0.1]:1234',
			'[0:0:0:0:0:0:0:1]:1234',
			'[::1%25lo]:1234',
			'::1:1234',
			'127.0.0.1',
			'127.0.0.1:',
			'127.0.0.1:0',
			'127.0.0.1:65536',
			'127.0.0.1:01234',
			'127.0.0.1:1234 ',
			'',
		];
		for (const host of hosts) {
			const parsed = parseFragment(`#opsbook=abc@${encodeURIComponent(host)}`, local);
			assert.equal(parsed.pairing, undefined, host);
			assert.equal(parsed.refused, host, host);
			const raw = parseFragment(`#opsbook=abc@${host}`, local);
			assert.equal(raw.pairing, undefined, `raw ${host}`);
		}
	});

	it('takes the short form only on a page a loopback bridge serves', () => {
		assert.deepEqual(parseFragment('#opsbook=abc', published), {
			refused: published.host,
			rest: '',
		});
		assert.equal(
			parseFragment('#opsbook=abc', { protocol: 'http:', host: 'evil.example:4321' }).pairing,
			undefined,
		);
		assert.equal(
			parseFragment('#opsbook=abc', { protocol: 'https:', host: '127.0.0.1:4321' }).pairing,
			undefined,
		);
		assert.equal(
			parseFragment('#opsbook=abc', { protocol: 'http:', host: 'localhost:4321' }).pairing?.url,
			'ws://localhost:4321/_opsbook/bridge',
		);
	});

	it('refuses tokens that are not base64url', () => {
		for (const token of ['', 'a b', 'a"b', '<x>', 'a%ZZ', 'a'.repeat(257)]) {
			assert.equal(parseFragment(`#opsbook=${token}`, local).pairing, undefined, token);
		}
	});
});

describe('the bridge URLs a page may open', () => {
	it('are ws:// to a loopback name with a port, on the bridge path', () => {
		assert.equal(isLoopbackBridgeUrl('ws://127.0.0.1:4321/_opsbook/bridge'), true);
		assert.equal(isLoopbackBridgeUrl('ws://[::1]:4321/_opsbook/bridge'), true);
		for (const url of [
			'wss://127.0.0.1:4321/_opsbook/bridge',
			'ws://evil.example:4321/_opsbook/bridge',
			'ws://127.0.0.1:4321@evil.example/_opsbook/bridge',
			'ws://127.0.0.1:4321/_opsbook/bridge?x',
			'ws://127.0.0.1:99999/_opsbook/bridge',
		]) {
			assert.equal(isLoopbackBridgeUrl(url), false, url);
		}
		assert.equal(sameOriginBridge(published), undefined);
		assert.equal(sameOriginBridge(local), 'ws://127.0.0.1:4321/_opsbook/bridge');
	});
});
