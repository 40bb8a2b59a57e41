/**
 * The site the bridge serves: only on its own loopback address (a DNS-rebinding page reads
 * nothing), never a file outside its folder, symlinks included, and always with the headers
 * that keep it out of frames and its inline scripts to the ones it shipped.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inlineScriptHashes, serveStatic, type StaticServer } from '../../server/static.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';

const PAGE = `<!doctype html><html><head><script>window.x = 1;</script>
<script type="module" src="/a.js"></script><script type="module">import '/b.js';</script>
</head><body><h1>Runbook</h1></body></html>`;

function get(url: string, host?: string) {
	return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
		(resolve, reject) => {
			const req = request(url, { headers: host === undefined ? {} : { host } }, (res) => {
				let body = '';
				res.on('data', (chunk: Buffer) => (body += chunk.toString()));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
			});
			req.on('error', reject);
			req.end();
		},
	);
}

describe('the site the bridge serves', () => {
	let site: string;
	let outside: string;
	let bridge: TestBridge;

	before(async () => {
		site = await mkdtemp(join(tmpdir(), 'opsbook-site-'));
		outside = await mkdtemp(join(tmpdir(), 'opsbook-outside-'));
		await writeFile(join(site, 'index.html'), PAGE);
		await writeFile(join(site, '404.html'), '<h1>Not here</h1>');
		await writeFile(join(site, 'registry.json'), '{"blocks":[]}');
		await mkdir(join(site, 'opsbook', 'terminal'), { recursive: true });
		await writeFile(join(site, 'opsbook', 'terminal', 'index.html'), '<title>Terminal</title>');
		await mkdir(join(site, '_astro'));
		await writeFile(join(site, '_astro', 'terminal.abc123.js'), 'export {};');
		await writeFile(join(site, '_astro', 'page.abc123.css'), 'p {}');
		await writeFile(join(outside, 'secret.txt'), 'the secret');
		await mkdir(join(outside, 'folder'));
		await writeFile(join(outside, 'folder', 'index.html'), 'secret folder');
		await symlink(join(outside, 'secret.txt'), join(site, 'leak.txt'));
		await symlink(join(outside, 'folder'), join(site, 'linked'));
		await symlink('/etc/passwd', join(site, 'passwd'));
		bridge = await startTestBridge({ siteRoot: site });
	});
	after(async () => {
		await bridge.dispose();
		await rm(site, { recursive: true, force: true });
		await rm(outside, { recursive: true, force: true });
	});

	it('answers only on its own loopback address', async () => {
		const port = bridge.port;
		for (const host of [
			`evil.example:${port}`,
			`127.0.0.1.nip.io:${port}`,
			`127.0.0.1:${port + 1}`,
			'127.0.0.1',
		]) {
			for (const path of ['/', '/registry.json', '/nothing']) {
				const response = await get(`${bridge.origin}${path}`, host);
				assert.equal(response.status, 421, `${host} ${path}`);
				assert.doesNotMatch(response.body, /Runbook|blocks|Not here/);
			}
		}
		for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
			assert.equal((await get(`${bridge.origin}/`, host)).status, 200, host);
		}
	});

	it('serves nothing a symlink points to outside its folder', async () => {
		for (const path of ['/leak.txt', '/linked/', '/linked/index.html', '/passwd']) {
			const response = await get(`${bridge.origin}${path}`);
			assert.equal(response.status, 404, path);
			assert.doesNotMatch(response.body, /secret|root:/, path);
		}
		assert.equal((await get(`${bridge.origin}/registry.json`)).status, 200);
	});

	it('sends its security headers, with the page’s own inline scripts by hash', async () => {
		const page = await get(`${bridge.origin}/`);
		const policy = String(page.headers['content-security-policy']);
		const hashes = inlineScriptHashes(PAGE);
		assert.equal(hashes.length, 2);
		for (const hash of hashes) assert.ok(policy.includes(`'${hash}'`), hash);
		assert.match(policy, /frame-ancestors 'none'/);
		assert.match(policy, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
		assert.doesNotMatch(policy, /script-src[^;]*'unsafe-inline'/);
		assert.match(policy, /connect-src 'self' ws:\/\/127\.0\.0\.1:\* ws:\/\/localhost:\*/);
		assert.match(policy, /object-src 'none'/);
		for (const path of ['/', '/registry.json', '/nothing']) {
			const { headers } = await get(`${bridge.origin}${path}`);
			assert.equal(headers['x-frame-options'], 'DENY', path);
			assert.equal(headers['referrer-policy'], 'no-referrer', path);
			assert.equal(headers['x-content-type-options'], 'nosniff', path);
			assert.match(String(headers['content-security-policy']), /frame-ancestors 'none'/, path);
		}
	});

	it("lets the site's own pages frame its terminal document, and that one only", async () => {
		for (const path of ['/opsbook/terminal/', '/opsbook/terminal']) {
			const { status, headers } = await get(`${bridge.origin}${path}`);
			assert.equal(status, 200, path);
			assert.equal(headers['x-frame-options'], 'SAMEORIGIN', path);
			assert.match(String(headers['content-security-policy']), /frame-ancestors 'self'/, path);
		}
		// Not the site's other pages, nor a missing page under the terminal's path.
		for (const path of ['/', '/opsbook/terminal/nothing', '/opsbook/']) {
			const { headers } = await get(`${bridge.origin}${path}`);
			assert.equal(headers['x-frame-options'], 'DENY', path);
		}
	});

	it('lets the sandboxed terminal frame load the site’s scripts, and nothing else', async () => {
		// The frame's origin is opaque: its module scripts are cross-origin requests.
		const script = await get(`${bridge.origin}/_astro/terminal.abc123.js`);
		assert.equal(script.headers['access-control-allow-origin'], '*');
		for (const path of ['/', '/registry.json', '/_astro/page.abc123.css', '/opsbook/terminal/']) {
			const { headers } = await get(`${bridge.origin}${path}`);
			assert.equal(headers['access-control-allow-origin'], undefined, path);
		}
	});
});

describe('serveStatic', () => {
	let server: StaticServer;
	let site: string;
	before(async () => {
		site = await mkdtemp(join(tmpdir(), 'opsbook-site-'));
		await writeFile(join(site, 'index.html'), PAGE);
		server = await serveStatic({ root: site });
	});
	after(async () => {
		await server.close();
		await rm(site, { recursive: true, force: true });
	});

	it('answers only on its own address too', async () => {
		const { port } = new URL(server.url);
		assert.equal((await get(server.url)).status, 200);
		assert.equal((await get(server.url, `evil.example:${port}`)).status, 421);
	});
});
