/**
 * Which runs may answer a step of a decision tree on the page (`runCounts`): a check run on its
 * own target, real outside a drill and simulated inside one; never a read step run on another
 * machine by choice, which says nothing about its own target (the same rule as gates).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCounts } from '../../src/client/decision-state.ts';
import { gateResult } from '../../src/runbook/gates.ts';

describe('runs that answer a tree step', () => {
	it('a real run on its own target answers outside a drill; a drill’s simulated run does not', () => {
		assert.equal(runCounts({}), true);
		assert.equal(runCounts({ simulated: true }), false);
	});

	it('a read step run on this machine instead of its target answers nothing, as for gates', () => {
		const elsewhere = {
			block: 'diagnosis.health-local',
			state: 'exited' as const,
			end: 'exited' as const,
			exitCode: 0,
			blockTarget: 'orion',
		};
		assert.equal(runCounts(elsewhere), false);
		assert.equal(gateResult(elsewhere), undefined);
	});
});
