/**
 * The incident as its timeline says it is: events from every bridge and page merged into one
 * list, then folded into the state the incident bar, the timeline page and the report read.
 *
 * ```text
 * 03:12 declared "API down" SEV-2, detected 03:05  ─┐
 * 03:20 run-started api.health on prodbox           │  foldIncident   →  { title: 'API down',
 * 03:20 run-ended   api.health exit 7, fail         │                       severity: 1, open: true,
 * 03:31 severity 2 → 1                              │                       runs: [{ started, ended }],
 * 03:40 note "Disk full on prodbox"                 │                       notes: [{ key: true }] … }
 * 03:41 key → that note                            ─┘
 * ```
 *
 * Nothing here changes an event or depends on when it is called: the same events give the same
 * state, on the bridge, in the page and in a test.
 *
 * Browser-safe: no DOM, no node built-ins.
 */
import type { EventOf, TimelineEvent } from './schema.ts';

/**
 * The union of timelines: an event whose id was seen already is dropped (the first one wins, so
 * a bridge's own record is kept over a copy merged in), and the rest ordered by time, then id, so
 * every merge of the same events gives the same order.
 */
export function mergeEvents(...lists: TimelineEvent[][]): TimelineEvent[] {
	const byId = new Map<string, TimelineEvent>();
	for (const list of lists) {
		for (const event of list) if (!byId.has(event.id)) byId.set(event.id, event);
	}
	return [...byId.values()].sort(byTime);
}

/** Orders events by `at` (as a time: `…:45Z` and `…:45.000Z` are the same), then by id. */
export function byTime(a: TimelineEvent, b: TimelineEvent): number {
	return Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A responder's note, with whether it is a key event after every `key` event about it. */
export interface IncidentNote {
	id: string;
	at: string;
	by?: string | undefined;
	text: string;
	key: boolean;
}

/** One run of a block: its `run-started` and `run-ended` events, joined by bridge and run id. */
export interface IncidentRun {
	bridge: string;
	run: string;
	block: string;
	/** When it started, or when it ended if the start is missing from the record. */
	at: string;
	started?: EventOf<'run-started'> | undefined;
	ended?: EventOf<'run-ended'> | undefined;
}

/** A level the incident had, from when it was set (the first one by the declaration). */
export interface SeverityStep {
	severity: number;
	at: string;
	by?: string | undefined;
}

/** The incident as of a list of events: what the bar, the timeline page and the report read. */
export interface IncidentState {
	id: string;
	title: string;
	/** The current level: 1 is SEV-1. */
	severity: number;
	/** Every level it had, in order, the current one last; one entry if it never changed. */
	severityHistory: SeverityStep[];
	/** When the problem was detected (the alert fired), as given at the declaration. */
	detectedAt: string;
	/** When it was declared: the responders' acknowledgement. */
	declaredAt: string;
	declaredBy?: string | undefined;
	/** A drill, not a real incident: the scenario's name (from the declaration). */
	drill?: string | undefined;
	/** The responders named at the declaration, then anyone else who recorded an event. */
	responders: string[];
	open: boolean;
	/** The last resolution, while it stands: reopening clears it. */
	resolvedAt?: string | undefined;
	notes: IncidentNote[];
	/** In the order they started. */
	runs: IncidentRun[];
	decisions: EventOf<'decision'>[];
	reminders: EventOf<'reminder'>[];
	/** Every event of this incident, ordered by time: what the timeline page lists. */
	events: TimelineEvent[];
}

/** An incident as a list of them shows it (the bridge's welcome): enough to choose it from a list. */
export interface IncidentSummary {
	id: string;
	title: string;
	severity: number;
	detectedAt: string;
	declaredAt: string;
	open: boolean;
	resolvedAt?: string;
	/** A drill's scenario name. */
	drill?: string;
}

/**
 * Kinds only a bridge records of its own runs; a page may hand them over only in a merge. Here,
 * not in `schema.ts`: every page's header reads it, and this module loads no zod.
 */
export const BRIDGE_KINDS: ReadonlySet<TimelineEvent['kind']> = new Set([
	'run-started',
	'run-ended',
]);

/** The kinds of event a summary reads: the others (runs, notes, decisions…) leave it as it is. */
export const SUMMARY_KINDS: ReadonlySet<TimelineEvent['kind']> = new Set([
	'declared',
	'severity',
	'resolved',
	'reopened',
]);

/** What a list of incidents shows of one. */
export function summarizeIncident(state: IncidentState): IncidentSummary {
	return {
		id: state.id,
		title: state.title,
		severity: state.severity,
		detectedAt: state.detectedAt,
		declaredAt: state.declaredAt,
		open: state.open,
		...(state.resolvedAt !== undefined && { resolvedAt: state.resolvedAt }),
		...(state.drill !== undefined && { drill: state.drill }),
	};
}

/**
 * Folds events into the incident they record, or `undefined` when they hold no declaration.
 * The incident is the one of the earliest declaration; events of another incident are left
 * out, as are later `declared` events of the same one (the first declaration stands).
 * Events need not come ordered: they are ordered here as {@link mergeEvents} does.
 */
export function foldIncident(events: readonly TimelineEvent[]): IncidentState | undefined {
	const ordered = [...events].sort(byTime);
	const declared = ordered.find((e): e is EventOf<'declared'> => e.kind === 'declared');
	if (!declared) return undefined;
	const own = ordered.filter((e) => e.incident === declared.incident);
	const seen = new Set<string>();
	const state: IncidentState = {
		id: declared.incident,
		title: declared.title,
		severity: declared.severity,
		severityHistory: [{ severity: declared.severity, at: declared.at, by: declared.by }],
		detectedAt: declared.detectedAt,
		declaredAt: declared.at,
		declaredBy: declared.by,
		...(declared.drill !== undefined && { drill: declared.drill }),
		responders: [],
		open: true,
		notes: [],
		runs: [],
		decisions: [],
		reminders: [],
		events: [],
	};
	const responders = new Set<string>([
		...declared.responders,
		...(declared.by ? [declared.by] : []),
	]);
	const notes = new Map<string, IncidentNote>();
	const keys: EventOf<'key'>[] = [];
	const runs = new Map<string, IncidentRun>();
	const run = (e: EventOf<'run-started' | 'run-ended'>) => {
		const id = `${e.bridge}\u0000${e.run}`;
		let found = runs.get(id);
		if (!found) {
			found = { bridge: e.bridge, run: e.run, block: e.block, at: e.at };
			runs.set(id, found);
		}
		return found;
	};
	for (const event of own) {
		if (seen.has(event.id) || (event.kind === 'declared' && event !== declared)) continue;
		seen.add(event.id);
		state.events.push(event);
		if (event.by) responders.add(event.by);
		switch (event.kind) {
			case 'severity':
				if (event.severity === state.severity) break;
				state.severity = event.severity;
				state.severityHistory.push({ severity: event.severity, at: event.at, by: event.by });
				break;
			case 'note':
				notes.set(event.id, {
					id: event.id,
					at: event.at,
					by: event.by,
					text: event.text,
					key: event.key ?? false,
				});
				break;
			case 'key':
				keys.push(event);
				break;
			case 'decision':
				state.decisions.push(event);
				break;
			case 'reminder':
				state.reminders.push(event);
				break;
			case 'run-started': {
				const found = run(event);
				found.started ??= event;
				found.at = found.started.at;
				break;
			}
			case 'run-ended':
				run(event).ended ??= event;
				break;
			case 'resolved':
				state.open = false;
				state.resolvedAt = event.at;
				break;
			case 'reopened':
				state.open = true;
				state.resolvedAt = undefined;
				break;
		}
	}
	// A key event may be ordered before its note when two clocks disagree: apply them last.
	for (const key of keys) {
		const note = notes.get(key.note);
		if (note) note.key = key.key;
	}
	state.notes = [...notes.values()];
	state.runs = [...runs.values()].sort(
		(a, b) => Date.parse(a.at) - Date.parse(b.at) || compare(a.bridge + a.run, b.bridge + b.run),
	);
	state.responders = [...responders];
	return state;
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A new event id: a random UUID. `crypto.randomUUID` exists only in secure contexts, and a
 * published copy of the site may be read over plain http, so the same is made from
 * `getRandomValues` there.
 */
export function newEventId(): string {
	if (typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
	const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
	bytes[6] = (bytes[6]! & 0x0f) | 0x40;
	bytes[8] = (bytes[8]! & 0x3f) | 0x80;
	const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The longest part of an incident id taken from its title. */
const MAX_SLUG = 40;

/**
 * A new incident id a person can read in a file name and a chat: the UTC date of `at`, the title
 * in a few words, and four random hex digits so two responders declaring "API down" the same day
 * get two incidents: `2026-11-26-api-down-3f9c`.
 */
export function newIncidentId(title: string, at: Date | string): string {
	const date = new Date(at).toISOString().slice(0, 10);
	let slug = title
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '');
	if (slug.length > MAX_SLUG) {
		// Cut at a word's end, unless the first word alone is that long.
		const cut = slug.slice(0, MAX_SLUG);
		slug = slug[MAX_SLUG] === '-' ? cut : cut.replace(/-[^-]*$/, '') || cut;
	}
	const random = newEventId().replaceAll('-', '').slice(0, 4);
	return `${date}-${slug || 'incident'}-${random}`;
}
