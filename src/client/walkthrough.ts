/**
 * `<opsbook-walkthrough>` (see `src/components/Walkthrough.astro`): the progress of a walkthrough,
 * and `<opsbook-walkthroughs>` (`Walkthroughs.astro`): the progress of every walkthrough.
 *
 * Each step gets a line saying whether it is done and how, and Mark as done (or not done). A step
 * with a check is also done when a run of its check passes, heard as an `opsbook:run` event from
 * the bridge client, for runs started on this page or any other; with no bridge, Mark as done
 * still works. Above the steps: a progress bar, "3 of 9 steps done", the next step, Resume where
 * you left off, and Reset, which asks first. What is kept, and how, is `walkthrough-state.ts`.
 *
 * Without JavaScript none of this exists and the steps read as the numbered list they are.
 */
import type { RunInfo } from '../protocol.ts';
import type { WalkStepModel, WalkthroughModel } from '../runbook/walkthrough.ts';
import { onRun } from './run-events.ts';
import {
	WALK_EVENT,
	allWalks,
	doneSteps,
	heardCheck,
	loadWalk,
	markDone,
	markNotDone,
	onOtherTab,
	resetWalk,
	visit,
	type WalkState,
} from './walkthrough-state.ts';
import { element, update, utcMinute } from './dom.ts';
// The sidebar's badges follow this walkthrough's progress as it is made.
import './walkthrough-badges.ts';

/** "3 of 9 steps done", the words of every progress bar. */
export const progressText = (done: number, total: number) =>
	done === total && total > 0
		? `All ${total} steps done`
		: `${done} of ${total} step${total === 1 ? '' : 's'} done`;

/** The parts of one step on the page. */
interface StepView {
	step: WalkStepModel;
	item: HTMLElement;
	heading: HTMLElement;
	status: HTMLElement;
	line: HTMLElement;
	toggle: HTMLButtonElement;
}

export class OpsbookWalkthrough extends HTMLElement {
	walk?: WalkthroughModel;
	#views: StepView[] = [];

	connectedCallback() {
		if (this.walk) return;
		const walk = JSON.parse(this.dataset.walk ?? 'null') as WalkthroughModel | null;
		const items = [...this.querySelectorAll<HTMLElement>(':scope > ol > li.ob-walk-step')];
		// The model and the page come from the same Markdown in the same order; if they ever
		// disagree, the plain list is better than progress on the wrong step.
		if (
			!walk ||
			items.length !== walk.steps.length ||
			items.some((item, i) => item.dataset.step !== walk.steps[i]!.id)
		) {
			return;
		}
		this.walk = walk;
		this.#views = walk.steps.map((step, index) => this.#setUpStep(step, items[index]!));
		visit(walk, location.pathname);

		const progress = this.querySelector<HTMLElement>('.ob-walk-progress');
		if (progress) progress.hidden = false;
		this.querySelector('.ob-walk-resume')?.addEventListener('click', () => this.#resume());
		this.#setUpReset();

		const render = () => this.#render(loadWalk(walk.page));
		document.addEventListener(WALK_EVENT, render);
		onOtherTab(render);
		onRun((run) => this.#heard(run));
		render();
	}

	#setUpStep(step: WalkStepModel, item: HTMLElement): StepView {
		const heading = item.querySelector<HTMLElement>(':scope > .ob-walk-title') ?? item;
		// Resume moves the focus here, so a keyboard or screen reader user lands on the step.
		heading.tabIndex = -1;
		const status = item.querySelector<HTMLElement>(':scope > .ob-walk-status') ?? item;
		const toggle = element('button', { className: 'ob-walk-toggle', text: 'Mark as done' });
		toggle.type = 'button';
		toggle.setAttribute('aria-describedby', heading.id);
		toggle.addEventListener('click', () => {
			const page = this.walk!.page;
			if (loadWalk(page).done[step.id]) markNotDone(page, step.id);
			else markDone(page, step.id, { how: 'hand', at: Date.now() });
		});
		const line = element('p', { className: 'ob-walk-state' });
		line.setAttribute('role', 'status');
		// Built once and only relabelled: replacing the focused button would drop the focus.
		status.replaceChildren(line, element('p', { className: 'ob-walk-buttons' }, toggle));
		return { step, item, heading, status, line, toggle };
	}

	#setUpReset() {
		const reset = this.querySelector<HTMLButtonElement>('.ob-walk-reset');
		const confirm = this.querySelector<HTMLElement>('.ob-walk-confirm');
		const yes = this.querySelector<HTMLButtonElement>('.ob-walk-reset-yes');
		const no = this.querySelector<HTMLButtonElement>('.ob-walk-reset-no');
		if (!reset || !confirm || !yes || !no) return;
		const close = () => {
			confirm.hidden = true;
			reset.setAttribute('aria-expanded', 'false');
		};
		reset.setAttribute('aria-expanded', 'false');
		reset.addEventListener('click', () => {
			confirm.hidden = false;
			reset.setAttribute('aria-expanded', 'true');
			// The safe answer first: Enter right away keeps the progress.
			no.focus();
		});
		no.addEventListener('click', () => {
			close();
			reset.focus();
		});
		yes.addEventListener('click', () => {
			close();
			resetWalk(this.walk!.page);
			reset.focus();
		});
		confirm.addEventListener('keydown', (event) => {
			if (event.key === 'Escape') {
				close();
				reset.focus();
			}
		});
	}

	/** A run ended somewhere: if it is a step's check, it may mark the step done. */
	#heard(run: RunInfo) {
		const walk = this.walk;
		if (!walk || run.state !== 'exited' || !run.verdict) return;
		const step = walk.steps.find((s) => s.check === run.block);
		if (!step) return;
		heardCheck(
			walk.page,
			step.id,
			run.block,
			{
				run: run.id,
				outcome: run.verdict.outcome,
				reason: run.verdict.reason,
				at: run.startedAt + (run.durationMs ?? 0),
			},
			run.startedAt,
		);
	}

	/** The first step not done, if any. */
	#next(state: WalkState): StepView | undefined {
		return this.#views.find((view) => !state.done[view.step.id]);
	}

	#resume() {
		const next = this.#next(loadWalk(this.walk!.page));
		if (!next) return;
		next.heading.scrollIntoView({ block: 'start' });
		next.heading.focus({ preventScroll: true });
	}

	#render(state: WalkState) {
		for (const view of this.#views) this.#renderStep(view, state);
		const walk = this.walk!;
		const done = doneSteps(walk, state).length;
		const total = walk.steps.length;
		const bar = this.querySelector<HTMLProgressElement>('.ob-walk-bar');
		if (bar) {
			bar.max = total;
			bar.value = done;
		}
		const count = this.querySelector<HTMLElement>('.ob-walk-count');
		if (count) count.textContent = progressText(done, total);
		const next = this.#next(state);
		const nextLine = this.querySelector<HTMLElement>('.ob-walk-next');
		if (nextLine) {
			if (next) {
				const link = element('a', { text: next.step.title });
				link.href = `#${next.heading.id}`;
				nextLine.replaceChildren(
					`${done === 0 ? 'Start with' : 'Next'}: step ${this.#views.indexOf(next) + 1}, `,
					link,
				);
			} else nextLine.textContent = 'You have done every step of this walkthrough.';
		}
		const resume = this.querySelector<HTMLElement>('.ob-walk-resume');
		if (resume) resume.hidden = done === 0 || !next;
	}

	#renderStep({ step, item, heading, status, line, toggle }: StepView, state: WalkState) {
		const done = state.done[step.id];
		item.toggleAttribute('data-done', done !== undefined);
		heading.querySelector('.ob-walk-tag')?.remove();
		if (done) heading.append(' ', element('span', { className: 'ob-walk-tag', text: 'Done' }));
		toggle.textContent = done ? 'Mark as not done' : 'Mark as done';

		const heard = step.check ? state.checks[step.check] : undefined;
		const checkTitle = step.check ? this.#title(step.check) : '';
		let text: string;
		if (done?.how === 'check') {
			text = `Done: “${checkTitle}” passed (${done.reason ?? 'pass'}) at ${utcMinute(done.at)}.`;
		} else if (done) {
			text = `Done: you marked it done at ${utcMinute(done.at)}.`;
		} else if (heard && heard.outcome !== 'pass') {
			text = `“${checkTitle}” did not pass (${heard.reason}) at ${utcMinute(heard.at)}: read its output and what to look for, then run it again.`;
		} else if (step.check) {
			text = `Run “${checkTitle}”: the step is done when it passes. No bridge? Run it in a terminal and mark it done.`;
		} else {
			text = 'Mark it done when you have read it and found what to look for.';
		}
		update(line, { text });
		status.dataset.state = done ? 'done' : heard && heard.outcome !== 'pass' ? 'failed' : 'open';
	}

	#title(block: string): string {
		return (
			document.getElementById(`cmd-${block}`)?.querySelector('.ob-title')?.textContent?.trim() ||
			block
		);
	}
}

/** The overview: each walkthrough of the site with how far this browser got. */
export class OpsbookWalkthroughs extends HTMLElement {
	connectedCallback() {
		if (this.dataset.ready) return;
		this.dataset.ready = '';
		const walks = JSON.parse(this.dataset.walks ?? '[]') as Array<{
			page: string;
			steps: string[];
		}>;
		const render = () => {
			const stored = allWalks();
			for (const walk of walks) {
				const item = this.querySelector<HTMLElement>(
					`.ob-walks-item[data-page="${CSS.escape(walk.page)}"]`,
				);
				const count = item?.querySelector<HTMLElement>('.ob-walks-count');
				if (!item || !count) continue;
				const state = stored.get(walk.page);
				const done = state ? walk.steps.filter((id) => state.done[id]).length : 0;
				let bar = item.querySelector<HTMLProgressElement>('progress');
				if (!bar) {
					bar = element('progress', { className: 'ob-walk-bar' });
					bar.setAttribute(
						'aria-label',
						`Progress of ${item.querySelector('a')?.textContent ?? walk.page}`,
					);
					count.before(bar);
				}
				bar.max = walk.steps.length;
				bar.value = done;
				count.textContent =
					done === 0
						? `Not started: ${walk.steps.length} steps`
						: progressText(done, walk.steps.length);
			}
		};
		document.addEventListener(WALK_EVENT, render);
		onOtherTab(render);
		render();
	}
}

if (!customElements.get('opsbook-walkthrough')) {
	customElements.define('opsbook-walkthrough', OpsbookWalkthrough);
}
if (!customElements.get('opsbook-walkthroughs')) {
	customElements.define('opsbook-walkthroughs', OpsbookWalkthroughs);
}
