/**
 * The page's side of the bridge: one WebSocket per page, opened only when the tab holds pairing
 * data (see `pairing.ts`), and loaded only then.
 *
 * It proves the pairing with `hello`, then enables the page's Run buttons, shows the bridge's
 * targets and which are armed (a step runs on its own target, and one other than `local` only
 * once the responder has armed it), and follows runs: those started here, and those of this page's blocks already running or
 * recently run (`welcome.runs`), reattached from the bridge's buffer, so a reload loses nothing.
 * After a network drop or a bridge restart it reconnects with backoff and picks the runs up again;
 * after a refusal (wrong token, origin, version) retrying cannot help, so it says why instead.
 * It also carries the incident timeline between the bridge and the page's store
 * (`incident/store.ts`), and the bridge's mode (live, practice or a drill) to `mode.ts`.
 */
import {
	CloseCode,
	PROTOCOL_VERSION,
	RISK_LEVELS,
	decodeOutput,
	type ClientMessage,
	type RunInfo,
	type ServerMessage,
	type TargetInfo,
	type WelcomeMessage,
} from '../protocol.ts';
import { gateResult, unmetNeeds } from '../runbook/gates.ts';
import { renderTemplate } from '../runbook/template.ts';
import type { OpsbookBridge } from './bridge-header.ts';
import type { OpsbookCommand } from './command-block.ts';
import type { OpsbookRunAll, StepResult, StepRunner } from './run-all.ts';
import { formValues } from './command-form.ts';
import { isLoopbackBridgeUrl, type Pairing } from './pairing.ts';
import { RunPanel } from './run-panel.ts';
import { RunsList } from './runs-list.ts';
import { announceRun } from './run-events.ts';
import { incidentStore } from './incident/store.ts';
// The bridge keeps the timeline: a paired page shows its incident (the header loads the bar lazily).
import './incident/incident-header.ts';
import { bridgeMode, modeScope } from './mode.ts';
import './mode-header.ts';
// Run all comes with the bridge that runs its steps (`run-all-boot.ts` shows it until then).
import './run-all.ts';

/**
 * A target as the page names it: its label, and that it is production. A comma, not brackets:
 * labels often carry brackets of their own ("orion (Hetzner CAX11), production").
 */
function targetName(target: Pick<TargetInfo, 'label' | 'production'>): string {
	return target.production ? `${target.label}, production` : target.label;
}

/** Close codes after which reconnecting only repeats the refusal, and what to tell the responder. */
const REFUSALS: ReadonlyMap<number, string> = new Map([
	[
		CloseCode.Unauthorized,
		'The bridge refused this page’s pairing token. Open the link the bridge printed when it started (a bridge started with --new-token, or on another machine, has another token).',
	],
	[
		CloseCode.Forbidden,
		'The bridge does not accept pages from this site’s address. Open the site from the link the bridge printed.',
	],
	[
		CloseCode.UnsupportedVersion,
		'This page and the bridge speak different protocol versions. Rebuild the site with the bridge’s version (astro build, then opsbook serve; npm start does both in the Opsbook repository) and reload.',
	],
	[
		CloseCode.BadRequest,
		'The bridge did not understand this page, which usually means the site and the bridge come from different versions. Reload the page.',
	],
]);

/** Why a practice bridge does not run a step, where Run would be. */
function practiceNote(risk: string): string {
	return `Not run in practice: this step ${risk === 'destructive' ? 'destroys something' : 'changes something'} (${risk}), and a practice bridge runs read steps only, so nothing can change by mistake. Read what it does and what to look for; in a drill, Run answers it from the scenario.`;
}

/** Waits before reconnect attempts, in ms; the last repeats. Jitter spreads the tabs of one browser. */
const BACKOFF = [250, 1000, 2000, 4000, 8000, 15_000];

const OFFLINE_HINT =
	'The bridge is not reachable; reconnecting. If it was stopped, start it again in the site’s folder (npm start in the Opsbook repository):';

/** How a run is asked for, besides the Run button's plain press. */
interface RunOptions {
	/** Run a gated block whose needs have not passed anyway, for this reason. */
	override?: string | undefined;
	/** Ask before a `change` step too (a Run all runs several steps on one press). */
	confirmChange?: boolean;
	/** Stops the run (or prevents it) when aborted. */
	signal?: AbortSignal | undefined;
}

/** A run started by `#run`, until it ends. */
interface Waiting {
	resolve(result: StepResult): void;
	/** The run's id, once `started` came. */
	run?: string;
}

export function connect(pairing: Pairing, header: OpsbookBridge) {
	new Bridge(pairing, header).open();
}

class Bridge {
	readonly #pairing: Pairing;
	readonly #header: OpsbookBridge;
	readonly #runsList: RunsList;
	#socket?: WebSocket | undefined;
	#welcome?: WelcomeMessage['bridge'] | undefined;
	#attempt = 0;
	#retry = 0;
	/** Every run the bridge told us about, by id. */
	readonly #runs = new Map<string, RunInfo>();
	/** The terminal panel of each block on this page that has one, by block id. */
	readonly #panels = new Map<string, RunPanel>();
	/** Which panel follows which run. */
	readonly #following = new Map<string, RunPanel>();
	/** Runs this page stopped following while hidden, to follow again when it is back. */
	readonly #detached = new Set<string>();
	/** Run requests awaiting `started` or `refused`, by ref. */
	readonly #requests = new Map<string, RunPanel>();
	/** Runs asked for by `#run`, until they end: by request ref, then by run id. */
	readonly #waiting = new Map<string, Waiting>();
	/** Blocks whose newest run in this bridge session passed: the gates they open (`needs=`). */
	readonly #passed = new Set<string>();
	/** What a Run all on this page runs its steps with. */
	readonly #steps: StepRunner = {
		blocked: (element) => this.#blocked(element),
		run: (element, signal) => this.#run(element, undefined, { confirmChange: true, signal }),
	};
	/** Arm requests awaiting `targets` or `refused`, by ref, with where to say a refusal. */
	readonly #arming = new Map<string, { target: string; say(text: string): void }>();
	#refs = 0;

	constructor(pairing: Pairing, header: OpsbookBridge) {
		this.#pairing = pairing;
		this.#header = header;
		this.#runsList = new RunsList(header);
		// Back online, or back to the tab: try now instead of at the end of the backoff.
		addEventListener('online', () => this.#retryNow());
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'hidden') return this.#hidden();
			this.#retryNow();
			this.#visible();
		});
	}

	open() {
		clearTimeout(this.#retry);
		this.#retry = 0;
		let socket: WebSocket;
		try {
			// `pairing.ts` admits only loopback bridges; checked again where the socket is made.
			if (!isLoopbackBridgeUrl(this.#pairing.url)) throw new Error('not a loopback bridge');
			socket = new WebSocket(this.#pairing.url);
		} catch {
			this.#refuse(
				'The pairing link names an address the browser cannot open. Open the link the bridge printed again.',
			);
			return;
		}
		socket.binaryType = 'arraybuffer';
		this.#socket = socket;
		socket.addEventListener('open', () => {
			socket.send(
				JSON.stringify({ type: 'hello', version: PROTOCOL_VERSION, token: this.#pairing.token }),
			);
		});
		socket.addEventListener('message', (event: MessageEvent<ArrayBuffer | string>) => {
			if (socket !== this.#socket) return;
			if (typeof event.data === 'string') this.#message(event.data);
			else if (this.#welcome) {
				const { run, offset, data } = decodeOutput(new Uint8Array(event.data));
				this.#following.get(run)?.output(offset, data);
			}
		});
		socket.addEventListener('close', (event) => {
			if (socket === this.#socket) this.#closed(event.code);
		});
	}

	send(message: ClientMessage) {
		if (this.#socket?.readyState === WebSocket.OPEN && this.#welcome)
			this.#socket.send(JSON.stringify(message));
	}

	#message(text: string) {
		let message: ServerMessage;
		try {
			message = JSON.parse(text) as ServerMessage;
		} catch {
			return;
		}
		if (message.type === 'welcome') return void this.#welcomed(message);
		if (!this.#welcome) return;
		switch (message.type) {
			case 'started': {
				const panel = this.#requests.get(message.ref);
				this.#requests.delete(message.ref);
				this.#remember(message.run);
				if (panel) void this.#follow(panel, message.run);
				const waiting = this.#waiting.get(message.ref);
				if (waiting) {
					this.#waiting.delete(message.ref);
					waiting.run = message.run.id;
					this.#waiting.set(message.run.id, waiting);
				}
				break;
			}
			case 'targets': {
				this.#welcome.targets = message.targets;
				for (const [ref, request] of this.#arming) {
					if (this.#target(request.target).armed) this.#arming.delete(ref);
				}
				this.#showConnected(this.#welcome);
				this.#runsList.show(this.#runs.values(), message.targets);
				this.#enableAll();
				break;
			}
			case 'mode': {
				// A drill has its own risk ceiling and gates; every page shows the mode (`mode.ts`).
				this.#welcome.maxRisk = message.maxRisk;
				this.#passed.clear();
				for (const block of message.passed) this.#passed.add(block);
				if (modeScope(message.mode) !== modeScope(bridgeMode.mode)) {
					this.#forget(message.runs);
				}
				bridgeMode.message(message);
				// A drill answers what practice refuses, and back: every Run says so anew.
				this.#showConnected(this.#welcome);
				this.#enableAll();
				break;
			}
			case 'timeline':
				incidentStore.bridgeMessage(message);
				break;
			case 'refused': {
				if (incidentStore.bridgeRefused(message) || bridgeMode.refused(message)) break;
				const arming = message.ref === undefined ? undefined : this.#arming.get(message.ref);
				if (arming) {
					this.#arming.delete(message.ref!);
					arming.say(message.message);
					break;
				}
				const panel = message.ref === undefined ? undefined : this.#requests.get(message.ref);
				if (panel) {
					this.#requests.delete(message.ref!);
					panel.refused();
					this.#enableRun(panel.block.block!.id);
					panel.block.status(`${message.message} Nothing ran.`);
					this.#settle(message.ref!, { ran: false, why: message.message });
					break;
				}
				const following = message.run === undefined ? undefined : this.#following.get(message.run);
				// An ack or resize racing the end of a run is not news.
				if (following && !(message.code === 'unknown-run' && following.run?.state === 'exited')) {
					following.message(message.message);
				}
				break;
			}
			case 'run': {
				this.#remember(message.run);
				const panel = this.#following.get(message.run.id);
				if (panel) panel.update(message.run);
				else if (message.run.state !== 'exited') this.#adopt(message.run);
				// The same rule as the bridge's, so a step it unblocks is enabled before anyone hears
				// this run ended.
				const gate = gateResult(message.run);
				if (gate !== undefined && gate !== this.#passed.has(message.run.block)) {
					if (gate) this.#passed.add(message.run.block);
					else this.#passed.delete(message.run.block);
					this.#enableAll();
				} else this.#enableRun(message.run.block);
				if (message.run.state === 'exited') {
					this.#settle(message.run.id, { ran: true, run: message.run });
				}
				announceRun(message.run);
				break;
			}
			case 'attached':
				this.#following.get(message.run)?.attached(message.from, message.truncated);
				break;
		}
	}

	async #welcomed(message: WelcomeMessage) {
		this.#welcome = message.bridge;
		this.#attempt = 0;
		const lost = [...this.#following.values()];
		this.#runs.clear();
		// The bridge forgets finished runs as a drill starts and ends: these are this mode's.
		for (const run of message.runs) this.#runs.set(run.id, run);
		this.#passed.clear();
		for (const block of message.passed) this.#passed.add(block);
		this.#showConnected(message.bridge);
		this.#runsList.show(this.#runs.values(), message.bridge.targets);
		// The bridge keeps the incident's timeline from here on; the page hands it what it kept.
		incidentStore.bridgeWelcomed(message, (m) => this.send(m));
		// A bridge older than protocol 4 has no modes: it runs what it runs.
		bridgeMode.set(message.mode ?? { kind: 'live' }, (m) => this.send(m));
		// Again, now the mode is known: a drill's armed targets say DRILL.
		this.#showConnected(message.bridge);
		// After the mode: a drill's runs answer the drill's tree, not practice's.
		for (const run of this.#runs.values()) announceRun(run);

		await customElements.whenDefined('opsbook-command');
		if (document.querySelector('opsbook-run-all'))
			await customElements.whenDefined('opsbook-run-all');
		// Follow the newest run of each block on this page, picking up where this page left off.
		const newest = new Map<string, RunInfo>();
		for (const run of [...this.#runs.values()].sort((a, b) => b.startedAt - a.startedAt)) {
			if (!newest.has(run.block)) newest.set(run.block, run);
		}
		for (const run of newest.values()) {
			const panel = this.#panels.get(run.block);
			if (panel?.run?.id === run.id && panel.section.isConnected) {
				panel.update(run);
				this.#attach(run.id, panel.written);
			} else if (!panel?.busy) {
				this.#adopt(run);
			}
		}
		for (const panel of lost) if (panel.run && !this.#runs.has(panel.run.id)) panel.lost();
		// After the panels know their runs, so a running step's Run stays disabled.
		this.#enableAll();
	}

	#closed(code: number) {
		this.#socket = undefined;
		const wasWelcomed = this.#welcome !== undefined;
		this.#welcome = undefined;
		for (const panel of this.#requests.values()) panel.refused();
		this.#requests.clear();
		for (const key of [...this.#waiting.keys()]) {
			this.#settle(key, {
				ran: false,
				why: 'the bridge went away; the run may still be going, see the Runs panel',
			});
		}
		this.#detached.clear();
		if (wasWelcomed) incidentStore.bridgeClosed();
		bridgeMode.closed();
		for (const panel of this.#panels.values()) panel.disconnected();
		const refusal = REFUSALS.get(code);
		if (refusal) return this.#refuse(refusal);
		this.#header.show(
			'offline',
			wasWelcomed ? 'reconnecting…' : 'offline',
			OFFLINE_HINT,
			'npx opsbook serve',
		);
		this.#disableAll('The bridge is not reachable right now; Run comes back when it is.');
		const delay = BACKOFF[Math.min(this.#attempt, BACKOFF.length - 1)]!;
		this.#attempt++;
		this.#retry = window.setTimeout(() => this.open(), delay * (0.75 + Math.random() / 2));
	}

	#retryNow() {
		if (this.#retry) this.open();
	}

	#refuse(message: string) {
		clearTimeout(this.#retry);
		this.#retry = 0;
		this.#header.show('refused', 'refused', message);
		this.#runsList.show(undefined);
		this.#disableAll(`Run is unavailable: ${message}`);
	}

	/** The chip, the targets in its popover, and the banner while a production target is armed. */
	#showConnected(bridge: WelcomeMessage['bridge']) {
		const remote = bridge.targets.filter((t) => t.kind !== 'local');
		const armed = remote.filter((t) => t.armed);
		const production = armed.filter((t) => t.production);
		const names = (targets: TargetInfo[]) => targets.map((t) => t.label).join(', ');
		// The chip stays short (names, not labels) so it fits a phone's header; the popover says more.
		const short = (targets: TargetInfo[]) => targets.map((t) => t.name).join(', ');
		const drill = bridgeMode.mode?.kind === 'drill';
		if (drill && armed.length > 0) {
			// Armed in a drill is practice: nothing reaches those targets, and the chip says so.
			this.#header.show(
				'connected',
				`DRILL armed: ${short(armed)}`,
				`DRILL: arming is practised; nothing reaches ${short(armed)}. Every Run is answered from the scenario.`,
			);
			this.#showTargets(bridge.targets);
			this.#banner(
				`DRILL: ${short(armed)} armed for practice; nothing reaches ${short(armed)}: answers come from the scenario.`,
				true,
			);
			return;
		}
		this.#header.show(
			production.length > 0 ? 'production' : 'connected',
			production.length > 0
				? `production: ${short(production)}`
				: armed.length > 0
					? `armed: ${short(armed)}`
					: 'connected',
			remote.length === 0
				? 'Connected. Steps run on this machine.'
				: bridgeMode.mode?.kind === 'practice'
					? 'Connected to a practice bridge: it runs read steps on this machine only, and never reaches another target.'
					: `Connected. Each step runs on its own target; ${armed.length === 0 ? 'only this machine is armed' : `armed: this machine, ${names(armed)}`}${production.length > 0 ? `, of which production: ${names(production)}` : ''}. A step for a target that is not armed does not run until you arm it.`,
		);
		this.#showTargets(bridge.targets);
		this.#banner(
			production.length === 0
				? undefined
				: `Production armed: steps for ${names(production)} run there when you press Run.`,
		);
	}

	/** The targets in the chip's popover, each with its state and Arm or Disarm. */
	#showTargets(targets: TargetInfo[]) {
		const popover = this.#header.querySelector('#ob-bridge-detail');
		if (!popover) return;
		let list = popover.querySelector<HTMLUListElement>('.ob-targets');
		if (!list) {
			list = document.createElement('ul');
			list.className = 'ob-targets';
			list.setAttribute('aria-label', 'Targets');
			popover.querySelector('.ob-bridge-message')?.after(list);
		}
		list.replaceChildren(
			...targets.map((target) => {
				const item = document.createElement('li');
				const name = document.createElement('span');
				name.className = 'ob-targets-name';
				name.textContent = targetName(target);
				if (target.production) name.dataset.production = 'true';
				const state = document.createElement('span');
				state.className = 'ob-targets-state';
				state.textContent =
					target.kind === 'local'
						? 'this machine, always armed'
						: target.armed
							? 'armed'
							: this.#armable(target)
								? 'not armed'
								: 'a practice bridge never reaches it';
				item.append(name, state);
				if (target.kind !== 'local' && (target.armed || this.#armable(target))) {
					const button = document.createElement('button');
					button.type = 'button';
					button.textContent = target.armed ? `Disarm ${target.name}` : `Arm ${target.name}…`;
					button.addEventListener('click', () => {
						if (target.armed) this.send({ type: 'disarm', target: target.name });
						else void this.#arm(target, (text) => (state.textContent = text));
					});
					item.append(button);
				}
				return item;
			}),
		);
	}

	/**
	 * Asks the bridge to arm a target. A production target's name must be typed first; the bridge
	 * checks it too. `say` shows why, if it is not armed.
	 */
	async #arm(target: TargetInfo, say: (text: string) => void) {
		let confirm: string | undefined;
		if (target.production) {
			const { confirmByTyping } = await import('./confirm-dialog.ts');
			// In a drill the same name is typed, as at 3 a.m.; the dialog says nothing goes there.
			const drill = bridgeMode.mode?.kind === 'drill';
			confirm = await confirmByTyping({
				title: drill ? `DRILL: arm ${target.label}?` : `Arm ${target.label}?`,
				lead: drill
					? 'Until you disarm it or the drill ends, Run answers the steps of this target from the scenario, as if they ran on'
					: 'Until you disarm it or the bridge stops, Run sends the steps of this target to',
				target: target.label,
				production: true,
				word: target.name,
				action: 'Arm',
				drill: drill ? `Arming is practised; nothing reaches ${target.name}.` : undefined,
			});
			if (confirm === undefined) return say(`Not armed: nothing can reach ${target.label}.`);
		}
		const ref = `arm-${++this.#refs}`;
		this.#arming.set(ref, { target: target.name, say });
		this.send({
			type: 'arm',
			ref,
			target: target.name,
			...(confirm === undefined ? {} : { confirm }),
		});
	}

	#banner(text: string | undefined, drill = false) {
		let banner = document.querySelector<HTMLElement>('.ob-banner');
		if (!text) return banner?.remove();
		if (!banner) {
			banner = document.createElement('div');
			banner.className = 'ob-banner';
			banner.setAttribute('role', 'alert');
			document.querySelector('.main-frame')?.prepend(banner);
		}
		// A drill's armed target is the drill's purple, not production's red.
		if (drill) banner.dataset.drill = 'true';
		else delete banner.dataset.drill;
		banner.textContent = text;
	}

	/**
	 * Whether the responder may arm this target from the page. A practice bridge arms nothing but
	 * this machine (the bridge says so with `armable: false`; an older one by its mode).
	 */
	#armable(target: TargetInfo): boolean {
		if (target.kind === 'local') return true;
		return target.armable ?? bridgeMode.mode?.kind !== 'practice';
	}

	#target(name: string): TargetInfo {
		return (
			this.#welcome?.targets.find((t) => t.name === name) ?? {
				name,
				label: name,
				kind: 'ssh',
				production: false,
				armed: false,
			}
		);
	}

	#remember(run: RunInfo) {
		this.#runs.set(run.id, run);
		this.#runsList.show(this.#runs.values());
	}

	#blockElement(blockId: string): OpsbookCommand | undefined {
		const element = document.getElementById(`cmd-${blockId}`);
		return element?.localName === 'opsbook-command' ? (element as OpsbookCommand) : undefined;
	}

	#panelFor(element: OpsbookCommand): RunPanel {
		const id = element.block!.id;
		let panel = this.#panels.get(id);
		if (!panel || !panel.section.isConnected) {
			panel = new RunPanel(element, {
				send: (message) => this.send(message),
				rerun: (block, on) => this.#run(block, on),
			});
			this.#panels.set(id, panel);
		}
		return panel;
	}

	/** Follows a run of one of this page's blocks that this page did not start (or started before a reload). */
	#adopt(run: RunInfo) {
		const element = this.#blockElement(run.block);
		if (!element?.block) return;
		// Our own request is on its way: `started` will bind it.
		if ([...this.#requests.values()].some((panel) => panel.block === element)) return;
		void this.#follow(this.#panelFor(element), run).then((shown) => {
			if (shown && this.#following.get(run.id)?.run?.id === run.id) this.#attach(run.id, 0);
		});
	}

	#attach(run: string, from: number) {
		if (document.visibilityState === 'hidden') this.#detached.add(run);
		else this.send({ type: 'attach', run, from });
	}

	/**
	 * A hidden tab stops following its runs. Browsers throttle its timers, so its terminals
	 * would acknowledge slowly, and the bridge paces a run by its slowest follower: one
	 * forgotten tab would slow a flood for every page. Back in view, it picks up where it was.
	 */
	#hidden() {
		for (const [id, panel] of this.#following) {
			if (panel.run?.state === 'exited' || this.#detached.has(id)) continue;
			this.send({ type: 'detach', run: id });
			this.#detached.add(id);
		}
	}

	#visible() {
		for (const id of this.#detached) {
			const panel = this.#following.get(id);
			if (panel?.run?.id === id) this.send({ type: 'attach', run: id, from: panel.written });
		}
		this.#detached.clear();
	}

	/** Resolves once the panel's terminal is there: to whether it could load. */
	async #follow(panel: RunPanel, run: RunInfo): Promise<boolean> {
		for (const [id, other] of this.#following) if (other === panel) this.#following.delete(id);
		this.#following.set(run.id, panel);
		this.#enableRun(run.block);
		return (await panel.follow(run)) !== undefined;
	}

	/**
	 * Runs a block: on its own target, or, for a read step the responder chose to run elsewhere,
	 * on `on`. The bridge checks the same rules again; the page only saves a refused round trip.
	 */
	async #run(element: OpsbookCommand, on?: string, options: RunOptions = {}): Promise<StepResult> {
		const not = (why: string): StepResult => ({ ran: false, why });
		const block = element.block;
		if (!block || !this.#welcome) return not('the bridge is not connected');
		if (this.#panels.get(block.id)?.busy) {
			element.status('This step is already running: stop it first, or wait for it to end.');
			return not('it is already running');
		}
		const target = this.#target(on ?? block.target);
		if (!target.armed && !this.#armable(target)) {
			element.status(`${target.label} is not reached from a practice bridge: nothing ran.`);
			return not(`a practice bridge never reaches ${target.name}`);
		}
		if (!target.armed) {
			element.status(`${target.label} is not armed: arm it first (nothing ran).`);
			return not(`arm ${target.name} first`);
		}
		const unmet = unmetNeeds(block.needs, this.#passed);
		if (unmet.length > 0 && !options.override) {
			element.status(`This step waits for ${this.#needed(element, unmet)} to pass first.`);
			return not(`it waits for ${this.#needed(element, unmet)} to pass first`);
		}
		const rendered = renderTemplate(block.template, formValues(element));
		if (!rendered.ok) {
			element.status(
				`Run needs valid parameters: ${rendered.errors.map((e) => e.message).join('; ')}.`,
			);
			return not('its parameters are not valid');
		}
		const title = element.querySelector('.ob-title')?.textContent ?? block.id;
		let confirm: string | undefined;
		// A yes or no first: an interactive session does whatever is typed into it, unrecorded and
		// often on a server, so one click must not open one by accident; a Run all asks before it
		// changes anything.
		const ask = block.interactive
			? {
					title: `Open “${title}”?`,
					lead: 'This opens an interactive session: what you type in it is not recorded. It runs this command on',
					action: 'Open',
				}
			: block.risk === 'change' && options.confirmChange
				? {
						title: `Run “${title}” on ${target.label}?`,
						lead: 'This step changes the state of its target. It will run this command on',
						action: 'Run',
					}
				: undefined;
		if (ask) {
			const { confirmPlainly } = await import('./confirm-dialog.ts');
			const yes = await confirmPlainly({
				...ask,
				command: rendered.redacted,
				target: target.label,
				production: target.production,
			});
			if (!yes) {
				element.status('Cancelled: nothing ran.');
				return not('cancelled, nothing ran');
			}
		}
		if (block.risk === 'destructive') {
			const { confirmByTyping } = await import('./confirm-dialog.ts');
			confirm = await confirmByTyping({
				title: `Run “${title}”?`,
				lead: 'This step is destructive. It will run this command on',
				command: rendered.redacted,
				target: target.label,
				production: target.production,
				// The bridge asks for the same: the word the block declares, else the target's name.
				word: block.confirm ?? target.name,
				action: 'Run',
			});
			if (confirm === undefined) {
				element.status('Cancelled: nothing ran.');
				return not('cancelled, nothing ran');
			}
		}
		if (options.signal?.aborted) return not('stopped before it ran');
		if (!this.#welcome) {
			element.status('The bridge went away before the run was sent: nothing ran.');
			return not('the bridge went away before the run was sent');
		}
		element.status('');
		const panel = this.#panelFor(element);
		this.#enableRun(block.id, true);
		const { cols, rows } = panel.request();
		const ref = `run-${++this.#refs}`;
		this.#requests.set(ref, panel);
		const ended = new Promise<StepResult>((resolve) => {
			const waiting: Waiting = { resolve };
			this.#waiting.set(ref, waiting);
			// Stopping a Run all stops its current step too, even one still being started.
			options.signal?.addEventListener(
				'abort',
				() => waiting.run && this.send({ type: 'stop', run: waiting.run }),
				{ once: true },
			);
		});
		this.send({
			type: 'run',
			ref,
			block: block.id,
			params: rendered.values,
			// What the page showed, so a bridge running other runbooks refuses instead of surprising.
			command: rendered.command,
			...(confirm === undefined ? {} : { confirm }),
			...(on === undefined || on === block.target ? {} : { on }),
			...(options.override === undefined ? {} : { override: { reason: options.override } }),
			page: location.pathname,
			cols,
			rows,
		});
		return ended;
	}

	/**
	 * A drill started or ended: what ran before belongs to another exercise. Runs the bridge no
	 * longer lists (`kept`: it keeps only runs still going) leave the Runs panel and their panels
	 * leave the blocks, so a new drill starts with clean terminals and
	 * practice never shows a drill's "done exit 0". Runs still going stay: they need watching.
	 */
	#forget(kept: RunInfo[]) {
		const keep = new Set(kept.map((run) => run.id));
		for (const [id, run] of this.#runs) {
			if (keep.has(id)) continue;
			this.#runs.delete(id);
			const panel = this.#following.get(id);
			this.#following.delete(id);
			if (panel && this.#panels.get(run.block) === panel) this.#panels.delete(run.block);
			panel?.remove();
		}
		this.#runsList.show(this.#runs.values());
	}

	/** Hands a run's end (or why it never ran) to whoever waits for it. */
	#settle(key: string, result: StepResult) {
		const waiting = this.#waiting.get(key);
		if (!waiting) return;
		this.#waiting.delete(key);
		if (waiting.run !== undefined) this.#waiting.delete(waiting.run);
		waiting.resolve(result);
	}

	/** The titles of the unmet needs, as the block shows them: “A” or “B”, and “C”. */
	#needed(element: OpsbookCommand, unmet: string[]): string {
		return unmet
			.map((need) => {
				const links = element.querySelectorAll(`.ob-need[data-need="${CSS.escape(need)}"] a`);
				const titles = [...links].map((a) => `“${a.textContent}”`);
				return titles.length > 0 ? titles.join(' or ') : need;
			})
			.join(' and ');
	}

	/** Runs a gated step before its needs passed, once the responder has said why. */
	async #runAnyway(element: OpsbookCommand) {
		const block = element.block;
		if (!block) return;
		const rendered = renderTemplate(block.template, formValues(element));
		if (!rendered.ok) {
			element.status(
				`Run needs valid parameters: ${rendered.errors.map((e) => e.message).join('; ')}.`,
			);
			return;
		}
		const target = this.#target(block.target);
		const title = element.querySelector('.ob-title')?.textContent ?? block.id;
		const { askReason } = await import('./confirm-dialog.ts');
		const reason = await askReason({
			title: `Run “${title}” anyway?`,
			lead: `It waits for ${this.#needed(element, unmetNeeds(block.needs, this.#passed))} to pass first, which has not happened in this bridge session. It will run this command on`,
			command: rendered.redacted,
			target: target.label,
			production: target.production,
			action: 'Run anyway',
		});
		if (reason === undefined) return element.status('Cancelled: nothing ran.');
		await this.#run(element, undefined, { override: reason });
	}

	/** Why a Run all cannot run this step now, or `undefined` when it can. */
	#blocked(element: OpsbookCommand): string | undefined {
		const block = element.block;
		const bridge = this.#welcome;
		if (!block || !bridge) return 'the bridge is not connected';
		if (this.#overCeiling(block)) {
			return bridgeMode.mode?.kind === 'practice'
				? `a practice bridge runs read steps only, and this one is ${block.risk}`
				: `this bridge runs steps up to risk “${bridge.maxRisk}”, and this one is ${block.risk}`;
		}
		const target = this.#target(block.target);
		if (!target.armed && !this.#armable(target))
			return `it would run on ${target.name}, which a practice bridge never reaches`;
		if (!target.armed) return `${target.name} is not armed: arm ${target.name} first`;
		if (this.#panels.get(block.id)?.busy) return 'it is already running';
		const unmet = unmetNeeds(block.needs, this.#passed);
		if (unmet.length > 0) return `it waits for ${this.#needed(element, unmet)} to pass first`;
		return undefined;
	}

	#enableAll() {
		for (const element of document.querySelectorAll<OpsbookCommand>('opsbook-command')) {
			if (element.block) this.#enableRun(element.block.id);
		}
		for (const runAll of document.querySelectorAll<OpsbookRunAll>('opsbook-run-all')) {
			runAll.setRunner?.(this.#steps);
		}
	}

	/**
	 * Sets one block's Run button for what the bridge allows and what it is doing: Run on its own
	 * target when that is armed, an offer to arm the target when it is not, and, for read steps
	 * whose target is another machine, the explicit choice of running them on this one.
	 */
	#enableRun(blockId: string, requested = false) {
		const element = this.#blockElement(blockId);
		const block = element?.block;
		const bridge = this.#welcome;
		if (!element || !block || !bridge) return;
		const target = this.#target(block.target);
		const local = bridge.targets.find((t) => t.kind === 'local');
		this.#showTargetState(element, target);
		const busy = requested || this.#panels.get(blockId)?.busy;
		const overCeiling = this.#overCeiling(block);
		const mode = bridgeMode.mode?.kind;
		const where = targetName(target);
		const unreachable = !target.armed && !this.#armable(target);
		const unreachableNote = `Not run in practice: this step would run on ${where}, which a practice bridge never reaches. Read steps run on this machine's targets only.`;
		// Said where Run is, before anyone presses it: a new hire learns why, not that it failed.
		element.setRunNote(
			overCeiling && mode === 'practice'
				? practiceNote(block.risk)
				: unreachable
					? unreachableNote
					: undefined,
		);
		const unmet = unmetNeeds(block.needs, this.#passed);
		element.showNeeds(this.#passed);
		element.setRunAnyway(
			unmet.length > 0 && !overCeiling && !busy && target.armed
				? () => void this.#runAnyway(element)
				: undefined,
		);
		if (overCeiling) {
			element.setRunnable(
				undefined,
				mode === 'practice'
					? practiceNote(block.risk)
					: `This bridge runs steps up to risk “${bridge.maxRisk}”; this one is ${block.risk}. Copy the command, or restart the bridge with a higher --max-risk.`,
			);
		} else if (busy) {
			element.setRunnable(
				undefined,
				'This step is already running: stop it first, or wait for it to end.',
			);
		} else if (unreachable) {
			element.setRunnable(undefined, unreachableNote);
		} else if (!target.armed) {
			element.setRunnable(
				() => void this.#arm(target, (text) => element.status(text)),
				`This step runs on ${where}, which is not armed: nothing reaches it until you arm it for this bridge.`,
				`Arm ${target.name} to run…`,
			);
		} else if (unmet.length > 0) {
			element.setRunnable(
				undefined,
				`This step waits for ${this.#needed(element, unmet)} to pass first: run that first, or use Run anyway… and say why.`,
			);
		} else {
			element.setRunnable(
				() => void this.#run(element),
				mode === 'drill'
					? `Drill: the answer comes from the scenario; nothing runs on ${where}.`
					: `Run on ${where}`,
			);
		}
		// Only a read step may run elsewhere than its target, and only by the responder's choice.
		const elsewhere =
			block.risk === 'read' && !block.interactive && local && local.name !== target.name;
		element.setRunElsewhere(
			elsewhere && !overCeiling && !busy ? () => void this.#run(element, local.name) : undefined,
			`Run on this machine`,
			`Runs this read step on your own machine instead of ${where}.`,
			Boolean(elsewhere),
		);
	}

	/**
	 * Whether the block is over the bridge's risk ceiling. A drill answers every step from its
	 * scenario, a fix included, whatever ceiling the practice bridge it started on has.
	 */
	#overCeiling(block: { risk: (typeof RISK_LEVELS)[number] }): boolean {
		const bridge = this.#welcome;
		if (!bridge || bridgeMode.mode?.kind === 'drill') return false;
		return RISK_LEVELS.indexOf(block.risk) > RISK_LEVELS.indexOf(bridge.maxRisk);
	}

	#disableAll(hint: string) {
		for (const element of document.querySelectorAll<OpsbookCommand>('opsbook-command')) {
			element.setRunnable?.(undefined, hint);
			element.setRunNote?.(undefined);
			element.setRunElsewhere?.(undefined, '', '', false);
			element.setRunAnyway?.(undefined);
			element.showNeeds?.(undefined);
			element.querySelector('.ob-target-state')?.remove();
		}
		for (const runAll of document.querySelectorAll<OpsbookRunAll>('opsbook-run-all')) {
			runAll.setRunner?.(undefined, hint);
		}
	}

	/** Beside the block's target: whether this bridge may reach it now. */
	#showTargetState(element: OpsbookCommand, target: TargetInfo) {
		let note = element.querySelector<HTMLElement>('.ob-target-state');
		if (target.kind === 'local') return note?.remove();
		if (!note) {
			note = document.createElement('span');
			note.className = 'ob-target-state';
			element.querySelector('.ob-target')?.after(note);
		}
		note.textContent = target.armed ? 'armed' : 'not armed';
		note.dataset.armed = String(target.armed);
	}
}
