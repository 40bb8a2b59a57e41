/**
 * How a run reads, in a block's terminal panel and in the Runs panel alike: one word for where it
 * stands, its exit code, how long it took.
 */
import type { RunInfo } from '../protocol.ts';
import { runDuration } from '../incident/duration.ts';
import { CHECK_WORDS } from '../runbook/verdict.ts';

/** How the page colours a run, besides the word that says it. */
export type Outcome = 'running' | 'ok' | 'failed' | 'stopped' | 'warn';

export interface RunSummary {
	/** running, done, failed, stopped, timed out, failed to start; a check's passed, warning, failed */
	state: string;
	outcome: Outcome;
	/** `exit 3`, when the command exited. */
	exit?: string;
	signal?: string;
	/** A check's verdict in words: `check passed: exit 0`, `check failed: no line matched …`. */
	verdict?: string;
}

const VERDICT_OUTCOMES = { pass: 'ok', warn: 'warn', fail: 'failed' } as const;
/** A check's word for a run that ran to its end: the verdict's, not the exit code's. */
const VERDICT_STATES = { pass: 'passed', warn: 'warning', fail: 'failed' } as const;

/**
 * How a run reads. A check's verdict decides its word and colour, so a command that exited 0 but
 * printed no line the check looks for reads as failed, and one whose exit 2 means a warning reads
 * as a warning, not as failed. A run stopped, timed out or that failed to start says so.
 */
export function summarize(run: RunInfo): RunSummary {
	const summary = summarizeProcess(run);
	if (!run.verdict) return summary;
	const ended = run.state === 'exited' && (run.end === undefined || run.end === 'exited');
	return {
		...summary,
		...(ended ? { state: VERDICT_STATES[run.verdict.outcome] } : {}),
		outcome: VERDICT_OUTCOMES[run.verdict.outcome],
		verdict: `${CHECK_WORDS[run.verdict.outcome]}: ${run.verdict.reason}`,
	};
}

/** How the process ended: one word, its exit code and signal. */
function summarizeProcess(run: RunInfo): RunSummary {
	if (run.state !== 'exited')
		return { state: run.state === 'starting' ? 'starting…' : 'running', outcome: 'running' };
	const exit = run.exitCode === undefined ? undefined : `exit ${run.exitCode}`;
	const signal = run.signal;
	switch (run.end) {
		case 'stopped':
			return { state: 'stopped', outcome: 'stopped', exit, signal };
		case 'timeout':
			return { state: 'timed out', outcome: 'failed', exit, signal };
		case 'failed':
			return { state: 'failed to start', outcome: 'failed', exit, signal };
		default:
			return run.exitCode === 0
				? { state: 'done', outcome: 'ok', exit, signal }
				: { state: 'failed', outcome: 'failed', exit, signal };
	}
}

/** How long the run took, or has been running. */
export function duration(run: RunInfo, now = Date.now()): string {
	return runDuration(run.durationMs ?? Math.max(0, now - run.startedAt));
}

/** The address of the block a run comes from: `runbooks/database` → `/runbooks/database/#cmd-…`. */
export function blockHref(run: RunInfo): string {
	const base = import.meta.env.BASE_URL.replace(/\/?$/, '/');
	const page =
		run.blockPage === 'index' || run.blockPage === ''
			? ''
			: `${run.blockPage.replace(/^\/|\/$/g, '')}/`;
	return `${base}${page}#cmd-${encodeURIComponent(run.block)}`;
}
