/**
 * The page's copy of the incident timeline, one per page, shared by the incident bar, the
 * timeline page and the bridge client.
 *
 * With a paired bridge the bridge keeps the timeline: the store holds what the bridge sent
 * (`welcome.incident`, then `timeline` broadcasts) and sends what the page records in `timeline`
 * messages. Without one (a published copy read on a phone) the events the page records stay in
 * localStorage, and every tab of the site shows them. The same localStorage list is the outbox
 * in both cases: an event leaves it only once a bridge has echoed its id, so events recorded
 * offline, or sent just before the socket dropped, reach the bridge on the next `welcome`.
 */
import {
	type ClientMessage,
	type IncidentSummary,
	type RefusedMessage,
	type TimelineMessage,
	type WelcomeMessage,
} from '../../protocol.ts';
import type { TimelineEvent } from '../../incident/schema.ts';
import {
	BRIDGE_KINDS,
	foldIncident,
	mergeEvents,
	summarizeIncident,
	SUMMARY_KINDS,
	type IncidentState,
} from '../../incident/timeline.ts';

import { batches } from './batches.ts';
import { INCIDENT_STORAGE_KEY as STORAGE_KEY } from '../storage-keys.ts';

export const CHANGE_EVENT = 'change';

interface Stored {
	version: 1;
	events: TimelineEvent[];
}

function loadOutbox(): TimelineEvent[] {
	try {
		const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Stored | null;
		if (stored?.version === 1 && Array.isArray(stored.events)) return stored.events;
	} catch {
		// Garbled or refused: nothing kept.
	}
	return [];
}

export class IncidentStore extends EventTarget {
	/** The timeline as the bridge has it, when one is paired and has welcomed us. */
	#bridged?: { send(message: ClientMessage): void; bridgeId: string; events: TimelineEvent[] };
	/** Events recorded here and not yet echoed by a bridge. */
	#outbox: TimelineEvent[] = loadOutbox();
	/** The bridge's timeline as last heard, shown while it is away. */
	#lastBridged?: TimelineEvent[] | undefined;
	/** Events sent, by request ref, until echoed or refused. */
	readonly #sent = new Map<string, string[]>();
	#refs = 0;
	/** Events a bridge refused as invalid: recording them again would only be refused again. */
	readonly #refused = new Set<string>();
	#state?: IncidentState | undefined;
	#folded = false;
	/** Why the bridge did not take this page's events, as a sentence; cleared once it does. */
	problem?: string | undefined;
	/** What just happened to the record that the responder did not do themselves (a hand-over). */
	notice?: string | undefined;
	/** How many events kept in this browser are on their way to the bridge. */
	#handing = 0;
	/** Lines of the bridge's file it could not read, as it said. */
	dropped: string[] = [];
	/** Every incident the paired bridge keeps, newest first, as its welcome listed them. */
	incidents: IncidentSummary[] = [];
	/** Incidents asked for with `timeline-get`, by request ref; their whole timelines come back. */
	readonly #asked = new Map<string, string>();
	/** Incidents whose whole timeline this page holds (the current one, and those asked for). */
	readonly #whole = new Set<string>();
	/** Why an incident asked for could not be shown, by id. */
	readonly missing = new Map<string, string>();

	constructor() {
		super();
		addEventListener('storage', (event) => {
			if (event.key !== STORAGE_KEY && event.key !== null) return;
			this.#outbox = loadOutbox();
			this.#changed();
		});
	}

	/**
	 * Where the record is kept: `bridge` while a bridge has welcomed this page, `reconnecting`
	 * while the bridge that had it is away, else `browser`.
	 */
	get mode(): 'bridge' | 'reconnecting' | 'browser' {
		return this.#bridged ? 'bridge' : this.#lastBridged ? 'reconnecting' : 'browser';
	}

	/** Every event this page knows, ordered. */
	events(): TimelineEvent[] {
		return mergeEvents(this.#bridged?.events ?? this.#lastBridged ?? [], this.#outbox);
	}

	/**
	 * The current incident: the one of the newest declaration. A bridge hands over its last
	 * incident even once resolved, and the browser may hold a newer one declared meanwhile.
	 */
	state(): IncidentState | undefined;
	/** An incident this page holds the events of, by id (an earlier one asked for with `request`). */
	state(incident: string): IncidentState | undefined;
	state(incident?: string): IncidentState | undefined {
		if (incident !== undefined) {
			const current = this.state();
			if (current?.id === incident) return current;
			return foldIncident(this.events().filter((e) => e.incident === incident));
		}
		if (!this.#folded) {
			const events = this.events();
			const current = events.findLast((e) => e.kind === 'declared')?.incident;
			this.#state = current
				? foldIncident(events.filter((e) => e.incident === current))
				: undefined;
			this.#folded = true;
		}
		return this.#state;
	}

	/** Records events: kept in this browser until a bridge echoes them. */
	append(events: TimelineEvent[]) {
		const known = new Set(this.events().map((e) => e.id));
		const fresh = events.filter((e) => !known.has(e.id) && !this.#refused.has(e.id));
		if (fresh.length === 0) return;
		this.#outbox.push(...fresh);
		this.#save();
		this.#changed();
		this.#send(fresh, false);
	}

	/**
	 * Merges another responder's timeline. Run events of this page's own bridge are its own
	 * record, never taken from a file. Returns how many events were new.
	 */
	merge(events: TimelineEvent[]): number {
		const known = new Set(this.events().map((e) => e.id));
		const own = this.#bridged?.bridgeId;
		const fresh = events.filter(
			(e) => !known.has(e.id) && !(BRIDGE_KINDS.has(e.kind) && 'bridge' in e && e.bridge === own),
		);
		if (fresh.length === 0) return 0;
		this.#outbox.push(...fresh);
		this.#save();
		this.#changed();
		this.#send(fresh, true);
		return fresh.length;
	}

	/**
	 * Asks the paired bridge for an earlier incident's whole timeline; `false` without a bridge or
	 * when this page holds it already. A `change` follows when it arrives (or `missing` says why not).
	 */
	request(incident: string): boolean {
		const bridged = this.#bridged;
		if (!bridged || this.#whole.has(incident) || this.missing.has(incident)) return false;
		if ([...this.#asked.values()].includes(incident)) return false;
		const ref = `tl-get-${++this.#refs}`;
		this.#asked.set(ref, incident);
		this.missing.delete(incident);
		bridged.send({ type: 'timeline-get', ref, incident });
		return true;
	}

	// What the bridge client (`../bridge.ts`) tells the store.

	bridgeWelcomed(welcome: WelcomeMessage, send: (message: ClientMessage) => void) {
		this.#bridged = { send, bridgeId: welcome.bridgeId, events: welcome.incident?.events ?? [] };
		this.#lastBridged = undefined;
		this.#sent.clear();
		this.#asked.clear();
		this.#whole.clear();
		this.missing.clear();
		if (welcome.incident) this.#whole.add(welcome.incident.id);
		this.incidents = welcome.incidents;
		this.problem = undefined;
		const own = welcome.bridgeId;
		// Run records of this bridge that it no longer has cannot be handed back to it.
		this.#outbox = this.#outbox.filter(
			(e) => !(BRIDGE_KINDS.has(e.kind) && 'bridge' in e && e.bridge === own),
		);
		this.#acknowledge(this.#bridged.events.map((e) => e.id));
		this.#handing = this.#outbox.length;
		this.notice = this.#handing
			? `Handing the ${events(this.#handing)} kept in this browser to the bridge…`
			: undefined;
		this.#changed();
		if (this.#outbox.length > 0) this.#send(this.#outbox, false);
	}

	bridgeMessage(message: TimelineMessage) {
		const bridged = this.#bridged;
		if (!bridged) return;
		if (message.complete) {
			this.#whole.add(message.incident);
			if (message.ref !== undefined) this.#asked.delete(message.ref);
			bridged.events = mergeEvents(
				bridged.events.filter((e) => e.incident !== message.incident),
				message.events,
			);
		} else bridged.events = mergeEvents(bridged.events, message.events);
		// A run or a note leaves the incident's line in the list as it was: no fold for those.
		if (message.events.some((e) => SUMMARY_KINDS.has(e.kind))) this.#summarize(message.incident);
		if (message.dropped?.length) this.dropped = message.dropped;
		if (message.ref !== undefined) this.#sent.delete(message.ref);
		if (this.#sent.size === 0) this.problem = undefined;
		this.#acknowledge(message.events.map((e) => e.id));
		this.#changed();
	}

	/** A refusal of one of the store's requests; `false` when it is someone else's. */
	bridgeRefused(message: RefusedMessage): boolean {
		const asked = message.ref === undefined ? undefined : this.#asked.get(message.ref);
		if (asked !== undefined) {
			this.#asked.delete(message.ref!);
			this.missing.set(asked, message.message);
			this.#changed();
			return true;
		}
		const ids = message.ref === undefined ? undefined : this.#sent.get(message.ref);
		if (!ids) return false;
		this.#sent.delete(message.ref!);
		if (message.code === 'invalid-event') {
			// Sending them again cannot help.
			for (const id of ids) this.#refused.add(id);
			this.#outbox = this.#outbox.filter((e) => !this.#refused.has(e.id));
			this.#save();
			this.problem = `The bridge refused ${ids.length === 1 ? 'an event' : `${ids.length} events`} of this page: ${message.message}`;
		} else if (message.code === 'incident-open') {
			this.problem = `${message.message} This page’s incident stays in this browser: export it from the timeline page, or resolve the bridge’s incident first.`;
		} else {
			this.problem = `${message.message} The events stay in this browser and go to the bridge when it reconnects.`;
		}
		this.#changed();
		return true;
	}

	bridgeClosed() {
		if (!this.#bridged) return;
		// What the bridge had stays readable here; the outbox keeps what it did not echo.
		this.#lastBridged = this.#bridged.events;
		this.#bridged = undefined;
		this.#sent.clear();
		this.#changed();
	}

	#send(events: TimelineEvent[], merge: boolean) {
		const bridged = this.#bridged;
		if (!bridged) return;
		const runs = events.filter((e) => BRIDGE_KINDS.has(e.kind));
		const others = events.filter((e) => !BRIDGE_KINDS.has(e.kind));
		const ref = () => `tl-${++this.#refs}`;
		for (const [list, asMerge] of [
			[others, merge],
			[runs, true],
		] as const) {
			for (const message of batches(list, ref, asMerge)) {
				this.#sent.set(
					message.ref,
					message.events.map((e) => e.id),
				);
				bridged.send(message);
			}
		}
	}

	/** Keeps the list of incidents in step with the timeline (a declaration, a resolution). */
	#summarize(incident: string) {
		const state = foldIncident(this.events().filter((e) => e.incident === incident));
		if (!state) return;
		const summary = summarizeIncident(state);
		this.incidents = [summary, ...this.incidents.filter((i) => i.id !== incident)].sort(
			(a, b) => Date.parse(b.declaredAt) - Date.parse(a.declaredAt),
		);
	}

	#acknowledge(ids: string[]) {
		if (ids.length === 0) return;
		const echoed = new Set(ids);
		const before = this.#outbox.length;
		this.#outbox = this.#outbox.filter((e) => !echoed.has(e.id));
		if (this.#outbox.length !== before) this.#save();
		if (this.#handing > 0 && this.#outbox.length === 0) {
			this.notice = `The ${events(this.#handing)} kept in this browser ${this.#handing === 1 ? 'is' : 'are'} on the bridge’s timeline now.`;
			this.#handing = 0;
		}
	}

	#save() {
		try {
			if (this.#outbox.length === 0) localStorage.removeItem(STORAGE_KEY);
			else localStorage.setItem(STORAGE_KEY, JSON.stringify({ version: 1, events: this.#outbox }));
		} catch {
			this.problem = 'This browser refused to store the incident: it is kept on this page only.';
		}
	}

	#changed() {
		this.#folded = false;
		this.dispatchEvent(new Event(CHANGE_EVENT));
	}
}

const events = (n: number) => (n === 1 ? 'event' : `${n} events`);

/** The page's one store. */
export const incidentStore = new IncidentStore();
