// @ts-nocheck -- browser code, served as is into a copy of the built site by bench/terminal.ts.
/**
 * The in-page half of the throughput benchmark (`bench/terminal.ts`). No automation is attached
 * to the browser: this script drives the page, times it, and reports to the bench's loopback
 * endpoint over a WebSocket (the site's Content-Security-Policy lets a page reach loopback only
 * that way) once the stream is over, so reporting costs the measured stream nothing.
 *
 * `?bench=` says which page this is:
 * - `page`: Opsbook's page; clicks Run of `t.flood-color` with `element.click()`, as a reader
 *   would, and watches the acks the page sends until the last byte was processed;
 * - `page-memory`: Opsbook's page, whose run panel gets a terminal of the same module in a box
 *   of its own where the run's was, fed the same bytes from memory: the page without the socket;
 * - `ceiling`: the same terminal module fed the same bytes from memory, in an empty page;
 * - `terminal-memory`: the same, through the terminal's own output path (holding a flood's
 *   drawing as the page does) within the bridge's window;
 * - `minimal`: the same terminal module fed by the bridge's protocol over a plain WebSocket, in
 *   an empty page: everything Opsbook's page does, less the page around the terminal.
 */
const query = new URLSearchParams(location.search);
const mode = query.get('bench');
const total = Number(query.get('bytes'));
const warmBytes = Number(query.get('warm') ?? 256 * 1024);
const report = (result) =>
	new Promise((resolve) => {
		const socket = new WebSocket(`ws://127.0.0.1:${query.get('report')}/report`);
		socket.onopen = () =>
			socket.send(JSON.stringify({ mode, round: query.get('round'), ...result }));
		socket.onmessage = () => resolve(socket.close());
		socket.onerror = () => resolve();
	});

/**
 * What each frame costs on the main thread while the stream runs. A frame starts with its first
 * requestAnimationFrame callback (this one, registered a frame earlier, runs before xterm's) and
 * its rendering update ends where a user-blocking task posted from that callback runs (the
 * scheduler runs it before the stream's queued tasks). A frame in which the terminal's rows
 * changed is one it drew: their cost is told apart from the frames it did not draw (Opsbook's
 * terminal draws a flood a few times a second; `rows` is its `.xterm-rows`). Long frames (over
 * 50 ms) also come with the Long Animation Frames API's split: `styleAndLayoutStart` to their end
 * is style, layout and paint.
 */
function frameMeter(rows) {
	const frames = [];
	const long = [];
	let on = true;
	let frame = 0;
	let drawn = 0;
	let drawnIn = -1;
	const watch = new MutationObserver(() => {
		if (drawnIn !== frame) drawn++;
		drawnIn = frame;
	});
	watch.observe(rows, { childList: true, subtree: true, characterData: true });
	const tick = () => {
		if (!on) return;
		const current = ++frame;
		const start = performance.now();
		scheduler.postTask(
			() => frames.push({ ms: performance.now() - start, drawn: drawnIn === current }),
			{ priority: 'user-blocking' },
		);
		requestAnimationFrame(tick);
	};
	requestAnimationFrame(tick);
	// Idle: background tasks run only when nothing else waits, so back-to-back ones mean the
	// main thread had nothing to do (the terminal was starved, between frames).
	let idle = 0;
	let last = performance.now();
	const spin = () => {
		if (!on) return;
		const now = performance.now();
		if (now - last < 2) idle += now - last;
		last = now;
		scheduler.postTask(spin, { priority: 'background' });
	};
	spin();
	let observer;
	try {
		observer = new PerformanceObserver((list) => long.push(...list.getEntries()));
		observer.observe({ type: 'long-animation-frame' });
	} catch {
		// No LoAF here: the frames above still say it.
	}
	return () => {
		on = false;
		observer?.disconnect();
		watch.disconnect();
		const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
		const all = frames.map((f) => f.ms);
		const drew = frames.filter((f) => f.drawn).map((f) => f.ms);
		const end = (e) => e.startTime + e.duration;
		const styleLayoutPaint = long
			.filter((e) => e.styleAndLayoutStart > 0)
			.map((e) => end(e) - e.styleAndLayoutStart)
			.sort((a, b) => a - b);
		const render = long
			.filter((e) => e.renderStart > 0)
			.map((e) => end(e) - e.renderStart)
			.sort((a, b) => a - b);
		return {
			idle: idle / 1000,
			frames: frames.length,
			drawn,
			frameMedian: median(all),
			drawnMedian: median(drew),
			// Every drawn frame, so the bench can pool them over its rounds.
			drawnFrames: drew.map((ms) => Math.round(ms * 100) / 100),
			frameTotal: all.reduce((a, b) => a + b, 0),
			loaf: long.length,
			loafStyleLayoutPaint: median(styleLayoutPaint),
			loafRender: median(render),
		};
	};
}

/** A page time as wall-clock milliseconds, to line up with the bench's samples of the CPU. */
const wallClock = (time) => performance.timeOrigin + time;

const until = async (check, what, ms = 60_000) => {
	const deadline = performance.now() + ms;
	for (;;) {
		const value = check();
		if (value) return value;
		if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
};

/** The bridge's output frame: run id length, run id, offset (float64), bytes (`protocol.ts`). */
function decodeOutput(frame) {
	const length = frame[0];
	const run = String.fromCharCode(...frame.subarray(1, 1 + length));
	const offset = new DataView(frame.buffer, frame.byteOffset).getFloat64(1 + length);
	return { run, offset, data: frame.subarray(1 + length + 8) };
}

/** A terminal whose keystrokes, size and progress go nowhere: one fed from memory. */
const NO_EVENTS = { input() {}, resize() {}, ack() {} };

/**
 * A terminal of the page's own module at the page terminal's cols × rows, in a new box: after
 * `place` (in Opsbook's page, beside the run's own box) with the run box's class, or at the end of
 * an empty page, styled as the page's box (width, padding, font, sideways scroll).
 */
async function bareTerminal(events, place) {
	const { createTerminal } = await import(query.get('module'));
	const box = document.createElement('div');
	if (place) {
		box.className = place.className;
		place.after(box);
	} else {
		box.style.cssText = query.get('box');
		document.body.append(box);
	}
	const terminal = await createTerminal(box, events);
	terminal.term.resize(Number(query.get('cols')), Number(query.get('rows')));
	return { terminal, box };
}

/** The block terminal's box, as inline CSS for the empty pages' terminals. */
function boxOf(element) {
	const style = getComputedStyle(element);
	const copy = [
		'box-sizing',
		'padding',
		'overflow-x',
		'overflow-y',
		'font-family',
		'background-color',
		'color',
	];
	return [
		`width:${element.offsetWidth}px`,
		...copy.map((name) => `${name}:${style.getPropertyValue(name)}`),
	].join(';');
}

/**
 * Opsbook's page, paired, with a first small run of the flood's block done: it loads the terminal
 * and grows it to the height a flood gives it. `run(size)` runs the block again as a reader would
 * (Run, clicked) and resolves with the seconds to the page's acknowledgement of byte `size`.
 */
async function openBlock() {
	// What the page sends: its acks (the terminal's processed offset) and its terminal's size.
	const sent = { acked: 0, ackedAt: 0, cols: 0, rows: 0 };
	const send = WebSocket.prototype.send;
	WebSocket.prototype.send = function (data) {
		if (typeof data === 'string' && /"type":"(ack|run|resize)"/.test(data)) {
			const message = JSON.parse(data);
			if (message.type === 'ack') {
				sent.acked = message.bytes;
				sent.ackedAt = performance.now();
			} else {
				sent.cols = message.cols;
				sent.rows = message.rows;
			}
		}
		return send.call(this, data);
	};
	await until(
		() => /connected/.test(document.querySelector('opsbook-bridge .ob-chip')?.textContent ?? ''),
		'the page to pair',
	);
	const block = document.querySelector('opsbook-command#cmd-t\\.flood-color');
	const bytes = block.querySelector('[data-param="bytes"]');
	const run = async (size) => {
		bytes.value = String(size);
		bytes.dispatchEvent(new Event('input', { bubbles: true }));
		const buttons = [...block.querySelectorAll('button')].filter(
			(b) => /^(Run|Re-run)$/.test(b.textContent.trim()) && !b.hidden && b.offsetParent,
		);
		sent.acked = 0;
		const clicked = performance.now();
		buttons.at(-1).click();
		await until(() => sent.acked >= size, 'the last ack', 180_000);
		return (sent.ackedAt - clicked) / 1000;
	};
	await run(warmBytes);
	await until(() => block.querySelector('.ob-run-again:not([hidden])'), 'the warm-up to end');
	return { run, sent, term: block.querySelector('.ob-term') };
}

/**
 * Brings `box` into full view, as a responder watching the terminal would have it and as the
 * empty pages have theirs (a terminal partly off screen draws fewer pixels); returns a check that
 * it still is.
 */
function inFullView(box) {
	box.scrollIntoView({ block: 'nearest' });
	return () => {
		const { top, bottom } = box.getBoundingClientRect();
		return top >= 0 && bottom <= innerHeight;
	};
}

/**
 * The frames of the page's terminal: in its own frame (`framed-terminal.ts`), metered there by
 * this script (`framedMeter`), or in the page where the frame fell back to it.
 */
function terminalMeter(term) {
	const frame = term.querySelector('iframe.ob-term-frame');
	if (!frame) {
		const stop = frameMeter(
			term.querySelector('.ob-term-screen').shadowRoot.querySelector('.xterm-rows'),
		);
		return async () => stop();
	}
	frame.contentWindow.postMessage({ type: 'bench-meter' }, '*');
	return () =>
		new Promise((resolve) => {
			addEventListener('message', (event) => {
				if (event.source === frame.contentWindow && event.data?.type === 'bench-frames')
					resolve(event.data.frames);
			});
			frame.contentWindow.postMessage({ type: 'bench-stop' }, '*');
		});
}

/** In the terminal's own frame: meters its frames when the page says, and tells it what it saw. */
function framedMeter() {
	let stop;
	addEventListener('message', (event) => {
		if (event.source !== parent) return;
		if (event.data?.type === 'bench-meter')
			stop = frameMeter(
				document.querySelector('.ob-term-screen').shadowRoot.querySelector('.xterm-rows'),
			);
		else if (event.data?.type === 'bench-stop')
			parent.postMessage({ type: 'bench-frames', frames: stop() }, '*');
	});
}

async function page() {
	const { run, sent, term } = await openBlock();
	const inView = inFullView(term);
	const stop = terminalMeter(term);
	const seconds = await run(total);
	const frames = await stop();
	return {
		seconds,
		endedAt: wallClock(sent.ackedAt),
		frames,
		cols: sent.cols,
		rows: sent.rows,
		box: boxOf(term),
		visible: document.visibilityState,
		inView: inView(),
	};
}

/** The page around the terminal without the socket: the flood from memory, in the run panel. */
async function pageMemory() {
	const { term } = await openBlock();
	const { terminal, box } = await bareTerminal(NO_EVENTS, term);
	term.hidden = true;
	const inView = inFullView(box);
	return { ...(await fromMemory(terminal)), visible: document.visibilityState, inView: inView() };
}

/** Whole lines of the flood's block (`t.flood-color`), as the pty gives them, at least `bytes` long. */
function floodChunk(bytes) {
	const line = `\x1b[1;34mdrwxr-xr-x\x1b[0m  2 opsbook staff   4096 Nov 25 02:20 \x1b[1;32mrunbook-orion.mdx\x1b[0m\r\n`;
	return new TextEncoder().encode(line.repeat(Math.ceil(bytes / line.length)));
}

/**
 * Feeds `terminal` the flood's bytes from memory, as fast as xterm parses them: a window of chunks
 * in flight, the next one written as one is done.
 */
async function fromMemory(terminal) {
	let done;
	const finished = new Promise((resolve) => (done = resolve));
	const chunk = floodChunk(64 * 1024);
	const stop = frameMeter(terminal.term.element.querySelector('.xterm-rows'));
	const started = performance.now();
	let offset = 0;
	const feed = () => {
		if (offset >= total) return;
		const data = chunk.subarray(0, Math.min(chunk.length, total - offset));
		const end = offset + data.length;
		terminal.term.write(data, () => {
			feed();
			if (end >= total) done();
		});
		offset = end;
	};
	for (let i = 0; i < 16; i++) feed();
	await finished;
	return timed(terminal, started, performance.now(), stop);
}

/** A terminal's report: the stream from `started` to `ended`, and its frames. */
function timed(terminal, started, ended, stop) {
	return {
		seconds: (ended - started) / 1000,
		endedAt: wallClock(ended),
		frames: stop(),
		cols: terminal.cols,
		rows: terminal.rows,
	};
}

async function ceiling() {
	const { terminal } = await bareTerminal(NO_EVENTS);
	return fromMemory(terminal);
}

/**
 * Opsbook's terminal fed from memory through its own output path, as the page feeds it from the
 * socket (holding a flood's drawing, acknowledging what it parsed), within the bridge's window:
 * the page's stream without the socket and the page around it.
 */
async function terminalMemory() {
	let acked = 0;
	let ackedAt = 0;
	let wake = () => {};
	const { terminal } = await bareTerminal({
		input() {},
		resize() {},
		ack: (bytes) => {
			acked = bytes;
			ackedAt = performance.now();
			wake();
		},
	});
	const chunk = floodChunk(256 * 1024);
	const stop = frameMeter(terminal.term.element.querySelector('.xterm-rows'));
	const started = performance.now();
	let offset = 0;
	// The bridge's window: at most 4 MiB unacknowledged.
	while (acked < total) {
		while (offset < total && offset - acked < 4 * 2 ** 20) {
			const data = chunk.subarray(0, Math.min(chunk.length, total - offset));
			terminal.output(offset, data);
			offset += data.length;
		}
		await new Promise((resolve) => (wake = resolve));
	}
	return timed(terminal, started, ackedAt, stop);
}

async function minimal() {
	let run = '';
	let acked = 0;
	let ackedAt = 0;
	const send = (message) => socket.send(JSON.stringify(message));
	const { terminal } = await bareTerminal({
		input() {},
		resize: (cols, rows) => run && send({ type: 'resize', run, cols, rows }),
		ack: (bytes) => {
			acked = bytes;
			ackedAt = performance.now();
			send({ type: 'ack', run, bytes });
		},
	});
	const messages = [];
	const socket = new WebSocket(query.get('ws'));
	socket.binaryType = 'arraybuffer';
	socket.addEventListener('message', (event) => {
		if (typeof event.data === 'string') {
			const message = JSON.parse(event.data);
			// Output follows `started` at once: follow the run before the next message.
			if (message.type === 'started' && message.ref.startsWith('bench-')) run = message.run.id;
			return messages.push(message);
		}
		const frame = decodeOutput(new Uint8Array(event.data));
		if (frame.run === run) terminal.output(frame.offset, frame.data);
	});
	await new Promise((resolve) => socket.addEventListener('open', resolve));
	send({ type: 'hello', version: Number(query.get('protocol')), token: query.get('token') });
	await until(() => messages.some((m) => m.type === 'welcome'), 'the welcome');
	const commands = JSON.parse(query.get('commands'));
	const start = async (size) => {
		const ref = `bench-${size}`;
		terminal.reset(0);
		acked = 0;
		const clicked = performance.now();
		const { cols, rows } = terminal;
		send({
			type: 'run',
			ref,
			block: 't.flood-color',
			params: { bytes: String(size) },
			command: commands[size],
			cols,
			rows,
		});
		const started = await until(() => messages.find((m) => m.ref === ref), 'the start');
		if (started.type !== 'started') throw new Error(`refused: ${started.message}`);
		await until(() => acked >= size, 'the last ack', 180_000);
		return (ackedAt - clicked) / 1000;
	};
	await start(warmBytes);
	const stop = frameMeter(terminal.term.element.querySelector('.xterm-rows'));
	const seconds = await start(total);
	return {
		seconds,
		endedAt: wallClock(ackedAt),
		frames: stop(),
		cols: terminal.cols,
		rows: terminal.rows,
	};
}

const pages = {
	page,
	'page-memory': pageMemory,
	ceiling,
	'terminal-memory': terminalMemory,
	minimal,
};
// In the page's terminal frame (no query of its own): metering for the page.
if (window !== parent && !mode) framedMeter();
// Without `?bench=` (the page as the Playwright part of the bench opens it) this does nothing.
pages[mode]?.()
	.then((result) => report(result))
	.catch((error) => report({ error: String(error?.stack ?? error) }));
