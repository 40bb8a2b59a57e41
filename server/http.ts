/**
 * The bridge's HTTP side: serves the built site (when given one) and accepts WebSocket upgrades
 * on `BRIDGE_PATH` only after the checks a browser cannot be tricked past:
 *
 * - **Host** must be a loopback name or address with this server's port, so a DNS-rebinding
 *   page (`evil.example` resolving to 127.0.0.1) is refused, for the site's files too;
 * - **Origin** must be one of the allowed origins exactly: the site this server serves, and any
 *   published-site origins the responder configured.
 *
 * Both are refused with HTTP 403 before the upgrade. The pairing token is checked by the bridge
 * in `hello` (`bridge.ts`), or, for the site this server serves, the pairing cookie here: a page
 * that once presented the token (`PAIR_PATH`) gets an HttpOnly, SameSite=Strict cookie, so the
 * responder's other tabs of that site are paired without the link.
 *
 * Sockets that have not said hello yet are few and short-lived (`maxUnpaired`, and the bridge's
 * hello timeout); when too many wait, the oldest goes. So anything that can reach the port without
 * the token (any local process can forge an Origin) cannot fill the bridge and lock pages out.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
	BRIDGE_PATH,
	CloseCode,
	MAX_CLIENT_FRAME_BYTES,
	PAIR_PATH,
	STATUS_PATH,
} from '../src/protocol.ts';
import { tokenMatches, type Bridge } from './bridge.ts';
import { isLoopbackHost, LOOPBACK_NAMES } from './loopback.ts';
import { staticHandler } from './static.ts';

export interface BridgeServerOptions {
	bridge: Bridge;
	/** The pairing token: the site this server serves trades it for the pairing cookie. */
	token: string;
	/** A built site to serve on the same port; its origin is allowed. */
	siteRoot?: string | undefined;
	/** Only loopback unless the responder insists (`--host`). */
	host?: string;
	/** 0 picks a free port. */
	port?: number;
	/** Published-site origins allowed to connect, like `https://runbooks.example.com`. */
	allowedOrigins?: readonly string[];
	/** Paired pages connected at once. */
	maxConnections?: number;
	/** Sockets at once that have not said hello yet; beyond it the oldest is closed. */
	maxUnpaired?: number;
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

/**
 * The pairing cookie's value: derived from the token (HMAC, so it reveals nothing of it), hence
 * the same after a restart and void once `--new-token` replaces the token.
 */
export function pairingCookieValue(token: string): string {
	return createHmac('sha256', token).update('opsbook pairing cookie v1').digest('base64url');
}

/** Cookies ignore ports: one name per port keeps bridges on other ports from overwriting ours. */
export const pairingCookieName = (port: number) => `opsbook-${port}`;

function cookie(req: IncomingMessage, name: string): string | undefined {
	for (const part of (req.headers.cookie ?? '').split(';')) {
		const eq = part.indexOf('=');
		if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
	}
	return undefined;
}

function reject(socket: Duplex, status: number, reason: string) {
	socket.end(
		`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
	);
}

function answer(res: ServerResponse, status: number, body: unknown, headers = {}) {
	res
		.writeHead(status, {
			'content-type': 'application/json; charset=utf-8',
			'cache-control': 'no-store',
			'x-content-type-options': 'nosniff',
			...headers,
		})
		.end(JSON.stringify(body));
}

/** Reads a small request body; `undefined` when it is larger than `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size > max) return undefined;
		chunks.push(chunk);
	}
	return Buffer.concat(chunks).toString('utf8');
}

export { isLoopbackHost, LOOPBACK_NAMES };

export async function startBridgeServer(options: BridgeServerOptions): Promise<BridgeServer> {
	const { bridge, host = '127.0.0.1', maxConnections = 64, maxUnpaired = 16 } = options;
	let port = 0;
	const hostAllowed = (header: string | undefined) => isLoopbackHost(header, port);
	const serveSite = options.siteRoot
		? staticHandler(options.siteRoot, { allowHost: hostAllowed })
		: undefined;
	const cookieValue = pairingCookieValue(options.token);
	/** The origins of the site served here: the only pages the pairing cookie is for. */
	const ownOrigins = new Set<string>();
	const hasPairingCookie = (req: IncomingMessage) => {
		const given = cookie(req, pairingCookieName(port));
		return given !== undefined && tokenMatches(cookieValue, given);
	};

	/**
	 * The pairing routes, on the site's own origin only. Requests a browser makes for another
	 * site are refused by Host (rebinding), Origin (cross-site POST) and Sec-Fetch-Site; a page
	 * elsewhere cannot read the answers either, as no CORS header is ever sent.
	 */
	async function pairingRoute(req: IncomingMessage, res: ServerResponse, pathname: string) {
		if (!hostAllowed(req.headers.host)) return answer(res, 421, { error: 'Misdirected Request' });
		const site = req.headers['sec-fetch-site'];
		if (site !== undefined && site !== 'same-origin')
			return answer(res, 403, { error: 'Forbidden' });
		if (pathname === STATUS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
			return answer(res, 200, { paired: hasPairingCookie(req) });
		}
		if (pathname === PAIR_PATH && req.method === 'POST') {
			const origin = req.headers.origin ?? '';
			if (!ownOrigins.has(origin) || origin !== `http://${req.headers.host?.toLowerCase()}`)
				return answer(res, 403, { error: 'Forbidden' });
			if (!/^application\/json(;|$)/.test(req.headers['content-type'] ?? ''))
				return answer(res, 415, { error: 'Unsupported Media Type' });
			const body = await readBody(req, 1024);
			let token: unknown;
			try {
				token = body === undefined ? undefined : (JSON.parse(body) as { token?: unknown }).token;
			} catch {
				token = undefined;
			}
			if (typeof token !== 'string' || !tokenMatches(options.token, token))
				return answer(res, 401, { error: 'Wrong pairing token' });
			return answer(
				res,
				200,
				{ paired: true },
				{
					// No Max-Age: the pairing lasts as long as the browser's session, like the tab's own.
					'set-cookie': `${pairingCookieName(port)}=${cookieValue}; Path=/_opsbook; HttpOnly; SameSite=Strict`,
				},
			);
		}
		return answer(res, 404, { error: 'Not Found' });
	}

	const server = createServer((req, res) => {
		const { pathname } = new URL(req.url ?? '/', 'http://localhost');
		if (serveSite && (pathname === PAIR_PATH || pathname === STATUS_PATH)) {
			return void pairingRoute(req, res, pathname).catch(() => {
				if (!res.headersSent) res.writeHead(500).end();
				else res.destroy();
			});
		}
		if (serveSite) return void serveSite(req, res);
		res
			.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
			.end('Opsbook bridge: no site here.\n');
	});
	// Connections that never finish their request headers must not pile up either.
	server.headersTimeout = 10_000;
	server.requestTimeout = 30_000;
	const wss = new WebSocketServer({
		noServer: true,
		maxPayload: MAX_CLIENT_FRAME_BYTES,
		perMessageDeflate: false,
	});
	const origins = new Set<string>();
	const open = new Set<WebSocket>();
	/** Sockets that have not been welcomed, oldest first; and those that have (or hold the cookie). */
	const unpaired = new Set<WebSocket>();
	const paired = new Set<WebSocket>();

	const admitPaired = (ws: WebSocket) => {
		if (paired.size >= maxConnections) {
			ws.close(CloseCode.TooManyConnections, 'Too many connections');
			return;
		}
		paired.add(ws);
	};

	server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		socket.on('error', () => socket.destroy());
		const { pathname } = new URL(req.url ?? '/', 'http://localhost');
		if (pathname !== BRIDGE_PATH) return reject(socket, 404, 'Not Found');
		if (!isLoopbackHost(req.headers.host, port))
			return reject(socket, 403, 'Forbidden: Host is not this bridge');
		const origin = req.headers.origin ?? '';
		if (!origins.has(origin)) return reject(socket, 403, 'Forbidden: Origin not allowed');
		// The cookie counts only from the site served here; a browser never sends this SameSite=Strict
		// cookie from another site, and anything else forging the request must hold it first.
		const byCookie = ownOrigins.has(origin) && hasPairingCookie(req);
		wss.handleUpgrade(req, socket, head, (ws) => {
			open.add(ws);
			const connection = bridge.opened(
				{
					send: (data) => {
						if (ws.readyState === ws.OPEN) ws.send(data);
					},
					close: (code, reason) => ws.close(code, reason),
				},
				{ paired: byCookie },
			);
			if (byCookie) admitPaired(ws);
			else {
				// Full: the oldest waiting socket goes, so a flood of silent sockets cannot keep a
				// page that says hello at once from getting in.
				if (unpaired.size >= maxUnpaired) {
					const oldest = unpaired.values().next().value;
					if (oldest) {
						unpaired.delete(oldest);
						oldest.close(CloseCode.TooManyConnections, 'Too many connections waiting for hello');
						// A flooder need not answer the close: do not wait the 30 s `ws` would.
						setTimeout(() => oldest.terminate(), 1000).unref();
					}
				}
				unpaired.add(ws);
			}
			ws.on('message', (data, isBinary) => {
				connection.message(data as Buffer, isBinary);
				if (connection.authorized && unpaired.delete(ws)) admitPaired(ws);
			});
			// `ws` closes the socket itself on protocol errors (1002, 1009); we only log nothing.
			ws.on('error', () => {});
			ws.on('close', () => {
				open.delete(ws);
				unpaired.delete(ws);
				paired.delete(ws);
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
		for (const name of LOOPBACK_NAMES) ownOrigins.add(`http://${name}:${port}`);
	}
	for (const origin of ownOrigins) origins.add(origin);
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
