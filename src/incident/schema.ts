/**
 * The incident timeline: what Opsbook records while an incident is worked, one event at a time.
 *
 * A timeline is a list of events, each with a unique `id`, the `incident` it belongs to and the
 * UTC time `at` which it happened. Events are only ever added: a note marked as a key event gets
 * a `key` event naming it, a severity change a `severity` event, a resolution a `resolved` event.
 * That makes two responders' timelines of the same incident merge by a union on `id`.
 *
 * The bridge keeps each incident in a file of JSON lines (see `file.ts`): a header line
 * ({@link TimelineHeaderSchema}), then one event a line. The same file is what "Export timeline"
 * downloads and what "Merge a timeline" reads, so it is also the interface to chat tools and
 * incident platforms: documented in `content/authoring/timeline-file.mdx`, versioned by
 * {@link TIMELINE_VERSION}.
 *
 * Browser-safe: zod/mini only.
 */
import * as z from 'zod/mini';
import { MAX_OVERRIDE_REASON } from '../runbook/gates.ts';
import { OUTCOMES } from '../runbook/verdict.ts';

/** The first line of every timeline file names the format… */
export const TIMELINE_FORMAT = 'opsbook-timeline';
/** …and its version, bumped when an event changes shape in a way an older reader would misread. */
export const TIMELINE_VERSION = 2;

/** Ids of incidents and events: short, printable, safe in a file name. */
const Id = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/));
/** A UTC time as `Date.prototype.toISOString` writes it: `2026-11-26T03:12:45.123Z`. */
export const UtcTimeSchema = z.string().check(
	z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/),
	z.refine((s) => !Number.isNaN(Date.parse(s)), 'not a real time'),
);
const Text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
/** A severity level as the runbook's severity table numbers it: 1 is SEV-1, the worst. */
const Level = z.number().check(z.int(), z.minimum(1), z.maximum(9));

export const IncidentIdSchema = Id;
export const EventIdSchema = Id;

export const TimelineHeaderSchema = z.object({
	format: z.literal(TIMELINE_FORMAT),
	version: z.number().check(z.int(), z.positive()),
	incident: Id,
	/** When the file was written first (or exported). */
	created: UtcTimeSchema,
});
export type TimelineHeader = z.infer<typeof TimelineHeaderSchema>;

const base = {
	/** Unique across every timeline: a second event with the same id is the same event. */
	id: Id,
	incident: Id,
	/** When it happened, in UTC. */
	at: UtcTimeSchema,
	/** The responder who did it, as they gave their name. */
	by: z.optional(Text(80)),
};

/** The incident was declared: it is open from here on. */
export const DeclaredEventSchema = z.object({
	...base,
	kind: z.literal('declared'),
	title: Text(200),
	severity: Level,
	/** When the problem was detected (the alert fired): may be before the declaration. */
	detectedAt: UtcTimeSchema,
	/** Who is responding. */
	responders: z.array(Text(80)).check(z.maxLength(20)),
	/**
	 * A drill, not a real incident: the scenario's name. Everything on its timeline is practice,
	 * and its runs were answered from the scenario (added in version 2).
	 */
	drill: z.optional(Text(128)),
});

/** The severity changed. */
export const SeverityEventSchema = z.object({
	...base,
	kind: z.literal('severity'),
	severity: Level,
	previous: Level,
});

/** A responder's note. */
export const NoteEventSchema = z.object({
	...base,
	kind: z.literal('note'),
	text: Text(4000),
	/** Marked as a key event when written (the report's timeline lists key notes). */
	key: z.optional(z.boolean()),
});

/** A note marked (or unmarked) as a key event later. */
export const KeyEventSchema = z.object({
	...base,
	kind: z.literal('key'),
	note: Id,
	key: z.boolean(),
});

/** A step of a decision tree was decided, by its checks' verdicts or by a responder's answer. */
export const DecisionEventSchema = z.object({
	...base,
	kind: z.literal('decision'),
	/** The tree's page (slug), the step's id and heading. */
	page: Text(512),
	step: Text(256),
	stepTitle: Text(300),
	/** The outcome's answer (`Yes`, `All healthy`). */
	outcome: Text(300),
	how: z.enum(['check', 'hand']),
	/** For `how: 'check'`: the verdicts that decided it. */
	verdicts: z.optional(
		z
			.array(
				z.object({ block: Text(256), run: Text(64), outcome: z.enum(OUTCOMES), reason: Text(300) }),
			)
			.check(z.maxLength(50)),
	),
});

const Override = z.object({
	reason: Text(MAX_OVERRIDE_REASON),
	/** The needs that had not passed, as written in `needs=`. */
	unmet: z.array(Text(512)).check(z.maxLength(50)),
});

/** A block started (recorded by the bridge that ran it). */
export const RunStartedEventSchema = z.object({
	...base,
	kind: z.literal('run-started'),
	/** The bridge's run id: the audit log's entries for this run carry it. */
	run: Text(64),
	/** Which bridge recorded it (a random id per state directory), so merged runs are told apart. */
	bridge: Text(64),
	block: Text(256),
	title: Text(300),
	risk: z.enum(['read', 'change', 'destructive']),
	/** Whether the block is a check (has an expected result). */
	check: z.boolean(),
	/** The page the block is on, and the page it was run from. */
	blockPage: Text(512),
	page: z.optional(Text(512)),
	target: Text(64),
	/** The target the block names, when a read step was run elsewhere by choice. */
	blockTarget: z.optional(Text(64)),
	/** The command as run, secrets as `'***'`. */
	command: Text(32 * 1024),
	/** The block's gate was closed and the responder ran it anyway. */
	override: z.optional(Override),
	/** Where the full record is: the audit log file (as the bridge knows it), by run id. */
	audit: z.optional(Text(4096)),
	/** Answered from a drill's scenario: nothing was executed (added in version 2). */
	simulated: z.optional(z.literal(true)),
});

/** A block's run ended. */
export const RunEndedEventSchema = z.object({
	...base,
	kind: z.literal('run-ended'),
	run: Text(64),
	bridge: Text(64),
	block: Text(256),
	end: z.enum(['exited', 'stopped', 'timeout', 'failed']),
	exitCode: z.optional(z.number().check(z.int())),
	signal: z.optional(Text(32)),
	durationMs: z.number().check(z.nonnegative()),
	verdict: z.optional(z.object({ outcome: z.enum(OUTCOMES), reason: Text(300) })),
	/** Why it failed to start, for `end: 'failed'`. */
	message: z.optional(Text(1000)),
	/** For a check that did not pass: its last lines of output, escapes removed. */
	tail: z.optional(z.array(z.string().check(z.maxLength(1000))).check(z.maxLength(40))),
});

/** An escalation rule of the severity page applied (see `escalation.ts`). */
export const ReminderEventSchema = z.object({
	...base,
	kind: z.literal('reminder'),
	/** Which rule: the same rule fires once per incident and severity, so the id is derived from it. */
	rule: Text(128),
	text: Text(1000),
});

export const ResolvedEventSchema = z.object({ ...base, kind: z.literal('resolved') });
export const ReopenedEventSchema = z.object({ ...base, kind: z.literal('reopened') });

export const TimelineEventSchema = z.discriminatedUnion('kind', [
	DeclaredEventSchema,
	SeverityEventSchema,
	NoteEventSchema,
	KeyEventSchema,
	DecisionEventSchema,
	RunStartedEventSchema,
	RunEndedEventSchema,
	ReminderEventSchema,
	ResolvedEventSchema,
	ReopenedEventSchema,
]);
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;
export type TimelineEventKind = TimelineEvent['kind'];
export type EventOf<K extends TimelineEventKind> = Extract<TimelineEvent, { kind: K }>;
