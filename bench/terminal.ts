/**
 * `npm run bench` (part 3): the bridge as a page feels it, in headless Debian Chromium.
 *
 * - throughput: 50 MiB of coloured `ls -l`-like lines through the bridge into the block's xterm,
 *   from the click on Run until the terminal has processed the last byte, against the same bytes
 *   written straight into the same terminal code in the same page (its ceiling; target ≥ 0.8×);
 * - click → first output byte on the page (local; target p50 ≤ 30 ms);
 * - a `yes` flood for FLOOD_S seconds: the page's JS heap before and at its peak, then Ctrl-C
 *   typed into the terminal → the run's end (target ≤ 300 ms).
 *
 * On a 2-core machine the ceiling has both cores to itself, while a run shares them between the
 * command, the kernel's pty work, the bridge, Chromium's network process and the page; measured
 * here, the page's renderer gets ~0.9 of a core during a run, and the kernel ~0.6.
 *
 * Needs the bridge fixture site (`npm test` builds it into tests/.tmp/bridge-site).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { startTestBridge } from '../tests/support/bridge.ts';

const SITE = resolve(process.env.OPSBOOK_BRIDGE_SITE ?? 'tests/.tmp/bridge-site');
const MIB = Number(process.env.BENCH_MIB ?? 50);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const FLOOD_S = Number(process.env.BENCH_FLOOD_S ?? 30);

if (!existsSync(SITE)) {
	console.error(
		`bench/terminal.ts needs the bridge fixture site in ${SITE}: run npm test once (it builds it)`,
	);
	process.exit(1);
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const bridge = await startTestBridge({ siteRoot: SITE });
const browser = await chromium.launch({
	executablePath: process.env.OPSBOOK_CHROMIUM ?? '/usr/bin/chromium',
	args: [
		'--no-sandbox',
		'--disable-gpu',
		'--disable-background-networking',
		'--enable-precise-memory-info',
	],
});
try {
	const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
	// Watch the socket from inside the page: when Run was clicked, when output arrived, and what
	// the terminal acknowledged (its processed offset), without touching the page's code.
	await page.addInitScript(() => {
		const bench = {
			click: 0,
			first: 0,
			input: 0,
			/** Per run: the last offset the terminal acknowledged, and when. */
			acked: {} as Record<string, { bytes: number; at: number }>,
			/** Per run: when the bridge said it ended, and its output size. */
			ended: {} as Record<string, { bytes: number; at: number }>,
		};
		Object.assign(window, { obBench: bench });
		document.addEventListener('click', () => (bench.click = performance.now()), true);
		const send = WebSocket.prototype.send;
		WebSocket.prototype.send = function (data) {
			if (typeof data === 'string') {
				const message = JSON.parse(data) as {
					type: string;
					run: string;
					bytes: number;
					data: string;
				};
				if (message.type === 'ack')
					bench.acked[message.run] = { bytes: message.bytes, at: performance.now() };
				if (message.type === 'input' && message.data === '\x03') bench.input = performance.now();
			}
			return send.call(this, data);
		};
		const Native = WebSocket;
		window.WebSocket = class extends Native {
			constructor(url: string | URL, protocols?: string | string[]) {
				super(url, protocols);
				this.addEventListener('message', (event: MessageEvent) => {
					if (typeof event.data !== 'string') {
						bench.first ||= performance.now();
						return;
					}
					const message = JSON.parse(event.data) as {
						type: string;
						run?: { id: string; state: string; outputBytes: number };
					};
					if (message.type === 'run' && message.run?.state === 'exited') {
						bench.ended[message.run.id] = { bytes: message.run.outputBytes, at: performance.now() };
					}
				});
			}
		};
	});
	type Bench = {
		obBench: {
			click: number;
			first: number;
			input: number;
			acked: Record<string, { bytes: number; at: number }>;
			ended: Record<string, { bytes: number; at: number }>;
		};
	};
	await page.goto(`${bridge.origin}/#opsbook=${bridge.token}`);
	await page.locator('opsbook-bridge .ob-chip').filter({ hasText: 'connected' }).waitFor();

	const block = (id: string) => page.locator(`opsbook-command#cmd-${id.replaceAll('.', '\\.')}`);
	const runButton = (id: string) =>
		block(id)
			.getByRole('button', { name: /^(Run|Re-run)$/ })
			.last();

	// Click → first byte. The first run loads the terminal; it is not counted.
	const firstBytes: number[] = [];
	for (let i = 0; i <= SAMPLES; i++) {
		await page.evaluate(() => ((window as unknown as Bench).obBench.first = 0));
		await runButton('t.echo').click();
		await page.waitForFunction(() => (window as unknown as Bench).obBench.first > 0);
		const elapsed = await page.evaluate(() => {
			const { first, click } = (window as unknown as Bench).obBench;
			return first - click;
		});
		if (i > 0) firstBytes.push(elapsed);
		await block('t.echo').locator('.ob-run-again').waitFor({ state: 'visible' });
	}

	// Throughput through the bridge: from the click until the terminal acknowledged the last byte.
	await block('t.flood-color')
		.getByLabel('bytes')
		.fill(String(MIB * 2 ** 20));
	await runButton('t.flood-color').click();
	const info = await page.evaluate(async () => {
		const bench = (window as unknown as Bench).obBench;
		const before = new Set(Object.keys(bench.ended));
		for (;;) {
			await new Promise((r) => setTimeout(r, 20));
			const run = Object.keys(bench.ended).find((id) => !before.has(id));
			if (run === undefined) continue;
			const { bytes } = bench.ended[run]!;
			const acked = bench.acked[run];
			if (acked && acked.bytes >= bytes) return { bytes, seconds: (acked.at - bench.click) / 1000 };
		}
	});
	// Runs before this one ended before the flood started, so "new" above is the flood.
	const bridgeSeconds = info.seconds;

	// The ceiling: the same bytes straight into the same terminal code, 64 KiB at a time, a few in flight.
	const ceilingSeconds = await page.evaluate(async (total: number) => {
		const url = performance
			.getEntriesByType('resource')
			.map((e) => e.name)
			.find((name) => /\/terminal\.[^/]*\.js$/.test(name));
		if (!url) throw new Error('the terminal module was not loaded');
		const { createTerminal } = (await import(url)) as {
			createTerminal(
				el: HTMLElement,
				events: object,
			): Promise<{ output(offset: number, data: Uint8Array): void }>;
		};
		const host = document.querySelector<HTMLElement>(
			'opsbook-command#cmd-t\\.flood-color .ob-term',
		)!;
		const container = document.createElement('div');
		container.className = 'ob-term';
		container.style.cssText = `width:${host.clientWidth}px;height:${host.clientHeight}px`;
		host.after(container);
		// In view, as the run's terminal was: xterm skips painting a terminal nobody can see.
		container.scrollIntoView({ block: 'center' });
		const line = `\x1b[1;34mdrwxr-xr-x\x1b[0m  2 opsbook staff   4096 Nov 25 02:20 \x1b[1;32mrunbook-orion.mdx\x1b[0m\r\n`;
		const chunk = new TextEncoder().encode(line.repeat(Math.ceil(65536 / line.length)));
		let done!: () => void;
		const finished = new Promise<void>((r) => (done = r));
		const terminal = await createTerminal(container, {
			input() {},
			resize() {},
			ack(processed: number) {
				if (processed >= total) done();
			},
		});
		const started = performance.now();
		let offset = 0;
		let frames = 0;
		while (offset < total) {
			const data = chunk.subarray(0, Math.min(chunk.length, total - offset));
			terminal.output(offset, data);
			offset += data.length;
			// A few frames, then a turn of the event loop, as frames arriving from a socket would.
			if (++frames % 4 === 0) await new Promise((r) => setTimeout(r, 0));
		}
		await finished;
		const seconds = (performance.now() - started) / 1000;
		container.remove();
		return seconds;
	}, info.bytes);
	const mib = info.bytes / 2 ** 20;
	console.log('\nThe bridge in the page, same run, same browser\n');
	console.log(
		`throughput            ${(mib / bridgeSeconds).toFixed(1)} MiB/s vs xterm alone ${(mib / ceilingSeconds).toFixed(1)} MiB/s   ${(ceilingSeconds / bridgeSeconds).toFixed(2)}×  (target ≥ 0.80×; ${mib.toFixed(0)} MiB)`,
	);
	console.log(
		`click → first byte    ${p50(firstBytes).toFixed(1)} ms p50 over ${SAMPLES}   (target ≤ 30 ms)`,
	);

	// The flood: heap, then Ctrl-C.
	const heap = () =>
		page.evaluate(
			() =>
				(performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize,
		);
	const before = await heap();
	await runButton('t.yes').click();
	// Bounded means the second half of the flood peaks no higher than the first.
	const peaks = [before, before];
	const started = Date.now();
	while (Date.now() < started + FLOOD_S * 1000) {
		await page.waitForTimeout(500);
		const half = Date.now() < started + (FLOOD_S * 1000) / 2 ? 0 : 1;
		peaks[half] = Math.max(peaks[half]!, await heap());
	}
	const [early = 0, late = 0] = peaks;
	await block('t.yes').locator('.xterm').click();
	await page.keyboard.press('Control+C');
	await block('t.yes').locator('.ob-run-again').waitFor({ state: 'visible' });
	const ctrlC = await page.evaluate(() => {
		const { ended, input } = (window as unknown as Bench).obBench;
		return Math.max(...Object.values(ended).map((e) => e.at)) - input;
	});
	const inMiB = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
	console.log(
		`flood ${FLOOD_S} s, JS heap     peak ${inMiB(late)} in its second half vs ${inMiB(early)} in its first   ${(late / early).toFixed(2)}×  (bounded: ≈ 1×; ${inMiB(before)} before)`,
	);
	console.log(`Ctrl-C → exit         ${ctrlC.toFixed(0)} ms   (target ≤ 300 ms)`);
} finally {
	await browser.close();
	await bridge.dispose();
}
