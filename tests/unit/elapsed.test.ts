import assert from 'node:assert/strict';
import { test } from 'node:test';
import { elapsed, elapsedShort } from '../../src/client/incident/common.ts';

const MIN = 60_000;

test("the header chip's clock says its units, minutes to days", () => {
	assert.equal(elapsedShort(0), '0m');
	assert.equal(elapsedShort(11 * MIN + 59_000), '11m');
	assert.equal(elapsedShort(64 * MIN), '1h04m');
	assert.equal(elapsedShort((27 * 60 + 5) * MIN), '1d03h');
	// A clock a little ahead of the detection time reads 0, not a negative time.
	assert.equal(elapsedShort(-5000), '0m');
});

test('the bar says the same time in words', () => {
	assert.equal(elapsed(64 * MIN), '1 h 04 min');
});
