/**
 * Escalation reminders from the severity page's rules.
 *
 * HACK: the smallest real version, written by the bridge helper so the bridge's reminder timer can
 * be built and tested before the core helper's `escalation.ts` lands; that one replaces this file
 * at the merge. The bridge relies only on `dueReminders(state, content, now)`.
 */
import type { IncidentContent } from '../runbook/incident-content.ts';
import type { EventOf } from './schema.ts';
import type { IncidentState } from './timeline.ts';

const MINUTE = 60_000;

/**
 * The reminders due by `now`: each time rule of the current level whose time has come while the
 * incident is open. Ids are derived from the rule, so two bridges firing the same rule agree.
 */
export function dueReminders(
	state: IncidentState,
	content: IncidentContent,
	now: Date,
): EventOf<'reminder'>[] {
	if (!state.open) return [];
	const due: EventOf<'reminder'>[] = [];
	const detected = Date.parse(state.detectedAt);
	for (const rule of content.escalation) {
		if (rule.afterMinutes === undefined || rule.from !== state.severity) continue;
		const at = detected + rule.afterMinutes * MINUTE;
		if (now.getTime() < at) continue;
		const key = `sev${rule.from}-sev${rule.to}-after${rule.afterMinutes}m`;
		due.push({
			id: `reminder:${state.id}:${key}`,
			incident: state.id,
			at: new Date(at).toISOString(),
			kind: 'reminder',
			rule: key,
			text: rule.text,
		});
	}
	return due;
}
