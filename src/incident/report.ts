/**
 * The post-incident report, written from the record into the runbook's own template.
 *
 * ```md
 * # Post-Incident Report: [Brief Title]        →  # Post-Incident Report: API down
 * **Date**: YYYY-MM-DD                          →  **Date**: 2026-11-26
 * **Severity**: SEV-1 / SEV-2                   →  **Severity**: SEV-1 (was SEV-2)
 * **Duration**: HH:MM (from detection to …)     →  **Duration**: 02:41 (from detection to …)
 * **Author**: [Name]                            →  **Author**: Dana Reyes
 * ## Timeline (UTC)                                ## Timeline (UTC)
 * | Time | Event |                                | Time | Event |
 * |------|-------|                                |------|-------|
 * | HH:MM | Alert triggered / issue reported |  →  | 03:05 | Problem detected |  (one row per milestone)
 *                                                  ## Commands run                     (added)
 * ## Root Cause                                    ## Root Cause
 * [What caused the incident. …]                    [What caused the incident. …]      (kept)
 * ```
 *
 * Only what the record holds is filled in: the fields above, the timeline table (milestones,
 * severity changes, reminders, key notes, tree decisions, changes that exited 0, checks that
 * passed again after failing) and a "Commands run" section. What only a person knows (summary, root cause,
 * impact, action items, lessons) keeps the template's prompt, and the example rows of the
 * timeline table give way to the real ones. Times are UTC. The output is plain Markdown with GFM
 * tables, one line per event, and the same events always give the same bytes, so a report reads
 * as text and diffs in git.
 *
 * Browser-safe: no DOM, no node built-ins.
 */
import type { IncidentContent, ReportTemplate } from '../runbook/incident-content.ts';
import { formatMinutes } from './escalation.ts';
import { runDuration } from './duration.ts';
import type { EventOf } from './schema.ts';
import type { IncidentRun, IncidentState } from './timeline.ts';

export interface ReportOptions {
	/** Who writes the report, as they give their name; else the incident's responders. */
	author?: string | undefined;
	/** When the report is written: the duration of an incident still open runs to here. */
	now: Date;
}

/** Used when the site has no ```` ```md report-template ```` fence; the output's first line says so. */
export const MINIMAL_TEMPLATE = `# Post-Incident Report: [Brief Title]

**Date**: YYYY-MM-DD
**Severity**: SEV-n
**Duration**: HH:MM (from detection to resolution)
**Author**: [Name]

## Summary

[What happened and the user impact.]

## Timeline (UTC)

| Time | Event |
|------|-------|

## Root Cause

[What caused the incident.]
`;

const NO_TEMPLATE_NOTE =
	"<!-- The runbooks have no post-incident template (a ```md report-template fence), so this report uses Opsbook's minimal one. -->";

/** Longer commands than this are written out below the table, not in a cell. */
const MAX_INLINE_COMMAND = 160;

/** Fills the template (or {@link MINIMAL_TEMPLATE}) from the incident's record. */
export function renderReport(
	template: ReportTemplate | undefined,
	state: IncidentState,
	content: IncidentContent,
	opts: ReportOptions,
): string {
	const lines = (template?.markdown ?? MINIMAL_TEMPLATE).replace(/\r\n?/g, '\n').split('\n');
	const clock = makeClock(state, opts.now);
	const parsed = outline(lines);
	const out: string[] = [];

	const fields = fieldValues(state, opts);
	const filled = new Set<string>();
	let titled = false;

	const timeline = parsed.headings.find((h) => /timeline/i.test(h.text));
	const commands = parsed.headings.find((h) => /commands run/i.test(h.text));
	const timelineEnd = timeline ? sectionEnd(parsed.headings, timeline, lines.length) : -1;
	const commandsEnd = commands ? sectionEnd(parsed.headings, commands, lines.length) : -1;
	const table = timeline
		? findTable(lines, parsed.fenced, timeline.line + 1, timelineEnd)
		: undefined;
	const commandsSection = (level: number) => [
		`${'#'.repeat(level)} Commands run`,
		'',
		...commandsRun(state, clock),
		'',
	];

	for (let i = 0; i < lines.length; i++) {
		const line = lines[i]!;
		if (commands && i > commands.line && i < commandsEnd) continue;
		if (commands && i === commands.line) {
			out.push(line, '', ...commandsRun(state, clock), '');
			continue;
		}
		if (timeline && !commands && i === timelineEnd) {
			out.push(...commandsSection(Math.max(2, timeline.level)));
		}
		if (table && i === table.delimiter) {
			out.push(line, ...timelineRows(state, content, clock, table.columns));
			i = table.end - 1;
			continue;
		}
		if (timeline && !table && i === timeline.line) {
			out.push(
				line,
				'',
				'| Time | Event |',
				'|------|-------|',
				...timelineRows(state, content, clock, 2),
			);
			continue;
		}
		if (parsed.fenced.has(i)) {
			out.push(line);
			continue;
		}
		const heading = parsed.headings.find((h) => h.line === i);
		if (heading?.level === 1 && !titled) {
			titled = true;
			out.push(fillTitle(line, state.drill === undefined ? state.title : `DRILL: ${state.title}`));
			if (state.drill !== undefined) out.push('', drillNote(state.drill));
			continue;
		}
		const field = /^(\s*(?:[-*]\s+)?\*\*(Date|Severity|Duration|Author)(?:\*\*:|:\*\*))(.*)$/i.exec(
			line,
		);
		const name = field?.[2]!.toLowerCase();
		if (field && name && !filled.has(name) && !line.trimStart().startsWith('|')) {
			filled.add(name);
			const value = fields[name as keyof typeof fields](field[3]!.trim());
			// The template's fields stand on lines of their own, one paragraph in Markdown: each
			// but the last ends in a hard break (two spaces), or they render as one run-on line.
			const next = lines[i + 1]?.trim() ?? '';
			const breaks = !/^\s*[-*]\s/.test(line) && next !== '' && !/^[#|>`~]/.test(next);
			out.push(`${field[1]} ${value}${breaks ? '  ' : ''}`);
			continue;
		}
		out.push(line);
	}
	while (out.at(-1)?.trim() === '') out.pop();
	if (!timeline) {
		out.push(
			'',
			'## Timeline (UTC)',
			'',
			'| Time | Event |',
			'|------|-------|',
			...timelineRows(state, content, clock, 2),
		);
	}
	if (!commands && (!timeline || timelineEnd === lines.length)) {
		out.push('', ...commandsSection(Math.max(2, timeline?.level ?? 2)));
	}
	// A drill's report is never mistaken for a real incident's, even with no title to mark.
	if (state.drill !== undefined && !titled) out.unshift(drillNote(state.drill), '');
	if (!template) out.unshift(NO_TEMPLATE_NOTE);
	return `${out.join('\n').trimEnd()}\n`;
}

/** The line that says a report is a drill's, under its title. */
function drillNote(drill: string): string {
	return `> **DRILL**: a practice run of the scenario \`${drill.replaceAll('`', "'")}\`. Every command was answered from the scenario: nothing ran, nothing changed.`;
}

interface Heading {
	line: number;
	level: number;
	text: string;
}

/** The headings outside code fences, and which lines are inside a fence (fence lines included). */
function outline(lines: readonly string[]): { headings: Heading[]; fenced: Set<number> } {
	const headings: Heading[] = [];
	const fenced = new Set<number>();
	let fence: { char: string; length: number } | undefined;
	lines.forEach((line, i) => {
		const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line);
		if (fence) {
			fenced.add(i);
			if (
				marker &&
				marker[1]![0] === fence.char &&
				marker[1]!.length >= fence.length &&
				line.trim() === marker[1]
			) {
				fence = undefined;
			}
			return;
		}
		if (marker) {
			fence = { char: marker[1]![0]!, length: marker[1]!.length };
			fenced.add(i);
			return;
		}
		const heading = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
		if (heading) headings.push({ line: i, level: heading[1]!.length, text: heading[2]! });
	});
	return { headings, fenced };
}

/** The line after a heading's section: the next heading of the same level or above, or the end. */
function sectionEnd(headings: readonly Heading[], heading: Heading, end: number): number {
	return headings.find((h) => h.line > heading.line && h.level <= heading.level)?.line ?? end;
}

/** The first GFM table between two lines: its delimiter row, the line after its last row, its columns. */
function findTable(
	lines: readonly string[],
	fenced: ReadonlySet<number>,
	from: number,
	to: number,
): { delimiter: number; end: number; columns: number } | undefined {
	for (let i = from + 1; i < to; i++) {
		if (fenced.has(i) || !/^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(lines[i]!)) continue;
		if (!lines[i - 1]!.includes('|') || !lines[i]!.includes('|')) continue;
		let end = i + 1;
		while (end < to && lines[end]!.trim() !== '' && lines[end]!.includes('|')) end++;
		return { delimiter: i, end, columns: splitRow(lines[i - 1]!).length };
	}
	return undefined;
}

function splitRow(row: string): string[] {
	return row
		.trim()
		.replace(/^\|/, '')
		.replace(/(?<!\\)\|$/, '')
		.split(/(?<!\\)\|/);
}

function fillTitle(line: string, title: string): string {
	const text = inline(title);
	return /\[[^\]]*\]/.test(line)
		? line.replace(/\[[^\]]*\]/, () => text)
		: `${line.trimEnd()}: ${text}`;
}

/** What each field line gets, from the value the template wrote there. */
function fieldValues(state: IncidentState, opts: ReportOptions) {
	return {
		date: () => state.detectedAt.slice(0, 10),
		severity: () => {
			const before = state.severityHistory.slice(0, -1).map((s) => `SEV-${s.severity}`);
			return before.length === 0
				? `SEV-${state.severity}`
				: `SEV-${state.severity} (was ${before.join(', then ')})`;
		},
		duration: (written: string) => {
			const detected = Date.parse(state.detectedAt);
			if (state.open || !state.resolvedAt) {
				return `ongoing, ${hhmm(opts.now.getTime() - detected)} so far`;
			}
			const took = hhmm(Date.parse(state.resolvedAt) - detected);
			return written.includes('HH:MM') ? written.replace('HH:MM', took) : took;
		},
		author: (written: string) => {
			const author = opts.author ?? state.responders.join(', ');
			return author === '' ? written : inline(author);
		},
	};
}

/** A duration as hours and minutes, hours past 24 if need be: `02:41`, `27:05`. */
function hhmm(ms: number): string {
	const minutes = Math.max(0, Math.floor(ms / 60_000));
	return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Writes times as `HH:MM` UTC, with the date in front when the incident spans more than one day. */
function makeClock(state: IncidentState, now: Date): (at: string) => string {
	const times = [state.detectedAt, ...state.events.map((e) => e.at)];
	if (state.open) times.push(now.toISOString());
	const days = new Set(times.map((t) => new Date(t).toISOString().slice(0, 10)));
	return (at) => {
		const iso = new Date(at).toISOString();
		return days.size > 1 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
	};
}

/** The timeline table's rows, oldest first; extra columns of the template's table stay empty. */
function timelineRows(
	state: IncidentState,
	content: IncidentContent,
	clock: (at: string) => string,
	columns: number,
): string[] {
	const rows: Array<{ at: string; text: string }> = [];
	rows.push({ at: state.detectedAt, text: 'Problem detected' });
	const runs = new Map(state.runs.map((r) => [`${r.bridge}\u0000${r.run}`, r]));
	/** Per check and target: the runs since its last pass that did not pass. */
	const notPassing = new Map<string, Array<{ outcome: string; at: string }>>();
	const notes = new Map(state.notes.map((n) => [n.id, n]));
	for (const event of state.events) {
		switch (event.kind) {
			case 'declared':
				rows.push({ at: event.at, text: declaredText(event, state, content) });
				break;
			case 'severity':
				rows.push({
					at: event.at,
					text: `Severity changed from SEV-${event.previous} to SEV-${event.severity}${byWhom(event.by)}`,
				});
				break;
			case 'reminder':
				rows.push({ at: event.at, text: `Reminder: ${cell(event.text)}` });
				break;
			case 'note':
				if (notes.get(event.id)?.key) {
					rows.push({ at: event.at, text: `Note${byWhom(event.by)}: ${cell(event.text)}` });
				}
				break;
			case 'decision':
				rows.push({ at: event.at, text: decisionText(event) });
				break;
			case 'run-ended': {
				const run = runs.get(`${event.bridge}\u0000${event.run}`);
				const started = run?.started;
				if (!started) break;
				const name = `${cell(started.title)} (${code(started.block)}) on ${cell(started.target)}`;
				const passed = event.verdict
					? event.verdict.outcome === 'pass'
					: event.end === 'exited' && event.exitCode === 0;
				// A change that worked, not necessarily the fix: the row says what was run, the reader judges.
				if (started.risk !== 'read' && passed) {
					rows.push({
						at: event.at,
						text: `Applied: ${name} (${started.risk}, exit ${event.exitCode})`,
					});
				}
				if (started.check && event.verdict) {
					const key = `${started.block}\u0000${started.target}`;
					const before = notPassing.get(key) ?? [];
					if (event.verdict.outcome !== 'pass') {
						notPassing.set(key, [...before, { outcome: event.verdict.outcome, at: event.at }]);
					} else if (before.length > 0) {
						rows.push({
							at: event.at,
							text: `Check passes again: ${name} (${notPassingSince(before, clock)})`,
						});
						notPassing.delete(key);
					}
				}
				break;
			}
			case 'resolved':
				rows.push({ at: event.at, text: `Resolved${byWhom(event.by)}` });
				break;
			case 'reopened':
				rows.push({ at: event.at, text: `Reopened${byWhom(event.by)}` });
				break;
		}
	}
	// Stable: rows at the same time keep the timeline's order, detection before the declaration.
	rows.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
	const blanks = Array.from({ length: Math.max(0, columns - 2) }, () => ' ');
	return rows.map((row) => tableRow([clock(row.at), row.text, ...blanks]));
}

function declaredText(
	event: EventOf<'declared'>,
	state: IncidentState,
	content: IncidentContent,
): string {
	const level = state.severityHistory[0]!.severity;
	const tookMs = Date.parse(state.declaredAt) - Date.parse(state.detectedAt);
	const row = content.levels.find((l) => l.level === level);
	// The same measure as escalation.ts: `< 15 min` is missed at fifteen minutes on the dot.
	const target = row
		? ` (response target ${row.responseTime}, ${tookMs < row.responseMinutes * 60_000 ? 'met' : 'missed'})`
		: '';
	const took = formatMinutes(Math.max(0, Math.floor(tookMs / 60_000)));
	const by = state.declaredBy ? ` by ${state.declaredBy}` : '';
	const responders =
		event.responders.length > 0 ? `; responding: ${event.responders.join(', ')}` : '';
	return cell(
		`Incident declared as SEV-${level}${by}, ${took} after detection${target}${responders}`,
	);
}

function decisionText(event: EventOf<'decision'>): string {
	const verdicts = (event.verdicts ?? []).map(
		(v) => `${code(v.block)}: ${v.outcome}, ${cell(v.reason)}`,
	);
	const how =
		event.how === 'hand'
			? `answered by hand${byWhom(event.by)}`
			: `by its checks${verdicts.length > 0 ? ` (${verdicts.join('; ')})` : ''}`;
	return `Tree step "${cell(event.stepTitle)}" (page ${cell(event.page)}): ${cell(event.outcome)}, ${how}`;
}

/** ` by Dana Reyes`, escaped for a cell. */
function byWhom(by: string | undefined): string {
	return by ? ` by ${cell(by)}` : '';
}

/**
 * What a check did before it passed again: `failed at 03:14`, `failed 2 times and warned once from
 * 03:14` — failures and warnings counted apart, as a reader of the report would tell them.
 */
function notPassingSince(
	before: ReadonlyArray<{ outcome: string; at: string }>,
	clock: (at: string) => string,
): string {
	const count = (n: number) => (n === 1 ? 'once' : `${n} times`);
	const failed = before.filter((b) => b.outcome === 'fail').length;
	const warned = before.length - failed;
	const first = before[0]!;
	if (before.length === 1) return `${failed ? 'failed' : 'warned'} at ${clock(first.at)}`;
	const what = [failed && `failed ${count(failed)}`, warned && `warned ${count(warned)}`]
		.filter(Boolean)
		.join(' and ');
	return `${what} from ${clock(first.at)}`;
}

/** A table row; an empty cell is written `| |`, not `|  |`. */
function tableRow(cells: readonly string[]): string {
	return `| ${cells.join(' | ')} |`.replace(/ {2,}\|/g, ' |');
}

/** The "Commands run" section's body: a table of every run, then the commands too long for a cell. */
function commandsRun(state: IncidentState, clock: (at: string) => string): string[] {
	if (state.runs.length === 0)
		return ['No commands were run through Opsbook during this incident.'];
	const rows = [
		// What happened first (exit, verdict), then the command, which is the widest cell.
		'| Started (UTC) | Block | Target | Exit | Verdict | Took | Command | Notes |',
		'|---------------|-------|--------|------|---------|------|---------|-------|',
	];
	const long: string[] = [];
	for (const run of state.runs) {
		const { started, ended } = run;
		const command = started?.command;
		let commandCell = '—';
		if (command !== undefined) {
			if (
				command.includes('\n') ||
				command.includes('\\|') ||
				command.length > MAX_INLINE_COMMAND
			) {
				long.push(
					`${clock(run.at)} \`${run.block}\`${started ? ` on ${started.target}` : ''}:`,
					'',
					fence(command),
					'',
				);
				commandCell = '(see below)';
			} else commandCell = code(command);
		}
		const block = started ? `${cell(started.title)} (${code(run.block)})` : code(run.block);
		const target = started
			? cell(
					started.blockTarget
						? `${started.target} (not its own target ${started.blockTarget})`
						: started.target,
				)
			: '—';
		rows.push(
			tableRow([
				clock(run.at),
				block,
				target,
				exitCell(ended),
				verdictCell(ended),
				took(ended),
				commandCell,
				cell(notes(run)),
			]),
		);
	}
	return long.length === 0
		? rows
		: [...rows, '', 'The longer commands in full:', '', ...long.slice(0, -1)];
}

function exitCell(ended: EventOf<'run-ended'> | undefined): string {
	if (ended?.exitCode !== undefined) return String(ended.exitCode);
	if (ended?.signal) return cell(ended.signal);
	return '—';
}

function took(ended: EventOf<'run-ended'> | undefined): string {
	return ended ? runDuration(ended.durationMs) : '—';
}

function verdictCell(ended: EventOf<'run-ended'> | undefined): string {
	return ended?.verdict ? cell(`${ended.verdict.outcome}: ${ended.verdict.reason}`) : '—';
}

function notes(run: IncidentRun): string {
	const said: string[] = [];
	const { started, ended } = run;
	if (!started) said.push('start not in the record');
	if (!ended) said.push('no end recorded');
	else if (ended.end === 'stopped') said.push('stopped before it finished');
	else if (ended.end === 'timeout') said.push('timed out');
	else if (ended.end === 'failed')
		said.push(`did not start${ended.message ? `: ${ended.message}` : ''}`);
	if (started?.override) {
		said.push(
			`run anyway (needs ${started.override.unmet.join(', ')} not passed): ${started.override.reason}`,
		);
	}
	return said.join('; ');
}

/** Plain text in a table cell: on one line, with pipes, backticks and backslashes escaped. */
export function cell(text: string): string {
	return text
		.replace(/\s+/g, ' ')
		.trim()
		.replace(/[\\`|]/g, '\\$&');
}

/** Plain text outside a table: on one line, backticks escaped. */
function inline(text: string): string {
	return text.replace(/\s+/g, ' ').trim().replace(/[\\`]/g, '\\$&');
}

/**
 * A one-line command in a table cell as code: fenced by more backticks than it holds in a row,
 * pipes escaped (GFM reads `\|` in a cell as a pipe, even in code; a command that has `\|` of
 * its own cannot be written in a cell, and goes below the table instead).
 */
export function code(text: string): string {
	const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
	const ticks = '`'.repeat(longest + 1);
	const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
	return `${ticks}${pad}${text.replaceAll('|', '\\|')}${pad}${ticks}`;
}

/** A command as a fenced block, fenced by more backticks than any run of them in it. */
function fence(text: string): string {
	const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
	const ticks = '`'.repeat(longest + 1);
	return `${ticks}sh\n${text}\n${ticks}`;
}
