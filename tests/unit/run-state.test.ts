import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunInfo } from '../../src/protocol.ts';
import { duration, summarize } from '../../src/client/run-state.ts';
import { runDuration } from '../../src/incident/duration.ts';

/** A run of a block that ended as `end` says, exiting with `exitCode`. */
function run(fields: Partial<RunInfo>): RunInfo {
	return {
		id: 'r1',
		block: 'b.check',
		blockPage: 'index',
		target: 'local',
		state: 'exited',
		end: 'exited',
		startedAt: 0,
		durationMs: 40,
		outputBytes: 0,
		...fields,
	} as RunInfo;
}

test('a check reads as its verdict says, not as its exit code', () => {
	const warned = summarize(
		run({ exitCode: 2, verdict: { outcome: 'warn', reason: 'exit 2 means a warning' } }),
	);
	assert.equal(warned.state, 'warning');
	assert.equal(warned.outcome, 'warn');
	assert.equal(warned.exit, 'exit 2');
	assert.equal(warned.verdict, 'check warns: exit 2 means a warning');

	const failed = summarize(
		run({ exitCode: 0, verdict: { outcome: 'fail', reason: 'no line matched /ok/' } }),
	);
	assert.equal(failed.state, 'failed');
	assert.equal(failed.outcome, 'failed');

	const passed = summarize(run({ exitCode: 0, verdict: { outcome: 'pass', reason: 'exit 0' } }));
	assert.equal(passed.state, 'passed');
	assert.equal(passed.outcome, 'ok');
});

test('a check stopped or timed out says so, whatever its verdict', () => {
	const verdict = { outcome: 'fail', reason: 'stopped' } as const;
	assert.equal(summarize(run({ end: 'stopped', signal: 'SIGINT', verdict })).state, 'stopped');
	assert.equal(summarize(run({ end: 'timeout', verdict })).state, 'timed out');
});

test('a step with no check reads by its exit code', () => {
	assert.equal(summarize(run({ exitCode: 0 })).state, 'done');
	assert.equal(summarize(run({ exitCode: 1 })).state, 'failed');
	assert.equal(summarize(run({ state: 'running', end: undefined })).state, 'running');
});

test('a run took the same time in every view: ms, s, min, h', () => {
	assert.equal(runDuration(35), '35 ms');
	assert.equal(runDuration(999.7), '1.0 s');
	assert.equal(runDuration(Number.NaN), '—');
	assert.equal(runDuration(1249), '1.2 s');
	assert.equal(runDuration(9940), '9.9 s');
	assert.equal(runDuration(9999), '10 s');
	assert.equal(runDuration(12_700), '13 s');
	assert.equal(runDuration(59_400), '59 s');
	assert.equal(runDuration(59_999), '1 min 0 s');
	assert.equal(runDuration(125_000), '2 min 5 s');
	assert.equal(runDuration(3_780_000), '1 h 3 min');
	assert.equal(runDuration(7_200_000), '2 h');
	// The bar and the Runs panel count a running run up from its start.
	assert.equal(
		duration(run({ state: 'running', end: undefined, durationMs: undefined, startedAt: 0 }), 1500),
		'1.5 s',
	);
});
