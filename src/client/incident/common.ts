/**
 * What the incident bar, the Declare dialog and the timeline page share: the site's severity
 * levels and rules (embedded by the header), the responder's name, and how times read.
 */
import type { IncidentContent } from '../../runbook/incident-content.ts';

/** The id of the `<script type="application/json">` the header embeds on every page. */
export const CONTENT_ID = 'opsbook-incident-content';
const NAME_KEY = 'opsbook-responder';

let content: IncidentContent | undefined;

/** The site's severity levels and escalation rules; none when the site has no severity table. */
export function incidentContent(): IncidentContent {
	if (content) return content;
	try {
		const parsed = JSON.parse(
			document.getElementById(CONTENT_ID)?.textContent ?? 'null',
		) as IncidentContent | null;
		if (parsed && Array.isArray(parsed.levels) && Array.isArray(parsed.escalation))
			content = parsed;
	} catch {
		// A broken page: no levels, which the dialog says.
	}
	content ??= { levels: [], escalation: [] };
	return content;
}

/** The name this responder gave last, remembered in this browser. */
export function responderName(): string {
	try {
		return localStorage.getItem(NAME_KEY) ?? '';
	} catch {
		return '';
	}
}

export function rememberResponder(name: string) {
	try {
		if (name) localStorage.setItem(NAME_KEY, name);
	} catch {
		// Asked again next time.
	}
}

/** `2026-11-26 03:12 UTC` */
export function utc(at: string): string {
	return `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`;
}

/** `03:12:45` */
export function utcClock(at: string): string {
	return at.slice(11, 19);
}

/** `42 min`, `2 h 05 min`, `3 d 4 h`. */
export function elapsed(ms: number): string {
	const minutes = Math.floor(Math.max(0, ms) / 60_000);
	if (minutes < 60) return `${minutes} min`;
	const hours = Math.floor(minutes / 60);
	if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
	return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * `42m`, `2h05m`, `3d04h`: for a clock with little room (the header's chip), with its units, so
 * that 11 minutes never reads as 11 seconds.
 */
export function elapsedShort(ms: number): string {
	const minutes = Math.floor(Math.max(0, ms) / 60_000);
	if (minutes < 60) return `${minutes}m`;
	const hours = Math.floor(minutes / 60);
	if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
	return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/** Creates an element with a class and text. */
export { make } from '../dom.ts';

/** The address of a page of the site by slug, under the site's base. */
export function pageHref(slug: string): string {
	const base = import.meta.env.BASE_URL.replace(/\/?$/, '/');
	const page = slug === 'index' || slug === '' ? '' : `${slug.replace(/^\/|\/$/g, '')}/`;
	return `${base}${page}`;
}
