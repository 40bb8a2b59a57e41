/**
 * The script of the terminal's own document (`src/routes/terminal.astro`), which the run panel
 * shows in a sandboxed frame (`framed-terminal.ts`). Chromium renders a sandboxed frame in a
 * process of its own, so a flood's parsing and drawing cost the runbook page nothing per frame:
 * in the page's own document, every frame the terminal drew also went over the page's other
 * content (README: Benchmarks).
 *
 * The frame talks only to the page that embeds it, through the `MessagePort` that page hands it:
 * output, notes and what surrounds the terminal come in; keystrokes, size, acknowledgements and
 * the height it needs go out. It has no socket and never reaches the bridge.
 */
import type { FrameIn, FrameOut, FrameSetup } from './framed-terminal.ts';
import { scrollbarHeight } from './pty-size.ts';
import type { TerminalPlace } from './terminal-place.ts';

const SANDBOX_READY: FrameOut = { type: 'opsbook-terminal-frame' };

function framePlace(setup: FrameSetup, box: HTMLElement) {
	let current = setup;
	const listeners = new Set<{ size(): void; theme(): void }>();
	const place: TerminalPlace = {
		fontFamily: setup.fontFamily,
		theme: () => current.theme,
		wide: () => current.wide,
		windowHeight: () => current.windowHeight,
		sized: () => current.sized,
		// The frame is as high as the page's box, inside its padding.
		innerHeight: () => document.documentElement.clientHeight,
		watch(changed) {
			listeners.add(changed);
			const resized = new ResizeObserver(() => changed.size());
			resized.observe(box);
			// The frame itself resized: with a height of the box's own, its rows fit the frame, and
			// dragging the corner again changes nothing the page tells.
			const framed = () => changed.size();
			addEventListener('resize', framed);
			return () => {
				listeners.delete(changed);
				resized.disconnect();
				removeEventListener('resize', framed);
			};
		},
	};
	// The page's colour behind the rows, as in the page's box.
	const paint = () => (document.body.style.background = current.theme.background ?? '');
	paint();
	const update = (next: FrameSetup) => {
		// A copy through the port each time: the same colours are not a new theme for xterm.
		const themed = JSON.stringify(next.theme) !== JSON.stringify(current.theme);
		const resized =
			next.wide !== current.wide ||
			next.windowHeight !== current.windowHeight ||
			next.sized !== current.sized;
		current = next;
		if (themed) paint();
		for (const listener of listeners) {
			if (themed) listener.theme();
			if (resized) listener.size();
		}
	};
	return { place, update };
}

/** Starts once the page hands over its port; a message from anyone else is ignored. */
function start(event: MessageEvent) {
	const [port] = event.ports;
	if (event.source !== window.parent || event.data?.type !== 'opsbook-terminal-port' || !port) {
		return;
	}
	removeEventListener('message', start);
	void open(port, event.data.setup as FrameSetup);
}

async function open(port: MessagePort, setup: FrameSetup) {
	const send = (message: FrameOut, transfer: Transferable[] = []) =>
		port.postMessage(message, transfer);
	const box = document.createElement('div');
	box.className = 'ob-frame-box';
	document.body.append(box);
	const { place, update } = framePlace(setup, box);
	// Imported, not bundled in: the page's fallback loads the same module, by its own names.
	const { createTerminal } = await import('./terminal.ts');
	const terminal = await createTerminal(
		box,
		{
			input: (data) => send({ type: 'input', data }),
			resize: (cols, rows) => send({ type: 'resize', cols, rows }),
			ack: (bytes) => send({ type: 'ack', bytes }),
		},
		place,
	);
	// The page sizes the frame to what the terminal needs, and a sideways scrollbar under it when
	// its columns are wider than the frame: told from the widths, not from the frame's height,
	// which is the page's to set (a frame without its height yet shows no scrollbar).
	const scrollbar = scrollbarHeight();
	const needed = () => {
		const root = document.documentElement;
		return Math.ceil(box.offsetHeight + (root.scrollWidth > root.clientWidth ? scrollbar : 0));
	};
	let height = needed();
	const remeasure = () => {
		const next = needed();
		if (next === height) return;
		height = next;
		send({ type: 'height', px: height });
	};
	const measured = new ResizeObserver(remeasure);
	measured.observe(box);
	addEventListener('resize', remeasure);
	// The page shows the terminal's focus ring and the way out while it has focus.
	addEventListener('focusin', () => send({ type: 'focused', on: true }));
	addEventListener('focusout', (event) => {
		if (!event.relatedTarget) send({ type: 'focused', on: false });
	});
	port.onmessage = ({ data }: MessageEvent<FrameIn>) => {
		switch (data.type) {
			case 'output':
				return terminal.output(data.offset, data.data);
			case 'reset':
				return terminal.reset(data.from);
			case 'resume':
				return terminal.resume(data.from);
			case 'interactive':
				terminal.interactive = data.on;
				return;
			case 'describe':
				return terminal.describe(data.text);
			case 'focus':
				return terminal.focus();
			case 'setup':
				return update(data.setup);
		}
	};
	// With its height, so the page lays the frame out once, not empty and then again.
	send({ type: 'ready', cols: terminal.cols, rows: terminal.rows, height });
}

addEventListener('message', start);
window.parent.postMessage(SANDBOX_READY, '*');
