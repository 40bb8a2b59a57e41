/**
 * The bridge's HTTP side: serves the built site (when given one) and accepts WebSocket upgrades
 * on `BRIDGE_PATH` only after the checks a browser cannot be tricked past:
 *
 * - **Host** must be a loopback name or address with this server's port, so a DNS-rebinding
 *   page (`evil.example` resolving to 127.0.0.1) is refused;
 * - **Origin** must be one of the allowed origins exactly: the site this server serves, and any
 *   published-site origins the responder configured.
 *
 * Both are refused with HTTP 403 before the upgrade. The pairing token is checked by the bridge
 * in `hello` (`bridge.ts`).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { BRIDGE_PATH, CloseCode, MAX_CLIENT_FRAME_BYTES } from '../src/protocol.ts';
import type { Bridge } from './bridge.ts';
import { isLoopbackHost, LOOPBACK_NAMES } from './loopback.ts';
import { staticHandler } from './static.ts';

export { isLoopbackHost, LOOPBACK_NAMES };

export interface BridgeServerOptions {
	bridge: Bridge;
	/** A built site to serve on the same port; its origin is allowed. */
	siteRoot?: string | undefined;
	/** Only loopback unless the responder insists (`--host`). */
	host?: string;
	/** 0 picks a free port. */
	port?: number;
	/** Published-site origins allowed to connect, like `https://runbooks.example.com`. */
	allowedOrigins?: readonly string[];
	/** Open WebSockets at once, counting ones that have not said hello yet. */
	maxConnections?: number;
}

export interface BridgeServer {
	server: Server;
	port: number;
	/** The site's URL (or the bridge's, with no site), without the pairing fragment. */
	url: string;
	/** The origins the bridge accepts. */
	origins: ReadonlySet<string>;
	close(): Promise<void>;
}

function reject(socket: Duplex, status: number, reason: string) {
	socket.end(
		`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
	);
}

export async function startBridgeServer(options: BridgeServerOptions): Promise<BridgeServer> {
	const { bridge, host = '127.0.0.1', maxConnections = 64 } = options;
	const serveSite = options.siteRoot
		? staticHandler(options.siteRoot, { allowHost: (header) => isLoopbackHost(header, port) })
		: undefined;
	const server = createServer((req, res) => {
		if (serveSite) return void serveSite(req, res);
		res
			.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
			.end('Opsbook bridge: no site here.\n');
	});
	const wss = new WebSocketServer({
		noServer: true,
		maxPayload: MAX_CLIENT_FRAME_BYTES,
		perMessageDeflate: false,
	});
	const origins = new Set<string>();
	const open = new Set<WebSocket>();
	let port = 0;

	server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		socket.on('error', () => socket.destroy());
		const { pathname } = new URL(req.url ?? '/', 'http://localhost');
		if (pathname !== BRIDGE_PATH) return reject(socket, 404, 'Not Found');
		if (!isLoopbackHost(req.headers.host, port))
			return reject(socket, 403, 'Forbidden: Host is not this bridge');
		if (!origins.has(req.headers.origin ?? ''))
			return reject(socket, 403, 'Forbidden: Origin not allowed');
		wss.handleUpgrade(req, socket, head, (ws) => {
			if (open.size >= maxConnections) {
				ws.close(CloseCode.TooManyConnections, 'Too many connections');
				return;
			}
			open.add(ws);
			const connection = bridge.opened({
				send: (data) => {
					if (ws.readyState === ws.OPEN) ws.send(data);
				},
				close: (code, reason) => ws.close(code, reason),
			});
			ws.on('message', (data, isBinary) => connection.message(data as Buffer, isBinary));
			// `ws` closes the socket itself on protocol errors (1002, 1009); we only log nothing.
			ws.on('error', () => {});
			ws.on('close', () => {
				open.delete(ws);
				connection.closed();
			});
		});
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, host, () => resolve());
	});
	const address = server.address();
	port = typeof address === 'object' && address ? address.port : 0;
	const shownHost = host.includes(':') ? `[${host}]` : host;
	const url = `http://${shownHost}:${port}/`;
	if (serveSite) {
		for (const name of LOOPBACK_NAMES) origins.add(`http://${name}:${port}`);
	}
	for (const origin of options.allowedOrigins ?? []) origins.add(new URL(origin).origin);

	return {
		server,
		port,
		url,
		origins,
		async close() {
			await bridge.close();
			// Give the GoingAway close frames a moment to leave, then cut what is left.
			const deadline = Date.now() + 500;
			while (open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
			for (const ws of open) ws.terminate();
			wss.close();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
