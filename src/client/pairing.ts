/**
 * Pairing with the local bridge: the link the bridge prints carries its token in the URL
 * fragment, which browsers never send to a server.
 *
 * ```
 * http://127.0.0.1:4321/#opsbook=<token>                 bridge on the page's own origin
 * https://site/runbooks/db/#opsbook=<token>@127.0.0.1:7777   a standalone bridge
 * https://site/runbooks/db/#restore&opsbook=<token>      other fragment parts are kept
 * ```
 *
 * On load the pairing moves to sessionStorage (this tab only, gone when it closes) and leaves
 * the address bar, so it is not bookmarked, shared or kept in history. It is never put in a query
 * string or logged.
 *
 * Loaded on every page: keep it free of imports that pull in more code.
 */

import { BRIDGE_PATH, FRAGMENT_KEY } from '../protocol.ts';

const STORAGE_KEY = 'opsbook-bridge';

export interface Pairing {
	token: string;
	/** The bridge's WebSocket URL. */
	url: string;
}

// A host:port after `@`: a name or IPv4 address, or a bracketed IPv6 address.
const BRIDGE_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;

/** Reads `opsbook=<token>[@host:port]` from a fragment; returns the pairing and what is left. */
export function parseFragment(
	hash: string,
	origin: { protocol: string; host: string },
): { pairing?: Pairing; rest: string } {
	const parts = hash.replace(/^#/, '').split('&');
	let pairing: Pairing | undefined;
	const rest: string[] = [];
	for (const part of parts) {
		if (!part.startsWith(`${FRAGMENT_KEY}=`)) {
			if (part) rest.push(part);
			continue;
		}
		const value = part.slice(FRAGMENT_KEY.length + 1);
		const at = value.lastIndexOf('@');
		const token = safeDecode(at >= 0 ? value.slice(0, at) : value);
		const host = at >= 0 ? safeDecode(value.slice(at + 1)) : undefined;
		if (!token || (host !== undefined && !BRIDGE_HOST.test(host))) continue;
		// A standalone bridge listens on plain loopback HTTP; browsers allow ws:// to it from https pages.
		const url = host
			? `ws://${host}${BRIDGE_PATH}`
			: `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}${BRIDGE_PATH}`;
		pairing = { token, url };
	}
	return { pairing, rest: rest.join('&') };
}

function safeDecode(text: string): string | undefined {
	try {
		return decodeURIComponent(text);
	} catch {
		return undefined;
	}
}

/**
 * Moves a pairing from the address bar to sessionStorage, keeping any heading anchor, and returns
 * the pairing this tab has: the new one, or one stored by an earlier page.
 */
export function takePairing(): Pairing | undefined {
	if (location.hash.includes(`${FRAGMENT_KEY}=`)) {
		const { pairing, rest } = parseFragment(location.hash, location);
		history.replaceState(
			history.state,
			'',
			`${location.pathname}${location.search}${rest ? `#${rest}` : ''}`,
		);
		// The browser looked for an element named after the whole fragment; scroll to the real anchor.
		if (rest) document.getElementById(safeDecode(rest) ?? rest)?.scrollIntoView();
		if (pairing) {
			try {
				sessionStorage.setItem(STORAGE_KEY, JSON.stringify(pairing));
			} catch {
				// Storage disabled: this page still connects, later pages need the link again.
				return pairing;
			}
		}
	}
	return storedPairing();
}

export function storedPairing(): Pairing | undefined {
	try {
		const stored: unknown = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
		if (
			stored &&
			typeof stored === 'object' &&
			'token' in stored &&
			'url' in stored &&
			typeof stored.token === 'string' &&
			typeof stored.url === 'string'
		) {
			return { token: stored.token, url: stored.url };
		}
	} catch {
		// Unreadable or disabled storage: not paired.
	}
	return undefined;
}
