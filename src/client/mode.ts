/**
 * What kind of bridge this page is paired with: live, practice (read steps only, drills offered)
 * or a running drill (nothing executes; every Run is answered from the scenario). One per page,
 * shared by the header's mode chip and drill banner (`drill-banner.ts`), the command blocks, the
 * incident bar and the timeline page, so each says PRACTICE or DRILL without a handle on the
 * bridge.
 *
 * The bridge client (`bridge.ts`) sets it from `welcome.mode` and `mode` messages, and hands it
 * the socket to ask for `drill-start` and `drill-end`. Without a bridge the mode is unknown
 * (`undefined`): a published copy is neither practice nor a drill.
 */
import type { BridgeMode, ClientMessage, ModeMessage, RefusedMessage } from '../protocol.ts';

export const MODE_EVENT = 'change';

/** What a drill request came to: the bridge's new mode, or its refusal as a sentence. */
export type DrillAnswer = { ok: true } | { ok: false; message: string };

class ModeState extends EventTarget {
	/** The paired bridge's mode, once it welcomed this page; undefined without one. */
	mode?: BridgeMode | undefined;
	#send?: ((message: ClientMessage) => void) | undefined;
	/** Drill requests awaiting the bridge's `mode` or `refused`, by ref. */
	readonly #pending = new Map<string, (answer: DrillAnswer) => void>();
	#refs = 0;

	/** The drill running on the paired bridge, if any. */
	get drill() {
		return this.mode?.kind === 'drill' ? this.mode.drill : undefined;
	}

	// What the bridge client tells it.

	/** The bridge welcomed this page (with its socket), or told every page its mode changed. */
	set(mode: BridgeMode | undefined, send?: (message: ClientMessage) => void) {
		if (send) this.#send = send;
		const changed = JSON.stringify(mode) !== JSON.stringify(this.mode);
		this.mode = mode;
		if (changed) this.dispatchEvent(new Event(MODE_EVENT));
	}

	/** A `mode` message: every page hears it, the page that asked with its request's ref. */
	message({ mode, ref }: ModeMessage) {
		this.set(mode);
		const resolve = ref === undefined ? undefined : this.#pending.get(ref);
		this.#pending.delete(ref ?? '');
		resolve?.({ ok: true });
	}

	/** The socket closed: the mode is unknown until the next welcome. */
	closed() {
		this.#send = undefined;
		for (const resolve of this.#pending.values()) {
			resolve({ ok: false, message: 'The bridge went away before it answered.' });
		}
		this.#pending.clear();
		this.set(undefined);
	}

	/** A refusal of one of this page's drill requests; `false` when it is someone else's. */
	refused(message: RefusedMessage): boolean {
		const resolve = message.ref === undefined ? undefined : this.#pending.get(message.ref);
		if (!resolve) return false;
		this.#pending.delete(message.ref!);
		resolve({ ok: false, message: message.message });
		return true;
	}

	// What the page asks of the bridge.

	/** Starts a drill on a practice bridge: it declares the drill's incident. */
	start(name: string): Promise<DrillAnswer> {
		return this.#ask((ref) => ({ type: 'drill-start', ref, name }));
	}

	/** Ends the running drill: its incident is resolved and the bridge is back in practice. */
	end(): Promise<DrillAnswer> {
		return this.#ask((ref) => ({ type: 'drill-end', ref }));
	}

	#ask(message: (ref: string) => ClientMessage): Promise<DrillAnswer> {
		const send = this.#send;
		if (!send || !this.mode) {
			return Promise.resolve({ ok: false, message: 'The bridge is not connected.' });
		}
		const ref = `drill-${++this.#refs}`;
		return new Promise((resolve) => {
			this.#pending.set(ref, resolve);
			send(message(ref));
		});
	}
}

/**
 * Which exercise a mode belongs to: each drill is one (by its incident), anything else another.
 * What a trainee did in one (tree answers, finished runs) does not carry into the next.
 */
export function modeScope(mode: BridgeMode | undefined): string {
	return mode?.kind === 'drill' ? `drill:${mode.drill.incident}` : '';
}

/** The page's one mode. */
export const bridgeMode = new ModeState();
