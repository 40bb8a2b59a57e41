/**
 * Pairing with the local bridge: the link the bridge prints carries its token in the URL
 * fragment, which browsers never send to a server.
 *
 * ```
 * http://127.0.0.1:4321/#opsbook=<token>                     bridge on the page's own origin
 * https://site/runbooks/db/#opsbook=<token>@127.0.0.1:7777   a standalone bridge
 * https://site/runbooks/db/#restore&opsbook=<token>          other fragment parts are kept
 * ```
 *
 * A page only ever pairs with a bridge on this computer: the address after `@` must be exactly
 * `127.0.0.1`, `localhost` or `[::1]` with a port, and the short form (no `@`) only counts on a
 * page that is itself served from such an address. Anything else would hand block ids, parameter
 * values (secrets too) and the responder's trust in the terminal to whoever runs that host.
 *
 * On load the pairing moves to sessionStorage (this tab only, gone when it closes) and leaves
 * the address bar, so it is not bookmarked, shared or kept in history. It is never put in a query
 * string or logged. Other tabs get it without the link (see README, "Pairing"):
 *
 * - on a site the bridge serves itself, the first tab trades the token for an HttpOnly cookie
 *   (`PAIR_PATH`), which the bridge accepts on its WebSocket in place of the token;
 * - on any site, a tab without pairing asks the paired tabs of its own origin over a
 *   BroadcastChannel, which never crosses origins.
 *
 * Loaded on every page: keep it free of imports that pull in more code.
 */

import { BRIDGE_PATH, FRAGMENT_KEY, PAIR_PATH, STATUS_PATH } from '../protocol.ts';

const STORAGE_KEY = 'opsbook-bridge';
const CHANNEL = 'opsbook-pairing';

export interface Pairing {
	/**
	 * The pairing token. Absent for a tab paired by the bridge's cookie: the bridge serving this
	 * page knows this browser, and the token never reaches the tab.
	 */
	token?: string;
	/** The bridge's WebSocket URL: always `ws://` on a loopback address. */
	url: string;
}

// The only three spellings of this computer a pairing may name. Decimal (2130706433), hex
// (0x7f.1), short (127.1) forms and other 127/8 addresses would be normalised by the URL parser
// into loopback, but refusing them keeps one rule a reader can check at a glance.
const LOOPBACK = '(?:127\\.0\\.0\\.1|localhost|\\[::1\\])';
const PORT = '(?:[1-9][0-9]{0,4})';
const HOST_PORT = new RegExp(`^${LOOPBACK}:${PORT}$`);
const BRIDGE_URL = new RegExp(`^ws://${LOOPBACK}:${PORT}${BRIDGE_PATH}$`);
/** What the bridge makes (base64url); anything else is not a token of ours. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/** The bridge URL for `host:port`, when that is a loopback address with a valid port. */
function loopbackBridgeUrl(hostPort: string): string | undefined {
	if (!HOST_PORT.test(hostPort)) return undefined;
	const port = Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
	return port <= 65_535 ? `ws://${hostPort}${BRIDGE_PATH}` : undefined;
}

/** Whether `url` is a bridge this page may connect to: `ws://` on a loopback address. */
export function isLoopbackBridgeUrl(url: string): boolean {
	if (!BRIDGE_URL.test(url)) return false;
	return loopbackBridgeUrl(url.slice('ws://'.length, -BRIDGE_PATH.length)) !== undefined;
}

/**
 * The bridge on the page's own origin, when the page is served from a loopback address over
 * plain HTTP, as `npm start` serves it. A published site never has one.
 */
export function sameOriginBridge(origin: { protocol: string; host: string }): string | undefined {
	return origin.protocol === 'http:' ? loopbackBridgeUrl(origin.host) : undefined;
}

/** The `host:port` a pairing connects to, for telling the responder. */
export function bridgeAddress(pairing: Pairing): string {
	return pairing.url.slice('ws://'.length, -BRIDGE_PATH.length);
}

/**
 * Reads `opsbook=<token>[@host:port]` from a fragment. Returns the pairing, the address of a
 * pairing it refused (not this computer), and what is left of the fragment.
 */
export function parseFragment(
	hash: string,
	origin: { protocol: string; host: string },
): { pairing?: Pairing; refused?: string; rest: string } {
	const parts = hash.replace(/^#/, '').split('&');
	let pairing: Pairing | undefined;
	let refused: string | undefined;
	const rest: string[] = [];
	for (const part of parts) {
		if (!part.startsWith(`${FRAGMENT_KEY}=`)) {
			if (part) rest.push(part);
			continue;
		}
		const value = safeDecode(part.slice(FRAGMENT_KEY.length + 1));
		if (value === undefined) continue;
		// The token is base64url, so the first `@` ends it; a second one (userinfo tricks) fails below.
		const at = value.indexOf('@');
		const token = at >= 0 ? value.slice(0, at) : value;
		const host = at >= 0 ? value.slice(at + 1) : undefined;
		if (!TOKEN.test(token)) continue;
		const url = host === undefined ? sameOriginBridge(origin) : loopbackBridgeUrl(host);
		if (url) pairing = { token, url };
		else refused = host ?? origin.host;
	}
	return {
		...(pairing && { pairing }),
		...(refused !== undefined && !pairing && { refused }),
		rest: rest.join('&'),
	};
}

function safeDecode(text: string): string | undefined {
	try {
		return decodeURIComponent(text);
	} catch {
		return undefined;
	}
}

/** Whether two pairings reach the same bridge the same way. */
export function samePairing(a: Pairing, b: Pairing): boolean {
	return a.url === b.url && a.token === b.token;
}

export interface TabPairing {
	/** What this tab connects with. */
	pairing?: Pairing | undefined;
	/** Whether `pairing` came from the link just opened (not from earlier in the tab). */
	fromLink: boolean;
	/** A link's pairing that differs from the tab's: used only if the responder says so. */
	offered?: Pairing;
	/** The address of a link's pairing that is not on this computer, refused. */
	refused?: string;
}

/**
 * Moves a pairing from the address bar, keeping any heading anchor, and says what this tab
 * pairs with: `current` (the page's working pairing), else the tab's stored one, else the link's.
 * A link never replaces the pairing the tab already has: it is only offered, so a link dropped
 * into a paired tab cannot silently move its runs to another bridge.
 */
export function takePairing(current?: Pairing): TabPairing {
	const stored = current ?? storedPairing();
	if (!location.hash.includes(`${FRAGMENT_KEY}=`)) return { pairing: stored, fromLink: false };
	const { pairing, refused, rest } = parseFragment(location.hash, location);
	history.replaceState(
		history.state,
		'',
		`${location.pathname}${location.search}${rest ? `#${rest}` : ''}`,
	);
	// The browser looked for an element named after the whole fragment; scroll to the real anchor.
	if (rest) document.getElementById(safeDecode(rest) ?? rest)?.scrollIntoView();
	const found = { ...(refused !== undefined && { refused }) };
	if (!pairing) return { pairing: stored, fromLink: false, ...found };
	if (stored && !samePairing(stored, pairing))
		return { pairing: stored, fromLink: false, offered: pairing, ...found };
	storePairing(pairing);
	return { pairing, fromLink: true, ...found };
}

/** Keeps a pairing for the rest of this tab's life; pairings by cookie need no keeping. */
export function storePairing(pairing: Pairing) {
	if (!pairing.token) return;
	try {
		sessionStorage.setItem(STORAGE_KEY, JSON.stringify(pairing));
	} catch {
		// Storage disabled: this page still connects, later pages need the link again.
	}
}

/** A pairing from storage or another tab, if it is one this page may use. */
function checkPairing(value: unknown): Pairing | undefined {
	if (
		value &&
		typeof value === 'object' &&
		'token' in value &&
		'url' in value &&
		typeof value.token === 'string' &&
		typeof value.url === 'string' &&
		TOKEN.test(value.token) &&
		// A tab paired by an older page may hold any address: it must not connect there now.
		isLoopbackBridgeUrl(value.url)
	) {
		return { token: value.token, url: value.url };
	}
	return undefined;
}

export function storedPairing(): Pairing | undefined {
	try {
		return checkPairing(JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null'));
	} catch {
		// Unreadable or disabled storage: not paired.
		return undefined;
	}
}

/**
 * Trades the link's token for the bridge's pairing cookie, so that the next tab of this browser
 * on this site is paired without the link. Only to the page's own origin, in a POST body.
 */
export async function pairBrowser(pairing: Pairing): Promise<void> {
	if (!pairing.token || pairing.url !== sameOriginBridge(location)) return;
	try {
		await fetch(PAIR_PATH, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ token: pairing.token }),
			credentials: 'same-origin',
			cache: 'no-store',
			referrerPolicy: 'no-referrer',
		});
	} catch {
		// Without the cookie, only this tab is paired; nothing else changes.
	}
}

/**
 * Said on `document` once the header finds a bridge serving this site that this tab is not
 * paired with (the chip says "not paired"): pages that show what a bridge keeps (its incidents)
 * say why they show none. {@link unpairedBridgeHere} tells it afterwards.
 */
export const UNPAIRED_EVENT = 'opsbook:unpaired';

/** Whether the header found a bridge here that this tab is not paired with. */
export function unpairedBridgeHere(): boolean {
	return document.documentElement.dataset.obBridge === 'unpaired';
}

/** Marks the tab as one a bridge here is not paired with, or no longer (`false`). */
export function markUnpaired(unpaired: boolean) {
	if (unpaired === unpairedBridgeHere()) return;
	if (unpaired) document.documentElement.dataset.obBridge = 'unpaired';
	else delete document.documentElement.dataset.obBridge;
	document.dispatchEvent(new Event(UNPAIRED_EVENT));
}

/** What the header says, and Run where it is, in a tab a bridge here is not paired with. */
export const NOT_PAIRED =
	'A bridge is running here, but this tab is not paired with it. Open the link the bridge printed when it started, or print it again (the bridge keeps running) with this command in the site’s folder:';

/** What Run and Run all say, pressed in such a tab: {@link NOT_PAIRED} and the command. */
export const NOT_PAIRED_RUN = `${NOT_PAIRED} npx opsbook pair`;

/** What a page that shows a bridge's incidents says in a tab a bridge here is not paired with. */
export const UNPAIRED_INCIDENTS =
	'A bridge is running here, and this tab is not paired with it: the incidents it keeps show once it is. Open the link the bridge printed, or print it again with npx opsbook pair in the site’s folder.';

/**
 * Asks the bridge serving this page whether it is one, and whether this browser holds its
 * pairing cookie. `undefined`: no bridge serves this page.
 */
export async function bridgeStatus(): Promise<{ paired: boolean } | undefined> {
	if (!sameOriginBridge(location)) return undefined;
	try {
		const response = await fetch(STATUS_PATH, { cache: 'no-store', credentials: 'same-origin' });
		if (!response.ok) return undefined;
		const status: unknown = await response.json();
		if (status && typeof status === 'object' && 'paired' in status)
			return { paired: status.paired === true };
	} catch {
		// A static server, or nothing: no bridge here.
	}
	return undefined;
}

/**
 * Asks the other tabs of this origin for their pairing; resolves with the first valid answer, or
 * `undefined` after `ms`. BroadcastChannel reaches only same-origin documents of this browser
 * profile, so the token stays inside the origin the bridge already trusts.
 */
export function askOtherTabs(ms = 400): Promise<Pairing | undefined> {
	if (typeof BroadcastChannel === 'undefined') return Promise.resolve(undefined);
	return new Promise((resolve) => {
		const channel = new BroadcastChannel(CHANNEL);
		const done = (pairing: Pairing | undefined) => {
			clearTimeout(timer);
			channel.close();
			resolve(pairing);
		};
		const timer = setTimeout(() => done(undefined), ms);
		channel.addEventListener('message', (event: MessageEvent<unknown>) => {
			const data = event.data;
			if (data && typeof data === 'object' && 'type' in data && data.type === 'pairing') {
				const pairing = 'pairing' in data ? checkPairing(data.pairing) : undefined;
				if (pairing) done(pairing);
			}
		});
		channel.postMessage({ type: 'ask' });
	});
}

/** Answers other tabs' requests with `current()`, when this tab has a working pairing to give. */
export function answerOtherTabs(current: () => Pairing | undefined) {
	if (typeof BroadcastChannel === 'undefined') return;
	const channel = new BroadcastChannel(CHANNEL);
	channel.addEventListener('message', (event: MessageEvent<unknown>) => {
		const data = event.data;
		if (!data || typeof data !== 'object' || !('type' in data) || data.type !== 'ask') return;
		const pairing = current();
		if (pairing?.token) channel.postMessage({ type: 'pairing', pairing });
	});
}
