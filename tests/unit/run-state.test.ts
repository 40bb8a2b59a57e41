import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunInfo } from '../../src/protocol.ts';
import { summarize } from '../../src/client/run-state.ts';

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
