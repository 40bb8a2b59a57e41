/**
 * Serves a built site from a folder: `index.html` for folders, Starlight's `404.html` for the
 * rest, nothing outside the folder. Loopback only unless told otherwise.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

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
	if (path !== root && !path.startsWith(root + sep)) return undefined;
	for (const candidate of [path, join(path, 'index.html'), `${path}.html`]) {
		const info = await stat(candidate).catch(() => undefined);
		if (info?.isFile()) return candidate;
	}
	return undefined;
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
	const server = createServer(staticHandler(root));
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => resolve());
	});
	const address = server.address();
	const actualPort = typeof address === 'object' && address ? address.port : port;
	return {
		server,
		url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}/`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** The request handler behind `serveStatic`, for servers that also do other things. */
export function staticHandler(
	root: string,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
	const base = normalize(root);
	return async (req, res) => {
		try {
			if (req.method !== 'GET' && req.method !== 'HEAD') {
				res.writeHead(405, { allow: 'GET, HEAD' }).end();
				return;
			}
			const { pathname } = new URL(req.url ?? '/', 'http://localhost');
			let file = await fileFor(base, pathname);
			let status = 200;
			if (!file) {
				file = await fileFor(base, '/404.html');
				status = 404;
			}
			if (!file) {
				res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
				return;
			}
			res.writeHead(status, {
				'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
				'cache-control': 'no-cache',
				'x-content-type-options': 'nosniff',
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
