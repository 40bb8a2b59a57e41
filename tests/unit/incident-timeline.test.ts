/**
 * The incident timeline: two responders' timelines merge into one, and the merged events fold
 * into the incident the bar, the timeline page and the report read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventIdSchema, IncidentIdSchema } from '../../src/incident/schema.ts';
import {
	foldIncident,
	mergeEvents,
	newEventId,
	newIncidentId,
} from '../../src/incident/timeline.ts';
import { after, DECLARED, declared, event, INCIDENT } from './fixtures/incident/events.ts';

const ids = (events: { id: string }[]) => events.map((e) => e.id);

describe('merging timelines', () => {
	const mine = [
		declared(),
		event('note', { id: 'n-1', at: after(10), text: 'Disk full on prodbox', by: 'Dana Reyes' }),
		event('note', { id: 'n-3', at: after(30), text: 'Cleared /var/log', by: 'Dana Reyes' }),
	];
	const theirs = [
		declared(),
		event('note', { id: 'n-2', at: after(20), text: 'Seeing 502s from Berlin', by: 'Sam Okafor' }),
		event('note', {
			id: 'n-3',
			at: after(30),
			text: 'Cleared /var/log (their copy)',
			by: 'Dana Reyes',
		}),
		event('note', { id: 'n-0', at: after(1), text: 'Paged by Grafana', by: 'Sam Okafor' }),
	];

	it('keeps each event once, ordered by time', () => {
		assert.deepEqual(ids(mergeEvents(mine, theirs)), ['n-0', 'ev-declared', 'n-1', 'n-2', 'n-3']);
	});

	it('keeps the first copy of an event seen twice', () => {
		assert.equal(
			mergeEvents(mine, theirs).find((e) => e.id === 'n-3'),
			mine[2],
		);
		assert.equal(
			mergeEvents(theirs, mine).find((e) => e.id === 'n-3'),
			theirs[2],
		);
	});

	it('orders events at the same time by id, whatever the order of the lists', () => {
		const at = after(40);
		const a = event('note', { id: 'b-note', at, text: 'one' });
		const b = event('note', { id: 'a-note', at: at.replace('.000Z', 'Z'), text: 'two' });
		assert.deepEqual(ids(mergeEvents([a], [b])), ['a-note', 'b-note']);
		assert.deepEqual(ids(mergeEvents([b, a])), ['a-note', 'b-note']);
	});

	it('reads times as times, not as text', () => {
		const early = event('note', {
			id: 'z',
			at: '2026-11-26T03:20:00.5Z',
			text: 'half a second in',
		});
		const late = event('note', {
			id: 'a',
			at: '2026-11-26T03:20:00.999Z',
			text: 'nearly a second in',
		});
		assert.deepEqual(ids(mergeEvents([late, early])), ['z', 'a']);
	});
});

describe('the incident as its events say', () => {
	it('is nothing without a declaration', () => {
		assert.equal(foldIncident([]), undefined);
		assert.equal(foldIncident([event('note', { text: 'orphan' })]), undefined);
	});

	it('starts open, with the declaration’s title, level, times and responders', () => {
		const state = foldIncident([declared({ responders: ['Dana Reyes', 'Sam Okafor'] })])!;
		assert.equal(state.id, INCIDENT);
		assert.equal(state.title, 'API down');
		assert.equal(state.severity, 2);
		assert.deepEqual(state.severityHistory, [{ severity: 2, at: DECLARED, by: 'Dana Reyes' }]);
		assert.equal(state.detectedAt, '2026-11-26T03:05:00.000Z');
		assert.equal(state.declaredAt, DECLARED);
		assert.deepEqual(state.responders, ['Dana Reyes', 'Sam Okafor']);
		assert.equal(state.open, true);
		assert.equal(state.resolvedAt, undefined);
	});

	it('follows severity changes, keeping each level with its time', () => {
		const state = foldIncident([
			declared(),
			event('severity', { at: after(60), severity: 1, previous: 2, by: 'Sam Okafor' }),
			event('severity', { at: after(90), severity: 2, previous: 1 }),
		])!;
		assert.equal(state.severity, 2);
		assert.deepEqual(
			state.severityHistory.map((s) => `${s.severity}@${s.at.slice(11, 16)}`),
			['2@03:12', '1@04:05', '2@04:35'],
		);
		assert.deepEqual(state.responders, ['Dana Reyes', 'Sam Okafor']);
	});

	it('is resolved until reopened, and a reopening clears the resolution', () => {
		const resolved = [declared(), event('resolved', { at: after(60) })];
		assert.deepEqual(
			[foldIncident(resolved)!.open, foldIncident(resolved)!.resolvedAt],
			[false, after(60)],
		);
		const reopened = foldIncident([...resolved, event('reopened', { at: after(70) })])!;
		assert.deepEqual([reopened.open, reopened.resolvedAt], [true, undefined]);
		const again = foldIncident([
			...resolved,
			event('reopened', { at: after(70) }),
			event('resolved', { at: after(80) }),
		])!;
		assert.deepEqual([again.open, again.resolvedAt], [false, after(80)]);
	});

	it('marks notes key by their last key event, even one stamped before the note', () => {
		const state = foldIncident([
			declared(),
			event('note', { id: 'n-1', at: after(10), text: 'Disk full', key: true }),
			event('note', { id: 'n-2', at: after(20), text: 'Cleared logs' }),
			event('key', { at: after(25), note: 'n-1', key: false }),
			event('key', { at: after(26), note: 'n-2', key: true }),
			// Another responder's clock ran a minute behind: their key event predates the note.
			event('key', { at: after(29), note: 'n-3', key: true }),
			event('note', { id: 'n-3', at: after(30), text: 'Root cause: log rotation off' }),
		])!;
		assert.deepEqual(
			state.notes.map((n) => [n.id, n.key]),
			[
				['n-1', false],
				['n-2', true],
				['n-3', true],
			],
		);
	});

	it('joins each run’s start and end by bridge and run id', () => {
		const start = (bridge: string, run: string, at: string) =>
			event('run-started', {
				at,
				run,
				bridge,
				block: 'api.health',
				title: 'Check API health',
				risk: 'read',
				check: true,
				blockPage: 'runbooks/api',
				target: 'prodbox',
				command: 'curl -fsS http://localhost:8000/health',
			});
		const end = (bridge: string, run: string, at: string, exitCode: number) =>
			event('run-ended', {
				at,
				run,
				bridge,
				block: 'api.health',
				end: 'exited',
				exitCode,
				durationMs: 300,
			});
		const state = foldIncident([
			declared(),
			end('b-two', 'r-1', after(21), 7),
			start('b-one', 'r-1', after(10)),
			end('b-one', 'r-1', after(11), 0),
			start('b-two', 'r-1', after(20)),
			start('b-one', 'r-2', after(30)),
		])!;
		assert.deepEqual(
			state.runs.map((r) => [r.bridge, r.run, r.started?.at.slice(11, 16), r.ended?.exitCode]),
			[
				['b-one', 'r-1', '03:15', 0],
				['b-two', 'r-1', '03:25', 7],
				['b-one', 'r-2', '03:35', undefined],
			],
		);
	});

	it('keeps decisions and reminders, and leaves out another incident’s events', () => {
		const state = foldIncident([
			declared(),
			event('decision', {
				at: after(15),
				page: 'diagnosis',
				step: 'step-3-are-the-containers-running',
				stepTitle: 'Step 3: Are the containers running?',
				outcome: 'Some down',
				how: 'hand',
			}),
			event('reminder', { at: after(120), rule: 'sev2-to-sev1-after-120m', text: 'Escalate' }),
			event('note', { incident: 'another-incident', at: after(16), text: 'Not ours' }),
			declared({ id: 'ev-other', incident: 'another-incident', at: after(17) }),
		])!;
		assert.equal(state.decisions.length, 1);
		assert.equal(state.reminders.length, 1);
		assert.equal(state.notes.length, 0);
		assert.ok(state.events.every((e) => e.incident === INCIDENT));
	});

	it('is the same state whatever order the events come in', () => {
		const events = [
			declared(),
			event('note', { at: after(10), text: 'one', key: true }),
			event('severity', { at: after(20), severity: 1, previous: 2 }),
			event('resolved', { at: after(30) }),
		];
		assert.deepEqual(foldIncident([...events].reverse()), foldIncident(events));
	});
});

describe('ids', () => {
	it('makes event ids that fit the schema, all different', () => {
		const made = new Set(Array.from({ length: 100 }, newEventId));
		assert.equal(made.size, 100);
		for (const id of made) assert.ok(EventIdSchema.safeParse(id).success, id);
	});

	it('makes event ids where crypto.randomUUID is missing (a page served over plain http)', () => {
		Object.defineProperty(globalThis.crypto, 'randomUUID', {
			value: undefined,
			configurable: true,
		});
		try {
			const id = newEventId();
			assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		} finally {
			delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID;
		}
		assert.equal(typeof globalThis.crypto.randomUUID, 'function');
	});

	it('makes incident ids a person can read: UTC date, title, four random hex digits', () => {
		assert.match(
			newIncidentId('API down', '2026-11-26T23:59:00.000Z'),
			/^2026-11-26-api-down-[0-9a-f]{4}$/,
		);
		// The UTC date, not the local one.
		assert.match(newIncidentId('API down', new Date('2026-11-27T00:30:00+02:00')), /^2026-11-26-/);
		assert.match(
			newIncidentId('Café: 502s on  /checkout!', DECLARED),
			/^2026-11-26-cafe-502s-on-checkout-[0-9a-f]{4}$/,
		);
		assert.match(newIncidentId('数据库宕机', DECLARED), /^2026-11-26-incident-[0-9a-f]{4}$/);
		const long = newIncidentId(
			'The database primary stopped accepting connections after failover',
			DECLARED,
		);
		assert.match(long, /^2026-11-26-the-database-primary-stopped-accepting-[0-9a-f]{4}$/);
		for (const id of [long, newIncidentId('x'.repeat(200), DECLARED)]) {
			assert.ok(IncidentIdSchema.safeParse(id).success, id);
		}
	});
});
