/**
 * A run's terminal drawn in a document of its own: a sandboxed frame in the run panel's box,
 * which Chromium renders in another process (`terminal-frame.ts` is its script). The page keeps
 * the bridge's socket and hands the frame the run's output through a `MessageChannel`,
 * transferring each frame's bytes; the frame sends back keystrokes, its size in cells, its
 * acknowledgements and the height it needs. Measured (README: Benchmarks): the stream at the
 * page's own rate, and a frame the terminal draws costs what it costs in an empty page.
 *
 * The frame is sandboxed without `allow-same-origin`: its origin is opaque, so it cannot read the
 * page, its storage or its cookies, and its scripts load from the site cross-origin. A host that
 * does not allow that (or a frame that does not answer for any other reason) gets the terminal in
 * the page instead, as before: `openTerminal` in `run-panel.ts` falls back.
 */
import type { ITheme } from '@xterm/xterm';
import type { TerminalEvents } from './terminal.ts';
import { boxPlace, type TerminalPlace } from './terminal-place.ts';

/** What the terminal reads of the page's box (`TerminalPlace`), as the frame is told it. */
export interface FrameSetup {
	fontFamily: string;
	theme: ITheme;
	wide: boolean;
	windowHeight: number;
	sized: boolean;
}

/** From the page to the frame, over the port. */
export type FrameIn =
	| { type: 'output'; offset: number; data: Uint8Array }
	| { type: 'reset'; from: number }
	| { type: 'resume'; from: number }
	| { type: 'interactive'; on: boolean }
	| { type: 'describe'; text: string }
	| { type: 'focus' }
	| { type: 'setup'; setup: FrameSetup };

/** From the frame to the page: the first over `window.postMessage`, the rest over the port. */
export type FrameOut =
	| { type: 'opsbook-terminal-frame' }
	| { type: 'ready'; cols: number; rows: number; height: number }
	| { type: 'input'; data: string }
	| { type: 'resize'; cols: number; rows: number }
	| { type: 'ack'; bytes: number }
	| { type: 'height'; px: number }
	| { type: 'focused'; on: boolean };

type Ready = Extract<FrameOut, { type: 'ready' }>;

/** What the run panel uses of a terminal, in the page or in its frame. */
export interface TerminalView {
	readonly cols: number;
	readonly rows: number;
	/** The end of the output handed to the terminal: where a reattach resumes. */
	readonly written: number;
	interactive: boolean;
	output(offset: number, data: Uint8Array): void;
	reset(from?: number): void;
	resume(from: number): void;
	describe(text: string): void;
	focus(): void;
	dispose(): void;
}

/** How long a frame may take to load before the terminal is drawn in the page instead. */
const FRAME_TIMEOUT_MS = 10_000;
/** After the frame's document has loaded, how long its script may take to say so. */
const AFTER_LOAD_MS = 1_000;

/** The terminal's document, under the site's base path. */
function frameUrl(): string {
	const base = import.meta.env.BASE_URL.replace(/\/?$/, '/');
	return new URL(`${base}opsbook/terminal/`, location.href).href;
}

/**
 * A terminal in a frame of its own in `container`; rejects (and leaves nothing behind) when the
 * frame does not come up.
 */
export async function createFramedTerminal(
	container: HTMLElement,
	events: TerminalEvents,
): Promise<TerminalView> {
	const frame = document.createElement('iframe');
	frame.className = 'ob-term-frame';
	frame.title = 'Terminal';
	frame.setAttribute('sandbox', 'allow-scripts');
	frame.src = frameUrl();
	// Unseen until its terminal is there, but laid out at its size (Chromium holds back drawing a
	// frame with no area): its document's own line, for whoever opens it alone, shows meanwhile.
	frame.style.opacity = '0';
	const place = boxPlace(container);
	// The colours are read again only when the theme changes (they cost a style read and a
	// canvas), not on each of a window's resize events.
	let theme = place.theme();
	const setup = (themed = false): FrameSetup => ({
		fontFamily: place.fontFamily,
		theme: themed ? (theme = place.theme()) : theme,
		wide: place.wide(),
		windowHeight: place.windowHeight(),
		sized: place.sized(),
	});
	const channel = new MessageChannel();
	const port = channel.port1;
	try {
		const ready = await started(frame, port, channel.port2, setup, () => container.append(frame));
		return new FramedTerminal(container, frame, port, events, ready, place, setup);
	} catch (error) {
		frame.remove();
		port.close();
		throw error;
	}
}

/**
 * Appends the frame (`show`) and waits for its terminal: the frame's script says it is there,
 * gets the port with what it needs to know, and answers `ready` once its terminal is open.
 * Rejects if the document loads but its script does not start (a host that does not let a
 * sandboxed frame load the site's scripts), or if nothing is ready in time.
 */
function started(
	frame: HTMLIFrameElement,
	port: MessagePort,
	theirs: MessagePort,
	setup: (themed?: boolean) => FrameSetup,
	show: () => void,
): Promise<Ready> {
	return new Promise((resolve, reject) => {
		let greeted = false;
		let afterLoad: ReturnType<typeof setTimeout> | undefined;
		const timer = setTimeout(() => fail('the terminal frame did not load'), FRAME_TIMEOUT_MS);
		const hello = (event: MessageEvent) => {
			if (event.source !== frame.contentWindow || event.data?.type !== 'opsbook-terminal-frame')
				return;
			greeted = true;
			clearTimeout(afterLoad);
			// The colours read again: the theme may have changed since the Run.
			frame.contentWindow?.postMessage({ type: 'opsbook-terminal-port', setup: setup(true) }, '*', [
				theirs,
			]);
		};
		const loaded = () => {
			if (!greeted)
				afterLoad = setTimeout(
					() => fail('the terminal frame loaded, but its script did not start'),
					AFTER_LOAD_MS,
				);
		};
		const ready = ({ data }: MessageEvent<FrameOut>) => {
			if (data.type !== 'ready') return;
			cleanup();
			resolve(data);
		};
		const cleanup = () => {
			clearTimeout(timer);
			clearTimeout(afterLoad);
			removeEventListener('message', hello);
			frame.removeEventListener('load', loaded);
			port.removeEventListener('message', ready);
		};
		const fail = (why: string) => {
			cleanup();
			reject(new Error(why));
		};
		addEventListener('message', hello);
		frame.addEventListener('load', loaded);
		port.addEventListener('message', ready);
		port.start();
		show();
	});
}

class FramedTerminal implements TerminalView {
	#cols: number;
	#rows: number;
	#written = 0;
	#interactive = false;
	readonly #frame: HTMLIFrameElement;
	readonly #place: TerminalPlace;
	readonly #port: MessagePort;
	/** The height the frame's terminal needs, CSS pixels. */
	#height = 0;
	readonly #cleanup: Array<() => void> = [];

	constructor(
		container: HTMLElement,
		frame: HTMLIFrameElement,
		port: MessagePort,
		events: TerminalEvents,
		{ cols, rows, height }: Ready,
		place: TerminalPlace,
		setup: (themed?: boolean) => FrameSetup,
	) {
		this.#frame = frame;
		this.#place = place;
		this.#port = port;
		this.#cols = cols;
		this.#rows = rows;
		this.#height = height;
		this.#fitHeight();
		frame.style.opacity = '';
		port.onmessage = ({ data }: MessageEvent<FrameOut>) => {
			switch (data.type) {
				case 'input':
					if (this.#interactive) events.input(data.data);
					return;
				case 'resize':
					this.#cols = data.cols;
					this.#rows = data.rows;
					return events.resize(data.cols, data.rows);
				case 'ack':
					return events.ack(data.bytes);
				case 'height':
					this.#height = data.px;
					return this.#fitHeight();
				case 'focused':
					// The page's `:focus-within` does not see into another process's frame.
					container.toggleAttribute('data-focused', data.on);
					return;
			}
		};
		// What the terminal reads of the box, told again whenever it may have changed.
		let last = JSON.stringify(setup());
		const told = (themed = false) => {
			this.#fitHeight();
			const next = setup(themed);
			const text = JSON.stringify(next);
			if (text === last) return;
			last = text;
			this.#send({ type: 'setup', setup: next });
		};
		// The box (its size, the theme), as the page's own terminal watches it; and the window,
		// whose width and height the frame cannot see.
		const resized = () => told();
		this.#cleanup.push(place.watch({ size: resized, theme: () => told(true) }));
		addEventListener('resize', resized);
		this.#cleanup.push(() => removeEventListener('resize', resized));
		// Watched from here on: a theme changed while the frame was getting ready is told now.
		told(true);
	}

	/** As high as the terminal needs, or, with a height of the box's own (its corner dragged), the box's. */
	#fitHeight() {
		this.#frame.style.height = this.#place.sized() ? '100%' : `${this.#height}px`;
	}

	#send(message: FrameIn, transfer: Transferable[] = []) {
		this.#port.postMessage(message, transfer);
	}

	get cols() {
		return this.#cols;
	}
	get rows() {
		return this.#rows;
	}
	get written() {
		return this.#written;
	}

	get interactive() {
		return this.#interactive;
	}
	set interactive(on: boolean) {
		if (on === this.#interactive) return;
		this.#interactive = on;
		this.#send({ type: 'interactive', on });
	}

	output(offset: number, data: Uint8Array) {
		const end = offset + data.length;
		if (end <= this.#written) return;
		this.#written = end;
		// The bytes move to the frame; nothing in the page reads them after this.
		this.#send({ type: 'output', offset, data }, [data.buffer]);
	}

	reset(from = 0) {
		this.#written = from;
		this.#send({ type: 'reset', from });
	}

	resume(from: number) {
		if (from <= this.#written) return;
		this.#written = from;
		this.#send({ type: 'resume', from });
	}

	describe(text: string) {
		this.#send({ type: 'describe', text });
	}

	focus() {
		this.#frame.focus();
		this.#send({ type: 'focus' });
	}

	dispose() {
		for (const cleanup of this.#cleanup) cleanup();
		this.#port.close();
		this.#frame.remove();
	}
}
