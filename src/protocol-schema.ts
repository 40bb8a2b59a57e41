/**
 * The schemas of the messages a page sends (see `protocol.ts`). The bridge parses every frame
 * with `parseClientMessage`; a frame that does not match closes the connection.
 */
import * as z from 'zod/mini';
import { MAX_OVERRIDE_REASON } from './runbook/gates.ts';
import { describeIssue } from './incident/file.ts';
import { TimelineEventSchema } from './incident/schema.ts';

const RunId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));
const Dimension = z.number().check(z.int());
const TargetName = z.string().check(z.maxLength(64));

// Page → bridge

/** First message of every connection. */
export const HelloSchema = z.object({
	type: z.literal('hello'),
	version: z.number(),
	/**
	 * The pairing token the bridge printed, from the URL fragment. Absent when the page's browser
	 * presented the bridge's pairing cookie on the upgrade instead (a site the bridge serves).
	 */
	token: z.optional(z.string().check(z.maxLength(256))),
});

/** Run a block. `ref` is the page's own id for the request, echoed in `started` or `refused`. */
export const RunRequestSchema = z.object({
	type: z.literal('run'),
	ref: z.string().check(z.maxLength(64)),
	block: z.string().check(z.maxLength(256)),
	params: z.record(z.string().check(z.maxLength(64)), z.string().check(z.maxLength(4096))),
	/** For destructive blocks: the word the responder typed. */
	confirm: z.optional(z.string().check(z.maxLength(256))),
	/**
	 * The command as the page rendered and showed it. Never run: the bridge compares it with its
	 * own rendering and refuses the run when they differ (a page built from other runbooks).
	 */
	command: z.string().check(z.maxLength(32 * 1024)),
	/**
	 * Run on this target instead of the block's own: an explicit choice of the responder, which
	 * the bridge accepts for `read` blocks only.
	 */
	on: z.optional(TargetName),
	/** The page the run was started from, for the Runs panel and the audit log. */
	page: z.optional(z.string().check(z.maxLength(512))),
	/**
	 * Run a block whose needs have not passed anyway, for this reason, which the audit log keeps.
	 * Without it the bridge refuses such a run (`gate-closed`).
	 */
	override: z.optional(
		z.object({ reason: z.string().check(z.minLength(1), z.maxLength(MAX_OVERRIDE_REASON)) }),
	),
	cols: Dimension,
	rows: Dimension,
});

/**
 * Let this bridge session reach a target. A production target's name must be typed as `confirm`.
 * Answered by a `targets` message to every page, or `refused` with `ref`.
 */
export const ArmSchema = z.object({
	type: z.literal('arm'),
	ref: z.string().check(z.maxLength(64)),
	target: TargetName,
	confirm: z.optional(z.string().check(z.maxLength(256))),
});

/** Take a target out of reach again; runs already going on it go on. */
export const DisarmSchema = z.object({ type: z.literal('disarm'), target: TargetName });

/** Follow a run's output, from byte `from` of its output (what the ring buffer still holds). */
export const AttachSchema = z.object({
	type: z.literal('attach'),
	run: RunId,
	from: z.optional(z.number().check(z.int(), z.nonnegative())),
});

/** Stop following a run (it keeps running). */
export const DetachSchema = z.object({ type: z.literal('detach'), run: RunId });

/** Keystrokes for the run's terminal. */
export const InputSchema = z.object({
	type: z.literal('input'),
	run: RunId,
	data: z.string().check(z.maxLength(16 * 1024)),
});

/** The terminal's size changed; the bridge clamps the values. */
export const ResizeSchema = z.object({
	type: z.literal('resize'),
	run: RunId,
	cols: Dimension,
	rows: Dimension,
});

/** Stop the run: Ctrl-C, then SIGTERM, then SIGKILL to its process group. */
export const StopSchema = z.object({ type: z.literal('stop'), run: RunId });

/** Flow control: the page's terminal has processed output up to byte `bytes` of the run. */
export const AckSchema = z.object({
	type: z.literal('ack'),
	run: RunId,
	bytes: z.number().check(z.int(), z.nonnegative()),
});

/**
 * Add events to the incident timeline: what the page recorded (a declaration, a note, a tree
 * decision, a severity change, a resolution), events kept in browser storage while no bridge was
 * paired, or, with `merge`, another responder's exported timeline. Run events are the bridge's own
 * record and are accepted only in a merge, and only from another bridge. Events already on the
 * timeline (same id) are skipped. Answered by a `timeline` message to every page, or `refused`.
 */
export const TimelineAppendSchema = z.object({
	type: z.literal('timeline'),
	ref: z.string().check(z.maxLength(64)),
	events: z.array(TimelineEventSchema).check(z.minLength(1), z.maxLength(5000)),
	merge: z.optional(z.boolean()),
});

/** Ask for an incident's whole timeline (a past one, to read or export it); answered by `timeline`. */
export const TimelineRequestSchema = z.object({
	type: z.literal('timeline-get'),
	ref: z.string().check(z.maxLength(64)),
	incident: z.string().check(z.maxLength(128)),
});

/**
 * Start a drill on a practice bridge: it declares the drill's incident and answers every Run from
 * the scenario from then on. Answered by `mode` to every page, or `refused` (`drill-refused`).
 */
export const DrillStartSchema = z.object({
	type: z.literal('drill-start'),
	ref: z.string().check(z.maxLength(64)),
	name: z.string().check(z.maxLength(128)),
});

/** End the drill (its incident is resolved); the bridge is back in practice mode. */
export const DrillEndSchema = z.object({
	type: z.literal('drill-end'),
	ref: z.string().check(z.maxLength(64)),
});

export const ClientMessageSchema = z.discriminatedUnion('type', [
	HelloSchema,
	RunRequestSchema,
	ArmSchema,
	DisarmSchema,
	AttachSchema,
	DetachSchema,
	InputSchema,
	ResizeSchema,
	StopSchema,
	AckSchema,
	TimelineAppendSchema,
	TimelineRequestSchema,
	DrillStartSchema,
	DrillEndSchema,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type HelloMessage = z.infer<typeof HelloSchema>;
export type RunRequest = z.infer<typeof RunRequestSchema>;
export type ArmMessage = z.infer<typeof ArmSchema>;
export type DisarmMessage = z.infer<typeof DisarmSchema>;
export type AttachMessage = z.infer<typeof AttachSchema>;
export type DetachMessage = z.infer<typeof DetachSchema>;
export type InputMessage = z.infer<typeof InputSchema>;
export type ResizeMessage = z.infer<typeof ResizeSchema>;
export type StopMessage = z.infer<typeof StopSchema>;
export type AckMessage = z.infer<typeof AckSchema>;
export type TimelineAppendMessage = z.infer<typeof TimelineAppendSchema>;
export type TimelineRequestMessage = z.infer<typeof TimelineRequestSchema>;
export type DrillStartMessage = z.infer<typeof DrillStartSchema>;
export type DrillEndMessage = z.infer<typeof DrillEndSchema>;

/** Parses a text frame from a page; `undefined` when it is not a message of this protocol. */
export function parseClientMessage(text: string): ClientMessage | undefined {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		return undefined;
	}
	const result = ClientMessageSchema.safeParse(json);
	return result.success ? result.data : undefined;
}

/**
 * For a `timeline` frame that `parseClientMessage` rejected: its `ref` and what is wrong with it
 * (an event of a newer Opsbook, a hand-edited file being merged), so the bridge can refuse the
 * batch with `invalid-event` and the page can say why, instead of the connection closing.
 */
export function explainTimelineFrame(text: string): { ref: string; message: string } | undefined {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		return undefined;
	}
	const frame = json as { type?: unknown; ref?: unknown; events?: unknown } | null;
	if (frame?.type !== 'timeline' || typeof frame.ref !== 'string' || frame.ref.length > 64)
		return undefined;
	const result = TimelineAppendSchema.safeParse(json);
	if (result.success) return undefined;
	const issue = result.error.issues[0]!;
	const [field, index, ...rest] = issue.path;
	const what =
		issue.code === 'invalid_union' && rest.join('.') === 'kind'
			? `is of a kind this bridge does not know ("${String((frame.events as { kind?: unknown }[])[index as number]?.kind).slice(0, 40)}")`
			: `${rest.length > 0 ? `: its "${rest.join('.')}" ` : ' '}${describeIssue(issue)}`;
	const where =
		field === 'events' && typeof index === 'number'
			? `Event ${index + 1} of ${Array.isArray(frame.events) ? frame.events.length : '?'}${what.startsWith(':') ? what : ` ${what}`}`
			: `The message's "${issue.path.join('.')}" ${describeIssue(issue)}`;
	return { ref: frame.ref, message: `${where}, so nothing was added.` };
}
