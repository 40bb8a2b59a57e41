/**
 * A run's terminal: xterm.js and its fit addon, loaded on the first Run or reattach, so a page
 * that only reads and copies never downloads a terminal.
 *
 * Output is fed as bytes, never decoded to strings here, and acknowledged with the scheme of the
 * xterm.js "Flow Control" guide: each write's callback advances the processed offset, and an
 * `ack` goes to the bridge every {@link ACK_BYTES} processed and whenever the terminal has caught
 * up. The bridge pauses the pty while too much output is unacknowledged, so a fast command cannot
 * flood the page. Offsets are the run's own: after a reload the bridge replays its buffer and
 * anything already written is dropped.
 *
 * A flood is drawn every {@link FLOOD_FRAME_MS}, not every frame: output that comes in big frames
 * or faster than xterm parses it is held with synchronized output (DEC mode 2026), begun and ended
 * only at line ends outside escape sequences (`#paced`). Drawing a frame cost a flood's parser
 * about a third of each frame.
 *
 * The terminal lives in a shadow root of its own (`shadowScreen`): a flood redraws its rows many
 * times a second, and the page's style rules, `:has()` selectors and DOM observers need not see that.
 *
 * Rendering uses xterm's DOM renderer unless the browser has a hardware WebGL renderer: WebGL on
 * a software rasteriser (SwiftShader, llvmpipe) is about five times slower than the DOM.
 *
 * Size: a terminal is never narrower than {@link WIDE_COLS} columns on a wide screen and
 * {@link NARROW_COLS} on a narrow one, wider when its element allows, and scrolls sideways when
 * its element is narrower, so `ps aux` or `docker stats` never wrap mid-word. It starts
 * {@link MIN_ROWS} rows high and grows with its output, a few rows at a time, up to
 * {@link MAX_ROWS} or {@link MAX_HEIGHT} of the window; the pty follows through `resize`. It never
 * shrinks by itself, so a Re-run keeps the height the last run needed. Dragging its corner gives
 * it a height of one's own, which it then fits instead.
 *
 * Keyboard: while a run takes input, Tab belongs to the command (completion in a shell), as
 * WAI-ARIA's guidance for embedded editors allows if the way out is told: Escape then Tab (or
 * Shift+Tab) leaves the terminal, the Escape still reaching the command. Once nothing takes input,
 * Tab leaves at once.
 *
 * Copy and paste work as in the rest of the browser, as in VS Code's and Windows Terminal's
 * terminals: Ctrl+C copies what is selected and clears the selection, so the next Ctrl+C
 * interrupts the command as it does without one; Ctrl+V (and Ctrl+Shift+V) pastes. xterm.js sends
 * both to the command as control characters, so a responder who selected output and pressed
 * Ctrl+C copied nothing. On a Mac, Cmd+C and Cmd+V do this already, and Ctrl+C and Ctrl+V stay
 * the command's.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { GROUND, lineEnd, stateAfter } from './escape-state.ts';
import { FONT_SIZE, MIN_ROWS, NARROW_COLS, WIDE_COLS } from './pty-size.ts';
import { boxPlace, type TerminalPlace } from './terminal-place.ts';
import { skipEmptySelectionRedraws } from './xterm-fixes.ts';
// As a URL, not a side-effect import: Astro would hoist the latter into every page's CSS.
import xtermCss from '@xterm/xterm/css/xterm.css?url';

/**
 * Acknowledge processed output at least every this many bytes: often enough for the bridge's
 * window (it resumes a paused command below 2 MiB unacknowledged), seldom enough that a flood
 * sends a hundred acks per 50 MiB, not five hundred.
 */
const ACK_BYTES = 512 * 1024;

/**
 * During a flood (output in frames of {@link FLOOD_CHUNK} or more, or faster than xterm parses
 * it), the terminal draws at most this often (in ms) instead of every frame: drawing a frame costs
 * a flood's parser a third of each frame here, and nobody reads a screen that scrolls thousands of
 * lines a second.
 */
const FLOOD_FRAME_MS = 50;
/** A frame of output at least this big is part of a flood. */
const FLOOD_CHUNK = 16 * 1024;
/** How far ahead of xterm's parser output is handed to it. */
const PARSE_AHEAD = 256 * 1024;
/** Synchronized output (DEC private mode 2026): xterm holds drawing from `h` until `l`. */
const SYNC_ON = '\x1b[?2026h';
const SYNC_OFF = '\x1b[?2026l';

/** The most rows growth reaches, and the share of the window's height it may take. */
const MAX_ROWS = 30;
const MAX_HEIGHT = 0.6;
/** Growth adds rows in steps, so output trickling in resizes the pty a few times, not per line. */
const GROW_STEP = 4;
/** A Mac's copy and paste keys are Cmd's, which xterm.js leaves to the browser. */
const MAC = /Mac|iPhone|iPad|iPod/.test(navigator.platform);

/**
 * The letter a shortcut means: the key's own, or on a layout without Latin letters (Cyrillic,
 * Greek, Hebrew) the one at its place, as the browser reads Ctrl+C there and as xterm.js does.
 */
function letter(event: KeyboardEvent): string {
	const key = event.key.toLowerCase();
	if (/^[a-z]$/.test(key)) return key;
	return /^Key[A-Z]$/.test(event.code) ? event.code.slice(3).toLowerCase() : key;
}

export interface TerminalEvents {
	/** Keystrokes (and pasted text) for the run. */
	input(data: string): void;
	/** The terminal's size in cells changed with its element. */
	resize(cols: number, rows: number): void;
	/** The terminal has processed the run's output up to byte `bytes`. */
	ack(bytes: number): void;
}

let webgl: boolean | undefined;

/**
 * Opsbook's rules for xterm's elements, inside the terminal's shadow root:
 * - xterm's element is as wide as its columns and xterm's scrollbar (14px), so the scrollbar never
 *   covers the last columns when they are wider than the box, which then scrolls sideways;
 * - what xterm changes while output streams (its rows, in the screen; the hidden textarea it moves
 *   to the cursor; the scrollbar) is laid out on its own: each has the size xterm gives it, and
 *   with size and layout contained Chromium lays out only inside it. Otherwise every frame the
 *   terminal draws lays out the path from the rows to the page's root, and in a runbook page that
 *   path runs through the content's hundreds of parts (traces: layout from the root, 23 objects,
 *   against 4 inside the screen; 1.55 against 1.23 ms a drawn frame). Drawn pixels are the same,
 *   compared with and without, selection and cursor included;
 * - what the terminal paints keeps its bounds while output streams. Chromium works the
 *   compositor's layers out again, from every painted part of the page, whenever a part's bounds
 *   or their number change (`NeedsFullUpdateAfterPaintingChunk`, `paint_artifact_compositor.cc`):
 *   a step whose cost grows with the page. xterm clips each row (inline `overflow: hidden`),
 *   which makes each row a part of its own, as wide as its text and absent when the row is empty;
 *   unclipped, the rows paint as one part over the screen's background (the colour that shows
 *   through anyway), as large as the screen whatever they hold. A glyph taller than its row may
 *   now show past it instead of being cut. And xterm moves its hidden textarea (a transparent
 *   part) to the cursor after every write: without focus, where it only receives the page's
 *   scrolling to a focused element, it stays at the first cell; with focus (`.focus`) it is where
 *   xterm put it, at the cursor, for keystrokes and an input method's window. Traces of a flood in
 *   a runbook page: the layers worked out again in 15–18 frames of about 100 instead of 55 of
 *   105, a drawn frame's rendering steps 4.2 → 3.0 ms.
 */
const OWN_CSS = `
.xterm { box-sizing: border-box; width: max-content; min-width: 100%; padding-inline-end: 14px; }
.xterm-screen, .xterm-helper-textarea, .xterm-scrollable-element > .scrollbar { contain: size layout; }
.xterm-screen { background-color: inherit; }
.xterm-rows > div { overflow: visible !important; }
.xterm:not(.focus) .xterm-helper-textarea { left: 0 !important; top: 0 !important; width: 0 !important; height: 0 !important; }
`;

/**
 * The element xterm opens in: inside a shadow root of its own under `container`, with xterm's
 * stylesheet. xterm's DOM renderer replaces the spans of every row it redraws, every frame of a
 * flood; out here, each of those insertions went through the page's `:has()` rules
 * (Starlight's `body:has(…)`), its DOM observers and its style rules, which made a frame around
 * the terminal about twice as dear as in an empty page. In a shadow tree none of them sees it.
 */
async function shadowScreen(container: HTMLElement): Promise<ShadowScreen> {
	const host = document.createElement('div');
	host.className = 'ob-term-screen';
	container.append(host);
	const root = host.attachShadow({ mode: 'open' });
	const style = document.createElement('style');
	style.textContent = OWN_CSS;
	const link = document.createElement('link');
	link.rel = 'stylesheet';
	link.href = xtermCss;
	const screen = document.createElement('div');
	// xterm measures its cells with its stylesheet, so it must load first; a failed one leaves a
	// plainer terminal, not a broken page.
	const loaded = new Promise<void>((resolve) => {
		link.addEventListener('load', () => resolve());
		link.addEventListener('error', () => resolve());
	});
	root.append(link, style, screen);
	await loaded;
	return { host, screen };
}

interface ShadowScreen {
	/** The element in `container` that holds the shadow root. */
	host: HTMLElement;
	/** Where xterm opens. */
	screen: HTMLElement;
}

/** A terminal in `container`, once its stylesheet is in; `place` says what surrounds it. */
export async function createTerminal(
	container: HTMLElement,
	events: TerminalEvents,
	place: TerminalPlace = boxPlace(container),
): Promise<RunTerminal> {
	return new RunTerminal(place, await shadowScreen(container), events);
}

/** Whether WebGL runs on a GPU here, not on a software rasteriser. */
function hardwareWebgl(): boolean {
	if (webgl !== undefined) return webgl;
	webgl = false;
	try {
		const gl = document.createElement('canvas').getContext('webgl2');
		if (!gl) return webgl;
		const info = gl.getExtension('WEBGL_debug_renderer_info');
		const renderer = String(
			gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '',
		);
		gl.getExtension('WEBGL_lose_context')?.loseContext();
		webgl =
			renderer !== '' && !/swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
	} catch {
		// No WebGL at all: the DOM renderer it is.
	}
	return webgl;
}

/** Output of the run: bytes, and the offset in the run's output just after them. */
interface Output {
	data: Uint8Array;
	end: number;
}

export class RunTerminal {
	readonly term: Terminal;
	readonly #events: TerminalEvents;
	readonly #fit = new FitAddon();
	readonly #cleanup: Array<() => void> = [];
	/** End offset of the output received, and of what xterm has processed and we acknowledged. */
	#written = 0;
	#processed = 0;
	#acked = 0;
	/** Output received and not yet handed to xterm: the run's bytes, and notes of Opsbook's own. */
	#waiting: Array<Output | string> = [];
	/** Bytes handed to xterm and not yet parsed. */
	#handed = 0;
	/**
	 * Drawing, for a flood (see {@link FLOOD_FRAME_MS}): `free`; `held`; or `released`, until xterm
	 * has drawn what was held, so a hold never follows a hold without a frame drawn between them.
	 */
	#drawing: 'free' | 'held' | 'released' = 'free';
	#releaseTimer: ReturnType<typeof setTimeout> | undefined;
	/** While drawing is held: the output after its last line end, handed over when the hold ends. */
	#tail: Output[] = [];
	/**
	 * What was handed to xterm ends a line, and the escape sequence it leaves open (`escape-state.ts`):
	 * a hold may start or end after a line end outside any sequence.
	 */
	#endsLine = true;
	#open = GROUND;
	/** Resets (RIS) written to xterm and not yet parsed. */
	#resetting = 0;
	/** Bumped by `reset`, so callbacks of an earlier run's writes change nothing. */
	#generation = 0;
	#interactive = false;
	readonly #place: TerminalPlace;
	readonly #host: HTMLElement;
	/** Escape was the last key: a Tab now leaves the terminal instead of reaching the command. */
	#escaped = false;
	/** A row's height in CSS pixels, as xterm drew it; 0 before it drew. */
	#rowHeight = 0;

	constructor(place: TerminalPlace, { host, screen }: ShadowScreen, events: TerminalEvents) {
		this.#events = events;
		this.#place = place;
		this.#host = host;
		this.term = new Terminal({
			fontFamily: place.fontFamily,
			fontSize: FONT_SIZE,
			rows: MIN_ROWS,
			scrollback: 10_000,
			theme: place.theme(),
			disableStdin: true,
			cursorBlink: false,
		});
		this.term.loadAddon(this.#fit);
		this.term.open(screen);
		skipEmptySelectionRedraws(this.term);
		if (hardwareWebgl()) void this.#loadWebgl();
		this.#size();

		this.term.attachCustomKeyEventHandler((event) => this.#key(event));
		this.#cleanup.push(
			dispose(this.term.onData((data) => this.#interactive && this.#events.input(data))),
			dispose(this.term.onResize(({ cols, rows }) => this.#events.resize(cols, rows))),
			// At most once a frame, not per chunk: a flood costs one comparison a frame once grown.
			dispose(this.term.onWriteParsed(() => this.#grow())),
			dispose(
				this.term.onRender(() => {
					if (this.#drawing === 'released') this.#drawing = 'free';
				}),
			),
			// A full-screen program (top, less) draws on all the rows it is given: give it the most.
			dispose(
				this.term.buffer.onBufferChange((buffer) => {
					if (buffer.type === 'alternate') this.#grow(Infinity);
				}),
			),
		);
		this.#cleanup.push(
			place.watch({
				size: () => this.#size(),
				theme: () => (this.term.options.theme = place.theme()),
			}),
		);
	}

	/**
	 * Columns from the element's width, never fewer than the screen's minimum; rows from the
	 * element's height only when it has one of its own, else they are growth's business.
	 */
	#size() {
		// Measured here, not while growing: a layout read per frame would slow a flood.
		const screen = this.term.element?.querySelector<HTMLElement>('.xterm-screen');
		this.#rowHeight = (screen?.offsetHeight ?? 0) / this.term.rows;
		const fits = this.#fit.proposeDimensions();
		if (!fits || Number.isNaN(fits.cols)) return;
		const min = this.#place.wide() ? WIDE_COLS : NARROW_COLS;
		const cols = Math.max(min, fits.cols);
		let rows = this.term.rows;
		if (this.#place.sized() && this.#rowHeight > 0) {
			rows = Math.max(1, Math.floor(this.#place.innerHeight() / this.#rowHeight));
		}
		if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
	}

	/** Adds rows, a step at a time, while the output needs more than it shows (or `needed` rows). */
	#grow(needed?: number) {
		const rows = this.term.rows;
		if (this.#place.sized() || rows >= MAX_ROWS) return;
		const buffer = this.term.buffer.active;
		// Lines written so far, the cursor's included: it is where the next line appears.
		needed ??= buffer.baseY + buffer.cursorY + 1;
		if (needed <= rows) return;
		const row = this.#rowHeight;
		const fits = row > 0 ? Math.floor((this.#place.windowHeight() * MAX_HEIGHT) / row) : MAX_ROWS;
		const cap = Math.max(MIN_ROWS, Math.min(MAX_ROWS, fits));
		const next = Math.min(cap, Math.ceil(needed / GROW_STEP) * GROW_STEP);
		// xterm brings lines back from the scrollback into the rows it gains.
		if (next > rows) this.term.resize(this.term.cols, next);
	}

	/**
	 * Tab leaves the terminal when nothing takes input, or right after Escape; otherwise it is the
	 * command's. Returning false hands the key back to the browser, whose Tab moves focus.
	 */
	#key(event: KeyboardEvent): boolean {
		if (event.type !== 'keydown') return true;
		if (event.ctrlKey && !event.altKey && !event.metaKey && !MAC) {
			const key = letter(event);
			if (key === 'c' && !event.shiftKey && this.term.hasSelection()) {
				// The browser copies (xterm's copy handler puts the selection on the clipboard), then
				// the selection goes, so a second Ctrl+C reaches the command.
				this.#escaped = false;
				setTimeout(() => this.term.clearSelection());
				return false;
			}
			if (key === 'v') {
				// The browser pastes; xterm hands the text to the command (bracketed, if it asked).
				this.#escaped = false;
				return false;
			}
		}
		if (event.key === 'Tab' && !event.ctrlKey && !event.altKey && !event.metaKey) {
			const leave = !this.#interactive || this.#escaped;
			this.#escaped = false;
			return !leave;
		}
		if (['Shift', 'Control', 'Alt', 'Meta'].includes(event.key)) return true;
		this.#escaped = event.key === 'Escape';
		return true;
	}

	async #loadWebgl() {
		try {
			const { WebglAddon } = await import('@xterm/addon-webgl');
			const addon = new WebglAddon();
			// Browsers cap WebGL contexts per page; a lost one falls back to the DOM renderer.
			addon.onContextLoss(() => addon.dispose());
			this.term.loadAddon(addon);
		} catch {
			// The DOM renderer keeps working.
		}
	}

	get interactive(): boolean {
		return this.#interactive;
	}

	get cols() {
		return this.term.cols;
	}
	get rows() {
		return this.term.rows;
	}

	/** The end of the output handed to the terminal: where a reattach resumes. */
	get written() {
		return this.#written;
	}

	/** Keystrokes go to the run only while it runs. */
	set interactive(on: boolean) {
		this.#interactive = on;
		this.#escaped = false;
		this.term.options.disableStdin = !on;
	}

	/** Clears the terminal for another run, whose output starts at byte `from`. */
	reset(from = 0) {
		this.#generation++;
		clearTimeout(this.#releaseTimer);
		// In the stream, after what xterm was already handed (which it parses anyway), not before
		// it: the last run's output never shows up in this one's, and a hold it left on ends.
		this.#resetting++;
		this.term.write('\x1bc', () => this.#resetting--);
		this.#written = this.#processed = this.#acked = from;
		this.#waiting = [];
		this.#handed = 0;
		this.#tail = [];
		this.#drawing = 'free';
		this.#endsLine = true;
		this.#open = GROUND;
	}

	/** Output resumes at byte `from` (the bridge's `attached`): what comes before it is gone. */
	resume(from: number) {
		if (from <= this.#written) return;
		this.note('[earlier output dropped]');
		this.#written = from;
		// Count the missing bytes as processed, so acks stay in step with the bridge's offsets.
		if (!this.#pending) this.#processed = this.#acked = from;
	}

	/** Output received and not yet processed by xterm. */
	get #pending(): boolean {
		return this.#handed > 0 || this.#waiting.length > 0 || this.#tail.length > 0;
	}

	/**
	 * Writes output that starts at byte `offset` of the run. Bytes already written (a replay after
	 * reattaching) are dropped; a gap means the bridge no longer had them.
	 */
	output(offset: number, data: Uint8Array) {
		const end = offset + data.length;
		if (end <= this.#written) return;
		if (offset < this.#written) data = data.subarray(this.#written - offset);
		else if (offset > this.#written) {
			this.note(this.#written === 0 ? '[earlier output dropped]' : '[output dropped]');
		}
		this.#written = end;
		this.#waiting.push({ data, end });
		this.#feed();
	}

	/**
	 * Hands waiting output to xterm, at most {@link PARSE_AHEAD} bytes ahead of its parser, so a
	 * hold on drawing starts and ends when it is meant to, not behind megabytes already queued.
	 */
	#feed() {
		while (this.#handed < PARSE_AHEAD) {
			const next = this.#waiting.shift();
			if (next === undefined) return;
			if (typeof next === 'string') {
				this.#release();
				this.term.write(next);
				// A note's own sequences end whatever the output left open.
				this.#endsLine = true;
				this.#open = GROUND;
			} else this.#paced(next);
		}
	}

	/**
	 * Hands `output` to xterm, holding its drawing during a flood: output in big frames (the
	 * bridge gathers it while a command streams) or faster than xterm parses it is drawn every
	 * {@link FLOOD_FRAME_MS}, not every frame. The hold is synchronized output (DEC private mode
	 * 2026, which xterm.js honours), and it starts and ends only after a line feed outside any
	 * escape sequence (`escape-state.ts`), so no sequence of the command's or UTF-8 character is
	 * cut in two: while held, the output after the last such place waits here. A full-screen
	 * program (the alternate screen) is never held; it may use the mode itself.
	 */
	#paced({ data, end }: Output) {
		const start = end - data.length;
		const flood = data.length >= FLOOD_CHUNK || this.#handed > 0;
		if (this.#drawing === 'free' && flood && this.term.buffer.active.type === 'normal') {
			const at = this.#endsLine && this.#open === GROUND ? 0 : lineEnd(data, this.#open, false);
			if (at >= 0) {
				this.#hand(data.subarray(0, at), start + at);
				this.term.write(SYNC_ON);
				this.#drawing = 'held';
				this.#releaseTimer = setTimeout(() => this.#release(), FLOOD_FRAME_MS);
				data = data.subarray(at);
			}
		}
		if (this.#drawing !== 'held') return this.#hand(data, end);
		let open = this.#open;
		for (const held of this.#tail) open = stateAfter(held.data, held.data.length, open);
		const cut = lineEnd(data, open, true);
		if (cut >= 0) {
			for (const held of this.#tail) this.#hand(held.data, held.end);
			this.#tail = [];
			this.#hand(data.subarray(0, cut), end - data.length + cut);
		}
		const rest = cut >= 0 ? data.subarray(cut) : data;
		if (rest.length > 0) this.#tail.push({ data: rest, end });
		// A line longer than the parser's lead: drawing waits no longer for its end.
		if (this.#tail.reduce((sum, held) => sum + held.data.length, 0) > PARSE_AHEAD) this.#release();
	}

	/** Ends a hold on drawing: the next frame draws, and the one after may start another hold. */
	#release() {
		clearTimeout(this.#releaseTimer);
		if (this.#drawing !== 'held') return;
		this.term.write(SYNC_OFF);
		this.#drawing = 'released';
		const tail = this.#tail;
		this.#tail = [];
		for (const held of tail) this.#hand(held.data, held.end);
	}

	/** Writes the run's output that ends at byte `end`, and acknowledges it once parsed. */
	#hand(data: Uint8Array, end: number) {
		if (data.length === 0) return;
		this.#handed += data.length;
		this.#endsLine = data.at(-1) === 0x0a;
		this.#open = stateAfter(data, data.length, this.#open);
		const generation = this.#generation;
		this.term.write(data, () => {
			if (generation !== this.#generation) return;
			this.#handed -= data.length;
			this.#processed = end;
			this.#feed();
			if (this.#processed - this.#acked >= ACK_BYTES || !this.#pending) this.#ack();
		});
	}

	#ack() {
		if (this.#processed <= this.#acked) return;
		this.#acked = this.#processed;
		this.#events.ack(this.#acked);
	}

	/** A dim line of Opsbook's own, between the run's output. */
	note(text: string) {
		// Its own line: after the output's last line, or the first line of an empty terminal.
		const fresh = (this.#resetting > 0 || this.term.buffer.active.cursorX === 0) && !this.#pending;
		this.#waiting.push(`${fresh ? '' : '\r\n'}\x1b[2m${text}\x1b[22m\r\n`);
		this.#feed();
	}

	focus() {
		this.term.focus();
	}

	/**
	 * Describes the terminal's input (what takes focus) by `text`: as `aria-description`, since an
	 * `aria-describedby` id cannot reach out of the terminal's shadow root.
	 */
	describe(text: string) {
		this.term.textarea?.setAttribute('aria-description', text);
	}

	dispose() {
		clearTimeout(this.#releaseTimer);
		for (const cleanup of this.#cleanup) cleanup();
		this.term.dispose();
		this.#host.remove();
	}
}

function dispose(disposable: { dispose(): void }) {
	return () => disposable.dispose();
}
