/**
 * Events to send to the bridge, split into `timeline` messages that each fit under the bridge's
 * frame limit ({@link MAX_CLIENT_FRAME_BYTES}): a long incident kept offline, or a merged file,
 * can hold far more than one frame takes, and a frame over the limit closes the connection.
 */
import { MAX_CLIENT_FRAME_BYTES, type TimelineAppendMessage } from '../../protocol.ts';
import type { TimelineEvent } from '../../incident/schema.ts';

/** Room left for the message around the events (`type`, `ref`, `merge`, brackets). */
const ENVELOPE_BYTES = 1024;
/** The most events one message may carry (`TimelineAppendSchema`). */
const MAX_EVENTS = 5000;

export function batches(
	events: readonly TimelineEvent[],
	ref: () => string,
	merge: boolean,
	limit = MAX_CLIENT_FRAME_BYTES,
): TimelineAppendMessage[] {
	const encoder = new TextEncoder();
	const messages: TimelineAppendMessage[] = [];
	let batch: TimelineEvent[] = [];
	let bytes = 0;
	const flush = () => {
		if (batch.length === 0) return;
		messages.push({ type: 'timeline', ref: ref(), events: batch, ...(merge ? { merge } : {}) });
		batch = [];
		bytes = 0;
	};
	for (const event of events) {
		// One more byte for the comma between events.
		const size = encoder.encode(JSON.stringify(event)).length + 1;
		if (bytes + size > limit - ENVELOPE_BYTES || batch.length >= MAX_EVENTS) flush();
		batch.push(event);
		bytes += size;
	}
	flush();
	return messages;
}
