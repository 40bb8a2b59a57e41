/**
 * Checks and their verdicts: a block with an expected result (`expect-exit`, `expect-output`,
 * `expect-warn-exit`) is a check, and each of its runs ends in a verdict, with the reason a
 * responder reads:
 *
 * ```text
 * pass   exit 0
 * fail   exit 1, expected 0
 * fail   no line matched `accepting connections`
 * warn   exit 2, a warning
 * fail   stopped before it finished
 * ```
 *
 * The verdict is computed here and nowhere else. The bridge feeds a run's output through an
 * {@link OutputMatcher} as it streams, so a check is judged on all of its output, however much of
 * it the ring buffer has let go, with the terminal's escape sequences taken out; the verdict then
 * travels with the run to the page, the Runs panel and the audit log.
 *
 * Browser-safe: no imports.
 */

/** What a good run looks like: the `expect` of a command block. */
export interface Expectation {
	/** The exit code of a good run. */
	exitCode?: number | undefined;
	/** A regular expression that some line of a good run's output matches. */
	output?: string | undefined;
	/** An exit code that means "works, but look": the verdict is `warn`, not `fail`. */
	warnExitCode?: number | undefined;
}

export const OUTCOMES = ['pass', 'warn', 'fail'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A verdict in words, as the page, the Runs panel and the timeline say it. */
export const CHECK_WORDS: Readonly<Record<Outcome, string>> = {
	pass: 'check passed',
	warn: 'check warns',
	fail: 'check failed',
};

export interface Verdict {
	outcome: Outcome;
	/** Why, in a few words: `exit 1, expected 0`, `no line matched \`PONG\``. */
	reason: string;
}

/** How a run ended, as far as a verdict cares. */
export interface RunEnding {
	end: 'exited' | 'stopped' | 'timeout' | 'failed';
	exitCode?: number | undefined;
	signal?: string | undefined;
	/** Whether a line of output matched `expect.output` (from an {@link OutputMatcher}). */
	matched?: boolean;
	/** The run's timeout, for the reason of a run that hit it. */
	timeoutMs?: number;
}

/** Whether a block is a check: it says what a good run looks like. */
export function isCheck(expect: Expectation | undefined): expect is Expectation {
	return expect !== undefined && (expect.exitCode !== undefined || expect.output !== undefined);
}

/** The verdict of a run of a check. */
export function judge(expect: Expectation, run: RunEnding): Verdict {
	if (run.end === 'stopped') return { outcome: 'fail', reason: 'stopped before it finished' };
	if (run.end === 'timeout') {
		const limit = run.timeoutMs === undefined ? '' : ` (${formatSeconds(run.timeoutMs)})`;
		return { outcome: 'fail', reason: `did not finish within its timeout${limit}` };
	}
	if (run.end === 'failed') return { outcome: 'fail', reason: 'never ran' };
	if (run.exitCode === undefined) {
		return { outcome: 'fail', reason: run.signal ? `ended by ${run.signal}` : 'no exit code' };
	}
	const code = run.exitCode;
	const reasons: string[] = [];
	let outcome: Outcome = 'pass';
	if (expect.exitCode !== undefined && code !== expect.exitCode) {
		if (code === expect.warnExitCode) {
			outcome = 'warn';
			reasons.push(`exit ${code}, a warning`);
		} else {
			outcome = 'fail';
			reasons.push(`exit ${code}, expected ${expect.exitCode}`);
		}
	}
	if (expect.output !== undefined && !run.matched) {
		outcome = 'fail';
		reasons.push(`no line matched \`${expect.output}\``);
	}
	if (reasons.length === 0) {
		reasons.push(
			expect.output !== undefined ? `a line matched \`${expect.output}\`` : `exit ${code}`,
		);
	}
	return { outcome, reason: reasons.join('; ') };
}

function formatSeconds(ms: number): string {
	return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/**
 * Terminal escape sequences: CSI (colours, cursor moves), OSC (titles, links) ended by BEL or ST,
 * and the two-byte escapes. What is left is the text a responder reads.
 */
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Takes terminal escape sequences and carriage returns out of one line of output. */
export function plainText(line: string): string {
	return line.replace(ESCAPES, '').replaceAll('\r', '');
}

/** The longest unfinished line kept waiting for its end: enough for any line worth matching. */
const MAX_LINE = 64 * 1024;

/**
 * Tests a run's output, line by line as it streams, against `expect.output`. Output is judged
 * whole however long it is: only the unfinished last line is held, and at most `MAX_LINE` of it.
 */
export class OutputMatcher {
	readonly #pattern: RegExp;
	readonly #decoder = new TextDecoder();
	#line = '';
	matched = false;

	constructor(pattern: string) {
		this.#pattern = new RegExp(pattern);
	}

	push(chunk: Uint8Array) {
		if (this.matched) return;
		const text = this.#line + this.#decoder.decode(chunk, { stream: true });
		const lines = text.split('\n');
		this.#line = lines.pop() ?? '';
		for (const line of lines) {
			if (this.#pattern.test(plainText(line))) {
				this.matched = true;
				this.#line = '';
				return;
			}
		}
		// A line with no end in sight (a flood without newlines): judge what there is, keep its tail.
		if (this.#line.length > MAX_LINE) {
			if (this.#pattern.test(plainText(this.#line))) this.matched = true;
			this.#line = this.#line.slice(-MAX_LINE / 2);
		}
	}

	/** The output has ended: the last line counts even without its newline. */
	end(): boolean {
		if (!this.matched) {
			const last = this.#line + this.#decoder.decode();
			if (last !== '' && this.#pattern.test(plainText(last))) this.matched = true;
		}
		this.#line = '';
		return this.matched;
	}
}
