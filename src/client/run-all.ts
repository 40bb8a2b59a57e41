/**
 * `<opsbook-run-all>`: runs a procedure's steps one after the other (see
 * `src/components/RunAll.astro`), through the same path as pressing each one's Run, and stops at
 * the first that does not pass: a failed check, a non-zero exit, a stop. It says where it stopped
 * and why, next to the control, and brings that step into view.
 *
 * It never decides for the responder: a `change` step asks first, a `destructive` one asks for
 * its word, and cancelling stops the whole run. It skips interactive sessions (they run only when
 * started by hand), and stops, rather than working around it, at a target that is not armed or a
 * step whose gate has not opened.
 */
import type { RunInfo } from '../protocol.ts';
import type { OpsbookCommand } from './command-block.ts';
import { summarize } from './run-state.ts';

/** How a step went: its run, once ended, or why it never ran. */
export type StepResult = { ran: true; run: RunInfo } | { ran: false; why: string };

/** What runs the steps: the page's bridge client (`bridge.ts`). */
export interface StepRunner {
	/** Why the step cannot run now (`arm orion first`), or `undefined` when it can. */
	blocked(element: OpsbookCommand): string | undefined;
	/** Runs the step as its Run button does, asking first for change steps; resolves at its end. */
	run(element: OpsbookCommand, signal: AbortSignal): Promise<StepResult>;
}

/** Why a finished run stops the procedure, or `undefined` when the next step may run. */
function failure(run: RunInfo): string | undefined {
	if (run.verdict) return run.verdict.outcome === 'fail' ? summarize(run).verdict : undefined;
	if (run.end !== 'exited') return run.message ?? summarize(run).state;
	return run.exitCode === 0 ? undefined : `exit ${run.exitCode}`;
}

export class OpsbookRunAll extends HTMLElement {
	#runner?: StepRunner | undefined;
	#hint = 'Running steps from the page needs the local Opsbook bridge.';
	#abort?: AbortController | undefined;
	/** The titles of the steps this run skipped, said under its status. */
	#skipped: string[] = [];

	connectedCallback() {
		if (this.dataset.ready) return;
		this.dataset.ready = 'true';
		this.hidden = false;
		// What `run-all-boot.ts` said before the bridge came is no longer so.
		this.querySelector('.ob-run-all-status')?.replaceChildren();
		this.#start.addEventListener('click', () => void this.#runAll());
		this.#stop.addEventListener('click', () => this.#abort?.abort());
	}

	get #start() {
		return this.querySelector<HTMLButtonElement>('.ob-run-all-start')!;
	}
	get #stop() {
		return this.querySelector<HTMLButtonElement>('.ob-run-all-stop')!;
	}

	/** Enables Run all with what runs the steps, or disables it with why not. */
	setRunner(runner: StepRunner | undefined, hint?: string) {
		this.#runner = runner;
		if (hint) this.#hint = hint;
		if (this.#abort) return;
		this.#start.setAttribute('aria-disabled', String(!runner));
		this.#start.title = runner
			? 'Runs these steps in order, stopping at the first that fails'
			: this.#hint;
	}

	get #steps(): string[] {
		return (this.dataset.steps ?? '').split(' ').filter(Boolean);
	}

	async #runAll() {
		if (this.#abort) return;
		const runner = this.#runner;
		if (!runner) return this.#say(this.#hint);
		const abort = new AbortController();
		this.#abort = abort;
		this.#busy(true);
		const steps = this.#steps;
		const skipped: string[] = [];
		this.#skipped = skipped;
		let warned = 0;
		try {
			for (const [index, id] of steps.entries()) {
				const element = document.getElementById(`cmd-${id}`) as OpsbookCommand | null;
				const title = element?.querySelector('.ob-title')?.textContent ?? id;
				if (!element?.block) return this.#stopped(index, id, title, 'it is not on this page');
				if (element.block.interactive) {
					skipped.push(title);
					continue;
				}
				const blocked = runner.blocked(element);
				if (blocked) return this.#stopped(index, id, title, blocked);
				this.#say(`Running step ${index + 1} of ${steps.length}: ${title}…`);
				const result = await runner.run(element, abort.signal);
				if (abort.signal.aborted) return this.#stopped(index, id, title, 'you stopped the run');
				if (!result.ran) return this.#stopped(index, id, title, result.why);
				const why = failure(result.run);
				if (why) return this.#stopped(index, id, title, why);
				if (result.run.verdict?.outcome === 'warn') warned++;
			}
			const ran = steps.length - skipped.length;
			this.dataset.outcome = 'ok';
			this.#say(
				`Done: ${ran === steps.length ? `all ${ran}` : ran} steps ran and none failed${warned > 0 ? ` (${warned} warned: read ${warned === 1 ? 'its' : 'their'} output)` : ''}.`,
			);
		} finally {
			this.#abort = undefined;
			this.#busy(false);
		}
	}

	/** Says where the procedure stopped and why, and brings that step into view. */
	#stopped(index: number, id: string, title: string, why: string) {
		this.dataset.outcome = 'failed';
		const link = document.createElement('a');
		link.href = `#cmd-${id}`;
		link.textContent = title;
		this.#say([`Stopped at step ${index + 1} of ${this.#steps.length}, `, link, `: ${why}.`]);
		document.getElementById(`cmd-${id}`)?.scrollIntoView({ block: 'center' });
	}

	/** The status line, with the steps skipped so far under it. */
	#say(text: string | (string | Node)[]) {
		const status = this.querySelector<HTMLElement>('.ob-run-all-status')!;
		status.replaceChildren(...(typeof text === 'string' ? [text] : text));
		for (const title of this.#skipped) {
			const note = document.createElement('span');
			note.className = 'ob-run-all-skipped';
			note.textContent = `Skipped “${title}”: an interactive session runs only when you start it yourself.`;
			status.append(note);
		}
	}

	#busy(running: boolean) {
		if (running) this.dataset.outcome = 'running';
		const start = this.#start;
		start.setAttribute('aria-disabled', String(running || !this.#runner));
		// Stop goes once the run ends: the keyboard's focus goes back to Run all, not to the page.
		if (!running && document.activeElement === this.#stop) start.focus({ preventScroll: true });
		this.#stop.hidden = !running;
		if (running) this.#stop.focus({ preventScroll: true });
	}
}

if (!customElements.get('opsbook-run-all')) customElements.define('opsbook-run-all', OpsbookRunAll);
