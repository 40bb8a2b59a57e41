/**
 * `npm run bench` (part 3): the bridge as a page feels it, in headless Debian Chromium.
 *
 * Throughput, with no automation attached: the bench starts Chromium itself (no DevTools port, no
 * Playwright), once per page and round, on a copy of the bridge fixture site into which it adds
 * one script (`bench/pages/stream.js`) that drives the page, times it and reports to the bench
 * over loopback. A DevTools client copies every WebSocket frame out of the browser, which halved
 * a plain socket's throughput when measured. Five pages and the bridge with no browser,
 * interleaved over ROUNDS rounds, each after a check that the machine is quiet:
 *
 * - the page: 50 MiB of coloured `ls -l`-like lines from `t.flood-color` through the bridge into
 *   the block's terminal, from the click on Run until the page acknowledged the last byte;
 * - the page from memory: the same page, a terminal of the same module in its run panel, fed the
 *   same bytes from memory: the page around the terminal without the socket;
 * - the ceiling: the same bytes from memory into the same terminal module, in a box styled as
 *   the block's and at its cols × rows, in an empty page, as fast as xterm parses them (target:
 *   the page ≥ 0.8× the ceiling of the same round);
 * - Opsbook's terminal from memory: the same terminal in the same box, fed the same bytes from
 *   memory through its own output path (which holds a flood's drawing, as in the page) within the
 *   bridge's 4 MiB window: the page's stream without the socket and the page around it;
 * - a minimal page: the same terminal in the same box, fed by the bridge's protocol over a plain
 *   WebSocket, nothing else on the page: what each frame costs around the terminal is compared
 *   with it (target within 10 %), and so is the time the main thread sat idle, with nothing to
 *   parse (the flow-control window ran dry);
 * - no browser: the same flood through the same bridge into a client that draws nothing
 *   (`bench/sink.ts`, a process of its own) and acknowledges each frame as it arrives: the most
 *   any page could stream on this machine, as a ratio to the ceiling.
 *
 * The rounds turn the order, so no measurement always follows the same one. The whole machine's
 * busy CPU time (/proc/stat every 20 ms) is read off over each measurement's window.
 *
 * Click → first byte and the `yes` flood (heap, Ctrl-C → exit) are driven by Playwright: a single
 * echo and a flood's bounded heap are not what its copying of frames changes. Click → first byte
 * is timed on a terminal already there (Re-run), and for the first click of a page, whose
 * terminal's frame loads as the run starts: when the output reaches the page, and when its
 * terminal shows it.
 *
 * Needs the bridge fixture site (`npm test` builds it into tests/.tmp/bridge-site).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Locator } from '@playwright/test';
import { WebSocketServer } from 'ws';
import { PROTOCOL_VERSION } from '../src/protocol.ts';
import { fixtureCommand, spawnTestBridge, startNodeFlags } from '../tests/support/bridge.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/support/chromium.ts';
import { until } from '../tests/support/processes.ts';
import { threadSampler } from './threads.ts';

const SITE = resolve(process.env.OPSBOOK_BRIDGE_SITE ?? 'tests/.tmp/bridge-site');
const MIB = Number(process.env.BENCH_MIB ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const FLOOD_S = Number(process.env.BENCH_FLOOD_S ?? 30);
/** First clicks of a page, each with a bridge and a page of its own. */
const FIRST_CLICKS = Number(process.env.BENCH_FIRST_CLICKS ?? 5);
/** The machine is quiet when this share of both cores was idle over a second. */
const QUIET_IDLE = Number(process.env.BENCH_QUIET_IDLE ?? 0.85);
const QUIET_WAIT_S = Number(process.env.BENCH_QUIET_WAIT_S ?? 60);
const WINDOW = { width: 1280, height: 900 };
/** `BENCH_TRACE=<folder>`: a Chrome trace of each page, for finding what a frame costs. */
const TRACE = process.env.BENCH_TRACE;
const TRACE_S = Number(process.env.BENCH_TRACE_S ?? 20);
const DEFAULT_TRACE_CATEGORIES = [
	'devtools.timeline',
	'disabled-by-default-devtools.timeline',
	'disabled-by-default-devtools.timeline.invalidationTracking',
	'blink',
	'cc',
	'toplevel',
	'v8.execute',
	'v8',
	'disabled-by-default-v8.cpu_profiler',
	'disabled-by-default-v8.gc',
].join(',');
/** `BENCH_TRACE_CATEGORIES=…`: fewer categories cost the traced page less (the defaults double a frame). */
const TRACE_CATEGORIES = process.env.BENCH_TRACE_CATEGORIES ?? DEFAULT_TRACE_CATEGORIES;
/** `BENCH_THREADS=1`: each measurement's CPU by process and thread, for finding where it goes. */
const threads = process.env.BENCH_THREADS ? threadSampler() : undefined;
/** `BENCH_CSS=<rules>`: a stylesheet added to the flood's page, for trying what a rule changes. */
const EXTRA_CSS = process.env.BENCH_CSS ?? '';

if (!existsSync(SITE)) {
	console.error(
		`bench/terminal.ts needs the bridge fixture site in ${SITE}: run npm test once (it builds it)`,
	);
	process.exit(1);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const spread = (xs: number[], digits = 2) =>
	`${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

/**
 * The whole machine's CPU time in seconds, every core together (USER_HZ is 100 on Linux): busy
 * (user, nice, system, interrupts) and all (busy, idle and I/O wait). Time stolen by the
 * hypervisor is neither: it is nobody's work here.
 */
function cpuTimes(): { busy: number; all: number } {
	const [cpu = ''] = readFileSync('/proc/stat', 'utf8').split('\n');
	const [user, nice, system, idle, iowait, irq, softirq] = cpu.split(/\s+/).slice(1, 8).map(Number);
	const busy = user! + nice! + system! + irq! + softirq!;
	return { busy: busy / 100, all: (busy + idle! + iowait!) / 100 };
}

/** How many cores `/proc/stat` counts (its `cpuN` lines), whatever this process may run on. */
const CORES = readFileSync('/proc/stat', 'utf8')
	.split('\n')
	.filter((line) => /^cpu\d/.test(line)).length;

/**
 * Busy CPU time sampled every 20 ms while the bench runs, so what a measurement cost the machine
 * can be read off for its window afterwards. The sampler shares its event loop with the bridge
 * under test; reading /proc/stat takes some microseconds.
 */
const cpuSamples: Array<{ at: number; busy: number }> = [];
const sampleCpu = () => cpuSamples.push({ at: Date.now(), busy: cpuTimes().busy });
const cpuSampler = setInterval(sampleCpu, 20);
cpuSampler.unref();
sampleCpu();

/** Busy CPU seconds, every core together, between two wall-clock times (in milliseconds). */
function cpuBetween(from: number, to: number): number {
	const at = (time: number) => {
		const after = cpuSamples.findIndex((s) => s.at >= time);
		if (after <= 0) return (cpuSamples[after < 0 ? cpuSamples.length - 1 : 0] ?? { busy: 0 }).busy;
		const a = cpuSamples[after - 1]!;
		const b = cpuSamples[after]!;
		return a.busy + ((b.busy - a.busy) * (time - a.at)) / Math.max(1, b.at - a.at);
	};
	return at(to) - at(from);
}

/** Waits until the machine was quiet for a second; says how long it waited, or that it gave up. */
async function quiet(): Promise<string> {
	const started = performance.now();
	let idle = 0;
	while (performance.now() - started < QUIET_WAIT_S * 1000) {
		const before = cpuTimes();
		await new Promise((r) => setTimeout(r, 1000));
		const after = cpuTimes();
		idle = 1 - (after.busy - before.busy) / Math.max(0.01, after.all - before.all);
		if (idle >= QUIET_IDLE) {
			const waited = (performance.now() - started) / 1000 - 1;
			return waited < 0.5 ? '' : `waited ${waited.toFixed(0)} s for a quiet machine`;
		}
	}
	return `machine still busy after ${QUIET_WAIT_S} s (${(idle * 100).toFixed(0)} % idle): measured anyway`;
}

// A copy of the site with the bench's script in the flood's page and an empty page beside it.
const site = await mkdtemp(join(tmpdir(), 'opsbook-bench-site-'));
await cp(SITE, site, { recursive: true });
await mkdir(join(site, '_bench'));
await copyFile('bench/pages/stream.js', join(site, '_bench', 'stream.js'));
const script = '<script type="module" src="/_bench/stream.js"></script>';
await writeFile(
	join(site, '_bench', 'empty.html'),
	`<!doctype html><html lang="en"><meta charset="utf-8"><title>bench</title><body style="margin:0">${script}</body></html>\n`,
);
const index = join(site, 'index.html');
let html = (await readFile(index, 'utf8')).replace('</body>', `${script}</body>`);
if (EXTRA_CSS) {
	await writeFile(join(site, '_bench', 'extra.css'), EXTRA_CSS);
	if (!html.includes('</head>')) throw new Error(`BENCH_CSS: ${index} has no </head> to add it to`);
	html = html.replace('</head>', '<link rel="stylesheet" href="/_bench/extra.css"></head>');
}
await writeFile(index, html);
// The page's terminal draws in a frame of its own (`src/client/framed-terminal.ts`), which meters
// its frames with the same script, inline: the frame's origin is opaque, and the site shares
// only its own scripts across origins (the server allows the page's inline scripts by hash).
const frameDocument = join(site, 'opsbook', 'terminal', 'index.html');
await writeFile(
	frameDocument,
	(await readFile(frameDocument, 'utf8')).replace(
		'</body>',
		`<script type="module">${(await readFile('bench/pages/stream.js', 'utf8')).replaceAll('</script', '<\\/script')}</script></body>`,
	),
);
const terminalModule = (await readdir(join(site, '_astro'))).find((f) =>
	/^terminal\.[\w-]+\.js$/.test(f),
);
if (!terminalModule) throw new Error(`no terminal module in ${SITE}/_astro`);

// In a process of its own, with its flags, as `npm start` runs it: in the bench's own process it
// shared a heap ten times its own, whose collections cost the flood about twice the bridge's CPU.
const bridge = await spawnTestBridge({ site, nodeFlags: await startNodeFlags() });

// Where the pages report: a WebSocket on loopback, the one way out their CSP allows.
type Frames = {
	idle: number;
	frames: number;
	/** Frames in which the terminal's rows changed. */
	drawn: number;
	/** Median frame, and median frame in which the terminal drew. */
	frameMedian: number;
	drawnMedian: number;
	/** Each frame in which the terminal drew, in milliseconds. */
	drawnFrames: number[];
	frameTotal: number;
	loaf: number;
	loafStyleLayoutPaint: number;
	loafRender: number;
};
type Report = {
	mode: string;
	error?: string;
	seconds: number;
	/** When the stream ended, wall-clock milliseconds: with `seconds`, its window of CPU samples. */
	endedAt: number;
	frames: Frames;
	cols: number;
	rows: number;
	/** The block terminal's box as inline CSS (width, padding, overflow, font, colours). */
	box?: string;
	visible?: string;
	/** Whether the page's terminal was in full view when the stream ended. */
	inView?: boolean;
};
const reports = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise((r) => reports.once('listening', r));
const reportPort = (reports.address() as { port: number }).port;
let received: ((report: Report) => void) | undefined;
reports.on('connection', (socket, request) => {
	if (request.headers.origin !== bridge.origin) return socket.close();
	socket.once('message', (data) => {
		received?.(JSON.parse(data.toString()) as Report);
		socket.send('thanks');
	});
});

/** Opens `url` in a Chromium of its own, with no automation, and waits for the page's report. */
async function visit(url: string): Promise<Report> {
	const profile = await mkdtemp(join(tmpdir(), 'opsbook-bench-chromium-'));
	// For diagnosis, not for the numbers: a trace of the whole visit, rendering categories included.
	const { searchParams } = new URL(url);
	const trace =
		TRACE && join(TRACE, `${searchParams.get('bench')}-${searchParams.get('round')}.json`);
	const child = spawn(
		CHROMIUM,
		[
			'--headless=new',
			...CHROMIUM_ARGS,
			`--user-data-dir=${profile}`,
			`--window-size=${WINDOW.width},${WINDOW.height}`,
			...(trace
				? [
						`--trace-startup=${TRACE_CATEGORIES}`,
						`--trace-startup-file=${trace}`,
						'--trace-startup-format=json',
						`--trace-startup-duration=${TRACE_S}`,
					]
				: []),
			url,
		],
		{ detached: true, stdio: 'ignore' },
	);
	const exited = new Promise((r) => child.once('exit', r));
	try {
		return await new Promise<Report>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no report from ${url}`)), 300_000);
			received = (report) => {
				clearTimeout(timer);
				if (report.error) reject(new Error(`${report.mode}: ${report.error}`));
				else resolve(report);
			};
			child.once('exit', () => reject(new Error('Chromium exited before the page reported')));
		});
	} finally {
		received = undefined;
		if (trace) {
			await until(() => existsSync(trace), 'the trace', (TRACE_S + 30) * 1000);
			await new Promise((r) => setTimeout(r, 3000));
		}
		// Its whole process group: the browser and its renderer, GPU and utility processes.
		if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
		await exited;
		await rm(profile, { recursive: true, force: true });
	}
}

const total = MIB * 2 ** 20;
const warm = 256 * 1024;
const commands = {
	[warm]: await fixtureCommand('t.flood-color', { bytes: String(warm) }),
	[total]: await fixtureCommand('t.flood-color', { bytes: String(total) }),
};
const query = (params: Record<string, string | number>) =>
	new URLSearchParams(
		Object.entries({ ...params, bytes: total, warm, report: reportPort }).map(([k, v]) => [
			k,
			String(v),
		]),
	).toString();

/**
 * The bridge with no browser (`bench/sink.ts`, a process of its own): the same flood, each frame
 * acknowledged as it arrives, timed as the pages are. No page could stream faster than this.
 */
async function noBrowser(cols: number, rows: number): Promise<Timed> {
	const child = spawn(
		process.execPath,
		[
			'bench/sink.ts',
			bridge.wsUrl,
			bridge.origin,
			bridge.token,
			't.flood-color',
			String(total),
			`${cols}x${rows}`,
			commands[total]!,
		],
		{ stdio: ['ignore', 'pipe', 'inherit'] },
	);
	let out = '';
	child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
	const timer = setTimeout(() => child.kill(), 300_000);
	// 'close', not 'exit': its output is all read by then.
	const code = await new Promise<number | null>((r) => child.once('close', r));
	clearTimeout(timer);
	if (code !== 0)
		throw new Error(`bench/sink.ts ${code === null ? 'was stopped' : `exited with ${code}`}`);
	return JSON.parse(out) as Timed;
}

const [load] = (await readFile('/proc/loadavg', 'utf8')).split(' ');
console.log(
	`\nThe bridge in the page: headless Chromium, no DevTools client; pages report to 127.0.0.1:${reportPort} (load average ${load} at the start)`,
);
console.log(
	`${MIB} MiB of coloured ls -l lines; ${ROUNDS} rounds of the page, the page from memory, the ceiling, Opsbook's terminal from memory, the minimal page and the bridge with no browser, in an order that turns each round\n`,
);
type Timed = Pick<Report, 'seconds' | 'endedAt'>;
interface Round {
	page: Report;
	pageMemory: Report;
	ceiling: Report;
	terminalMemory: Report;
	minimal: Report;
	noBrowser: Timed;
}
/** Each round's measurements by name, for what is printed of every one of them. */
const MEASURES: Array<[string, (r: Round) => Timed]> = [
	['page', (r) => r.page],
	['page from memory', (r) => r.pageMemory],
	['ceiling', (r) => r.ceiling],
	['terminal from memory', (r) => r.terminalMemory],
	['minimal', (r) => r.minimal],
	['no browser', (r) => r.noBrowser],
];
const rounds: Round[] = [];
const mibs = (r: Timed) => total / 2 ** 20 / r.seconds;
const cpu = (r: Timed) => cpuBetween(r.endedAt - r.seconds * 1000, r.endedAt);
/** The page terminal's size and box, which the other pages copy: from the first round's page. */
let size: { module: string; cols: number; rows: number; box: string } | undefined;
const empty = (params: Record<string, string | number>) =>
	`${bridge.origin}/_bench/empty.html?${query(params)}`;
const opsbookPage = (params: Record<string, string | number>) =>
	`${bridge.origin}/?${query(params)}#opsbook=${bridge.token}`;
try {
	for (let round = 1; round <= ROUNDS; round++) {
		const said = async () => {
			const note = await quiet();
			if (note) console.log(`  round ${round}: ${note}`);
		};
		const measured: Partial<Round> = {};
		const steps: Array<() => Promise<void>> = [
			async () => {
				measured.page = await visit(opsbookPage({ bench: 'page', round }));
				size ??= {
					module: `/_astro/${terminalModule}`,
					cols: measured.page.cols,
					rows: measured.page.rows,
					box: measured.page.box!,
				};
			},
			async () => {
				measured.pageMemory = await visit(opsbookPage({ bench: 'page-memory', round, ...size! }));
			},
			async () => {
				measured.ceiling = await visit(empty({ bench: 'ceiling', round, ...size! }));
			},
			async () => {
				measured.terminalMemory = await visit(empty({ bench: 'terminal-memory', round, ...size! }));
			},
			async () => {
				measured.minimal = await visit(
					empty({
						bench: 'minimal',
						round,
						...size!,
						ws: bridge.wsUrl,
						token: bridge.token,
						protocol: PROTOCOL_VERSION,
						commands: JSON.stringify(commands),
					}),
				);
			},
			async () => {
				measured.noBrowser = await noBrowser(size!.cols, size!.rows);
			},
		];
		// The page first in the first round (the others take its terminal's size), then each round
		// starts one later, so no measurement always follows the same one.
		for (let step = 0; step < steps.length; step++) {
			await said();
			await steps[(step + round - 1) % steps.length]!();
		}
		const {
			page,
			pageMemory,
			ceiling,
			terminalMemory,
			minimal,
			noBrowser: alone,
		} = measured as Round;
		rounds.push(measured as Round);
		const f = (r: Report) =>
			`${mibs(r).toFixed(1).padStart(5)} MiB/s ${r.frames.drawnMedian.toFixed(1).padStart(4)} ms/drawn frame, ${String(r.frames.drawn).padStart(3)} of ${String(r.frames.frames).padStart(3)} frames drawn ${r.frames.idle.toFixed(2)} s idle`;
		if (threads) {
			const window = (r: Timed) => threads.between(r.endedAt - r.seconds * 1000, r.endedAt);
			const show = (name: string, r: Timed) =>
				console.log(
					`    ${name.padEnd(20)} ${window(r)
						.slice(0, 9)
						.map(([label, cpu, wait]) => `${label} ${cpu.toFixed(2)}/${wait.toFixed(2)}`)
						.join(', ')}`,
				);
			for (const [name, pick] of MEASURES) show(name, pick(measured as Round));
		}
		console.log(
			`  round ${round}  page ${f(page)}   page from memory ${f(pageMemory)}   ceiling ${f(ceiling)}   terminal from memory ${f(terminalMemory)}   minimal ${f(minimal)}   no browser ${mibs(alone).toFixed(1)} MiB/s   (${page.cols}×${page.rows}${page.visible === 'visible' ? '' : `, page ${page.visible}`}${page.inView && pageMemory.inView ? '' : ', terminal not in full view'})`,
		);
	}
} catch (error) {
	await bridge.dispose();
	await rm(site, { recursive: true, force: true });
	throw error;
} finally {
	reports.close();
	clearInterval(cpuSampler);
	threads?.stop();
}

const of = (pick: (r: Round) => number) => rounds.map(pick);
const [first] = rounds;
console.log(
	`\nterminal ${first?.page.cols}×${first?.page.rows} (the page's block terminal; the others at the same size)`,
);
console.log(
	`throughput            page ${spread(
		of((r) => mibs(r.page)),
		1,
	)} MiB/s, ceiling ${spread(
		of((r) => mibs(r.ceiling)),
		1,
	)}, minimal page ${spread(
		of((r) => mibs(r.minimal)),
		1,
	)}`,
);
console.log(
	`  page / ceiling      ${spread(of((r) => mibs(r.page) / mibs(r.ceiling)))}×  median of per-round ratios (min–max)  (target ≥ 0.80×)`,
);
console.log(
	`  minimal / ceiling   ${spread(of((r) => mibs(r.minimal) / mibs(r.ceiling)))}×  (what the socket costs, without the page)`,
);
console.log(
	`  page / minimal      ${spread(of((r) => mibs(r.page) / mibs(r.minimal)))}×  (what the page and its terminal's frame cost the socket's stream)`,
);
console.log(
	`  page from memory    ${spread(of((r) => mibs(r.pageMemory) / mibs(r.ceiling)))}× the ceiling  (what the page costs, without the socket)`,
);
console.log(
	`  terminal from memory ${spread(
		of((r) => mibs(r.terminalMemory)),
		1,
	)} MiB/s, ${spread(of((r) => mibs(r.terminalMemory) / mibs(r.ceiling)))}× the ceiling  (Opsbook's terminal holding a flood's drawing, without socket or page)`,
);
console.log(
	`  page / terminal from memory ${spread(of((r) => mibs(r.page) / mibs(r.terminalMemory)))}×  (what the socket and the page cost Opsbook's own terminal)`,
);
console.log(
	`  no browser          ${spread(
		of((r) => mibs(r.noBrowser)),
		1,
	)} MiB/s, ${spread(of((r) => mibs(r.noBrowser) / mibs(r.ceiling)))}× the ceiling  (the bridge into a client that draws nothing)`,
);
/** One of a page's frame measures over the rounds, as `spread` prints it. */
const frame = (
	pick: (r: Round) => Report,
	measure: Exclude<keyof Frames, 'drawnFrames'>,
	digits = 1,
) =>
	spread(
		of((r) => pick(r).frames[measure]),
		digits,
	);
/** Frames the terminal drew, of all its frames, over the rounds. */
const drawnOf = (pick: (r: Round) => Report) =>
	`${frame(pick, 'drawn', 0)} of ${frame(pick, 'frames', 0)}`;
const used = (pick: (r: Round) => Timed) =>
	`${spread(
		of((r) => cpu(pick(r))),
		1,
	)} s in ${spread(
		of((r) => pick(r).seconds),
		1,
	)} s`;
console.log(
	`CPU, ${CORES} cores together  ${MEASURES.map(([name, pick]) => `${name} ${used(pick)}`).join(', ')}`,
);
console.log(
	'  (the whole machine while each ran: its processes, the bench, the bridge, anything else)',
);
console.log(
	`rendering per frame   page ${frame((r) => r.page, 'drawnMedian')} ms vs minimal page ${frame(
		(r) => r.minimal,
		'drawnMedian',
	)} ms   ${spread(of((r) => r.page.frames.drawnMedian / r.minimal.frames.drawnMedian))}×  (target ≤ 1.10×)`,
);
console.log(
	'  (median frame the terminal drew in: requestAnimationFrame callbacks, style, layout and paint; the same rows in both)',
);
/** The median of a page's drawn frames over all the rounds together, and how many there were. */
const pooled = (pick: (r: Round) => Report) => {
	const all = rounds.flatMap((r) => pick(r).frames.drawnFrames);
	return { median: median(all), count: all.length };
};
const [pagePooled, minimalPooled] = [pooled((r) => r.page), pooled((r) => r.minimal)];
console.log(
	`  pooled              page ${pagePooled.median.toFixed(2)} ms (${pagePooled.count} frames) vs minimal page ${minimalPooled.median.toFixed(2)} ms (${minimalPooled.count})   ${(pagePooled.median / minimalPooled.median).toFixed(2)}×  (the median of all the rounds' drawn frames together: a round's median is of some 20 frames, some of which wait for a core)`,
);
console.log(
	`  fed from memory     page ${frame((r) => r.pageMemory, 'drawnMedian')} ms vs ceiling ${frame(
		(r) => r.ceiling,
		'drawnMedian',
	)} ms   ${spread(of((r) => r.pageMemory.frames.drawnMedian / r.ceiling.frames.drawnMedian))}×  (the page around the terminal, without the socket)`,
);
console.log(
	`frames drawn          page ${drawnOf((r) => r.page)}, minimal ${drawnOf(
		(r) => r.minimal,
	)}, terminal from memory ${drawnOf((r) => r.terminalMemory)}, ceiling ${drawnOf(
		(r) => r.ceiling,
	)}  (Opsbook's terminal draws a flood every 50 ms; xterm fed directly, every frame)`,
);
console.log(
	`  all frames          page ${frame((r) => r.page, 'frameMedian')} ms vs minimal page ${frame(
		(r) => r.minimal,
		'frameMedian',
	)} ms (median); rendering ${spread(
		of((r) => r.page.frames.frameTotal / 1000),
		2,
	)} s vs ${spread(
		of((r) => r.minimal.frames.frameTotal / 1000),
		2,
	)} s a run`,
);
console.log(
	`main thread idle      page ${frame((r) => r.page, 'idle', 2)} s vs minimal page ${frame(
		(r) => r.minimal,
		'idle',
		2,
	)} s a run (nothing to parse)`,
);
const loaf = rounds.filter((r) => r.page.frames.loaf > 0 && r.minimal.frames.loaf > 0);
if (loaf.length > 0) {
	console.log(
		`  long frames (LoAF)  style+layout+paint ${spread(
			loaf.map((r) => r.page.frames.loafStyleLayoutPaint),
			1,
		)} ms vs ${spread(
			loaf.map((r) => r.minimal.frames.loafStyleLayoutPaint),
			1,
		)} ms; ${spread(
			loaf.map((r) => r.page.frames.loaf),
			0,
		)} vs ${spread(
			loaf.map((r) => r.minimal.frames.loaf),
			0,
		)} frames over 50 ms`,
	);
}
console.log(
	'\nDriven by Playwright (a DevTools client): one echo, and a flood whose heap is bounded\n',
);
const browser = await chromium.launch({
	executablePath: CHROMIUM,
	args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
});
try {
	const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
	// Watch the socket from inside the page: when Run was clicked, when output arrived, and what
	// the terminal acknowledged (its processed offset), without touching the page's code.
	const watchSocket = () => {
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
	};
	await page.addInitScript(watchSocket);
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
	// Scrolled into view and drawn before the click: Chromium sends a click by where a terminal's
	// frame (another process) was last drawn, and Playwright clicks right after scrolling
	// (`tests/support/bridge-test.ts`, `clickAfterScrolling`).
	const click = async (locator: Locator) => {
		await locator.click({ trial: true });
		await locator.click();
	};
	const runButton = (id: string) =>
		block(id)
			.getByRole('button', { name: /^(Run|Re-run)$/ })
			.last();

	// Click → first byte. The first run loads the terminal; it is not counted.
	const firstBytes: number[] = [];
	for (let i = 0; i <= SAMPLES; i++) {
		await page.evaluate(() => ((window as unknown as Bench).obBench.first = 0));
		await click(runButton('t.echo'));
		await page.waitForFunction(() => (window as unknown as Bench).obBench.first > 0);
		const elapsed = await page.evaluate(() => {
			const { first, click } = (window as unknown as Bench).obBench;
			return first - click;
		});
		if (i > 0) firstBytes.push(elapsed);
		await block('t.echo').locator('.ob-run-again').waitFor({ state: 'visible' });
	}

	console.log(
		`click → first byte    ${median(firstBytes).toFixed(1)} ms p50 over ${SAMPLES}   (target ≤ 30 ms)`,
	);

	// The first click of a page, whose terminal's frame loads as the run starts: a bridge of its
	// own each time, or the page would bring back the last run's terminal as it loads.
	const arrived: number[] = [];
	const shown: number[] = [];
	for (let i = 0; i < FIRST_CLICKS; i++) {
		const own = await spawnTestBridge({ site, nodeFlags: await startNodeFlags() });
		const fresh = await browser.newPage({ viewport: { width: 1280, height: 900 } });
		try {
			await fresh.addInitScript(watchSocket);
			// In the terminal's frame, when its rows (in its shadow root) first show the output: an
			// absolute time, as the frame is another document than the page.
			await fresh.addInitScript(() => {
				if (window === top) return;
				const drawn = { at: 0 };
				Object.assign(window, { obDrawn: drawn });
				const look = () => {
					const rows = document.querySelector('.ob-term-screen')?.shadowRoot;
					if (rows?.querySelector('.xterm-rows')?.textContent?.includes('from opsbook')) {
						drawn.at = performance.timeOrigin + performance.now();
					} else requestAnimationFrame(look);
				};
				requestAnimationFrame(look);
			});
			await fresh.goto(`${own.origin}/#opsbook=${own.token}`);
			await fresh.locator('opsbook-bridge .ob-chip').filter({ hasText: 'connected' }).waitFor();
			const echo = fresh.locator('opsbook-command#cmd-t\\.echo');
			await click(echo.getByRole('button', { name: 'Run', exact: true }));
			await echo.locator('.ob-run-again').waitFor({ state: 'visible' });
			const frame = echo.locator('iframe.ob-term-frame').contentFrame().locator('body');
			const drawnAt = () =>
				frame.evaluate(() => (window as unknown as { obDrawn: { at: number } }).obDrawn.at);
			let drawn = await drawnAt();
			while (drawn === 0) {
				await fresh.waitForTimeout(50);
				drawn = await drawnAt();
			}
			const clicked = await fresh.evaluate(() => ({
				...(window as unknown as Bench).obBench,
				origin: performance.timeOrigin,
			}));
			arrived.push(clicked.first - clicked.click);
			shown.push(drawn - (clicked.origin + clicked.click));
		} finally {
			await fresh.close();
			await own.dispose();
		}
	}
	console.log(
		`first click of a page → output at the page ${median(arrived).toFixed(0)} ms, shown in its new terminal ${median(shown).toFixed(0)} ms   p50 over ${FIRST_CLICKS}`,
	);

	// The flood: heap (the page's and its terminal's frame's, once there is one), then Ctrl-C.
	const used = () =>
		(performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize;
	const terminal = block('t.yes').locator('iframe.ob-term-frame');
	const heap = async () => {
		const frame = (await terminal.count()) > 0 ? await terminal.contentFrame() : undefined;
		return (await page.evaluate(used)) + (frame ? await frame.locator('body').evaluate(used) : 0);
	};
	const before = await heap();
	await click(runButton('t.yes'));
	// Bounded means the second half of the flood peaks no higher than the first.
	const peaks = [before, before];
	const started = Date.now();
	while (Date.now() < started + FLOOD_S * 1000) {
		await page.waitForTimeout(500);
		const half = Date.now() < started + (FLOOD_S * 1000) / 2 ? 0 : 1;
		peaks[half] = Math.max(peaks[half]!, await heap());
	}
	const [early = 0, late = 0] = peaks;
	await click(terminal.contentFrame().locator('.xterm'));
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
	await rm(site, { recursive: true, force: true });
}
