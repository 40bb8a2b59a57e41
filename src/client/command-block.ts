/**
 * `<opsbook-command>`: the parameter form, the live resolved command and Copy of a command block.
 *
 * The element is rendered at build time (see `src/integration/ec-plugin.ts`) and reads without
 * JavaScript. This script reveals the form and buttons. The command with its defaults is rendered
 * at build time (`data-command`), so a page that is only read and copied loads no validation code;
 * the first keystroke in a form loads `command-form.ts`, which checks values with the same schemas
 * and quotes them with the same renderer the bridge uses.
 */
import type { ParsedTemplate } from '../runbook/template.ts';
import { update } from './dom.ts';

export interface ClientBlock {
	id: string;
	template: ParsedTemplate;
	risk: 'read' | 'change' | 'destructive';
	target: string;
	confirm?: string;
	/** An interactive session: never run elsewhere, never part of a run-all. */
	interactive?: boolean;
	/** The blocks that must pass first (`needs=`): each entry one id or alternatives. */
	needs?: string[][];
}

export class OpsbookCommand extends HTMLElement {
	block?: ClientBlock;
	/** The command Copy copies: undefined while a parameter is missing or invalid. */
	command?: string | undefined;
	#form?: Promise<typeof import('./command-form.ts')>;
	/** What Run does while the bridge is connected (see `bridge.ts`), and why it cannot otherwise. */
	#run?: (() => void) | undefined;
	#runHint?: string | undefined;
	#runElsewhere?: (() => void) | undefined;

	connectedCallback() {
		if (this.block) return;
		this.block = JSON.parse(this.dataset.block ?? '{}') as ClientBlock;
		this.command = this.dataset.command;
		const form = this.querySelector<HTMLFormElement>('form.ob-params');
		const actions = this.querySelector<HTMLElement>('.ob-actions');
		if (form) {
			form.hidden = false;
			const update = () => {
				this.#form ??= import('./command-form.ts');
				void this.#form.then((module) => module.updateBlock(this));
			};
			form.addEventListener('input', update);
			form.addEventListener('change', update);
			form.addEventListener('submit', (event) => event.preventDefault());
		}
		if (actions) actions.hidden = false;
		this.querySelector('.ob-copy')?.addEventListener('click', () => void this.#copy());
		this.querySelector('.ob-run')?.addEventListener('click', () => {
			if (this.#run) this.#run();
			else this.status(this.#runHint ?? this.#offlineHint());
		});
		if (this.command === undefined) {
			const todo = this.block.template.params
				.filter((p) => p.default === undefined)
				.map((p) => (p.type === 'enum' ? `choose ${p.name}` : `fill in ${p.name}`))
				.join(' and ');
			this.setCopyable(false, `${todo[0]?.toUpperCase()}${todo.slice(1)} to copy the command.`);
		}
	}

	/**
	 * Enables Run with what it does, or disables it with why not. Run stays focusable
	 * (aria-disabled, not disabled) so pressing it says why. `label` is what the button says.
	 */
	setRunnable(run: (() => void) | undefined, hint: string | undefined, label = 'Run') {
		this.#run = run;
		this.#runHint = hint;
		const button = this.querySelector<HTMLButtonElement>('.ob-run');
		if (!button) return;
		update(button, {
			'aria-disabled': String(!run),
			title: hint ?? this.#offlineHint(),
			text: label,
		});
	}

	/**
	 * A standing sentence under Run on why this bridge will not run the step (a practice bridge
	 * and a change step): read before anyone presses Run, unlike its hint. `undefined` removes it.
	 */
	setRunNote(text: string | undefined) {
		let note = this.querySelector<HTMLElement>('.ob-run-note');
		if (text === undefined) {
			this.querySelector('.ob-run')?.removeAttribute('aria-describedby');
			return note?.remove();
		}
		if (!note) {
			note = document.createElement('p');
			note.className = 'ob-run-note';
			note.id = `${this.id || 'ob-block'}-run-note`;
			this.querySelector('.ob-actions')?.after(note);
		}
		note.textContent = text;
		this.querySelector('.ob-run')?.setAttribute('aria-describedby', note.id);
	}

	/**
	 * The second, explicit way to run a read step: on another target than its own (this machine).
	 * `shown` false removes the button; `run` undefined shows it disabled.
	 */
	setRunElsewhere(run: (() => void) | undefined, label: string, hint: string, shown: boolean) {
		if (!shown) return this.querySelector('.ob-run-here')?.remove();
		const button = this.#runButton('ob-run-here');
		button.onclick = () => this.#runElsewhere?.();
		this.#runElsewhere = run;
		update(button, { text: label, title: hint, 'aria-disabled': String(!run) });
	}

	/**
	 * Beside each need, whether it has passed in this bridge session; `undefined` (no bridge)
	 * leaves only the static "Needs: …" line.
	 */
	showNeeds(passed: ReadonlySet<string> | undefined) {
		for (const need of this.querySelectorAll<HTMLElement>('.ob-need')) {
			const state = need.querySelector<HTMLElement>('.ob-need-state');
			if (!state) continue;
			if (!passed) {
				state.textContent = '';
				delete state.dataset.passed;
				continue;
			}
			const ok = (need.dataset.need ?? '').split('|').some((id) => passed.has(id));
			update(state, { text: ok ? ' — passed' : ' — not passed yet', 'data-passed': String(ok) });
		}
	}

	/**
	 * The explicit way past a closed gate: "Run anyway…", which asks for a reason. `run`
	 * undefined removes it.
	 */
	setRunAnyway(run: (() => void) | undefined) {
		if (!run) return this.querySelector('.ob-run-anyway')?.remove();
		const button = this.#runButton('ob-run-anyway');
		button.textContent = 'Run anyway…';
		button.title = 'Runs this step before what it needs has passed; asks why, for the audit log.';
		button.onclick = run;
	}

	/** A second way to run, right after Run: the block's button of that class, made once. */
	#runButton(className: string): HTMLButtonElement {
		let button = this.querySelector<HTMLButtonElement>(`.${className}`);
		if (!button) {
			button = document.createElement('button');
			button.type = 'button';
			button.className = className;
			this.querySelector('.ob-run')?.after(button);
		}
		return button;
	}

	#offlineHint() {
		return `Running from the page needs the local Opsbook bridge, which this site is not connected to. Copy the command and run it on ${this.block?.target}.`;
	}

	/**
	 * Enables Copy, or disables it with why not. Like Run it stays focusable (aria-disabled), so
	 * Tab never skips it while a value is being checked, and pressing it says why.
	 */
	setCopyable(copyable: boolean, reason: string) {
		const copy = this.querySelector<HTMLButtonElement>('.ob-copy');
		if (copy) {
			copy.setAttribute('aria-disabled', String(!copyable));
			copy.title = copyable ? 'Copy the command with its values' : reason;
		}
		this.status(copyable ? '' : reason);
	}

	async #copy() {
		// A value typed a moment ago may still be on its way through the form's checks.
		if (this.#form) (await this.#form).updateBlock(this);
		if (this.command === undefined) {
			this.status(this.querySelector('.ob-copy')?.getAttribute('title') ?? '');
			return;
		}
		try {
			await navigator.clipboard.writeText(this.command);
			this.status('Copied the command.');
		} catch {
			this.status('The browser refused the clipboard: select the command and copy it by hand.');
		}
	}

	status(text: string) {
		const status = this.querySelector<HTMLElement>('.ob-status');
		if (status) status.textContent = text;
	}
}

if (!customElements.get('opsbook-command'))
	customElements.define('opsbook-command', OpsbookCommand);
