/**
 * Checks and their verdicts: what a responder reads when a check's run ends, computed in one
 * place for the page, the Runs panel, the audit log and (later) the CLI.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge, OutputMatcher, plainText } from '../../src/runbook/verdict.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const matches = (pattern: string, ...chunks: string[]) => {
	const matcher = new OutputMatcher(pattern);
	for (const chunk of chunks) matcher.push(bytes(chunk));
	return matcher.end();
};

describe('the verdict of a check', () => {
	it('judges the exit code alone', () => {
		assert.deepEqual(judge({ exitCode: 0 }, { end: 'exited', exitCode: 0 }), {
			outcome: 'pass',
			reason: 'exit 0',
		});
		assert.deepEqual(judge({ exitCode: 0 }, { end: 'exited', exitCode: 1 }), {
			outcome: 'fail',
			reason: 'exit 1, expected 0',
		});
	});

	it('judges the output alone, whatever the exit code', () => {
		const expect = { output: 'accepting connections' };
		assert.deepEqual(judge(expect, { end: 'exited', exitCode: 0, matched: false }), {
			outcome: 'fail',
			reason: 'no line matched `accepting connections`',
		});
		assert.equal(judge(expect, { end: 'exited', exitCode: 3, matched: true }).outcome, 'pass');
	});

	it('needs both when both are given, and says every reason', () => {
		const expect = { exitCode: 0, output: 'PONG' };
		assert.deepEqual(judge(expect, { end: 'exited', exitCode: 1, matched: false }), {
			outcome: 'fail',
			reason: 'exit 1, expected 0; no line matched `PONG`',
		});
		assert.equal(judge(expect, { end: 'exited', exitCode: 0, matched: true }).outcome, 'pass');
	});

	it('warns on the exit code the author calls a warning, and fails on any other', () => {
		const expect = { exitCode: 0, warnExitCode: 2 };
		assert.deepEqual(judge(expect, { end: 'exited', exitCode: 2 }), {
			outcome: 'warn',
			reason: 'exit 2, a warning',
		});
		assert.equal(judge(expect, { end: 'exited', exitCode: 3 }).outcome, 'fail');
		// A warning does not cover a missing line.
		const both = { ...expect, output: 'ok' };
		assert.equal(judge(both, { end: 'exited', exitCode: 2, matched: false }).outcome, 'fail');
	});

	it('fails a run that was stopped, timed out, never ran or was killed', () => {
		const expect = { exitCode: 0 };
		assert.deepEqual(judge(expect, { end: 'stopped', exitCode: 0 }), {
			outcome: 'fail',
			reason: 'stopped before it finished',
		});
		assert.deepEqual(judge(expect, { end: 'timeout', timeoutMs: 120_000 }), {
			outcome: 'fail',
			reason: 'did not finish within its timeout (2 min)',
		});
		assert.deepEqual(judge(expect, { end: 'failed' }), { outcome: 'fail', reason: 'never ran' });
		assert.deepEqual(judge(expect, { end: 'exited', signal: 'SIGKILL' }), {
			outcome: 'fail',
			reason: 'ended by SIGKILL',
		});
	});
});

describe('matching output as it streams', () => {
	it('reads the text a responder sees, without colours or carriage returns', () => {
		assert.equal(plainText('\x1b[1;32maccepting\x1b[0m connections\r'), 'accepting connections');
		assert.equal(
			matches('^accepting connections$', '\x1b[32maccepting connections\x1b[0m\r\n'),
			true,
		);
		assert.equal(plainText('\x1b]0;title\x07text'), 'text');
	});

	it('matches a line split across chunks, and a multi-byte character split too', () => {
		assert.equal(matches('^PONG$', 'PO', 'NG\n'), true);
		const euro = bytes('€ 5\n');
		const matcher = new OutputMatcher('^€ 5$');
		matcher.push(euro.subarray(0, 2));
		matcher.push(euro.subarray(2));
		assert.equal(matcher.end(), true);
	});

	it('matches line by line, not across lines', () => {
		assert.equal(matches('a.b', 'a\nb\n'), false);
		assert.equal(matches('^up$', 'down\nup\nout\n'), true);
	});

	it('counts the last line even without its newline', () => {
		assert.equal(matches('^all targets up$', 'all targets up'), true);
	});

	it('judges all of a long output, well past what the ring buffer keeps', () => {
		const matcher = new OutputMatcher('^FIRST$');
		matcher.push(bytes('FIRST\n'));
		for (let i = 0; i < 100; i++) matcher.push(bytes(`${'x'.repeat(64 * 1024)}\n`));
		assert.equal(matcher.end(), true);
		const late = new OutputMatcher('^LAST$');
		for (let i = 0; i < 100; i++) late.push(bytes(`${'x'.repeat(64 * 1024)}\n`));
		late.push(bytes('LAST\n'));
		assert.equal(late.end(), true);
	});

	it('keeps no more than a bounded tail of a line that never ends', () => {
		const matcher = new OutputMatcher('needle');
		for (let i = 0; i < 64; i++) matcher.push(bytes('y'.repeat(16 * 1024)));
		matcher.push(bytes('needle'));
		assert.equal(matcher.end(), true);
	});
});
