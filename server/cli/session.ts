/**
 * The CLI's way into the bridge: a bridge of its own (`openBridge`) reached through an in-memory
 * socket that speaks the page's protocol. `opsbook run` and `opsbook test` therefore go through
 * exactly what Run on a page goes through — `resolveRun` (validation, quoting, risk, arming,
 * confirmation, gates), `Run` (pty, timeout, process groups), the targets (local, ssh), the audit
 * log, the verdict and the incident timeline — and nothing about running a block is written twice.
 *
 * One session is one bridge session: a gate a check opened stays open for the next block of the
 * same `opsbook test`, and closes when the command ends, as a bridge restart closes it.
 */
import { randomBytes } from 'node:crypto';
import {
	decodeOutput,
	PROTOCOL_VERSION,
	type ErrorCode,
	type RunInfo,
	type ServerMessage,
	type TargetInfo,
} from '../../src/protocol.ts';
import type { CommandBlock } from '../../src/runbook/schema.ts';
import { renderTemplate } from '../../src/runbook/template.ts';
import type { Connection } from '../bridge.ts';
import type { ExecutableRegistry } from '../registry.ts';
import { openBridge, type OpenOptions } from '../start.ts';

export interface Refusal {
	ok: false;
	code: ErrorCode;
	message: string;
}

export interface RunRequest {
	block: CommandBlock;
	params: Record<string, string>;
	/** The run's target when it is not the block's own (read blocks only). */
	on?: string | undefined;
	confirm?: string | undefined;
	override?: string | undefined;
	cols: number;
	rows: number;
	/** Receives the run's output as the terminal would (raw bytes). */
	output?(data: Uint8Array): void;
}

export interface SessionRun {
	info: RunInfo;
	/**
	 * Resolves once the command runs (or the run has ended without running): the bridge drops
	 * keystrokes that come while a run is starting, as a terminal not yet open would.
	 */
	running: Promise<void>;
	/** Resolves with the run's last state once it has ended and the audit log has the end. */
	ended: Promise<{ info: RunInfo; tail: string[] }>;
	input(data: string): void;
	resize(cols: number, rows: number): void;
	stop(): void;
}

export interface Session {
	registry: ExecutableRegistry;
	auditLog: string;
	targets(): TargetInfo[];
	/** Arms `target`; a production target needs its name as `confirm` (the bridge checks). */
	arm(target: string, confirm?: string): Promise<Refusal | undefined>;
	run(request: RunRequest): Promise<SessionRun | Refusal>;
	/** The open incident whose timeline recorded run `runId`, as the bridge records any run. */
	recordedIn(runId: string): { title: string; file: string } | undefined;
	close(): Promise<void>;
}

/** Lines of output a finished run keeps for the report of a check that did not pass. */
export const TAIL_LINES = 20;

type Waiter = (message: ServerMessage) => boolean;

export async function openSession(options: Omit<OpenOptions, 'embedded'>): Promise<Session> {
	const opened = await openBridge({ ...options, embedded: true });
	const { bridge, registry } = opened;
	let targets: TargetInfo[] = [];
	const waiters = new Set<Waiter>();
	const outputs = new Map<string, (data: Uint8Array) => void>();
	const ends = new Map<string, (end: { info: RunInfo; tail: string[] }) => void>();
	const runnings = new Map<string, () => void>();
	let connection: Connection | undefined;
	const send = (message: object) => connection!.message(JSON.stringify(message), false);
	connection = bridge.opened(
		{
			send(data) {
				if (typeof data !== 'string') {
					const { run, offset, data: bytes } = decodeOutput(data);
					outputs.get(run)?.(bytes);
					// The terminal has taken it: a CLI never holds a run back.
					send({ type: 'ack', run, bytes: offset + bytes.length });
					return;
				}
				const message = JSON.parse(data) as ServerMessage;
				if (message.type === 'welcome') targets = message.bridge.targets;
				if (message.type === 'targets') targets = message.targets;
				if (message.type === 'run' && message.run.state !== 'starting') {
					runnings.get(message.run.id)?.();
					runnings.delete(message.run.id);
				}
				if (message.type === 'run' && message.run.state === 'exited') {
					const end = ends.get(message.run.id);
					if (end) {
						ends.delete(message.run.id);
						outputs.delete(message.run.id);
						// Read now: the bridge forgets old runs once every page has heard of the end.
						const tail = bridge.runs.get(message.run.id)?.outputTail(TAIL_LINES) ?? [];
						end({ info: message.run, tail });
					}
				}
				for (const waiter of waiters) if (waiter(message)) waiters.delete(waiter);
			},
			close() {},
		},
		{ paired: true, by: 'cli' },
	);
	send({ type: 'hello', version: PROTOCOL_VERSION });
	const answer = <T>(ref: string, take: (message: ServerMessage) => T | undefined) =>
		new Promise<T | Refusal>((resolve) => {
			waiters.add((message) => {
				if (message.type === 'refused' && message.ref === ref) {
					resolve({ ok: false, code: message.code, message: message.message });
					return true;
				}
				const taken = take(message);
				if (taken === undefined) return false;
				resolve(taken);
				return true;
			});
		});
	const ref = () => randomBytes(6).toString('base64url');

	return {
		registry,
		auditLog: opened.auditLog,
		targets: () => targets,
		async arm(target, confirm) {
			if (targets.find((t) => t.name === target)?.armed) return undefined;
			const id = ref();
			const armed = answer(id, (message) =>
				message.type === 'targets' && message.targets.find((t) => t.name === target)?.armed
					? true
					: undefined,
			);
			send({ type: 'arm', ref: id, target, ...(confirm !== undefined && { confirm }) });
			const result = await armed;
			return result === true ? undefined : result;
		},
		async run(request) {
			const { block } = request;
			// The command the page would show; the bridge renders its own and compares.
			const rendered = renderTemplate(block, request.params);
			const id = ref();
			let runId: string | undefined;
			const started = answer(id, (message) => {
				if (message.type !== 'started' || message.ref !== id) return undefined;
				runId = message.run.id;
				// Set before the bridge sends the first frame: `started` goes out first.
				if (request.output) outputs.set(runId, request.output);
				return message.run;
			});
			let finish!: (end: { info: RunInfo; tail: string[] }) => void;
			const ended = new Promise<{ info: RunInfo; tail: string[] }>((resolve) => (finish = resolve));
			let runs!: () => void;
			const running = new Promise<void>((resolve) => (runs = resolve));
			// Registered as soon as the id is known, in the same turn as `started`.
			waiters.add((message) => {
				if (message.type !== 'started' || message.ref !== id) return false;
				ends.set(message.run.id, finish);
				if (message.run.state === 'starting') runnings.set(message.run.id, runs);
				else runs();
				return true;
			});
			send({
				type: 'run',
				ref: id,
				block: block.id,
				params: request.params,
				command: rendered.ok ? rendered.command : '',
				...(request.on !== undefined && { on: request.on }),
				...(request.confirm !== undefined && { confirm: request.confirm }),
				...(request.override !== undefined && { override: { reason: request.override } }),
				page: 'opsbook CLI',
				cols: request.cols,
				rows: request.rows,
			});
			const info = await started;
			if ('ok' in info) return info;
			const run = runId!;
			return {
				info,
				running,
				ended,
				input: (data) => {
					for (let at = 0; at < data.length; at += 8192)
						send({ type: 'input', run, data: data.slice(at, at + 8192) });
				},
				resize: (cols, rows) => send({ type: 'resize', run, cols, rows }),
				stop: () => send({ type: 'stop', run }),
			};
		},
		recordedIn(runId) {
			const open = opened.timeline.open();
			if (!open?.state || !open.ids.has(`run:${opened.timeline.bridgeId}:${runId}:started`)) {
				return undefined;
			}
			return { title: open.state.title, file: open.file };
		},
		async close() {
			connection?.closed();
			await bridge.close();
		},
	};
}
