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
 *
 * Modes (`BridgeMode`): a live bridge runs blocks on their targets. A practice bridge
 * (`--practice`) runs read steps only and refuses the rest with a sentence a new hire
 * understands (`practice`); a page can start a drill on it. In a drill the bridge executes
 * nothing: every target is replaced by the drill's stand-in (`targets/drill.ts`), and a run goes
 * through the same checks, gates, arming, streaming, verdict, audit log and timeline, answered
 * from the scenario. Arming, gates and the blocks that succeeded are the drill's own: it starts
 * with only `local` armed and every gate closed, and leaves nothing behind when it ends. The
 * drill is declared as an incident of its own (`declared.drill`), and resolved when it ends.
 * Practice never reaches another machine: outside a drill, a practice bridge arms only `local`
 * (its targets say `armable: false`). A drill starts and ends with a clean slate: the finished
 * runs are forgotten (the `mode` message carries the runs left, only those still going), and
 * each target the drill armed is disarmed in the audit log when it ends.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
	CloseCode,
	PROTOCOL_VERSION,
	type BridgeMode,
	type ClientMessage,
	type DrillInfo,
	type ErrorCode,
	type RunInfo,
	type ServerMessage,
	type TargetInfo,
} from '../src/protocol.ts';
import { explainTimelineFrame, parseClientMessage } from '../src/protocol-schema.ts';
import { dueReminders } from '../src/incident/escalation.ts';
import type { EventOf, TimelineEvent } from '../src/incident/schema.ts';
import { newIncidentId } from '../src/incident/timeline.ts';
import type { DrillScenario } from '../src/runbook/drill.ts';
import { gateResult } from '../src/runbook/gates.ts';
import { isCheck } from '../src/runbook/verdict.ts';
import type { Risk } from '../src/runbook/schema.ts';
import type { AuditLog } from './audit-log.ts';
import { resolveRun, type ExecutableRegistry } from './registry.ts';
import { Run, type RunFollower } from './run.ts';
import { drillTarget } from './targets/drill.ts';
import type { SimulatedDriver, TargetDriver } from './targets/target.ts';
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
	 * A practice bridge (`--practice`): read steps only, whatever `maxRisk` says, and drills can
	 * be started from a page.
	 */
	practice?: boolean;
	/**
	 * Targets armed from the start (`--arm`). `local` is always armed; every other target stays out
	 * of reach until the responder arms it.
	 */
	armed?: Iterable<string>;
	limits?: Partial<BridgeLimits>;
	/**
	 * A bridge inside one CLI command (`opsbook run`, `opsbook test`): it runs blocks and records
	 * them like any bridge, but leaves the timeline's housekeeping (escalation reminders, resolving
	 * a drill a killed bridge left open) to the long-running bridge, whose drill may be going on.
	 */
	embedded?: boolean;
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
	/** Who is on the other end, for the audit log: a page, or the CLI in the same process. */
	by?: 'page' | 'cli';
}

export interface Bridge {
	/** Takes a new socket; the returned handlers receive its frames and its close. */
	opened(socket: BridgeSocket, grant?: Grant): Connection;
	readonly runs: ReadonlyMap<string, Run>;
	/** What kind of bridge it is now, as pages are told. */
	mode(): BridgeMode;
	/**
	 * Starts the drill `name` (practice bridges only): declares its incident and answers every run
	 * from its scenario from then on. Resolves with the sentence why not, or undefined once started.
	 */
	startDrill(name: string): Promise<string | undefined>;
	/** Ends the drill: its runs are stopped and its incident resolved; back to practice. */
	endDrill(): Promise<string | undefined>;
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
	const locals = [...options.drivers.values()].filter((d) => d.target.kind === 'local');
	for (const { name } of locals) armed.add(name);
	/**
	 * The blocks whose newest run on their own target passed in this bridge session: the gates
	 * they open. Kept apart from `runs`, which forgets old runs; a restart closes every gate.
	 */
	const passed = new Set<string>();
	const practice = options.practice === true;
	/** The drill being played, with everything that is its own. */
	interface Drill {
		scenario: DrillScenario;
		incident: string;
		/** The blocks run with exit 0 in this drill: the scenario's answers depend on them. */
		succeeded: Set<string>;
		/** The drill's own arming and gates: practice never reaches the real ones. */
		armed: Set<string>;
		passed: Set<string>;
		drivers: Map<string, SimulatedDriver>;
	}
	let drill: Drill | undefined;
	/** A drill is being started or ended: another request waits for the answer. */
	let changing = false;
	const policy = {
		targets: new Set(options.drivers.keys()),
		// Nothing runs in a drill, so every step can be practised, behind its confirmation and gates.
		get maxRisk(): Risk {
			return drill ? 'destructive' : options.maxRisk;
		},
		get practice() {
			return practice && !drill;
		},
		get armed() {
			return drill?.armed ?? armed;
		},
		passed: (block: string) => (drill?.passed ?? passed).has(block),
	};
	/** The gates a run opens or closes: a drill's runs its own, a real run the bridge's. */
	const gatesOf = (run: Run) => (run.drill === undefined ? passed : drill?.passed);
	const recordGate = (run: Run) => {
		const gates = gatesOf(run);
		const result = gateResult(run.info());
		if (result === true) gates?.add(run.block.id);
		else if (result === false) gates?.delete(run.block.id);
		if (run.drill !== undefined && run.state === 'exited' && run.end === 'exited')
			if (run.exitCode === 0) drill?.succeeded.add(run.block.id);
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
			armed: policy.armed.has(name),
			armable: target.kind === 'local' || !policy.practice,
		}));
	const drills = (): DrillInfo[] =>
		[...options.registry.drills.values()].map(({ name, title, severity }) => ({
			name,
			title,
			severity,
		}));
	const mode = (): BridgeMode => {
		if (drill) {
			const { name, title, severity, alert } = drill.scenario;
			return {
				kind: 'drill',
				drills: drills(),
				drill: { name, title, severity, alert, incident: drill.incident },
			};
		}
		return practice ? { kind: 'practice', drills: drills() } : { kind: 'live' };
	};

	interface ClientState {
		socket: BridgeSocket;
		/** Paired by cookie before hello (see `Grant`). */
		paired: boolean;
		by: 'page' | 'cli';
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

	/** A drill starts and ends with no finished runs: neither its own nor practice's carry over. */
	const forgetFinishedRuns = () => {
		for (const run of [...runs.values()]) if (run.state === 'exited') runs.delete(run.id);
	};

	const forgetOldRuns = () => {
		const finished = [...runs.values()].filter((r) => r.state === 'exited');
		for (const run of finished.slice(0, Math.max(0, finished.length - limits.recentRuns)))
			runs.delete(run.id);
	};

	/**
	 * Arms or disarms a target once the audit log has it on disk, then tells every page. In a
	 * drill only the drill's arming changes: nothing is reached either way.
	 */
	const setArmed = async (name: string, on: boolean, client: ClientState, ref?: string) => {
		const within = drill;
		const set = within?.armed ?? armed;
		if (set.has(name) === on) return;
		try {
			await options.audit.append({
				event: on ? 'arm' : 'disarm',
				time: new Date().toISOString(),
				target: name,
				by: client.by,
				...(within && { drill: within.scenario.name }),
			});
		} catch (error) {
			const why = `The audit log could not record it (${(error as Error).message}), so ${name} stays as it was.`;
			if (ref !== undefined) refuse(client, 'audit-failed', why, { ref });
			return;
		}
		// The drill ended while the audit log was written: its arming went with it.
		if (within !== drill) return;
		if (on) set.add(name);
		else set.delete(name);
		sendTargets();
	};

	const sendTargets = () => {
		const message: ServerMessage = { type: 'targets', targets: targets() };
		for (const other of sockets) if (other.authorized) send(other, message);
	};

	/** Tells every page the mode, and the targets as armed in it; the asking page hears its ref. */
	const sendMode = (sender?: { client: ClientState; ref: string }) => {
		const current = mode();
		for (const client of sockets) {
			if (!client.authorized) continue;
			send(client, {
				type: 'mode',
				...(sender?.client === client && { ref: sender.ref }),
				mode: current,
				maxRisk: policy.maxRisk,
				passed: [...(drill?.passed ?? passed)],
				runs: listRuns(),
			});
		}
		sendTargets();
	};

	async function startDrill(
		name: string,
		sender?: { client: ClientState; ref: string },
	): Promise<string | undefined> {
		if (!practice) {
			return 'This bridge runs blocks for real, so it plays no drills: start one with --practice (npx opsbook serve --practice) and start the drill from its page.';
		}
		if (drill || changing) {
			return drill
				? `The drill "${drill.scenario.title}" is running: end it before starting another.`
				: 'A drill is starting or ending: wait a moment.';
		}
		const scenario = options.registry.drills.get(name);
		if (!scenario) {
			const names = [...options.registry.drills.keys()];
			return `This bridge has no drill "${name}". ${names.length > 0 ? `Its drills: ${names.join(', ')}.` : 'It has no drills (drills/*.yaml in the runbooks folder).'}`;
		}
		changing = true;
		try {
			const at = now();
			const incident = newIncidentId(`drill ${scenario.name}`, at);
			const declared: EventOf<'declared'> = {
				id: `drill:${timeline.bridgeId}:${incident}:declared`,
				incident,
				at: at.toISOString(),
				kind: 'declared',
				title: clip(scenario.title, 200),
				severity: scenario.severity,
				detectedAt: new Date(at.getTime() - scenario.detectedMinutesAgo * 60_000).toISOString(),
				responders: [],
				drill: scenario.name,
			};
			const result = await record([declared]);
			if (!result.ok) return `The drill could not be declared on the timeline. ${result.message}`;
			const started: Drill = {
				scenario,
				incident,
				succeeded: new Set(),
				armed: new Set(locals.map((d) => d.name)),
				passed: new Set(),
				drivers: new Map(),
			};
			for (const { name: target, target: config } of options.drivers.values())
				started.drivers.set(target, drillTarget(target, config, started));
			await options.audit
				.append({ event: 'drill-start', time: at.toISOString(), drill: scenario.name, incident })
				.catch((error: Error) => log(`opsbook bridge: audit log: ${error.message}`));
			drill = started;
			forgetFinishedRuns();
			sendMode(sender);
			remind();
			return undefined;
		} finally {
			changing = false;
		}
	}

	async function endDrill(sender?: { client: ClientState; ref: string }) {
		if (!drill || changing)
			return drill ? 'A drill is starting or ending: wait a moment.' : 'No drill is running.';
		changing = true;
		const ending = drill;
		try {
			const live = [...runs.values()].filter((r) => r.drill !== undefined && r.state !== 'exited');
			for (const run of live) run.stop();
			await Promise.all(live.map((r) => r.finished));
			// Resolved unless a page resolved it already.
			if (timeline.get(ending.incident)?.state?.open) {
				await record([
					{
						id: `drill:${timeline.bridgeId}:${ending.incident}:resolved`,
						incident: ending.incident,
						at: now().toISOString(),
						kind: 'resolved',
					},
				]);
			}
			// The drill's arming ends with it: the audit log says so, as for a disarm from the page.
			for (const target of ending.armed) {
				if (locals.some((d) => d.name === target)) continue;
				await options.audit
					.append({
						event: 'disarm',
						time: now().toISOString(),
						target,
						by: 'drill-end',
						drill: ending.scenario.name,
					})
					.catch((error: Error) => log(`opsbook bridge: audit log: ${error.message}`));
			}
			await options.audit
				.append({
					event: 'drill-end',
					time: now().toISOString(),
					drill: ending.scenario.name,
					incident: ending.incident,
				})
				.catch((error: Error) => log(`opsbook bridge: audit log: ${error.message}`));
			drill = undefined;
			forgetFinishedRuns();
			sendMode(sender);
			return undefined;
		} finally {
			changing = false;
		}
	}

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
		if (options.embedded) return;
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
	// A drill its bridge never ended (killed mid-drill) would stand in the way of a real incident.
	const stale = options.embedded ? undefined : timeline.open();
	if (stale?.state?.drill !== undefined) {
		void record([
			{
				id: `drill:${timeline.bridgeId}:${stale.id}:resolved`,
				incident: stale.id,
				at: now().toISOString(),
				kind: 'resolved',
			},
		]).catch((error: Error) => log(`opsbook bridge: timeline: ${error.message}`));
	}
	const reminders = setInterval(remind, limits.reminderMs);
	reminders.unref();
	// Runs an `opsbook run` in a terminal recorded in the open incident reach the pages too.
	const unwatch = options.embedded
		? undefined
		: timeline.watch((incident, events) =>
				announce({ ok: true, added: new Map([[incident, events]]), echo: new Map() }),
			);
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
		// Resolving the drill's incident from the page ends the drill, as End drill does.
		if (drill && !changing && timeline.get(drill.incident)?.state?.open === false) {
			void endDrill().catch((error: Error) => log(`opsbook bridge: drill: ${error.stack}`));
		}
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
					bridge: { maxRisk: policy.maxRisk, targets: targets() },
					runs: listRuns(),
					passed: [...(drill?.passed ?? passed)],
					...(current && {
						incident: {
							id: current.id,
							events: current.events,
							...(current.dropped.length > 0 && { dropped: current.dropped }),
						},
					}),
					incidents: timeline.list(),
					bridgeId: timeline.bridgeId,
					mode: mode(),
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
					values: resolution.values,
					driver: (drill?.drivers ?? options.drivers).get(resolution.target)!,
					drill: drill?.scenario.name,
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
				// Practice never reaches another machine; a drill's arming reaches nothing either way.
				if (policy.practice && driver.target.kind !== 'local') {
					refuse(
						client,
						'practice',
						`This is a practice bridge: it runs steps on this machine only, so ${message.target} cannot be armed and nothing reaches it. To practise arming ${message.target}, start a drill: nothing is run there either.`,
						{ ref: message.ref },
					);
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
			case 'drill-start':
			case 'drill-end': {
				const sender = { client, ref: message.ref };
				const change =
					message.type === 'drill-start' ? startDrill(message.name, sender) : endDrill(sender);
				void change.then(
					(refusal) => {
						if (refusal !== undefined)
							refuse(client, 'drill-refused', refusal, { ref: message.ref });
					},
					(error: unknown) => {
						log(`opsbook bridge: drill: ${(error as Error).stack ?? String(error)}`);
						refuse(client, 'drill-refused', 'The bridge could not do that; its log says why.', {
							ref: message.ref,
						});
					},
				);
				return;
			}
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
		mode,
		startDrill: (name) => startDrill(name),
		endDrill: () => endDrill(),
		opened(socket, grant = {}) {
			const client: ClientState = {
				socket,
				paired: grant.paired === true,
				by: grant.by ?? 'page',
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
			// A drill left open would stand in the way of the next real incident.
			if (drill) await endDrill().catch(() => undefined);
			clearInterval(reminders);
			unwatch?.();
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
		...(run.drill !== undefined && { simulated: true as const }),
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
