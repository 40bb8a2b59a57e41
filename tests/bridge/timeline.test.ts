/**
 * The incident timeline, through a real bridge: what pages may add and what is refused, the runs
 * the bridge records while an incident is open, escalation reminders, and what survives a
 * restart, a `kill -9` and a file cut off mid-write.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseTimeline, serializeTimeline, timelineHeader } from '../../src/incident/file.ts';
import { TimelineEventSchema, type TimelineEvent } from '../../src/incident/schema.ts';
import type { ServerMessage, TimelineMessage, WelcomeMessage } from '../../src/protocol.ts';
import type { IncidentContent } from '../../src/runbook/incident-content.ts';
import {
	spawnTestBridge,
	startTestBridge,
	TestClient,
	type TestBridge,
} from '../support/bridge.ts';

const iso = (ms = Date.now()) => new Date(ms).toISOString();
let count = 0;
const eventId = () => `e${process.pid}-${++count}-${Math.random().toString(36).slice(2, 8)}`;
const incidentId = (name: string) => `2026-11-26-${name}-${Math.random().toString(16).slice(2, 6)}`;

const declared = (incident: string, extra: Record<string, unknown> = {}) => ({
	id: eventId(),
	incident,
	at: iso(),
	kind: 'declared' as const,
	title: `Incident ${incident}`,
	severity: 2,
	detectedAt: iso(),
	responders: ['Ada'],
	...extra,
});
const note = (incident: string, text: string) => ({
	id: eventId(),
	incident,
	at: iso(),
	kind: 'note' as const,
	text,
});
const resolved = (incident: string) => ({
	id: eventId(),
	incident,
	at: iso(),
	kind: 'resolved' as const,
});

const welcomeOf = (client: TestClient) =>
	client.messages.find((m): m is WelcomeMessage => m.type === 'welcome')!;
const broadcasts = (client: TestClient, incident: string) =>
	client.messages.filter(
		(m): m is TimelineMessage => m.type === 'timeline' && m.incident === incident && !m.ref,
	);
const fileOf = (stateDir: string, incident: string) =>
	join(stateDir, 'incidents', `${incident}.jsonl`);
async function readTimeline(file: string) {
	return parseTimeline(await readFile(file, 'utf8'));
}

describe('the incident timeline on a bridge', () => {
	let bridge: TestBridge;
	let client: TestClient;
	let other: TestClient;

	before(async () => {
		bridge = await startTestBridge();
		client = await TestClient.connect(bridge);
		other = await TestClient.connect(bridge);
	});
	after(async () => {
		client.close();
		other.close();
		await bridge.dispose();
	});

	it('records no run while no incident is open, and says it has no incident', async () => {
		const welcome = welcomeOf(client);
		assert.equal(welcome.incident, undefined);
		assert.match(welcome.bridgeId, /^[a-z0-9]{8,64}$/);
		const { run } = await client.run('t.echo');
		assert.ok(run);
		await client.ended(run.id);
		assert.deepEqual(
			await readdir(join(bridge.stateDir, 'incidents')).catch(() => []),
			[],
			'no incident file',
		);
		assert.ok(!client.messages.some((m) => m.type === 'timeline'));
	});

	it('refuses events that are not the page’s to add, without closing the connection', async () => {
		const incident = incidentId('refusals');
		const unknown = await client.append([note(incident, 'who declared this?')]);
		assert.equal(unknown.refused?.code, 'unknown-incident');

		const first = declared(incident);
		assert.deepEqual((await client.append([first])).events, [first]);
		const run = {
			id: eventId(),
			incident,
			at: iso(),
			kind: 'run-started',
			run: 'abc',
			bridge: 'somebridge',
			block: 't.echo',
			title: 'Say hello',
			risk: 'read',
			check: false,
			blockPage: 'index',
			target: 'local',
			command: 'echo hello',
		};
		const forged = await client.append([run]);
		assert.equal(forged.refused?.code, 'invalid-event', 'a run outside a merge');
		const own = await client.append([{ ...run, bridge: welcomeOf(client).bridgeId }], true);
		assert.equal(own.refused?.code, 'invalid-event', 'a run claiming to be this bridge’s');
		assert.equal((await client.append([run], true)).events?.length, 1, 'another bridge’s, merged');

		const second = await client.append([declared(incidentId('second'))]);
		assert.equal(second.refused?.code, 'incident-open');
		assert.match(second.refused?.message ?? '', /is open on this bridge: resolve it/);

		const bad = await client.append([{ ...note(incident, 'x'), at: 'yesterday' }]);
		assert.equal(bad.refused?.code, 'invalid-event');
		assert.equal(
			bad.refused?.message,
			'Event 1 of 1: its "at" is not in the expected form, so nothing was added.',
		);
		const unknownKind = await client.append([{ ...note(incident, 'x'), kind: 'dance' }]);
		assert.equal(
			unknownKind.refused?.message,
			'Event 1 of 1 is of a kind this bridge does not know ("dance"), so nothing was added.',
		);

		// Still connected, and nothing refused reached the file.
		const { events } = await readTimeline(fileOf(bridge.stateDir, incident));
		assert.deepEqual(
			events.map((e) => e.kind),
			['declared', 'run-started'],
		);
		assert.equal((await client.append([resolved(incident)])).events?.length, 1);
	});

	it('tells every page what was added, and the sender what was there already', async () => {
		const incident = incidentId('shared');
		const first = declared(incident);
		const words = note(incident, 'restarted the API');
		const answer = await client.append([first, words]);
		assert.deepEqual(answer.events, [first, words]);
		await other.until(
			() => broadcasts(other, incident).flatMap((m) => m.events).length === 2,
			'the other page to hear both',
		);
		// Handed over again (a page that never heard the answer): echoed, not added, not broadcast.
		const again = await client.append([words]);
		assert.deepEqual(again.events, [words]);
		const got = await other.append([note(incident, 'from the other page')]);
		assert.equal(got.events?.length, 1);
		await client.until(
			() => broadcasts(client, incident).flatMap((m) => m.events).length === 1,
			'the first page to hear the other’s note',
		);
		assert.equal(broadcasts(other, incident).flatMap((m) => m.events).length, 2, 'no echo');

		client.send({ type: 'timeline-get', ref: 'all', incident });
		const all = (await client.waitFor(
			(m) => m.type === 'timeline' && m.ref === 'all',
		)) as TimelineMessage;
		assert.equal(all.complete, true);
		assert.equal(all.events.length, 3);
		client.send({ type: 'timeline-get', ref: 'none', incident: 'no-such-incident' });
		const none = await client.waitFor((m) => m.type === 'refused' && m.ref === 'none');
		assert.equal((none as { code: string }).code, 'unknown-incident');
		await client.append([resolved(incident)]);
	});

	it('records each run while an incident is open, before the pages hear of it', async () => {
		const incident = incidentId('runs');
		await client.append([declared(incident)]);
		const pass = await client.run('t.check-ready', {}, { page: 'index' });
		const fail = await client.run('t.check-down');
		assert.ok(pass.run && fail.run);
		await client.ended(pass.run.id);
		await client.ended(fail.run.id);

		const index = (match: (m: ServerMessage) => boolean) => client.messages.findIndex(match);
		const eventIndex = (id: string, kind: string) =>
			index(
				(m) =>
					m.type === 'timeline' &&
					m.events.some((e) => e.kind === kind && 'run' in e && e.run === id),
			);
		for (const run of [pass.run, fail.run]) {
			const started = eventIndex(run.id, 'run-started');
			const ended = eventIndex(run.id, 'run-ended');
			assert.ok(started >= 0 && ended > started, 'both recorded');
			assert.ok(
				ended < index((m) => m.type === 'run' && m.run.id === run.id && m.run.state === 'exited'),
				'the end is on the timeline before any page hears the run ended',
			);
		}

		const { events, dropped } = await readTimeline(fileOf(bridge.stateDir, incident));
		assert.deepEqual(dropped, []);
		for (const event of events) TimelineEventSchema.parse(event);
		const of = (run: string, kind: string) =>
			events.find((e) => e.kind === kind && 'run' in e && e.run === run) as Record<string, unknown>;
		const bridgeId = welcomeOf(client).bridgeId;
		assert.deepEqual(
			{ ...of(pass.run.id, 'run-started'), id: undefined, at: undefined },
			{
				id: undefined,
				incident,
				at: undefined,
				kind: 'run-started',
				run: pass.run.id,
				bridge: bridgeId,
				block: 't.check-ready',
				title: 'A check that passes',
				risk: 'read',
				check: true,
				blockPage: 'index',
				page: 'index',
				target: 'local',
				command: pass.run.command,
				audit: bridge.auditLog,
			},
		);
		const passed = of(pass.run.id, 'run-ended');
		assert.deepEqual(passed.verdict, {
			outcome: 'pass',
			reason: 'a line matched `^accepting connections$`',
		});
		assert.equal(passed.tail, undefined, 'a check that passed keeps no output');
		const failed = of(fail.run.id, 'run-ended');
		assert.deepEqual([failed.end, failed.exitCode], ['exited', 1]);
		assert.equal((failed.verdict as { outcome: string }).outcome, 'fail');
		assert.deepEqual(failed.tail, ['Could not connect']);
		assert.equal(typeof failed.durationMs, 'number');
		// The audit log has the same run, by id.
		const audit = await bridge.readAudit();
		assert.ok(audit.some((e) => e.event === 'end' && e.run === fail.run.id && e.exitCode === 1));

		await client.append([resolved(incident)]);
		const { run } = await client.run('t.echo');
		assert.ok(run);
		await client.ended(run.id);
		const later = await readTimeline(fileOf(bridge.stateDir, incident));
		assert.ok(!later.events.some((e) => 'run' in e && e.run === run.id), 'not once resolved');
	});
});

describe('escalation reminders', () => {
	const content: IncidentContent = {
		levels: [
			{ level: 1, definition: 'All down', responseTime: '< 15 min', responseMinutes: 15 },
			{ level: 2, definition: 'Degraded', responseTime: '< 1 hour', responseMinutes: 60 },
		],
		escalation: [
			{
				from: 2,
				to: 1,
				afterMinutes: 120,
				text: 'If a SEV-2 is not resolved within 2 hours, escalate to SEV-1.',
			},
		],
	};
	const reminders = (events: TimelineEvent[]) =>
		events.filter((e) => e.kind === 'reminder' && e.text.startsWith(content.escalation[0]!.text));

	it('lands on the timeline once when the rule applies, at the time it applied', async () => {
		const bridge = await startTestBridge({ limits: { reminderMs: 100 } });
		// The rules come from the content; these tests give their own.
		(bridge.registry as { incident: IncidentContent }).incident = content;
		const client = await TestClient.connect(bridge);
		try {
			// Detected 2 hours less 1.5 s ago: not due when declared, due by the bridge's timer.
			const detected = Date.now() - 120 * 60_000 + 1500;
			const incident = incidentId('escalate');
			await client.append([declared(incident, { detectedAt: iso(detected) })]);
			const file = fileOf(bridge.stateDir, incident);
			assert.deepEqual(reminders((await readTimeline(file)).events), []);
			const heard = await client.until(
				() => reminders(broadcasts(client, incident).flatMap((m) => m.events))[0],
				'the reminder',
				5000,
			);
			assert.equal(heard.at, iso(detected + 120 * 60_000));
			await client.append([note(incident, 'still looking')]);
			await new Promise((resolve) => setTimeout(resolve, 300));
			assert.equal(reminders((await readTimeline(file)).events).length, 1, 'once');

			// Declared past the rule's time: the reminder comes with the declaration.
			await client.append([resolved(incident)]);
			const late = incidentId('late');
			await client.append([declared(late, { detectedAt: iso(Date.now() - 3 * 3600_000) })]);
			await client.until(
				() => reminders(broadcasts(client, late).flatMap((m) => m.events)).length === 1,
				'the late reminder',
			);
		} finally {
			client.close();
			await bridge.dispose();
		}
	});
});

describe('the timeline survives', () => {
	let stateDir: string;
	before(async () => {
		stateDir = await mkdtemp(join(tmpdir(), 'opsbook-timeline-'));
	});
	after(async () => {
		await rm(stateDir, { recursive: true, force: true });
	});

	it('a restart: the next bridge welcomes pages with the whole incident', async () => {
		const first = await startTestBridge({ stateDir });
		const incident = incidentId('restart');
		const events = [declared(incident), note(incident, 'before the restart')];
		let bridgeId: string;
		try {
			const client = await TestClient.connect(first);
			bridgeId = welcomeOf(client).bridgeId;
			await client.append(events);
			client.close();
		} finally {
			await first.dispose();
		}
		const second = await startTestBridge({ stateDir });
		try {
			const client = await TestClient.connect(second);
			const welcome = welcomeOf(client);
			assert.equal(welcome.bridgeId, bridgeId, 'the same bridge id');
			assert.deepEqual(welcome.incident, { id: incident, events });
			const refused = await client.append([declared(incidentId('another'))]);
			assert.equal(refused.refused?.code, 'incident-open', 'still open after the restart');
			await client.append([resolved(incident)]);
			client.close();
		} finally {
			await second.dispose();
		}
	});

	it('a restart: earlier incidents are listed newest first, each readable whole', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'opsbook-timeline-list-'));
		const first = await startTestBridge({ stateDir: dir });
		const [older, newer] = [incidentId('older'), incidentId('newer')];
		const olderEvents = [
			declared(older, { title: 'Checkout fails', severity: 1 }),
			note(older, 'rolled back'),
			resolved(older),
		];
		try {
			const client = await TestClient.connect(first);
			await client.append(olderEvents);
			await client.append([declared(newer, { title: 'Search is slow', severity: 3 })]);
			client.close();
		} finally {
			await first.dispose();
		}
		const second = await startTestBridge({ stateDir: dir });
		try {
			const client = await TestClient.connect(second);
			const welcome = welcomeOf(client);
			assert.equal(welcome.incident?.id, newer, 'the open one comes whole');
			assert.deepEqual(
				welcome.incidents.map(({ id, title, severity, open }) => ({ id, title, severity, open })),
				[
					{ id: newer, title: 'Search is slow', severity: 3, open: true },
					{ id: older, title: 'Checkout fails', severity: 1, open: false },
				],
			);
			assert.ok(welcome.incidents[1]!.resolvedAt, 'the earlier one says when it was resolved');
			client.send({ type: 'timeline-get', ref: 'get-older', incident: older });
			const answer = await client.waitFor(
				(m): m is TimelineMessage => m.type === 'timeline' && m.ref === 'get-older',
			);
			assert.equal(answer.complete, true);
			assert.deepEqual(answer.events, olderEvents);
			client.send({ type: 'timeline-get', ref: 'get-none', incident: incidentId('never') });
			const refused = await client.waitFor((m) => m.type === 'refused' && m.ref === 'get-none');
			assert.equal(refused.type === 'refused' && refused.code, 'unknown-incident');
			client.close();
		} finally {
			await second.dispose();
			await rm(dir, { recursive: true, force: true });
		}
	});

	it('a kill -9: every event acknowledged before it is there after it', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'opsbook-timeline-kill-'));
		const incident = incidentId('killed');
		const acknowledged: string[] = [];
		const bridge = await spawnTestBridge({ stateDir: dir });
		try {
			const client = await TestClient.connect(bridge);
			const answer = await client.append([declared(incident)]);
			acknowledged.push(...answer.events!.map((e) => e.id));
			const { run } = await client.run('t.check-down');
			assert.ok(run);
			await client.ended(run.id);
			// Notes sent one after another, each acknowledged, the last ones while the kill comes.
			for (let i = 0; i < 20; i++) {
				const { events } = await client.append([note(incident, `note ${i}`)]);
				acknowledged.push(...events!.map((e) => e.id));
			}
			for (let i = 0; i < 20; i++)
				client.send({ type: 'timeline', ref: `late${i}`, events: [note(incident, `late ${i}`)] });
			await client.until(
				() => client.messages.some((m) => m.type === 'timeline' && m.ref === 'late0'),
				'the first late note',
			);
			bridge.child.kill('SIGKILL');
			await client.closed;
			for (const m of client.messages)
				if (m.type === 'timeline' && m.ref?.startsWith('late'))
					acknowledged.push(...m.events.map((e) => e.id));

			const file = join(dir, 'opsbook', 'incidents', `${incident}.jsonl`);
			const kept = await readTimeline(file);
			const ids = new Set(kept.events.map((e) => e.id));
			for (const id of acknowledged) assert.ok(ids.has(id), `event ${id} survived`);
			assert.ok(
				kept.events.some((e) => e.kind === 'run-ended' && e.run === run.id),
				'the run’s end too',
			);

			const again = await spawnTestBridge({ stateDir: dir });
			try {
				// Whoever starts it is told first thing that an incident is still open, and where.
				assert.match(again.printed(), /Incident still open: “.+”, SEV-\d, detected /);
				const next = await TestClient.connect(again);
				const welcome = welcomeOf(next);
				assert.equal(welcome.incident?.id, incident);
				const welcomed = new Set(welcome.incident?.events.map((e) => e.id));
				for (const id of acknowledged) assert.ok(welcomed.has(id));
				next.close();
			} finally {
				await again.dispose();
			}
		} finally {
			await bridge.dispose();
			await rm(dir, { recursive: true, force: true });
		}
	});

	it('a file whose last line a crash cut off: the rest loads, the loss is said', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'opsbook-timeline-cut-'));
		const incident = incidentId('cut');
		const events = [declared(incident), note(incident, 'kept')];
		const whole = serializeTimeline(timelineHeader(incident, iso()), events);
		const cut = JSON.stringify(note(incident, 'cut off')).slice(0, 40);
		await mkdir(join(dir, 'incidents'), { recursive: true, mode: 0o700 });
		await writeFile(fileOf(dir, incident), whole + cut, { mode: 0o600 });
		try {
			const bridge = await startTestBridge({ stateDir: dir });
			try {
				const client = await TestClient.connect(bridge);
				const welcome = welcomeOf(client);
				assert.deepEqual(welcome.incident?.events, events);
				assert.deepEqual(welcome.incident?.dropped, [
					'Line 4 was cut off (the file ends in the middle of it, as when a crash interrupts a write); its 40 characters were dropped.',
				]);
				const after = note(incident, 'after the crash');
				await client.append([after]);
				client.close();
				// The cut-off bytes stay; the new event is on a line of its own.
				assert.equal(
					await readFile(fileOf(dir, incident), 'utf8'),
					`${whole}${cut}\n${JSON.stringify(after)}\n`,
				);
			} finally {
				await bridge.dispose();
			}
			const again = await startTestBridge({ stateDir: dir });
			try {
				const client = await TestClient.connect(again);
				assert.equal(welcomeOf(client).incident?.events.length, 3);
				assert.match(welcomeOf(client).incident?.dropped?.[0] ?? '', /^Line 4 is not JSON/);
				client.close();
			} finally {
				await again.dispose();
			}
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});
