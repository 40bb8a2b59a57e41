import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingBuffer } from '../../server/ring-buffer.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c)).join('');

describe('the output ring buffer', () => {
	it('replays from any offset it still holds', () => {
		const ring = new RingBuffer(100);
		ring.push(bytes('hello '));
		ring.push(bytes('world'));
		assert.deepEqual([ring.start, ring.end], [0, 11]);
		assert.equal(text(ring.read(0).chunks), 'hello world');
		assert.equal(text(ring.read(3).chunks), 'lo world');
		assert.deepEqual(ring.read(11), { from: 11, chunks: [] });
	});

	it('drops the oldest output past its capacity, and says where the replay starts', () => {
		const ring = new RingBuffer(10);
		ring.push(bytes('0123456'));
		ring.push(bytes('789ab'));
		assert.deepEqual([ring.start, ring.end], [7, 12]);
		const replay = ring.read(0);
		assert.equal(replay.from, 7);
		assert.equal(text(replay.chunks), '789ab');
		// One chunk larger than the whole buffer keeps its tail.
		ring.push(bytes('ABCDEFGHIJKLMNOP'));
		assert.deepEqual([ring.start, ring.end], [18, 28]);
		assert.equal(text(ring.read(0).chunks), 'GHIJKLMNOP');
	});
});
