/**
 * The last bytes of a run's output, so a page that reloads or comes back can replay them. Bounded:
 * the oldest chunks are dropped once `capacity` is passed, and offsets keep counting from the
 * run's first byte so a page can say where it stopped.
 */
export class RingBuffer {
	readonly capacity: number;
	#chunks: Uint8Array[] = [];
	#size = 0;
	/** Offset of the first byte still held. */
	#start = 0;

	constructor(capacity: number) {
		this.capacity = capacity;
	}

	get start(): number {
		return this.#start;
	}

	/** Offset just past the last byte ever written: the run's output size. */
	get end(): number {
		return this.#start + this.#size;
	}

	push(chunk: Uint8Array) {
		if (chunk.length === 0) return;
		this.#chunks.push(chunk);
		this.#size += chunk.length;
		while (this.#size > this.capacity && this.#chunks.length > 1) {
			const dropped = this.#chunks.shift()!;
			this.#size -= dropped.length;
			this.#start += dropped.length;
		}
		// A single chunk larger than the whole buffer keeps only its tail.
		if (this.#size > this.capacity) {
			const only = this.#chunks[0]!;
			const cut = this.#size - this.capacity;
			this.#chunks[0] = only.subarray(cut);
			this.#size -= cut;
			this.#start += cut;
		}
	}

	/** The bytes from `from` (clamped to what is held) to the end, as held chunks. */
	read(from: number): { from: number; chunks: Uint8Array[] } {
		let offset = this.#start;
		const wanted = Math.max(from, this.#start);
		const chunks: Uint8Array[] = [];
		for (const chunk of this.#chunks) {
			const next = offset + chunk.length;
			if (next > wanted) chunks.push(offset >= wanted ? chunk : chunk.subarray(wanted - offset));
			offset = next;
		}
		return { from: Math.min(wanted, this.end), chunks };
	}
}
