/**
 * The bridge's logic, independent of the transport (as graphql-ws's `makeServer` is): it is
 * handed a socket that has passed the HTTP checks (loopback Host, allowed Origin, see `http.ts`)
 * and speaks the protocol of `src/protocol.ts` over it.
 *
 * A connection must say `hello` with the pairing token first. After that, a page can run
 * blocks by id, follow runs' output, type into them, resize and stop them, and keep the incident
 * timeline (`timeline.ts`): pages add what responders do, the bridge adds its runs and the
 * escalation reminders that fall due. Protocol violations close the socket with a `CloseCode`; a
 * run or an event the bridge will not take is answered with `refused` and a stable error code,
 * and the connection stays usable.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
	CloseCode,
	PROTOCOL_VERSION,
	type ClientMessage,
	type ErrorCode,
	type RunInfo,
	type ServerMessage,
	type TargetInfo,
} from '../src/protocol.ts';
import { explainTimelineFrame, parseClientMessage } from '../src/protocol-schema.ts';
import { dueReminders } from '../src/incident/escalation.ts';
import type { EventOf, TimelineEvent } from '../src/incident/schema.ts';
import { gateResult } from '../src/runbook/gates.ts';
import { isCheck } from '../src/runbook/verdict.ts';
import type { Risk } from '../src/runbook/schema.ts';
import type { AuditLog } from './audit-log.ts';
import { resolveRun, type ExecutableRegistry } from './registry.ts';
import { Run, type RunFollower } from './run.ts';
import type { TargetDriver } from './targets/target.ts';
import type { AddResult, Timeline } from './timeline.ts';

/** What the bridge needs of a socket. `ws` fits it; so does an in-memory pair in tests. */
export interface BridgeSocket {
	send(data: string | Uint8Array): void;
	close(code: number, reason: string): void;
}

export interface BridgeOptions {
	registry: ExecutableRegistry;
	/** Every target the bridge can reach, by name. */
	drivers: ReadonlyMap<string, TargetDriver>;
	token: string;
	audit: AuditLog;
	/** The incident timelines; runs are recorded to the open incident. */
	timeline: Timeline;
	maxRisk: Risk;
	/**
	 * Targets armed from the start (`--arm`). `local` is always armed; every other target stays out
	 * of reach until the responder arms it.
	 */
	armed?: Iterable<string>;
	limits?: Partial<BridgeLimits>;
	/** Where protocol errors are reported; never given the token. */
	log?: (line: string) => void;
	/** The clock escalation reminders are judged by; tests set it. */
	now?: () => Date;
}

export interface BridgeLimits {
	/** Runs going at once from one page, and on the whole bridge. */
	runsPerConnection: number;
	runs: number;
	/** Finished runs kept (with their output) for pages that come back. */
	recentRuns: number;
	/** Output each run keeps for replay, in bytes. */
	ringBytes: number;
	/**
	 * How long a new connection has to say hello. Short: a page says it as soon as the socket
	 * opens, and a socket that never does holds one of the few unpaired places (`http.ts`).
	 */
	helloTimeoutMs: number;
	/** How often the bridge looks for escalation reminders that fell due. */
	reminderMs: number;
}

export const DEFAULT_LIMITS: BridgeLimits = {
	runsPerConnection: 8,
	runs: 32,
	recentRuns: 20,
	ringBytes: 2 * 1024 * 1024,
	helloTimeoutMs: 2000,
	reminderMs: 15_000,
};

export interface Connection {
	message(data: string | Uint8Array, isBinary: boolean): void;
	closed(): void;
	/** Whether the page has said hello and been welcomed. */
	readonly authorized: boolean;
}

/** What the HTTP side already knows of a socket when it hands it over. */
export interface Grant {
	/** The upgrade carried the bridge's pairing cookie from its own site: hello needs no token. */
	paired?: boolean;
}

export interface Bridge {
	/** Takes a new socket; the returned handlers receive its frames and its close. */
	opened(socket: BridgeSocket, grant?: Grant): Connection;
	readonly runs: ReadonlyMap<string, Run>;
	/** Stops every run, waits for their ends to be logged, closes every socket. */
	close(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares tokens in constant time (hashing first makes the lengths equal). */
export function tokenMatches(expected: string, given: string): boolean {
	return timingSafeEqual(digest(expected), digest(given));
}

export function makeBridge(options: BridgeOptions): Bridge {
	const limits = { ...DEFAULT_LIMITS, ...options.limits };
	const log = options.log ?? ((line: string) => console.error(line));
	const runs = new Map<string, Run>();
	const armed = new Set<string>();
	for (const name of options.armed ?? []) {
		if (!options.drivers.has(name)) throw new Error(`--arm ${name}: no such target`);
		armed.add(name);
	}
	for (const [name, { target }] of options.drivers) if (target.kind === 'local') armed.add(name);
	/**
	 * The blocks whose newest run on their own target passed in this bridge session: the gates
	 * they open. Kept apart from `runs`, which forgets old runs; a restart closes every gate.
	 */
	const passed = new Set<string>();
	const policy = {
		maxRisk: options.maxRisk,
		targets: new Set(options.drivers.keys()),
		armed,
		passed: (block: string) => passed.has(block),
	};
	const recordGate = (run: Run) => {
		const result = gateResult(run.info());
		if (result === true) passed.add(run.block.id);
		else if (result === false) passed.delete(run.block.id);
	};
	const sockets = new Set<ClientState>();
	const { timeline } = options;
	const now = options.now ?? (() => new Date());
	/** The incident each run is recorded to: the one open when it started, to its end. */
	const runIncident = new Map<Run, string>();
	const targets = (): TargetInfo[] =>
		[...options.drivers.values()].map(({ name, target }) => ({
			name,
			label: target.label ?? name,
			kind: target.kind,
			production: target.production,
			armed: armed.has(name),
		}));

	interface ClientState {
		socket: BridgeSocket;
		/** Paired by cookie before hello (see `Grant`). */
		paired: boolean;
		authorized: boolean;
		/** The runs this page follows, with the follower object `Run` sends to. */
		following: Map<string, RunFollower>;
		started: Set<Run>;
	}

	const send = (client: ClientState, message: ServerMessage) =>
		client.socket.send(JSON.stringify(message));

	const broadcast = (run: Run) => {
		// Before any page hears of the end, so a step it unblocks can be sent at once.
		recordGate(run);
		const info = run.info();
		for (const client of sockets) if (client.authorized) send(client, { type: 'run', run: info });
		if (run.state === 'exited') {
			for (const client of sockets) {
				client.following.delete(run.id);
				client.started.delete(run);
			}
			forgetOldRuns();
		}
	};

	const forgetOldRuns = () => {
		const finished = [...runs.values()].filter((r) => r.state === 'exited');
		for (const run of finished.slice(0, Math.max(0, finished.length - limits.recentRuns)))
			runs.delete(run.id);
	};

	/** Arms or disarms a target once the audit log has it on disk, then tells every page. */
	const setArmed = async (name: string, on: boolean, client: ClientState, ref?: string) => {
		if (armed.has(name) === on) return;
		try {
			await options.audit.append({
				event: on ? 'arm' : 'disarm',
				time: new Date().toISOString(),
				target: name,
				by: 'page',
			});
		} catch (error) {
			const why = `The audit log could not record it (${(error as Error).message}), so ${name} stays as it was.`;
			if (ref !== undefined) refuse(client, 'audit-failed', why, { ref });
			return;
		}
		if (on) armed.add(name);
		else armed.delete(name);
		const message: ServerMessage = { type: 'targets', targets: targets() };
		for (const other of sockets) if (other.authorized) send(other, message);
	};

	/**
	 * Tells the pages what the timeline took: every page hears the added events; the page that
	 * sent the batch hears, with its `ref`, every event of it the timeline holds, added or there
	 * already, so it knows which of its events are safe to forget.
	 */
	const announce = (result: AddResult, sender?: { client: ClientState; ref: string }) => {
		const echo = result.ok ? result.echo : new Map<string, TimelineEvent[]>();
		const incidents = new Set([...result.added.keys(), ...(sender ? echo.keys() : [])]);
		for (const incident of incidents) {
			for (const client of sockets) {
				if (!client.authorized) continue;
				const own = sender?.client === client && echo.has(incident);
				const events = own ? echo.get(incident)! : result.added.get(incident);
				if (!events?.length) continue;
				send(client, {
					type: 'timeline',
					...(own && { ref: sender!.ref }),
					incident,
					events,
				});
			}
		}
	};

	/** Adds the bridge's own events (its runs, reminders) and tells every page. */
	const record = async (events: TimelineEvent[]): Promise<AddResult> => {
		const result = await timeline.add(events, { from: 'bridge' });
		announce(result);
		if (!result.ok) log(`opsbook bridge: ${result.code}: ${result.message}`);
		return result;
	};

	/** Appends the escalation reminders of the open incident that have fallen due. */
	const remind = () => {
		const failed = (error: unknown) =>
			log(`opsbook bridge: reminders: ${(error as Error).stack ?? String(error)}`);
		try {
			const open = timeline.open();
			if (!open?.state) return;
			const due = dueReminders(open.state, options.registry.incident, now()).filter(
				(event) => !open.ids.has(event.id),
			);
			if (due.length > 0) record(due).catch(failed);
		} catch (error) {
			failed(error);
		}
	};
	const reminders = setInterval(remind, limits.reminderMs);
	reminders.unref();
	remind();

	const recordStart = async (run: Run): Promise<string | undefined> => {
		const open = timeline.open();
		if (!open) return undefined;
		runIncident.set(run, open.id);
		const result = await record([runStarted(run, open.id, timeline.bridgeId, options.audit.path)]);
		if (result.ok) return undefined;
		runIncident.delete(run);
		return `The incident timeline could not record this run, so it did not start. ${result.message}`;
	};

	const recordEnd = async (run: Run) => {
		const incident = runIncident.get(run);
		if (incident === undefined) return;
		runIncident.delete(run);
		await record([runEnded(run, incident, timeline.bridgeId)]);
	};

	async function addFromPage(
		client: ClientState,
		events: TimelineEvent[],
		ref: string,
		merge = false,
	) {
		let result: AddResult;
		try {
			result = await timeline.add(events, { from: 'page', merge });
		} catch (error) {
			log(`opsbook bridge: timeline: ${(error as Error).stack ?? String(error)}`);
			refuse(
				client,
				'timeline-failed',
				'The bridge could not add these events; its log says why.',
				{
					ref,
				},
			);
			return;
		}
		announce(result, { client, ref });
		if (!result.ok) return refuse(client, result.code, result.message, { ref });
		// A declaration or a severity change may make a rule due at once.
		remind();
	}

	const listRuns = (): RunInfo[] => [...runs.values()].reverse().map((r) => r.info());

	const refuse = (
		client: ClientState,
		code: ErrorCode,
		message: string,
		ids: { ref?: string; run?: string },
	) => send(client, { type: 'refused', ...ids, code, message });

	function follow(client: ClientState, run: Run, from: number, announce = false) {
		const previous = client.following.get(run.id);
		if (previous) run.unfollow(previous);
		const follower: RunFollower = { send: (frame) => client.socket.send(frame) };
		client.following.set(run.id, follower);
		return run.follow(follower, from, (where) => {
			if (announce) send(client, { type: 'attached', run: run.id, ...where });
		});
	}

	function handle(client: ClientState, message: ClientMessage) {
		switch (message.type) {
			case 'hello': {
				if (client.authorized) {
					client.socket.close(CloseCode.DuplicateHello, 'Already said hello');
					return;
				}
				// A token, when given, must be right even if the cookie was: no mixing of the two.
				if (
					message.token === undefined ? !client.paired : !tokenMatches(options.token, message.token)
				) {
					client.socket.close(CloseCode.Unauthorized, 'Wrong pairing token');
					return;
				}
				if (message.version !== PROTOCOL_VERSION) {
					client.socket.close(
						CloseCode.UnsupportedVersion,
						`The bridge speaks protocol ${PROTOCOL_VERSION}`,
					);
					return;
				}
				client.authorized = true;
				const current = timeline.current();
				send(client, {
					type: 'welcome',
					version: PROTOCOL_VERSION,
					bridge: { maxRisk: options.maxRisk, targets: targets() },
					runs: listRuns(),
					passed: [...passed],
					...(current && {
						incident: {
							id: current.id,
							events: current.events,
							...(current.dropped.length > 0 && { dropped: current.dropped }),
						},
					}),
					bridgeId: timeline.bridgeId,
				});
				return;
			}
			case 'run': {
				const resolution = resolveRun(options.registry, message, policy);
				if (!resolution.ok) {
					refuse(client, resolution.code, resolution.message, { ref: message.ref });
					return;
				}
				const running = [...runs.values()].filter((r) => r.state !== 'exited').length;
				if (client.started.size >= limits.runsPerConnection || running >= limits.runs) {
					refuse(
						client,
						'too-many-runs',
						`Too many runs at once (${running} running). Stop one, or wait for one to finish.`,
						{ ref: message.ref },
					);
					return;
				}
				const run = new Run({
					id: randomBytes(9).toString('base64url'),
					block: resolution.block,
					command: resolution.command,
					redacted: resolution.redacted,
					secrets: resolution.secrets,
					driver: options.drivers.get(resolution.target)!,
					page: message.page,
					cols: message.cols,
					rows: message.rows,
					ringBytes: limits.ringBytes,
					audit: options.audit,
					override: resolution.override,
					onUpdate: broadcast,
					beforeStart: recordStart,
					beforeEnd: recordEnd,
				});
				// A newer run that has not ended means the block has not passed (yet).
				recordGate(run);
				runs.set(run.id, run);
				client.started.add(run);
				send(client, { type: 'started', ref: message.ref, run: run.info() });
				follow(client, run, 0);
				void run.start();
				return;
			}
			case 'arm': {
				const driver = options.drivers.get(message.target);
				if (!driver) {
					refuse(client, 'unknown-target', `This bridge has no target "${message.target}".`, {
						ref: message.ref,
					});
					return;
				}
				// Arming production is a decision, not a click: its name is typed, as for a destructive step.
				if (driver.target.production && message.confirm !== message.target) {
					refuse(
						client,
						'confirm-required',
						`${message.target} is a production target: type "${message.target}" to arm it.`,
						{ ref: message.ref },
					);
					return;
				}
				void setArmed(message.target, true, client, message.ref);
				return;
			}
			case 'disarm': {
				const driver = options.drivers.get(message.target);
				// `local` is the responder's own machine: it is always within reach.
				if (driver && driver.target.kind !== 'local') void setArmed(message.target, false, client);
				return;
			}
			case 'timeline':
				void addFromPage(client, message.events, message.ref, message.merge);
				return;
			case 'timeline-get': {
				const found = timeline.get(message.incident);
				if (!found) {
					refuse(
						client,
						'unknown-incident',
						`This bridge has no record of incident "${message.incident}".`,
						{
							ref: message.ref,
						},
					);
					return;
				}
				send(client, {
					type: 'timeline',
					ref: message.ref,
					incident: found.id,
					events: found.events,
					complete: true,
					...(found.dropped.length > 0 && { dropped: found.dropped }),
				});
				return;
			}
			default: {
				const run = runs.get(message.run);
				if (!run) {
					refuse(client, 'unknown-run', 'That run is no longer known to the bridge.', {
						run: message.run,
					});
					return;
				}
				switch (message.type) {
					case 'attach': {
						follow(client, run, message.from ?? 0, true);
						// A finished run sends everything it has at once; the page learns the end too.
						if (run.state === 'exited') {
							run.unfollow(client.following.get(run.id)!);
							client.following.delete(run.id);
							send(client, { type: 'run', run: run.info() });
						}
						return;
					}
					case 'detach': {
						const follower = client.following.get(run.id);
						if (follower) run.unfollow(follower);
						client.following.delete(run.id);
						return;
					}
					case 'ack': {
						const follower = client.following.get(run.id);
						if (follower) run.ack(follower, message.bytes);
						return;
					}
					case 'input':
						run.input(message.data);
						return;
					case 'resize':
						run.resize(message.cols, message.rows);
						return;
					case 'stop':
						run.stop();
						return;
				}
			}
		}
	}

	return {
		runs,
		opened(socket, grant = {}) {
			const client: ClientState = {
				socket,
				paired: grant.paired === true,
				authorized: false,
				following: new Map(),
				started: new Set(),
			};
			sockets.add(client);
			const helloTimer = setTimeout(() => {
				if (!client.authorized) socket.close(CloseCode.HelloTimeout, 'No hello in time');
			}, limits.helloTimeoutMs);
			return {
				get authorized() {
					return client.authorized;
				},
				message(data, isBinary) {
					try {
						const text = isBinary
							? undefined
							: typeof data === 'string'
								? data
								: new TextDecoder().decode(data);
						const message = text === undefined ? undefined : parseClientMessage(text);
						if (!message) {
							// A bad event in a batch (a merged file, say) is the page's to explain, not a reason
							// to drop its connection.
							const bad = client.authorized && text !== undefined && explainTimelineFrame(text);
							if (bad) return refuse(client, 'invalid-event', bad.message, { ref: bad.ref });
							socket.close(CloseCode.BadRequest, 'Not a message of the Opsbook protocol');
							return;
						}
						if (!client.authorized && message.type !== 'hello') {
							socket.close(CloseCode.Unauthorized, 'Say hello with the pairing token first');
							return;
						}
						handle(client, message);
					} catch (error) {
						log(`opsbook bridge: internal error: ${(error as Error).stack ?? String(error)}`);
						socket.close(CloseCode.InternalError, 'Internal error');
					}
				},
				closed() {
					clearTimeout(helloTimer);
					sockets.delete(client);
					for (const [id, follower] of client.following) runs.get(id)?.unfollow(follower);
					client.following.clear();
				},
			};
		},
		async close() {
			clearInterval(reminders);
			const live = [...runs.values()].filter((r) => r.state !== 'exited');
			for (const run of live) run.stop();
			await Promise.all(live.map((r) => r.finished));
			for (const client of sockets)
				client.socket.close(CloseCode.GoingAway, 'The bridge is shutting down');
			await Promise.all([...options.drivers.values()].map((d) => d.close()));
			await Promise.all([options.audit.close(), timeline.close()]);
		},
	};
}

const clip = (text: string, max: number) =>
	text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** The timeline's record of a run's start: what the audit log's `start` says, and where that is. */
function runStarted(
	run: Run,
	incident: string,
	bridge: string,
	audit: string,
): EventOf<'run-started'> {
	const info = run.info();
	return {
		id: `run:${bridge}:${run.id}:started`,
		incident,
		at: new Date(run.startedAt).toISOString(),
		kind: 'run-started',
		run: run.id,
		bridge,
		block: run.block.id,
		title: clip(run.block.title, 300),
		risk: run.block.risk,
		check: isCheck(run.block.expect),
		blockPage: info.blockPage,
		...(info.page && { page: clip(info.page, 512) }),
		target: info.target,
		...(info.blockTarget !== undefined && { blockTarget: info.blockTarget }),
		command: info.command,
		...(run.override && {
			override: { reason: run.override.reason, unmet: run.override.needs.map((n) => clip(n, 512)) },
		}),
		audit: clip(audit, 4096),
	};
}

/** Lines of output a check that did not pass keeps on the timeline. */
const TAIL_LINES = 20;

/** The timeline's record of a run's end; a check that did not pass keeps its last lines. */
function runEnded(run: Run, incident: string, bridge: string): EventOf<'run-ended'> {
	const failedCheck = run.verdict !== undefined && run.verdict.outcome !== 'pass';
	const tail = failedCheck ? run.outputTail(TAIL_LINES) : [];
	return {
		id: `run:${bridge}:${run.id}:ended`,
		incident,
		at: new Date().toISOString(),
		kind: 'run-ended',
		run: run.id,
		bridge,
		block: run.block.id,
		end: run.end ?? 'failed',
		...(run.exitCode !== undefined && { exitCode: run.exitCode }),
		...(run.signal !== undefined && { signal: run.signal }),
		durationMs: run.durationMs ?? 0,
		...(run.verdict && {
			verdict: { outcome: run.verdict.outcome, reason: clip(run.verdict.reason, 300) },
		}),
		...(run.message !== undefined && { message: clip(run.message, 1000) }),
		...(tail.length > 0 && { tail }),
	};
}
