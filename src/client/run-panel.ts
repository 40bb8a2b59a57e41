/**
 * The terminal panel under a command block: where its latest run stands (state, exit badge,
 * duration, signal), Stop while it runs, Re-run after, and the run's terminal.
 *
 * One panel per block. It follows one run at a time: the run started from this page, or, after a
 * reload or on another page, the block's newest run, reattached from the bridge's buffer.
 */
import type { ClientMessage, RunInfo } from '../protocol.ts';
import type { OpsbookCommand } from './command-block.ts';
import { bridgeMode } from './mode.ts';
import { duration, summarize } from './run-state.ts';
import type { TerminalView } from './framed-terminal.ts';
import type { TerminalEvents } from './terminal.ts';
import { firstHeight, firstSize } from './pty-size.ts';

export interface PanelHost {
	send(message: ClientMessage): void;
	/** Runs the block again, as its Run button does; `on` when the last run was elsewhere by choice. */
	/** Runs the block again; resolves with whether it ran (at its end), or why it did not. */
	rerun(block: OpsbookCommand, on?: string): Promise<{ ran: boolean }>;
}

/** A state of the panel that the bridge's `RunInfo` does not tell. */
type LocalState =
	/** A run was requested; `started` has not come yet. */
	| 'requested'
	/** The connection dropped while the run was going; it may still be. */
	| 'disconnected'
	/** The bridge restarted and no longer knows the run. */
	| 'lost'
	/** Stop was pressed; the run has not ended yet. */
	| 'stopping';

/** The way out of the terminal, told to screen readers and shown while it has focus. */
const HINTS = {
	interactive: 'Keys go to the command. Press Esc then Tab to leave the terminal.',
	idle: 'Tab leaves the terminal.',
};

const LOCAL_LABELS: Record<LocalState, string> = {
	requested: 'starting…',
	disconnected: 'connection lost',
	lost: 'lost',
	stopping: 'stopping…',
};

export class RunPanel {
	readonly block: OpsbookCommand;
	readonly section: HTMLElement;
	run?: RunInfo | undefined;
	#local?: LocalState | undefined;
	/** Stop or Re-run was pressed with focus on it: the button that takes its place gets focus. */
	#passFocus = false;
	#message = '';
	readonly #host: PanelHost;
	readonly #termElement: HTMLElement;
	#terminal?: Promise<TerminalView | undefined>;
	#loaded?: TerminalView;
	/**
	 * What came for the followed run before its terminal loaded (output, a gap in it), handed to
	 * the terminal once it has: the run starts at the click, not once a terminal is there.
	 */
	#early: Array<(terminal: TerminalView) => void> = [];
	/** The end of the output in {@link #early}: where a reattach resumes until the terminal loads. */
	#earlyWritten = 0;
	/** The size the run was requested at while the terminal loaded (`firstSize`). */
	#guessed?: { cols: number; rows: number } | undefined;
	#tick = 0;

	constructor(block: OpsbookCommand, host: PanelHost) {
		this.block = block;
		this.#host = host;
		const title = block.querySelector('.ob-title')?.textContent ?? block.block?.id ?? 'the step';
		this.section = document.createElement('section');
		this.section.className = 'ob-run-panel';
		this.section.setAttribute('aria-label', `Run of ${title}`);
		this.section.innerHTML = `
			<div class="ob-run-bar">
				<span class="ob-run-drill" hidden>DRILL: answered from the scenario, nothing ran</span>
				<span class="ob-run-state" aria-live="polite"></span>
				<span class="ob-run-exit" hidden></span>
				<span class="ob-run-signal" hidden></span>
				<span class="ob-run-verdict" hidden></span>
				<span class="ob-run-where" hidden></span>
				<span class="ob-run-override" hidden></span>
				<span class="ob-run-duration"></span>
				<button type="button" class="ob-run-stop" hidden>Stop</button>
				<button type="button" class="ob-run-again" hidden>Re-run</button>
				<button type="button" class="ob-run-widen" aria-pressed="false">Widen</button>
				<span class="ob-run-message"></span>
			</div>
			<div class="ob-term"></div>
			<p class="ob-term-hint">${HINTS.idle}</p>`;
		this.#termElement = this.section.querySelector('.ob-term')!;
		const stop = this.section.querySelector<HTMLButtonElement>('.ob-run-stop')!;
		stop.addEventListener('click', () => {
			this.#passFocus = document.activeElement === stop;
			this.#stop();
		});
		const again = this.section.querySelector<HTMLButtonElement>('.ob-run-again')!;
		again.addEventListener('click', () => {
			this.#passFocus = document.activeElement === again;
			void this.#host
				.rerun(this.block, this.run?.blockTarget === undefined ? undefined : this.run.target)
				.then(({ ran }) => {
					// Not run (a confirmation cancelled, a target not armed): nothing takes its place.
					if (!ran) this.#passFocus = false;
				});
		});
		this.section
			.querySelector('.ob-run-widen')!
			.addEventListener('click', () => this.#widen(this.section.dataset.wide !== 'true'));
		block.append(this.section);
		// Its sideways scrollbar included, where scrollbars take room (`firstHeight`).
		this.section.style.setProperty('--ob-term-first', `${firstHeight(this.#termElement)}px`);
	}

	/**
	 * On a desktop the content column is narrower than a terminal of 120 columns or more: widened,
	 * the panel reaches from the block to the right edge of the window, over the page's table of
	 * contents, and the terminal takes the columns that now fit.
	 */
	#widen(wide: boolean) {
		const button = this.section.querySelector<HTMLButtonElement>('.ob-run-widen')!;
		button.setAttribute('aria-pressed', String(wide));
		button.textContent = wide ? 'Narrow' : 'Widen';
		if (!wide) {
			delete this.section.dataset.wide;
			this.section.style.width = '';
			removeEventListener('resize', this.#fitWide);
			return;
		}
		this.section.dataset.wide = 'true';
		this.#fitWide();
		addEventListener('resize', this.#fitWide);
	}

	readonly #fitWide = () => {
		const left = this.section.getBoundingClientRect().left;
		// The window's right edge, less the scrollbar and a margin.
		const right = document.documentElement.clientWidth - 16;
		this.section.style.width = `${Math.max(0, right - left)}px`;
	};

	/** Whether the run this panel follows is still going, as far as the page knows. */
	get busy(): boolean {
		return (
			this.#local === 'requested' ||
			(this.run !== undefined && this.run.state !== 'exited' && this.#local !== 'lost')
		);
	}

	/**
	 * Says a run was requested, and loads the terminal the first time; returns the size to start
	 * the run at. The request goes at once: the first run of a panel does not wait for its
	 * terminal (a frame of its own takes a fifth of a second or more to come up), whose output
	 * waits for it instead.
	 */
	request(): { cols: number; rows: number } {
		this.#local = 'requested';
		this.#message = '';
		this.render();
		// The panel opens under the block at a new terminal's height: bring it into view now if the
		// block sat at the bottom, with the click, not once the terminal has loaded (the page then
		// moved a fifth of a second after the click, under whatever was clicked next).
		this.section.scrollIntoView({ block: 'nearest' });
		void this.#terminalReady();
		if (this.#loaded) return { cols: this.#loaded.cols, rows: this.#loaded.rows };
		this.#guessed = firstSize();
		return this.#guessed;
	}

	/** The request was refused: back to how the panel was, or gone if it never showed a run. */
	refused() {
		this.#local = undefined;
		this.#guessed = undefined;
		if (!this.run) this.remove();
		else this.render();
	}

	/**
	 * Follows `run` from its first byte, in a cleared terminal; resolves once the terminal has
	 * loaded (to nothing if it could not). Output that comes before that waits for it.
	 */
	follow(run: RunInfo): Promise<TerminalView | undefined> {
		this.run = run;
		this.#local = undefined;
		this.#message = '';
		this.#early = [];
		this.#earlyWritten = 0;
		// Output follows `started` at once: be ready for it synchronously.
		if (this.#loaded) {
			this.#loaded.reset(0);
			this.#fitPty();
		}
		this.render();
		return this.#terminalReady();
	}

	/** The bridge reported a change in the run. */
	update(run: RunInfo) {
		if (this.run?.id !== run.id) return;
		this.run = run;
		if (run.state === 'exited' || this.#local !== 'stopping') this.#local = undefined;
		this.render();
	}

	/** Output bytes of the followed run, from byte `offset`. */
	output(offset: number, data: Uint8Array) {
		if (this.#loaded) return this.#loaded.output(offset, data);
		// Not acknowledged until the terminal has it: the bridge's window bounds what waits here.
		this.#earlyWritten = Math.max(this.#earlyWritten, offset + data.length);
		this.#early.push((terminal) => terminal.output(offset, data));
	}

	/** The bridge's answer to `attach`: where output resumes, and whether earlier output is gone. */
	attached(from: number, truncated: boolean) {
		// The bridge may send the replay before or after this: the terminal notes a gap either way.
		if (!truncated) return;
		if (this.#loaded) return this.#loaded.resume(from);
		this.#earlyWritten = Math.max(this.#earlyWritten, from);
		this.#early.push((terminal) => terminal.resume(from));
	}

	/** Where to resume after a reconnect: the first byte this page has not seen. */
	get written(): number {
		return this.#loaded?.written ?? this.#earlyWritten;
	}

	/** The run started at {@link firstSize} and the terminal has another: the pty follows it. */
	#fitPty() {
		const [terminal, guessed, run] = [this.#loaded, this.#guessed, this.run];
		// Still requested: `run` is the last one, and the guess is the new run's, for `follow`.
		if (!terminal || !guessed || !run || this.#local === 'requested') return;
		this.#guessed = undefined;
		const { cols, rows } = terminal;
		if (run.state !== 'exited' && (cols !== guessed.cols || rows !== guessed.rows))
			this.#host.send({ type: 'resize', run: run.id, cols, rows });
	}

	disconnected() {
		if (this.busy) {
			this.#local = this.#local === 'requested' ? undefined : 'disconnected';
			if (!this.run) return this.remove();
			this.render();
		}
	}

	/** The bridge restarted without this run: its state and output are gone. */
	lost() {
		if (this.run?.state === 'exited') return;
		this.#local = 'lost';
		this.render();
	}

	/** A `refused` answer about the run itself (attach, input or stop). */
	message(text: string) {
		this.#message = text;
		if (this.#local === 'stopping') this.#local = undefined;
		this.render();
	}

	#stop() {
		if (!this.run) return;
		this.#local = 'stopping';
		this.render();
		this.#host.send({ type: 'stop', run: this.run.id });
	}

	render() {
		const $ = (selector: string) => this.section.querySelector<HTMLElement>(selector)!;
		const state = $('.ob-run-state');
		const exit = $('.ob-run-exit');
		const signal = $('.ob-run-signal');
		const run = this.run;
		const summary = run ? summarize(run) : undefined;
		const local = this.#local;
		state.textContent = local ? LOCAL_LABELS[local] : (summary?.state ?? '');
		this.section.dataset.outcome =
			local === 'requested' ? 'running' : (summary?.outcome ?? 'running');
		// A part hidden holds no text either: while a new run is requested, nothing in the panel
		// still says the last run's exit code, signal or verdict (a browser test that read the
		// hidden text took it for the new run's).
		exit.hidden = !summary?.exit || local === 'requested';
		exit.textContent = exit.hidden ? '' : summary!.exit!;
		exit.dataset.ok = String(run?.exitCode === 0);
		signal.hidden = !summary?.signal || local === 'requested';
		signal.textContent = signal.hidden ? '' : summary!.signal!;
		const verdict = $('.ob-run-verdict');
		verdict.hidden = !summary?.verdict || local === 'requested';
		verdict.textContent = verdict.hidden ? '' : summary!.verdict!;
		if (run?.verdict) verdict.dataset.verdict = run.verdict.outcome;
		// A drill's answer is never mistaken for a real run's output. Runs of a bridge older than
		// protocol 4 do not say: a run followed while the bridge is in a drill is one.
		$('.ob-run-drill').hidden = !(
			run?.simulated ??
			(run !== undefined && bridgeMode.drill !== undefined)
		);
		// A read step run elsewhere than its target by choice: say so wherever its output shows.
		const where = $('.ob-run-where');
		where.hidden = run?.blockTarget === undefined;
		where.textContent =
			run?.blockTarget === undefined ? '' : `on ${run.target}, not ${run.blockTarget}`;
		// Run before its gate opened: the reason stands with the run, as in the audit log.
		const override = $('.ob-run-override');
		override.hidden = run?.override === undefined;
		override.textContent = run?.override ? `run anyway: ${run.override.reason}` : '';
		const messages = [
			local === 'disconnected'
				? 'The bridge went away; following the run again once it is back.'
				: '',
			local === 'lost' ? 'The bridge restarted and no longer knows this run.' : '',
			local === undefined && run?.end === 'failed' ? (run.message ?? '') : '',
			this.#message,
		];
		$('.ob-run-message').textContent = messages.filter(Boolean).join(' ');
		const running =
			run !== undefined && run.state !== 'exited' && local !== 'requested' && local !== 'lost';
		const stop = $('.ob-run-stop') as HTMLButtonElement;
		const again = $('.ob-run-again') as HTMLButtonElement;
		stop.hidden = !running || local === 'disconnected';
		stop.disabled = local === 'stopping';
		again.hidden = this.busy && local !== 'lost';
		if (this.#passFocus) this.#handFocus(stop, again);
		if (this.#loaded) {
			this.#loaded.interactive = running && local === undefined;
			const hint = $('.ob-term-hint');
			hint.textContent = this.#loaded.interactive ? HINTS.interactive : HINTS.idle;
			// The terminal's input is what takes focus: tell it, there, how to leave.
			this.#loaded.describe(hint.textContent);
		}
		this.#renderDuration();
		clearInterval(this.#tick);
		if (running) this.#tick = window.setInterval(() => this.#renderDuration(), 1000);
	}

	/**
	 * Stop and Re-run replace each other, and the one pressed hides: for a responder on the
	 * keyboard, focus goes to the one that takes its place once it shows (Re-run when the run
	 * ends, Stop when the new run starts), not to the top of the page. Unless focus moved on
	 * meanwhile.
	 */
	#handFocus(...buttons: HTMLButtonElement[]) {
		const active = document.activeElement;
		const gone = buttons.some((button) => button === active && (button.hidden || button.disabled));
		// Focus is on something shown (the button pressed, still there, or wherever it moved).
		if (!gone && active !== null && active !== document.body) {
			this.#passFocus = false;
			return;
		}
		const next = buttons.find((button) => !button.hidden && !button.disabled);
		if (!next) return;
		this.#passFocus = false;
		next.focus({ preventScroll: true });
	}

	#renderDuration() {
		const element = this.section.querySelector<HTMLElement>('.ob-run-duration')!;
		element.textContent = this.run && this.#local !== 'requested' ? duration(this.run) : '';
	}

	/** The terminal, loaded the first time; nothing if it could not load (the panel says so). */
	#terminalReady(): Promise<TerminalView | undefined> {
		this.#terminal ??= openTerminal(this.#termElement, {
			input: (data) => this.run && this.#host.send({ type: 'input', run: this.run.id, data }),
			resize: (cols, rows) => {
				if (this.run && this.run.state !== 'exited')
					this.#host.send({ type: 'resize', run: this.run.id, cols, rows });
			},
			ack: (bytes) => this.run && this.#host.send({ type: 'ack', run: this.run.id, bytes }),
		}).then(
			(terminal) => {
				this.#loaded = terminal;
				// Removed while loading (its run was refused): nothing will show it.
				if (!this.section.isConnected) {
					terminal.dispose();
					return terminal;
				}
				for (const early of this.#early) early(terminal);
				this.#early = [];
				this.#fitPty();
				this.render();
				return terminal;
			},
			(error: unknown) => {
				// Nothing here can show the run: let go of it, so the bridge does not hold its output
				// (and every other page's) for this page; say so, and try again on the next run.
				this.#terminal = undefined;
				this.#early = [];
				if (this.run && this.run.state !== 'exited')
					this.#host.send({ type: 'detach', run: this.run.id });
				this.message(
					`The terminal did not load (${(error as Error).message}); the run goes on: Stop still ends it.`,
				);
				return undefined;
			},
		);
		return this.#terminal;
	}

	remove() {
		clearInterval(this.#tick);
		removeEventListener('resize', this.#fitWide);
		this.#loaded?.dispose();
		this.#loaded = undefined;
		this.#terminal = undefined;
		this.#early = [];
		this.section.remove();
	}
}

/**
 * The run's terminal in a frame of its own (`framed-terminal.ts`), or, where the frame does not
 * come up (a host that does not let it load the site's scripts, `astro dev`), in the page.
 */
async function openTerminal(box: HTMLElement, events: TerminalEvents): Promise<TerminalView> {
	if (!framesFailed) {
		try {
			const { createFramedTerminal } = await import('./framed-terminal.ts');
			return await createFramedTerminal(box, events);
		} catch (error) {
			// Once is enough: the page's other terminals do not wait for a frame again.
			framesFailed = true;
			console.warn(`Opsbook: ${(error as Error).message}; drawing terminals in the page.`);
		}
	}
	const { createTerminal } = await import('./terminal.ts');
	return createTerminal(box, events);
}

/** A terminal's frame did not come up on this page: its terminals are drawn in it instead. */
let framesFailed = false;
