import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { terminalTail } from '../../server/timeline.ts';
import {
	parseTimeline,
	serializeTimeline,
	timelineHeader,
	TimelineFileError,
} from '../../src/incident/file.ts';
import type { TimelineEvent } from '../../src/incident/schema.ts';

const incident = '2026-11-26-api-down-3f9c';
const header = timelineHeader(incident, '2026-11-26T03:14:00.000Z');
const events: TimelineEvent[] = [
	{
		id: 'e1',
		incident,
		at: '2026-11-26T03:14:00.000Z',
		kind: 'declared',
		title: 'API down',
		severity: 2,
		detectedAt: '2026-11-26T03:02:00.000Z',
		responders: ['Ada'],
	},
	{ id: 'e2', incident, at: '2026-11-26T03:20:41.512Z', kind: 'note', text: 'Restarted | the API' },
	{ id: 'e3', incident, at: '2026-11-26T04:00:00.000Z', kind: 'resolved', by: 'Ada' },
];

describe('the timeline file', () => {
	it('reads back what it writes: a header line, then an event a line', () => {
		const text = serializeTimeline(header, events);
		assert.equal(text.split('\n').length, 5);
		assert.ok(text.startsWith('{"format":"opsbook-timeline","version":2,'));
		assert.deepEqual(parseTimeline(text), { header, events, dropped: [] });
		assert.deepEqual(parseTimeline(text.replaceAll('\n', '\r\n')).events, events, 'CRLF too');
	});

	it('drops a last line cut off mid-write, and says so', () => {
		const text = serializeTimeline(header, events);
		const cut = text.slice(0, -25);
		const parsed = parseTimeline(cut);
		assert.deepEqual(parsed.events, events.slice(0, 2));
		assert.equal(parsed.dropped.length, 1);
		assert.match(parsed.dropped[0]!, /^Line 4 was cut off \(the file ends in the middle of it/);
		// Cut exactly before the newline: the line is whole.
		assert.deepEqual(parseTimeline(text.slice(0, -1)).events, events);
	});

	it('skips a bad line anywhere, naming its number and what is wrong', () => {
		const lines = serializeTimeline(header, events).split('\n');
		lines.splice(
			2,
			0,
			'garbage',
			'{"id":"x","incident":"' + incident + '","at":"2026-11-26T03:15:00Z","kind":"dance"}',
		);
		lines.splice(5, 0, JSON.stringify({ ...events[1], id: 'e9', at: 'yesterday' }));
		lines.splice(6, 0, JSON.stringify({ ...events[1], id: 'e8', incident: 'another' }));
		const parsed = parseTimeline(lines.join('\n'));
		assert.deepEqual(parsed.events, events);
		assert.deepEqual(parsed.dropped, [
			'Line 3 is not JSON; it was dropped.',
			'Line 4 was dropped: "dance" is not a kind of event this version knows.',
			'Line 6 was dropped: a "note" event whose "at" is not in the expected form.',
			'Line 7 was dropped: its event belongs to incident "another", not to this file\'s "2026-11-26-api-down-3f9c".',
		]);
	});

	it('refuses what is not a timeline, or one of a newer version', () => {
		assert.throws(
			() => parseTimeline(`${JSON.stringify(events[0])}\n`),
			(error) =>
				error instanceof TimelineFileError && /not an Opsbook timeline file/.test(error.message),
		);
		assert.throws(() => parseTimeline('hello\n'), TimelineFileError);
		assert.throws(
			() => parseTimeline(serializeTimeline({ ...header, version: 3 }, events)),
			/version 3, written by a newer Opsbook; this one reads version 2/,
		);
		assert.throws(
			() => parseTimeline(serializeTimeline({ ...header, incident: 'bad id!' }, [])),
			/header \(line 1\) is malformed: its "incident" is not in the expected form/,
		);
	});

	it('reads an empty file, or one whose header a crash cut off, as no events', () => {
		assert.deepEqual(parseTimeline(''), { events: [], dropped: [] });
		assert.deepEqual(parseTimeline('{"format":"opsbook-tim'), {
			events: [],
			dropped: [
				'Line 1 was cut off (the file ends in the middle of it, as when a crash interrupts a write); its 22 characters were dropped.',
			],
		});
	});
});

describe('the tail of a failed check’s output', () => {
	const bytes = (text: string) => [new TextEncoder().encode(text)];

	it('keeps the last lines as plain text', () => {
		const output = `${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\r\n')}\r\n\r\n`;
		const tail = terminalTail(bytes(output), 20);
		assert.equal(tail.length, 20);
		assert.deepEqual([tail[0], tail.at(-1)], ['line 10', 'line 29']);
	});

	it('removes escapes and control characters, and keeps what a carriage return left', () => {
		const output =
			'\x1b[32maccepting\x1b[0m connections\r\n\x1b]0;title\x07progress 10%\rprogress 100%\r\nbell\x07 ok\n';
		assert.deepEqual(terminalTail(bytes(output)), [
			'accepting connections',
			'progress 100%',
			'bell ok',
		]);
	});

	it('hides a secret the command printed, and clips long lines', () => {
		const tail = terminalTail(bytes(`token=hunter22\n${'x'.repeat(5000)}\n`), 20, ['hunter22']);
		assert.equal(tail[0], 'token=***');
		assert.equal(tail[1]!.length, 1000);
	});
});
