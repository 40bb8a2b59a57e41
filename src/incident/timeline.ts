/**
 * The incident as of its events, and the merge of timelines.
 *
 * HACK: the smallest real version, written by the bridge helper so the bridge can be built and
 * tested before the core helper's `timeline.ts` lands; that one replaces this file at the merge.
 * Only `mergeEvents`, `foldIncident` (id, severity, detection, open) and the `IncidentState`
 * fields the bridge reads are relied on.
 */
import type { EventOf, TimelineEvent } from './schema.ts';

export interface IncidentState {
	id: string;
	title: string;
	severity: number;
	detectedAt: string;
	declaredAt: string;
	responders: string[];
	open: boolean;
	resolvedAt?: string;
	reminders: EventOf<'reminder'>[];
}

const byTime = (a: TimelineEvent, b: TimelineEvent) =>
	a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** The union of timelines by event id (the first seen wins), ordered by time then id. */
export function mergeEvents(...lists: TimelineEvent[][]): TimelineEvent[] {
	const seen = new Map<string, TimelineEvent>();
	for (const list of lists)
		for (const event of list) if (!seen.has(event.id)) seen.set(event.id, event);
	return [...seen.values()].sort(byTime);
}

/** The incident as these events leave it; none without its declaration. */
export function foldIncident(events: TimelineEvent[]): IncidentState | undefined {
	let state: IncidentState | undefined;
	for (const event of mergeEvents(events)) {
		if (event.kind === 'declared') {
			if (state) continue;
			state = {
				id: event.incident,
				title: event.title,
				severity: event.severity,
				detectedAt: event.detectedAt,
				declaredAt: event.at,
				responders: event.responders,
				open: true,
				reminders: [],
			};
			continue;
		}
		if (!state) continue;
		if (event.kind === 'severity') state.severity = event.severity;
		else if (event.kind === 'resolved') {
			state.open = false;
			state.resolvedAt = event.at;
		} else if (event.kind === 'reopened') {
			state.open = true;
			delete state.resolvedAt;
		} else if (event.kind === 'reminder') state.reminders.push(event);
	}
	return state;
}
