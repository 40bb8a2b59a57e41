/**
 * Escalation: what the runbook's severity page asks of an open incident, at a given time.
 *
 * ```mdx
 * | <Severity level={1} /> | Platform down, … | … | < 15 min | Immediate page |
 * <Escalate from={2} to={1} after="2 hours" />
 * <Escalate from={3} to={2} when="trends toward impacting users" />
 * ```
 *
 * - The **response time** of a level is measured from detection to declaration: declaring the
 *   incident is the responders' acknowledgement, the one moment Opsbook knows someone is on it.
 *   It is judged against the level the incident was declared at (what the responder chose then);
 *   a declaration at or after the target gives a reminder, timed at the declaration:
 *   "Response target for SEV-1 is < 15 min; declared 22 min after detection".
 * - A **time rule** (`after`) applies while the incident is open and at the rule's level, from
 *   detection + `after` on. After a severity change the new level's rules still count from
 *   detection, so a SEV-3 raised to SEV-2 three hours in is due for SEV-2's two-hour rule at once.
 *   It is never due before the declaration: nobody was told before then. Its reminder is timed
 *   when it first applied, not when a timer noticed, so every bridge and tab computes the same
 *   event, and its id says which rule it is so copies of it merge into one.
 * - A **judgement rule** (`when`) is a standing hint while the incident is at its level.
 *
 * Pure: the clock is an argument. Browser-safe.
 */
import type {
	EscalationRule,
	IncidentContent,
	SeverityLevel,
} from '../runbook/incident-content.ts';
import type { EventOf } from './schema.ts';
import type { IncidentState } from './timeline.ts';

/** A time rule and when it applied (or will apply). */
export interface RuleTime {
	rule: EscalationRule & { afterMinutes: number };
	/** UTC: detection + `after`, or the moment after that the incident came to be open at the rule's level. */
	at: string;
}

/** Detection to declaration, judged against the response time of the declared level. */
export interface ResponseTime {
	/** The level declared, and its response time as the table writes it (`< 15 min`). */
	level: number;
	target: string;
	targetMinutes: number;
	/** Whole minutes from detection to declaration. */
	tookMinutes: number;
	met: boolean;
}

/** What the incident bar shows. */
export interface EscalationStatus {
	severity: number;
	/** The current level's row of the severity table, when the table has it. */
	level?: SeverityLevel | undefined;
	/** From detection to now, or to the resolution. */
	elapsedMs: number;
	response?: ResponseTime | undefined;
	/** The time rules that apply now, with when each first applied; none once resolved. */
	due: RuleTime[];
	/** The next time rule of the current level to apply if nothing changes, while open. */
	next?: RuleTime | undefined;
	/** The judgement rules of the current level, while open. */
	hints: EscalationRule[];
}

const MINUTE = 60_000;

export function escalationStatus(
	state: IncidentState,
	content: IncidentContent,
	now: Date,
): EscalationStatus {
	const detected = Date.parse(state.detectedAt);
	const end = state.open || !state.resolvedAt ? now.getTime() : Date.parse(state.resolvedAt);
	const current = content.levels.find((l) => l.level === state.severity);
	const status: EscalationStatus = {
		severity: state.severity,
		level: current,
		elapsedMs: Math.max(0, end - detected),
		response: responseTime(state, content),
		due: [],
		hints: [],
	};
	if (!state.open) return status;
	const periods = levelPeriods(state);
	const since = periods.at(-1)!.from;
	for (const rule of content.escalation) {
		if (rule.from !== state.severity) continue;
		if (!isTimeRule(rule)) {
			status.hints.push(rule);
			continue;
		}
		const applied = firstApplied(rule, detected, periods, now.getTime());
		if (applied !== undefined) {
			status.due.push({ rule, at: iso(applied) });
			continue;
		}
		const at = Math.max(detected + rule.afterMinutes * MINUTE, since);
		if (!status.next || at < Date.parse(status.next.at)) status.next = { rule, at: iso(at) };
	}
	return status;
}

/**
 * The reminders the timeline should have by `now` and has not: one per time rule that has
 * applied (even if it no longer does: a bridge that was stopped catches up), and one for a
 * response target missed at the declaration.
 */
export function dueReminders(
	state: IncidentState,
	content: IncidentContent,
	now: Date,
): EventOf<'reminder'>[] {
	const have = new Set(state.events.map((e) => e.id));
	const reminders: EventOf<'reminder'>[] = [];
	const add = (rule: string, at: number, text: string) => {
		const id = reminderId(state.id, rule);
		if (!have.has(id) && at <= now.getTime()) {
			reminders.push({ id, incident: state.id, at: iso(at), kind: 'reminder', rule, text });
		}
	};
	const response = responseTime(state, content);
	if (response && !response.met) {
		add(
			`response-sev${response.level}`,
			Date.parse(state.declaredAt),
			`Response target for SEV-${response.level} is ${response.target}; declared ${formatMinutes(response.tookMinutes)} after detection`,
		);
	}
	const detected = Date.parse(state.detectedAt);
	const periods = levelPeriods(state);
	for (const rule of content.escalation) {
		if (!isTimeRule(rule)) continue;
		const at = firstApplied(rule, detected, periods, now.getTime());
		if (at !== undefined) {
			add(
				ruleKey(rule),
				at,
				`${rule.text} (still open ${formatMinutes(rule.afterMinutes)} after detection)`,
			);
		}
	}
	return reminders.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : 1));
}

/** Which time rule a reminder is about, the same wherever it is computed: `sev2-to-sev1-after-120m`. */
export function ruleKey(rule: EscalationRule): string {
	return `sev${rule.from}-to-sev${rule.to}-after-${rule.afterMinutes}m`;
}

/**
 * `reminder:<incident>:<rule>`. Ids are at most 128 characters; an incident id long enough to
 * pass that (one merged from elsewhere) is replaced by its hash, still the same everywhere.
 */
export function reminderId(incident: string, rule: string): string {
	const id = `reminder:${incident}:${rule}`;
	return id.length <= 128 ? id : `reminder:${fnv1a(incident)}:${rule}`;
}

/** `15 min`, `1 h`, `2 h 5 min`. */
export function formatMinutes(minutes: number): string {
	const h = Math.floor(minutes / 60);
	const m = minutes % 60;
	if (h === 0) return `${m} min`;
	return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

function responseTime(state: IncidentState, content: IncidentContent): ResponseTime | undefined {
	const declaredLevel = state.severityHistory[0]!.severity;
	const row = content.levels.find((l) => l.level === declaredLevel);
	if (!row) return undefined;
	const tookMs = Date.parse(state.declaredAt) - Date.parse(state.detectedAt);
	return {
		level: declaredLevel,
		target: row.responseTime,
		targetMinutes: row.responseMinutes,
		tookMinutes: Math.max(0, Math.floor(tookMs / MINUTE)),
		// `< 15 min`: fifteen minutes on the dot is already late.
		met: tookMs < row.responseMinutes * MINUTE,
	};
}

function isTimeRule(rule: EscalationRule): rule is RuleTime['rule'] {
	return rule.afterMinutes !== undefined;
}

/** A stretch of time the incident spent at one level, open or resolved; `to` is exclusive. */
interface Period {
	from: number;
	to: number;
	severity: number;
	open: boolean;
}

/** The incident's history as periods, from the declaration on; the last one has no end. */
function levelPeriods(state: IncidentState): Period[] {
	const periods: Period[] = [
		{
			from: Date.parse(state.declaredAt),
			to: Infinity,
			severity: state.severityHistory[0]!.severity,
			open: true,
		},
	];
	for (const event of state.events) {
		const last = periods.at(-1)!;
		let { severity, open } = last;
		if (event.kind === 'severity') severity = event.severity;
		else if (event.kind === 'resolved') open = false;
		else if (event.kind === 'reopened') open = true;
		else continue;
		if (severity === last.severity && open === last.open) continue;
		const at = Math.max(Date.parse(event.at), last.from);
		last.to = at;
		periods.push({ from: at, to: Infinity, severity, open });
	}
	return periods;
}

/** When a time rule first applied, by `now`: the first moment from detection + after that the incident was open at its level. */
function firstApplied(
	rule: RuleTime['rule'],
	detected: number,
	periods: readonly Period[],
	now: number,
): number | undefined {
	const due = detected + rule.afterMinutes * MINUTE;
	for (const p of periods) {
		if (!p.open || p.severity !== rule.from) continue;
		const at = Math.max(due, p.from);
		if (at < p.to && at <= now) return at;
	}
	return undefined;
}

function iso(ms: number): string {
	return new Date(ms).toISOString();
}

/** FNV-1a, 32 bits, as hex: short and the same in every runtime. */
function fnv1a(text: string): string {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return (hash >>> 0).toString(16).padStart(8, '0');
}
