/**
 * One run of a block: its pty, its output ring buffer, the pages following it, and the way it
 * ends. The bridge owns runs, not pages: a page that reloads or leaves finds its runs again.
 *
 * Flow control follows the xterm.js "Flow Control" guide (watermarks on unacknowledged bytes, as
 * ttyd does): each following page acknowledges the bytes its terminal has processed; when one
 * falls more than `HIGH_WATERMARK` behind, the pty is paused, and it resumes once every page is
 * under `LOW_WATERMARK`. A flood therefore waits for the slowest page instead of piling up in
 * memory, and a page nobody follows cannot hold a run back: output then only fills the ring.
 *
 * Nothing outlives a run. Its processes are its process group (the pty's session leader's group,
 * and for ssh the remote command's group, which the remote side reports in band):
 *
 * - Stop, or the block's timeout: Ctrl-C into the terminal, then SIGTERM and SIGKILL to the whole
 *   group (over ssh: to the remote group too, through the ssh master) if it has not gone.
 * - Once the main process has ended, however it ended, whatever is left in its group is ended
 *   too: a run that ended on its own gives them SIGHUP, as a closing terminal would, then SIGTERM
 *   and SIGKILL after `LEFTOVER_GRACE_MS` each; a stopped run skips the hangup. A block that
 *   leaves `docker compose logs -f &` behind therefore ends with its main command, and the run's
 *   message (and a line in its output) says how many leftover processes were stopped.
 * - The run is reported ended only once its groups are empty. If some process could not be
 *   ended, or the remote host could not be checked, the message says so plainly.
 *
 * A process that leaves its group on purpose (setsid, a job-control shell) is not followed.
 *
 * In a drill the driver is a `SimulatedDriver`: the run plays the scenario's answer into the same
 * output path (frames, ring, followers, matcher) over the answer's duration instead of spawning
 * anything, and ends with the answer's exit code through the same `#ended`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import pty, { type IPty } from 'node-pty';
import { encodeOutput, outputFrame, type RunEnd, type RunInfo } from '../src/protocol.ts';
import type { GateOverride } from '../src/runbook/gates.ts';
import type { CommandBlock } from '../src/runbook/schema.ts';
import { isCheck, judge, OutputMatcher, type Verdict } from '../src/runbook/verdict.ts';
import type { AuditLog } from './audit-log.ts';
import { RingBuffer } from './ring-buffer.ts';
import { terminalTail } from './timeline.ts';
import { ownDescriptorsOnly } from './targets/descriptors.ts';
import { holdTerminal } from './targets/hold-terminal.ts';
import {
	TargetError,
	type OutputFilter,
	type ReapResult,
	type Playback,
	type RemoteGroup,
	type SimulatedDriver,
	type TargetDriver,
} from './targets/target.ts';

/**
 * The window, sized to what a page parses: xterm's DOM renderer takes ~40 MiB/s at best here, and
 * from a resume to the next frame reaching the page (pty read, a frame's wait, the socket, the
 * page's queue) takes up to ~50 ms on a busy machine. Resuming with 2 MiB still unprocessed keeps
 * the terminal fed across that gap; with 512 KiB it ran dry for ~0.4 s per 50 MiB (issue 13).
 */
export const HIGH_WATERMARK = 4 * 1024 * 1024;
export const LOW_WATERMARK = 2 * 1024 * 1024;
/**
 * Output is sent in frames of up to about this size: a page pays for each message it receives,
 * and while output streams, frames fill up to what `STREAM_DELAY_MS` gathers (about 160 KiB at
 * 40 MiB/s). From 64 KiB, with the page's acks from every 100 KiB to every 512 KiB, a flood went
 * from 0.76 to 0.84 times the terminal's ceiling (issue 13).
 */
export const FRAME_BYTES = 256 * 1024;
/** While output streams, how long a frame waits to fill up. */
export const STREAM_DELAY_MS = 4;

/** How Stop escalates: Ctrl-C first, then SIGTERM, then SIGKILL to the process group. */
export const STOP_STEPS_MS = { term: 1500, kill: 3000 } as const;
/** How long what a run left behind gets after each signal to go (SIGHUP, SIGTERM, SIGKILL). */
export const LEFTOVER_GRACE_MS = 500;

/** A page following a run's output. */
export interface RunFollower {
	send(frame: Uint8Array): void;
}

interface Follow {
	/** Offset of the next byte to send. */
	sent: number;
	/** Offset up to which the page has processed output. */
	acked: number;
}

export function clampSize(cols: number, rows: number): { cols: number; rows: number } {
	const clamp = (value: number, min: number, max: number) =>
		Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : min;
	return { cols: clamp(cols, 2, 500), rows: clamp(rows, 1, 200) };
}

const SIGNAL_NAMES = new Map(
	Object.entries(constants.signals).map(([name, number]) => [number, name]),
);

function killGroup(pid: number, signal: NodeJS.Signals) {
	try {
		process.kill(-pid, signal);
	} catch {
		// The group is gone already.
	}
}

/**
 * How many live processes are in process group `pgid`. On Linux from /proc, leaving out zombies
 * (dead, only waiting for their parent); elsewhere at least whether `kill(-pgid, 0)` finds one.
 */
function groupSize(pgid: number): number {
	try {
		process.kill(-pgid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 0;
	}
	if (process.platform !== 'linux') return 1;
	let count = 0;
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			// The command name may hold spaces and parentheses; the fields after the last ')' do not.
			const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
			const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(pgrp) === pgid && state !== 'Z') count++;
		} catch {
			// It ended while we were looking.
		}
	}
	return count;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Signals the local group `pgid` in turn with each of `signals` until it is empty. */
async function reapGroup(
	pgid: number,
	signals: ('HUP' | 'TERM' | 'KILL')[],
	graceMs: number,
): Promise<ReapResult> {
	const found = groupSize(pgid);
	let left = found;
	for (const signal of signals) {
		if (left === 0) break;
		killGroup(pgid, `SIG${signal}`);
		const deadline = performance.now() + graceMs;
		while ((left = groupSize(pgid)) > 0 && performance.now() < deadline) await delay(20);
	}
	return { found, left };
}

const processes = (n: number) => (n === 1 ? '1 process' : `${n} processes`);

const encoder = new TextEncoder();

export interface RunOptions {
	id: string;
	block: CommandBlock;
	command: string;
	redacted: string;
	/** Where it runs; in a drill, the drill's stand-in, which spawns nothing. */
	driver: TargetDriver | SimulatedDriver;
	/** The drill (its scenario's name) this run belongs to: the audit log marks its entries. */
	drill?: string | undefined;
	page?: string | undefined;
	cols: number;
	rows: number;
	ringBytes: number;
	audit: AuditLog;
	/**
	 * Environment variables (name → value) the command refers to, handed to the target apart from
	 * the command so that no command line ever holds them.
	 */
	secrets?: Readonly<Record<string, string>>;
	/** The parameters' values, secret ones left out: a drill's answer shows them where it names them. */
	values?: Readonly<Record<string, string>>;
	/** The block's gate was closed and the responder ran it anyway, saying why. */
	override?: GateOverride | undefined;
	/** Called on every state change, after the audit log has it. */
	onUpdate(run: Run): void;
	/**
	 * Called once the audit log has the start, before the target is reached (the incident
	 * timeline records the run here); resolves with a sentence when the run must not start.
	 */
	beforeStart?(run: Run): Promise<string | undefined>;
	/** Called once the audit log has the end, before any page hears of it. */
	beforeEnd?(run: Run): Promise<void>;
}

export class Run {
	readonly id: string;
	readonly block: CommandBlock;
	readonly target: string;
	readonly redacted: string;
	readonly page: string | undefined;
	readonly override: GateOverride | undefined;
	/** The drill this run was answered in (nothing was executed), or undefined for a real run. */
	readonly drill: string | undefined;
	readonly startedAt = Date.now();
	readonly ring: RingBuffer;
	state: RunInfo['state'] = 'starting';
	end: RunEnd | undefined;
	exitCode: number | undefined;
	signal: string | undefined;
	durationMs: number | undefined;
	message: string | undefined;
	/** For a check (a block with an expected result), how its run measured up, once ended. */
	verdict: Verdict | undefined;
	/** Resolves once the run has ended and its end is in the audit log. */
	readonly finished: Promise<void>;

	#options: RunOptions;
	#command: string;
	#pty: IPty | undefined;
	/** A drill's answer being played: its timers, cleared on Stop. */
	#playing: NodeJS.Timeout[] | undefined;
	#filter: OutputFilter | undefined;
	/** Tests the output against `expect.output` as it streams, past what the ring keeps. */
	#matcher: OutputMatcher | undefined;
	#group: RemoteGroup | undefined;
	/** The remote group being ended by Stop, for the end to wait for. */
	#remoteStop: Promise<unknown> | undefined;
	/** The pty's process has ended; what it left behind may still be being ended. */
	#ptyExited = false;
	#ending = false;
	#followers = new Map<RunFollower, Follow>();
	#pending: Uint8Array[] = [];
	#pendingBytes = 0;
	#flushSoon: NodeJS.Immediate | NodeJS.Timeout | undefined;
	#lastFlush = 0;
	#paused = false;
	#stopping: RunEnd | undefined;
	#timers: NodeJS.Timeout[] = [];
	/** Lets go of the terminal the bridge holds open while the command runs (`hold-terminal.ts`). */
	#release: () => void = () => {};
	#abort = new AbortController();
	#started = performance.now();
	#size: { cols: number; rows: number };
	#finish!: () => void;

	constructor(options: RunOptions) {
		this.#options = options;
		this.id = options.id;
		this.block = options.block;
		this.target = options.driver.name;
		this.#command = options.command;
		this.redacted = options.redacted;
		this.page = options.page;
		this.override = options.override;
		this.drill = options.drill;
		this.ring = new RingBuffer(options.ringBytes);
		const pattern = options.block.expect?.output;
		if (pattern !== undefined) this.#matcher = new OutputMatcher(pattern);
		this.#size = clampSize(options.cols, options.rows);
		this.finished = new Promise((resolve) => (this.#finish = resolve));
	}

	info(): RunInfo {
		return {
			id: this.id,
			block: this.block.id,
			title: this.block.title,
			blockPage: this.block.page.slug,
			...(this.page !== undefined && { page: this.page }),
			target: this.target,
			...(this.target !== this.block.target && { blockTarget: this.block.target }),
			command: this.redacted,
			state: this.state,
			startedAt: this.startedAt,
			...(this.end !== undefined && { end: this.end }),
			...(this.exitCode !== undefined && { exitCode: this.exitCode }),
			...(this.signal !== undefined && { signal: this.signal }),
			...(this.durationMs !== undefined && { durationMs: this.durationMs }),
			...(this.message !== undefined && { message: this.message }),
			...(this.verdict !== undefined && { verdict: this.verdict }),
			...(this.override !== undefined && { override: this.override }),
			...(this.drill !== undefined && { simulated: true as const }),
			outputBytes: this.ring.end,
			bufferStart: this.ring.start,
		};
	}

	/**
	 * The last `lines` lines of the output as plain text (see `terminalTail`), any secret value
	 * the command printed shown as `***`.
	 */
	outputTail(lines: number): string[] {
		const { chunks } = this.ring.read(this.ring.end - 64 * 1024);
		return terminalTail(chunks, lines, Object.values(this.#options.secrets ?? {}));
	}

	/** Logs the start, reaches the target and starts the process. Never rejects. */
	async start(): Promise<void> {
		const { audit, block, driver } = this.#options;
		this.#timers.push(setTimeout(() => this.stop('timeout'), block.timeoutMs));
		try {
			await audit.append({
				event: 'start',
				time: new Date(this.startedAt).toISOString(),
				run: this.id,
				target: this.target,
				...(this.target !== block.target && { blockTarget: block.target }),
				block: block.id,
				blockPage: block.page.slug,
				...(this.page !== undefined && { page: this.page }),
				command: this.redacted,
				...(this.override !== undefined && { override: this.override }),
				...(this.drill !== undefined && { drill: this.drill }),
			});
			if (this.#stopping) return void this.#ended(undefined, undefined);
			const refusal = await this.#options.beforeStart?.(this);
			// Said as it is, like a target's own refusal.
			if (refusal !== undefined) throw new TargetError(refusal);
			if (this.#stopping) return void this.#ended(undefined, undefined);
			if ('simulated' in driver) {
				return this.#play(driver.play(block.id, block.target, this.#options.values ?? {}));
			}
			const prepared = await driver.prepare(this.#command, {
				runId: this.id,
				lang: block.lang,
				signal: this.#abort.signal,
				secrets: this.#options.secrets ?? {},
			});
			if (this.#stopping) return void this.#ended(undefined, undefined);
			this.#filter = prepared.filter;
			this.#group = prepared.group;
			const { file, args } = ownDescriptorsOnly(prepared.spawn.file, prepared.spawn.args);
			const { cwd } = prepared.spawn;
			// Lets a step (and a test) know it runs under Opsbook, and which run it is.
			const env = { ...prepared.spawn.env, OPSBOOK_RUN: this.id };
			const child = pty.spawn(file, args, {
				name: 'xterm-256color',
				...this.#size,
				env,
				cwd,
				encoding: null,
			});
			this.#pty = child;
			// node-pty's typings leave out the terminal's name, which its UnixTerminal has.
			this.#release = holdTerminal((child as { ptsName?: string }).ptsName, child.pid);
			this.state = 'running';
			this.#options.onUpdate(this);
			// With `encoding: null` node-pty hands out Buffers; its typings only know strings.
			const onData = child.onData as unknown as (listener: (data: Buffer) => void) => void;
			onData((data) => {
				const filter = this.#filter;
				if (!filter) return this.#output(data);
				this.#output(filter.push(data));
				const reply = filter.takeInput?.();
				if (reply) child.write(Buffer.from(reply));
			});
			child.onExit(({ exitCode, signal }) => {
				this.#ptyExited = true;
				if (this.#filter) this.#output(this.#filter.flush());
				void this.#ended(exitCode, signal || undefined);
			});
		} catch (error) {
			const message =
				error instanceof TargetError
					? error.message
					: `Could not start the command: ${(error as Error).message}`;
			this.message = message;
			this.#output(encoder.encode(`\r\n\x1b[31m${message.replaceAll('\n', '\r\n')}\x1b[0m\r\n`));
			// Stopped while connecting is a stop, not a failure.
			await this.#ended(undefined, undefined, this.#stopping ? undefined : 'failed');
		}
	}

	/**
	 * Plays a drill's answer: its lines go out spread over its duration, through the same output
	 * path as a pty's, then the run ends with the answer's exit code.
	 */
	#play(playback: Playback) {
		this.state = 'running';
		this.#options.onUpdate(this);
		const lines: Uint8Array[] = [];
		let from = 0;
		for (let i = 0; i < playback.output.length; i++) {
			if (playback.output[i] !== 0x0a) continue;
			lines.push(playback.output.subarray(from, i + 1));
			from = i + 1;
		}
		if (from < playback.output.length) lines.push(playback.output.subarray(from));
		// A long answer goes out in at most this many pieces, as a pty would batch it.
		const pieces = Math.min(lines.length, 50);
		const per = Math.ceil(lines.length / Math.max(1, pieces));
		const step = playback.durationMs / Math.max(1, pieces);
		this.#playing = [];
		for (let piece = 0; piece < pieces; piece++) {
			const chunk = lines.slice(piece * per, (piece + 1) * per);
			this.#playing.push(
				setTimeout(() => {
					for (const line of chunk) this.#output(line);
				}, piece * step),
			);
		}
		this.#playing.push(
			setTimeout(() => {
				this.#playing = undefined;
				if (playback.message !== undefined) this.message = playback.message;
				void this.#ended(
					playback.exitCode,
					undefined,
					playback.exitCode === undefined ? 'failed' : undefined,
				);
			}, playback.durationMs),
		);
	}

	/**
	 * Starts following the run from `from`: replays what the ring holds, then streams. `replaying`
	 * hears where the replay starts before its first byte is sent.
	 */
	follow(
		follower: RunFollower,
		from = 0,
		replaying?: (start: { from: number; truncated: boolean }) => void,
	): { from: number; truncated: boolean } {
		this.#flush();
		const { from: start, chunks } = this.ring.read(from);
		const follow: Follow = { sent: start, acked: start };
		this.#followers.set(follower, follow);
		const where = { from: start, truncated: start > from };
		replaying?.(where);
		for (const chunk of chunks) this.#send(follower, follow, chunk);
		return where;
	}

	unfollow(follower: RunFollower) {
		this.#followers.delete(follower);
		this.#updateFlow();
	}

	ack(follower: RunFollower, bytes: number) {
		const follow = this.#followers.get(follower);
		if (!follow) return;
		follow.acked = Math.min(Math.max(follow.acked, bytes), follow.sent);
		this.#updateFlow();
	}

	input(data: string) {
		// While the target waits for the secrets, a keystroke would be read as one of them.
		if (this.state !== 'running' || this.#ptyExited || this.#filter?.waitingForInput) return;
		this.#pty?.write(data);
	}

	resize(cols: number, rows: number) {
		this.#size = clampSize(cols, rows);
		if (this.state === 'running' && !this.#ptyExited) {
			try {
				this.#pty?.resize(this.#size.cols, this.#size.rows);
			} catch {
				// The pty closed between the check and the call.
			}
		}
	}

	/**
	 * Ends the run: Ctrl-C into the pty (what a responder at a terminal would do first), then
	 * SIGTERM and SIGKILL to its whole process group if it does not go. Over ssh the remote group
	 * gets them too, through a session of its own, since a remote command that ignores the
	 * session's hangup would outlive it. What the main process leaves behind is ended in
	 * `#ended`.
	 */
	stop(reason: 'stopped' | 'timeout' = 'stopped') {
		if (this.state === 'exited' || this.#stopping || this.#ptyExited) return;
		this.#stopping = reason;
		this.#abort.abort();
		if (this.#playing) {
			// A drill's answer stops as a command would at Ctrl-C: at once, with what it printed.
			for (const timer of this.#playing) clearTimeout(timer);
			this.#playing = undefined;
			this.#output(encoder.encode('^C\r\n'));
			void this.#ended(undefined, undefined);
			return;
		}
		const child = this.#pty;
		if (!child) return;
		// A paused pty cannot deliver the exit: let the output drain while the run goes.
		this.#resume();
		try {
			child.write('\x03');
		} catch {
			// Already closed.
		}
		const grace = STOP_STEPS_MS.kill - STOP_STEPS_MS.term;
		this.#timers.push(
			setTimeout(() => {
				if (this.#ptyExited) return;
				this.#remoteStop = this.#group?.reap(['TERM', 'KILL'], grace).catch(() => {});
				killGroup(child.pid, 'SIGTERM');
			}, STOP_STEPS_MS.term),
			setTimeout(() => {
				if (!this.#ptyExited) killGroup(child.pid, 'SIGKILL');
			}, STOP_STEPS_MS.kill),
		);
	}

	/**
	 * A pty hands over 4 KiB or less per read, and a page pays for every message it receives, so
	 * output is gathered into frames of up to `FRAME_BYTES`. The first output after a quiet spell
	 * (an echo, a prompt) goes out on the next turn of the event loop; while output streams, it
	 * waits up to `STREAM_DELAY_MS` for more.
	 */
	#output(data: Uint8Array) {
		if (data.length === 0) return;
		this.#matcher?.push(data);
		this.#pending.push(data);
		this.#pendingBytes += data.length;
		if (this.#pendingBytes >= FRAME_BYTES) return this.#flush();
		if (this.#flushSoon) return;
		const streaming = performance.now() - this.#lastFlush < STREAM_DELAY_MS * 2;
		this.#flushSoon = streaming
			? setTimeout(() => this.#flush(), STREAM_DELAY_MS)
			: setImmediate(() => this.#flush());
	}

	#flush() {
		if (this.#flushSoon) {
			clearTimeout(this.#flushSoon as NodeJS.Timeout);
			clearImmediate(this.#flushSoon as NodeJS.Immediate);
		}
		this.#flushSoon = undefined;
		this.#lastFlush = performance.now();
		if (this.#pendingBytes === 0) return;
		// One allocation per frame: the output is copied once, into a frame every page that is up
		// to date receives as is, and whose data the ring keeps.
		const { frame, data } = outputFrame(this.id, this.ring.end, this.#pendingBytes);
		let at = 0;
		for (const chunk of this.#pending) {
			data.set(chunk, at);
			at += chunk.length;
		}
		this.#pending = [];
		this.#pendingBytes = 0;
		this.ring.push(data);
		for (const [follower, follow] of this.#followers) this.#send(follower, follow, data, frame);
		this.#updateFlow();
	}

	#send(follower: RunFollower, follow: Follow, data: Uint8Array, frame?: Uint8Array) {
		// While stopping, a page far behind skips output rather than holding the exit back.
		if (this.#stopping && follow.sent - follow.acked > HIGH_WATERMARK) {
			follow.sent += data.length;
			follow.acked += data.length;
			return;
		}
		const offset = this.ring.end - data.length;
		follower.send(
			frame && follow.sent === offset ? frame : encodeOutput(this.id, follow.sent, data),
		);
		follow.sent += data.length;
	}

	#updateFlow() {
		if (!this.#pty || this.state !== 'running' || this.#stopping) return;
		let behind = 0;
		for (const follow of this.#followers.values())
			behind = Math.max(behind, follow.sent - follow.acked);
		if (!this.#paused && behind > HIGH_WATERMARK) {
			this.#paused = true;
			this.#pty.pause();
		} else if (this.#paused && behind < LOW_WATERMARK) {
			this.#resume();
		}
	}

	#resume() {
		if (!this.#paused) return;
		this.#paused = false;
		this.#pty?.resume();
	}

	/**
	 * Ends what the main process left in its group, here and on the target, and says so: how many
	 * leftovers of a run that ended on its own were stopped, and what could not be stopped.
	 */
	async #endLeftovers(pgid: number): Promise<string | undefined> {
		const stopping = this.#stopping !== undefined;
		// A stopped run's group had its Ctrl-C (and maybe more): no hangup first.
		const signals: ('HUP' | 'TERM' | 'KILL')[] = stopping
			? ['TERM', 'KILL']
			: ['HUP', 'TERM', 'KILL'];
		const notes: string[] = [];
		let found = 0;
		let left = 0;
		const [local, remote] = await Promise.all([
			reapGroup(pgid, signals, LEFTOVER_GRACE_MS),
			(async () => {
				if (!this.#group) return undefined;
				await this.#remoteStop;
				return this.#group.reap(signals, LEFTOVER_GRACE_MS).catch((error: Error) => error);
			})(),
		]);
		for (const result of [local, remote]) {
			if (result === undefined) continue;
			if (result instanceof Error) {
				notes.push(result.message);
				continue;
			}
			found += result.found;
			left += result.left;
		}
		if (left > 0) {
			const where =
				remote && !(remote instanceof Error) && remote.left > 0 ? ` on ${this.target}` : '';
			notes.unshift(
				`${processes(left)} the command started could not be stopped${where}, even with SIGKILL: check for them.`,
			);
		} else if (found > 0 && !stopping) {
			notes.unshift(
				`The command left ${processes(found)} running; ${found === 1 ? 'it was' : 'they were'} stopped (SIGHUP, then SIGTERM and SIGKILL).`,
			);
		}
		return notes.length > 0 ? notes.join(' ') : undefined;
	}

	async #ended(ptyExitCode: number | undefined, signalNumber: number | undefined, forced?: RunEnd) {
		if (this.state === 'exited' || this.#ending) return;
		this.#ending = true;
		this.#flush();
		// The command's output ends here: what the bridge adds below is not judged.
		const matched = this.#matcher?.end();
		this.#matcher = undefined;
		for (const timer of this.#timers) clearTimeout(timer);
		this.#release();
		this.durationMs = Math.round(performance.now() - this.#started);
		const child = this.#pty;
		// node-pty reports the exit only after it closed the pty's file descriptor.
		const leftovers = child ? await this.#endLeftovers(child.pid) : undefined;
		if (leftovers) {
			this.#output(encoder.encode(`\r\n\x1b[33m[opsbook] ${leftovers}\x1b[0m\r\n`));
			this.#flush();
		}
		this.signal = signalNumber ? SIGNAL_NAMES.get(signalNumber) : undefined;
		if (this.#filter) {
			this.exitCode = this.#filter.exitCode;
			if (this.exitCode === undefined && !this.#stopping && !forced) {
				forced = 'failed';
				this.message = `The connection to ${this.target} closed before the command finished (ssh exited with ${ptyExitCode}).`;
			}
		} else if (!this.signal) {
			this.exitCode = ptyExitCode;
		}
		this.end = forced ?? this.#stopping ?? 'exited';
		if (this.#stopping === 'timeout') {
			this.message ??= `Stopped after the block's timeout of ${this.block.timeoutMs / 1000} s.`;
		}
		if (leftovers) this.message = this.message ? `${this.message} ${leftovers}` : leftovers;
		if (isCheck(this.block.expect)) {
			this.verdict = judge(this.block.expect, {
				end: this.end,
				exitCode: this.exitCode,
				signal: this.signal,
				matched: matched ?? false,
				timeoutMs: this.block.timeoutMs,
			});
		}
		try {
			await this.#options.audit.append({
				event: 'end',
				time: new Date().toISOString(),
				run: this.id,
				target: this.target,
				block: this.block.id,
				end: this.end,
				...(this.exitCode !== undefined && { exitCode: this.exitCode }),
				...(this.signal !== undefined && { signal: this.signal }),
				durationMs: this.durationMs,
				outputBytes: this.ring.end,
				...(this.message !== undefined && { message: this.message }),
				...(this.verdict !== undefined && { verdict: this.verdict }),
				...(this.drill !== undefined && { drill: this.drill }),
			});
		} catch (error) {
			console.error(`opsbook bridge: could not write the audit log: ${(error as Error).message}`);
		}
		try {
			await this.#options.beforeEnd?.(this);
		} catch (error) {
			console.error(`opsbook bridge: could not record the end: ${(error as Error).message}`);
		}
		this.state = 'exited';
		this.#followers.clear();
		this.#options.onUpdate(this);
		this.#finish();
	}
}
