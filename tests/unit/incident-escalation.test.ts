/**
 * Escalation read from the severity page, on an injected clock: the SEV-2 rule fires two hours
 * after detection and not a millisecond before, not once resolved, once however often it is asked,
 * and a late declaration is noted against the response time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueReminders, escalationStatus, formatMinutes } from '../../src/incident/escalation.ts';
import type { TimelineEvent } from '../../src/incident/schema.ts';
import { foldIncident } from '../../src/incident/timeline.ts';
import { orionContent } from './fixtures/incident/content.ts';
import {
	after,
	declared,
	DETECTED,
	event,
	INCIDENT,
	recordedTimeline,
} from './fixtures/incident/events.ts';

const fold = (...events: TimelineEvent[]) => foldIncident(events)!;
const at = (minutes: number) => new Date(after(minutes));
const TWO_HOURS = Date.parse(DETECTED) + 120 * 60_000;
const RULE_ID = `reminder:${INCIDENT}:sev2-to-sev1-after-120m`;

describe('the SEV-2 rule: not resolved within 2 hours, escalate to SEV-1', () => {
	const open = fold(declared());

	it('fires at exactly detection + 2 hours, not before', () => {
		assert.deepEqual(dueReminders(open, orionContent, new Date(TWO_HOURS - 1)), []);
		assert.deepEqual(dueReminders(open, orionContent, new Date(TWO_HOURS)), [
			{
				id: RULE_ID,
				incident: INCIDENT,
				at: '2026-11-26T05:05:00.000Z',
				kind: 'reminder',
				rule: 'sev2-to-sev1-after-120m',
				text: 'If a SEV-2 is not resolved within 2 hours, escalate to SEV-1. (still open 2 h after detection)',
			},
		]);
	});

	it('is timed when the rule applied, not when it was asked, so every bridge makes the same event', () => {
		const early = dueReminders(open, orionContent, new Date(TWO_HOURS));
		const late = dueReminders(open, orionContent, at(300));
		assert.deepEqual(late, early);
	});

	it('fires once: a timeline that has it gets no second one', () => {
		const [reminder] = dueReminders(open, orionContent, at(121));
		assert.deepEqual(dueReminders(fold(declared(), reminder!), orionContent, at(400)), []);
	});

	it('does not fire for an incident resolved in time, and waits for a reopened one', () => {
		const resolved = [declared(), event('resolved', { at: after(100) })];
		assert.deepEqual(dueReminders(fold(...resolved), orionContent, at(180)), []);
		const reopened = fold(...resolved, event('reopened', { at: after(150) }));
		assert.deepEqual(
			dueReminders(reopened, orionContent, at(180)).map((r) => [r.id, r.at]),
			[[RULE_ID, after(150)]],
		);
	});

	it('catches up on a rule that applied while no timer ran (a stopped bridge)', () => {
		const state = fold(declared(), event('resolved', { at: after(150) }));
		assert.deepEqual(
			dueReminders(state, orionContent, at(200)).map((r) => r.at),
			['2026-11-26T05:05:00.000Z'],
		);
	});

	it('does not fire at another level', () => {
		assert.deepEqual(dueReminders(fold(declared({ severity: 1 })), orionContent, at(300)), []);
		const escalated = fold(
			declared(),
			event('severity', { at: after(90), severity: 1, previous: 2 }),
		);
		assert.deepEqual(dueReminders(escalated, orionContent, at(300)), []);
	});

	it('counts from detection after a change to SEV-2, so it can apply at the change', () => {
		const raised = fold(
			declared({ severity: 3 }),
			event('severity', { at: after(180), severity: 2, previous: 3 }),
		);
		assert.deepEqual(dueReminders(raised, orionContent, at(179)), []);
		assert.deepEqual(
			dueReminders(raised, orionContent, at(181)).map((r) => r.at),
			[after(180)],
		);
	});

	it('made the reminder of the recorded timeline', () => {
		const recorded = recordedTimeline();
		const reminder = recorded.find((e) => e.kind === 'reminder')!;
		const before = fold(...recorded.filter((e) => Date.parse(e.at) < Date.parse(reminder.at)));
		assert.deepEqual(dueReminders(before, orionContent, new Date(reminder.at)), [reminder]);
	});
});

describe('the response time: detection to declaration', () => {
	it('notes a late declaration against the declared level, timed at the declaration', () => {
		const late = fold(declared({ severity: 1, at: after(22) }));
		assert.deepEqual(dueReminders(late, orionContent, at(23)), [
			{
				id: `reminder:${INCIDENT}:response-sev1`,
				incident: INCIDENT,
				at: after(22),
				kind: 'reminder',
				rule: 'response-sev1',
				text: 'Response target for SEV-1 is < 15 min; declared 22 min after detection',
			},
		]);
		assert.equal(escalationStatus(late, orionContent, at(23)).response?.met, false);
	});

	it('is met under the target, and missed on it', () => {
		assert.deepEqual(
			dueReminders(fold(declared({ severity: 1, at: after(14.99) })), orionContent, at(20)),
			[],
		);
		assert.equal(
			dueReminders(fold(declared({ severity: 1, at: after(15) })), orionContent, at(20)).length,
			1,
		);
	});
});

describe('what the incident bar shows', () => {
	it('the level’s response target, the time since detection, and the next rule to apply', () => {
		const status = escalationStatus(fold(declared()), orionContent, at(30));
		assert.equal(status.level?.responseTime, '< 1 hour');
		assert.equal(status.elapsedMs, 30 * 60_000);
		assert.deepEqual(status.response, {
			level: 2,
			target: '< 1 hour',
			targetMinutes: 60,
			tookMinutes: 7,
			met: true,
		});
		assert.deepEqual(status.due, []);
		assert.equal(status.next?.rule.to, 1);
		assert.equal(status.next?.at, '2026-11-26T05:05:00.000Z');
		assert.deepEqual(status.hints, []);
	});

	it('the rule that applies now, with the level to escalate to', () => {
		const status = escalationStatus(fold(declared()), orionContent, at(125));
		assert.deepEqual(
			status.due.map((d) => [d.rule.from, d.rule.to, d.at]),
			[[2, 1, '2026-11-26T05:05:00.000Z']],
		);
		assert.equal(status.next, undefined);
	});

	it('the judgement rules of the current level as standing hints', () => {
		const status = escalationStatus(fold(declared({ severity: 3 })), orionContent, at(30));
		assert.deepEqual(
			status.hints.map((h) => h.text),
			['If a SEV-3 trends toward impacting users, escalate to SEV-2.'],
		);
		assert.equal(status.next, undefined);
	});

	it('nothing to do once resolved, and the time to the resolution', () => {
		const status = escalationStatus(
			fold(declared({ severity: 3 }), event('resolved', { at: after(200) })),
			orionContent,
			at(500),
		);
		assert.equal(status.elapsedMs, 200 * 60_000);
		assert.deepEqual([status.due, status.hints, status.next], [[], [], undefined]);
	});

	it('a level the table does not have: no target, no rules', () => {
		const status = escalationStatus(fold(declared({ severity: 4 })), orionContent, at(300));
		assert.deepEqual([status.level, status.response, status.due], [undefined, undefined, []]);
	});
});

describe('durations in words', () => {
	it('reads as minutes and hours', () => {
		assert.deepEqual([5, 60, 90, 125, 1500].map(formatMinutes), [
			'5 min',
			'1 h',
			'1 h 30 min',
			'2 h 5 min',
			'25 h',
		]);
	});
});
