/**
 * The page hands a timeline to the bridge in `timeline` messages that each fit in one frame: an
 * incident kept offline for hours, or a merged file, never closes the connection with a frame
 * the bridge refuses, and every event goes exactly once, in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batches } from '../../src/client/incident/batches.ts';
import type { TimelineEvent } from '../../src/incident/schema.ts';
import { MAX_CLIENT_FRAME_BYTES } from '../../src/protocol.ts';
import { parseClientMessage } from '../../src/protocol-schema.ts';

const note = (n: number, text = 'checked the dashboards'): TimelineEvent => ({
	id: `note-${n}`,
	incident: '2026-11-26-api-down-3f9c',
	at: new Date(Date.UTC(2026, 10, 26, 3, 0, n)).toISOString(),
	kind: 'note',
	text,
});

describe('batches', () => {
	it('sends a few events in one message, with merge only when asked', () => {
		let refs = 0;
		const ref = () => `tl-${++refs}`;
		assert.deepEqual(batches([note(1), note(2)], ref, false), [
			{ type: 'timeline', ref: 'tl-1', events: [note(1), note(2)] },
		]);
		assert.equal(batches([note(1)], ref, true)[0]?.merge, true);
		assert.deepEqual(batches([], ref, false), []);
	});

	it('splits a long timeline into frames the bridge accepts, every event once and in order', () => {
		let refs = 0;
		const events = Array.from({ length: 60 }, (_, n) => note(n, 'x'.repeat(3900)));
		const messages = batches(events, () => `tl-${++refs}`, false);
		assert.ok(messages.length > 1);
		for (const message of messages) {
			const frame = JSON.stringify(message);
			assert.ok(new TextEncoder().encode(frame).length <= MAX_CLIENT_FRAME_BYTES);
			assert.ok(parseClientMessage(frame), 'a valid timeline message');
		}
		assert.deepEqual(
			messages.flatMap((m) => m.events.map((e) => e.id)),
			events.map((e) => e.id),
		);
		assert.equal(new Set(messages.map((m) => m.ref)).size, messages.length);
	});
});
