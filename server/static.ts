/**
 * Serves a built site from a folder: `index.html` for folders, Starlight's `404.html` for the
 * rest, nothing outside the folder (symlinks included). Loopback only unless told otherwise.
 *
 * It answers only requests whose Host it was told to serve (421 otherwise), so a DNS-rebinding
 * page cannot read the site or its block registry, and sends a Content-Security-Policy made for
 * Starlight's pages: their inline scripts by hash, so no other inline script runs; WebSockets only
 * to a bridge on this computer; no framing, no referrer.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import {
	createServer,
	type IncomingMessage,
	type OutgoingHttpHeaders,
	type Server,
	type ServerResponse,
} from 'node:http';
import { extname, join, normalize, relative, sep } from 'node:path';
import { isLoopbackHost } from './loopback.ts';

const TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.webp': 'image/webp',
	'.ico': 'image/x-icon',
	'.txt': 'text/plain; charset=utf-8',
	'.xml': 'application/xml',
	'.woff2': 'font/woff2',
	'.wasm': 'application/wasm',
	'.pf_meta': 'application/octet-stream',
	'.pf_index': 'application/octet-stream',
	'.pf_fragment': 'application/octet-stream',
};

async function fileFor(root: string, pathname: string): Promise<string | undefined> {
	let decoded: string;
	try {
		decoded = decodeURIComponent(pathname);
	} catch {
		return undefined;
	}
	if (decoded.includes('\0')) return undefined;
	const path = normalize(join(root, decoded));
	if (!inside(root, path)) return undefined;
	for (const candidate of [path, join(path, 'index.html'), `${path}.html`]) {
		const info = await stat(candidate).catch(() => undefined);
		if (!info?.isFile()) continue;
		// A symlink in the site may point anywhere: serve only what really lies in the folder.
		const real = await realpath(candidate).catch(() => undefined);
		return real !== undefined && inside(root, real) ? real : undefined;
	}
	return undefined;
}

const inside = (root: string, path: string) => path === root || path.startsWith(root + sep);

/**
 * The policy for every response. Starlight's pages need: their own scripts and the inline ones
 * (theme, search shortcut, sidebar; allowed by hash, per page), inline styles (style attributes,
 * and xterm's own <style>), pagefind's WebAssembly, and `data:` images; the bridge client needs
 * WebSockets to a bridge on this computer. `'self'` covers the bridge serving the page; the
 * loopback names cover a standalone one, which is all `pairing.ts` connects to anyway.
 * (`[::1]` is left out: CSP host sources cannot name an IPv6 address; a page served from [::1]
 * reaches its own bridge through `'self'`.)
 */
export function contentSecurityPolicy(
	scriptHashes: readonly string[] = [],
	{ framedBySelf = false }: { framedBySelf?: boolean } = {},
): string {
	return [
		"default-src 'self'",
		`script-src 'self' 'wasm-unsafe-eval'${scriptHashes.map((h) => ` '${h}'`).join('')}`,
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self'",
		"connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		framedBySelf ? "frame-ancestors 'self'" : "frame-ancestors 'none'",
	].join('; ');
}

/** The sha256 sources of a page's inline scripts, as CSP wants them. */
export function inlineScriptHashes(html: string): string[] {
	const hashes = new Set<string>();
	for (const [, attributes = '', body = ''] of html.matchAll(
		/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi,
	)) {
		if (/\ssrc\s*=/i.test(attributes) || body === '') continue;
		hashes.add(`sha256-${createHash('sha256').update(body).digest('base64')}`);
	}
	return [...hashes];
}

/**
 * The document a run's terminal is drawn in: the site's own pages show it in a frame
 * (`src/client/framed-terminal.ts`); no page may frame any other.
 */
const TERMINAL_DOCUMENT = join('opsbook', 'terminal', 'index.html');

/**
 * The site's scripts, which the terminal's frame loads: it is sandboxed, so its origin is opaque
 * and its module scripts are cross-origin requests. Scripts only; the pages, the registry and
 * everything else stay unreadable from other origins.
 */
const SCRIPTS = /^_astro\/[^/]+\.m?js$/;

/** Headers every response of the site carries. */
function securityHeaders(policy: string, framedBySelf = false): OutgoingHttpHeaders {
	return {
		'content-security-policy': policy,
		'x-frame-options': framedBySelf ? 'SAMEORIGIN' : 'DENY',
		'referrer-policy': 'no-referrer',
		'x-content-type-options': 'nosniff',
		'cross-origin-opener-policy': 'same-origin',
	};
}

export interface StaticServer {
	server: Server;
	url: string;
	close(): Promise<void>;
}

/** Serves `root` on `host:port` (port 0 picks a free one). */
export async function serveStatic({
	root,
	host = '127.0.0.1',
	port = 0,
}: {
	root: string;
	host?: string;
	port?: number;
}): Promise<StaticServer> {
	let actualPort = port;
	const shownHost = host.includes(':') ? `[${host}]` : host;
	const server = createServer(
		staticHandler(root, {
			allowHost: (header) =>
				isLoopbackHost(header, actualPort) ||
				header?.toLowerCase() === `${shownHost}:${actualPort}`,
		}),
	);
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => resolve());
	});
	const address = server.address();
	actualPort = typeof address === 'object' && address ? address.port : port;
	return {
		server,
		url: `http://${shownHost}:${actualPort}/`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

export interface StaticOptions {
	/** Whether to serve a request with this `Host` header; others get 421 and nothing else. */
	allowHost: (host: string | undefined) => boolean;
}

/** The request handler behind `serveStatic`, for servers that also do other things. */
export function staticHandler(
	root: string,
	{ allowHost }: StaticOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
	// Resolved once, so a root reached through a symlink (a temp folder) still contains its files.
	const base = realpath(normalize(root)).catch(() => normalize(root));
	const plainPolicy = securityHeaders(contentSecurityPolicy());
	/** Each page's policy, by file, until the file changes. */
	const pages = new Map<string, { mtimeMs: number; size: number; body: Buffer; policy: string }>();

	async function page(
		file: string,
		info: { mtimeMs: number; size: number },
		framedBySelf: boolean,
	) {
		const known = pages.get(file);
		if (known && known.mtimeMs === info.mtimeMs && known.size === info.size) return known;
		const body = await readFile(file);
		const entry = {
			mtimeMs: info.mtimeMs,
			size: info.size,
			body,
			policy: contentSecurityPolicy(inlineScriptHashes(body.toString('utf8')), { framedBySelf }),
		};
		pages.set(file, entry);
		return entry;
	}

	return async (req, res) => {
		try {
			if (!allowHost(req.headers.host)) {
				res
					.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', ...plainPolicy })
					.end('Misdirected Request: this server answers only to its own address.\n');
				return;
			}
			if (req.method !== 'GET' && req.method !== 'HEAD') {
				res.writeHead(405, { allow: 'GET, HEAD', ...plainPolicy }).end();
				return;
			}
			const { pathname } = new URL(req.url ?? '/', 'http://localhost');
			const root = await base;
			let file = await fileFor(root, pathname);
			let status = 200;
			if (!file) {
				file = await fileFor(root, '/404.html');
				status = 404;
			}
			if (!file) {
				res.writeHead(404, { 'content-type': 'text/plain', ...plainPolicy }).end('Not found');
				return;
			}
			const type = TYPES[extname(file)] ?? 'application/octet-stream';
			const headers = { 'content-type': type, 'cache-control': 'no-cache' };
			const path = relative(root, file);
			if (extname(file) === '.html') {
				const framed = status === 200 && path === TERMINAL_DOCUMENT;
				const { body, policy } = await page(file, await stat(file), framed);
				res.writeHead(status, { ...headers, ...securityHeaders(policy, framed) });
				res.end(req.method === 'HEAD' ? undefined : body);
				return;
			}
			const shared = SCRIPTS.test(path.split(sep).join('/'));
			res.writeHead(status, {
				...headers,
				...plainPolicy,
				...(shared && { 'access-control-allow-origin': '*' }),
			});
			if (req.method === 'HEAD') res.end();
			else
				createReadStream(file)
					.on('error', () => res.destroy())
					.pipe(res);
		} catch {
			if (!res.headersSent) res.writeHead(500).end();
			else res.destroy();
		}
	};
}
