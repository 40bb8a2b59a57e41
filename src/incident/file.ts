/**
 * The timeline file: JSON lines, a header first, then one event a line.
 *
 * ```jsonl
 * {"format":"opsbook-timeline","version":1,"incident":"2026-11-26-api-down-3f9c","created":"2026-11-26T03:14:00.000Z"}
 * {"id":"…","incident":"2026-11-26-api-down-3f9c","at":"2026-11-26T03:14:00.000Z","kind":"declared",…}
 * {"id":"…","incident":"2026-11-26-api-down-3f9c","at":"2026-11-26T03:20:41.512Z","kind":"note",…}
 * ```
 *
 * The bridge appends to it as the incident is worked, "Export timeline" downloads it and "Merge a
 * timeline" reads one; `content/authoring/timeline-file.mdx` documents it for integrations.
 *
 * A reader must survive what a crash leaves: the bridge syncs each line before anyone hears of its
 * event, so at most the last line can be cut off, and that line's event was never acknowledged.
 * So a line that cannot be read is skipped and said (`dropped`), never fatal. What is fatal is a
 * file that is not a timeline at all, or one from a newer Opsbook that this one would misread.
 *
 * Browser-safe and pure.
 */
import type * as z from 'zod/mini';
import {
	TIMELINE_FORMAT,
	TIMELINE_VERSION,
	TimelineEventSchema,
	TimelineHeaderSchema,
	type TimelineEvent,
	type TimelineHeader,
} from './schema.ts';

/** The file cannot be read as a timeline; the message says why, for the responder. */
export class TimelineFileError extends Error {
	override name = 'TimelineFileError';
}

export interface ParsedTimeline {
	/** Absent only when the text holds no complete line at all (an empty file). */
	header?: TimelineHeader;
	/** The events that could be read, in file order. */
	events: TimelineEvent[];
	/** One sentence for each line that could not be read, naming its line number. */
	dropped: string[];
}

/** One line of the file, with its newline. */
export function timelineLine(item: TimelineHeader | TimelineEvent): string {
	return `${JSON.stringify(item)}\n`;
}

/** A header for a new file of `incident`. */
export function timelineHeader(incident: string, created: Date | string): TimelineHeader {
	return {
		format: TIMELINE_FORMAT,
		version: TIMELINE_VERSION,
		incident,
		created: typeof created === 'string' ? created : created.toISOString(),
	};
}

/** The whole file: the header line, then each event a line, in the order given. */
export function serializeTimeline(
	header: TimelineHeader,
	events: readonly TimelineEvent[],
): string {
	return [header, ...events].map(timelineLine).join('');
}

const clip = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}…` : text);

/**
 * What a zod issue means, in a few words (zod/mini carries no messages of its own): `should be
 * a string`, `is too long`.
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
	switch (issue.code) {
		case 'invalid_type':
			return `should be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
		case 'invalid_format':
			return 'is not in the expected form';
		case 'too_big':
			return issue.origin === 'number' ? 'is too large' : 'is too long';
		case 'too_small':
			return issue.origin === 'number' ? 'is too small' : 'is too short or empty';
		case 'invalid_value':
			return `should be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
		case 'invalid_union':
			return 'is none of the accepted forms';
		case 'unrecognized_keys':
			return `has unknown fields ${issue.keys.join(', ')}`;
		default:
			return issue.message;
	}
}

/** Says what is wrong with a parsed line that is not a valid event, in a few words. */
function eventProblem(value: unknown): string {
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		return 'it is not a JSON object';
	const kind = (value as { kind?: unknown }).kind;
	if (typeof kind !== 'string') return 'it has no "kind"';
	const result = TimelineEventSchema.safeParse(value);
	if (result.success) return '';
	const issue = result.error.issues[0]!;
	if (issue.code === 'invalid_union' && issue.path.join('.') === 'kind')
		return `"${clip(kind)}" is not a kind of event this version knows`;
	return `a "${clip(kind)}" event whose "${issue.path.join('.')}" ${describeIssue(issue)}`;
}

/**
 * Reads a timeline file. Throws `TimelineFileError` when the text is not an Opsbook timeline (no
 * header, another format) or one of a newer version; skips, and says so in `dropped`, each line
 * that is not a readable event of the file's incident — at the end of the file, typically the line
 * a crash cut off.
 */
export function parseTimeline(text: string): ParsedTimeline {
	const lines = text.split('\n');
	// The text after the last newline is a line only if something is there; without a newline
	// after it, it may have been cut off mid-write.
	const endsCleanly = text.endsWith('\n') || text === '';
	if (lines.at(-1) === '') lines.pop();
	const events: TimelineEvent[] = [];
	const dropped: string[] = [];
	let header: TimelineHeader | undefined;
	for (const [index, raw] of lines.entries()) {
		const number = index + 1;
		const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
		if (line.trim() === '') continue;
		const last = index === lines.length - 1;
		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch {
			if (last && !endsCleanly) {
				dropped.push(
					`Line ${number} was cut off (the file ends in the middle of it, as when a crash interrupts a write); its ${line.length} characters were dropped.`,
				);
			} else {
				dropped.push(`Line ${number} is not JSON; it was dropped.`);
			}
			continue;
		}
		if (!header) {
			header = readHeader(value, number);
			continue;
		}
		const problem = eventProblem(value);
		if (problem) {
			dropped.push(`Line ${number} was dropped: ${problem}.`);
			continue;
		}
		const event = TimelineEventSchema.parse(value);
		if (event.incident !== header.incident) {
			dropped.push(
				`Line ${number} was dropped: its event belongs to incident "${clip(event.incident)}", not to this file's "${header.incident}".`,
			);
			continue;
		}
		events.push(event);
	}
	if (!header && events.length === 0 && dropped.length === 0) return { events, dropped };
	if (!header) {
		// Only a cut-off first line: a file whose creation a crash interrupted.
		if (lines.length === 1 && !endsCleanly) return { events, dropped };
		throw new TimelineFileError(notATimeline);
	}
	return { header, events, dropped };
}

const notATimeline = `This is not an Opsbook timeline file: its first line should be the header {"format":"${TIMELINE_FORMAT}","version":${TIMELINE_VERSION},…}.`;

function readHeader(value: unknown, line: number): TimelineHeader {
	const format = (value as { format?: unknown } | null)?.format;
	if (format !== TIMELINE_FORMAT) throw new TimelineFileError(notATimeline);
	const version = (value as { version?: unknown }).version;
	if (typeof version === 'number' && version > TIMELINE_VERSION) {
		throw new TimelineFileError(
			`This timeline file is version ${version}, written by a newer Opsbook; this one reads version ${TIMELINE_VERSION} and would misread it. Update Opsbook to read it.`,
		);
	}
	const result = TimelineHeaderSchema.safeParse(value);
	if (!result.success) {
		const issue = result.error.issues[0]!;
		throw new TimelineFileError(
			`The timeline file's header (line ${line}) is malformed: its "${issue.path.join('.')}" ${describeIssue(issue)}.`,
		);
	}
	return result.data;
}
