/**
 * `<opsbook-tree>`: a guided decision tree (see `src/components/DecisionTree.astro`).
 *
 * Each step's `<Decision>` gets its answers as buttons, to answer by hand, and the outcome that
 * applies — chosen by the verdicts of the step's checks as their runs end (heard from the bridge,
 * for runs started on this page or any other), or by hand — is highlighted, with where it leads
 * brought forward. A summary above the steps says where the responder stands and offers Start
 * over. The tree's shape comes from the runbook model in `data-tree`; the choosing is
 * `outcomeFor` of `src/runbook/tree.ts`; what is kept, and how, is `decision-state.ts`.
 *
 * Without JavaScript none of this exists and the steps read as the plain list they are.
 */
import type { RunInfo } from '../protocol.ts';
import {
	outcomeFor,
	type CheckVerdict,
	type DecisionRecord,
	type DecisionTreeModel,
	type TreeStep,
} from '../runbook/tree.ts';
import { CHECK_WORDS } from '../runbook/verdict.ts';
import {
	DECISION_EVENT,
	RESET_EVENT,
	decide,
	loadState,
	onOtherTab,
	recordVerdict,
	runCounts,
	startOver,
	type TreeState,
} from './decision-state.ts';
import { onRun } from './run-events.ts';
import { element, utcMinute } from './dom.ts';

/** The parts of one step on the page. */
interface StepView {
	step: TreeStep;
	decision: HTMLElement;
	items: HTMLLIElement[];
	buttons: HTMLButtonElement[];
	result: HTMLElement;
}

export class OpsbookTree extends HTMLElement {
	tree?: DecisionTreeModel;
	#views: StepView[] = [];

	connectedCallback() {
		if (this.tree) return;
		const tree = JSON.parse(this.dataset.tree ?? 'null') as DecisionTreeModel | null;
		const decisions = [...this.querySelectorAll<HTMLElement>('.ob-decision')];
		// The model and the page come from the same Markdown in the same order; if they ever
		// disagree, the plain list is better than buttons on the wrong step.
		if (!tree || decisions.length !== tree.steps.length) return;
		this.tree = tree;
		this.#views = tree.steps.map((step, index) => this.#setUpStep(step, decisions[index]!));

		const summary = this.querySelector<HTMLElement>('.ob-tree-summary');
		if (summary) summary.hidden = false;
		this.querySelector('.ob-tree-reset')?.addEventListener('click', () => startOver(tree.page));

		const render = () => this.#render(loadState(tree.page));
		document.addEventListener(DECISION_EVENT, render);
		document.addEventListener(RESET_EVENT, render);
		onOtherTab(tree.page, render);
		onRun((run) => this.#heard(run));
		render();
	}

	#setUpStep(step: TreeStep, decision: HTMLElement): StepView {
		const list = decision.querySelector(':scope > ul, :scope > ol');
		const items = list ? [...list.children].filter((c) => c.localName === 'li') : [];
		const group = element('div', { className: 'ob-answer not-content' });
		group.setAttribute('role', 'group');
		group.setAttribute('aria-label', `Answer ${step.title} by hand`);
		group.dataset.pagefindIgnore = '';
		const buttons = step.outcomes.map((outcome, index) => {
			const button = element('button', { text: outcome.label });
			button.type = 'button';
			button.setAttribute('aria-pressed', 'false');
			button.addEventListener('click', () => decide(this.tree!.page, step, index, 'hand'));
			return button;
		});
		group.append(
			element('span', { className: 'ob-answer-lead', text: 'Answer by hand:' }),
			...buttons,
		);
		const result = element('div', { className: 'ob-decided not-content' });
		result.setAttribute('role', 'status');
		result.dataset.pagefindIgnore = '';
		decision.prepend(group, result);
		decision.dataset.step = step.id;
		return { step, decision, items: items as HTMLLIElement[], buttons, result };
	}

	/** A run ended somewhere: if it is a check of a step, its verdict may decide the step. */
	#heard(run: RunInfo) {
		const tree = this.tree;
		if (!tree || run.state !== 'exited' || !run.verdict || !runCounts(run)) return;
		const step = tree.steps.find((s) => s.checks.includes(run.block));
		if (!step) return;
		const at = run.startedAt + (run.durationMs ?? 0);
		const verdict: CheckVerdict = {
			block: run.block,
			run: run.id,
			outcome: run.verdict.outcome,
			reason: run.verdict.reason,
			at,
		};
		const state = recordVerdict(tree.page, verdict, run.startedAt);
		if (!state) return;
		const outcomes = Object.fromEntries(step.checks.map((id) => [id, state.verdicts[id]?.outcome]));
		const chosen = outcomeFor(step, outcomes);
		const answered = state.decisions[step.id];
		// The newest answer wins: a hand answer given after this run ended stands.
		if (chosen !== undefined && !(answered && answered.at > at)) {
			const verdicts = step.checks
				.map((id) => state.verdicts[id])
				.filter((v): v is CheckVerdict => v !== undefined);
			decide(tree.page, step, chosen, 'check', { at, verdicts });
		} else this.#render(state);
	}

	#render(state: TreeState) {
		for (const view of this.#views) this.#renderStep(view, state);
		this.#renderSummary(state);
	}

	#renderStep({ step, items, buttons, result }: StepView, state: TreeState) {
		const record = state.decisions[step.id];
		items.forEach((item, index) => {
			const applies = record?.outcome === index;
			item.classList.toggle('ob-applies', applies);
			item.querySelector('.ob-applies-tag')?.remove();
			if (applies) {
				// In the answer's own line when it has one, so the tag reads as part of it.
				const lead = item.firstElementChild?.localName === 'p' ? item.firstElementChild : item;
				lead.prepend(
					element('span', {
						className: 'ob-applies-tag',
						text: record.how === 'hand' ? 'Your answer' : 'The check says',
					}),
				);
			}
		});
		buttons.forEach((button, index) =>
			button.setAttribute(
				'aria-pressed',
				String(record?.how === 'hand' && record.outcome === index),
			),
		);

		const waiting = this.#waiting(step, state);
		if (!record) {
			result.dataset.how = '';
			result.replaceChildren(...(waiting ? [element('p', { text: waiting })] : []));
			return;
		}
		const outcome = step.outcomes[record.outcome];
		result.dataset.how = record.how;
		const why =
			record.how === 'hand'
				? `answered by hand at ${utcMinute(record.at)}`
				: `${this.#verdictText(record.verdicts ?? [])}, at ${utcMinute(record.at)}`;
		const head = element(
			'p',
			{ className: 'ob-decided-head' },
			element('strong', { text: outcome?.label ?? record.label }),
			` — ${why}`,
		);
		const forward = (outcome?.links ?? []).filter((l) => l.kind !== 'external');
		const links = (forward.length > 0 ? forward : (outcome?.links ?? [])).map((link) => {
			const a = element('a', { className: 'ob-forward', text: `${link.forward} →` });
			a.href = link.href;
			return a;
		});
		const next =
			links.length > 0
				? element('p', { className: 'ob-forward-line' }, ...links)
				: element('p', {
						className: 'ob-forward-line',
						text: 'Next: do what this answer says, below.',
					});
		result.replaceChildren(head, next);
	}

	/** For a step whose checks have not all spoken: how many have. */
	#waiting(step: TreeStep, state: TreeState): string | undefined {
		if (step.checks.length === 0) return undefined;
		const heard = step.checks.map((id) => state.verdicts[id]).filter((v) => v !== undefined);
		if (heard.length === 0) return undefined;
		if (heard.length < step.checks.length) {
			const passed = heard.filter((v) => v.outcome === 'pass').length;
			return `${heard.length} of ${step.checks.length} checks ran (${passed} passed); run the others, or answer by hand.`;
		}
		return 'The checks choose none of these answers: answer by hand.';
	}

	#verdictText(verdicts: CheckVerdict[]): string {
		if (verdicts.length === 1) {
			const [v] = verdicts;
			return `${CHECK_WORDS[v!.outcome]}: ${v!.reason}`;
		}
		const failed = verdicts.filter((v) => v.outcome === 'fail');
		if (failed.length > 0) {
			return `check failed: ${failed.map((v) => `${this.#title(v.block)} (${v.reason})`).join(', ')}`;
		}
		const passed = verdicts.filter((v) => v.outcome === 'pass').length;
		return `${passed} of ${verdicts.length} checks passed`;
	}

	#title(block: string): string {
		return (
			document.getElementById(`cmd-${block}`)?.querySelector('.ob-title')?.textContent ?? block
		);
	}

	/** Where the responder stands: follows the answers from step 1, as the responder would. */
	#position(state: TreeState) {
		const steps = this.tree!.steps;
		const seen = new Set<number>();
		let index = 0;
		while (index < steps.length && !seen.has(index)) {
			seen.add(index);
			const step = steps[index]!;
			const record = state.decisions[step.id];
			if (!record) return { index, record: undefined };
			const links = step.outcomes[record.outcome]?.links ?? [];
			const next = links.find((l) => l.kind === 'step');
			const nextIndex = next ? steps.findIndex((s) => s.id === next.step) : -1;
			if (nextIndex === -1) return { index, record };
			index = nextIndex;
		}
		return { index: Math.min(index, steps.length - 1), record: undefined };
	}

	#renderSummary(state: TreeState) {
		const steps = this.tree!.steps;
		const position = this.querySelector<HTMLElement>('.ob-tree-position');
		const answers = this.querySelector<HTMLElement>('.ob-tree-answers');
		if (!position || !answers) return;
		const { index, record } = this.#position(state);
		const step = steps[index]!;
		const of = `Step ${index + 1} of ${steps.length}`;
		// "Step 3 of 6: Are the containers running?", not "…: Step 3: Are…".
		const stepLink = element('a', { text: step.title.replace(/^Step \d+\s*[:.—-]\s*/, '') });
		stepLink.href = `#${step.id}`;
		if (!record) {
			position.replaceChildren(`${of}: `, stepLink);
		} else {
			const outcome = step.outcomes[record.outcome];
			const leads = (outcome?.links ?? []).filter((l) => l.kind !== 'external');
			const where = leads.map((l) => {
				const a = element('a', { text: l.forward.replace(/^Go to /, '') });
				a.href = l.href;
				return a;
			});
			position.replaceChildren(
				`${of}: `,
				stepLink,
				' — ',
				element('strong', { text: outcome?.label ?? record.label }),
				...(where.length > 0
					? [' → ', ...where.flatMap((a, i) => (i === 0 ? [a] : [', ', a]))]
					: []),
			);
		}
		const answered = steps.filter((s) => state.decisions[s.id]);
		answers.replaceChildren(
			...answered.map((s) => {
				const r = state.decisions[s.id]!;
				const how =
					r.how === 'hand' ? 'answered by hand' : `${this.#verdictText(r.verdicts ?? [])}`;
				const link = element('a', { text: s.title });
				link.href = `#${s.id}`;
				return element(
					'li',
					{ className: 'ob-tree-answer' },
					link,
					': ',
					element('strong', { text: r.label }),
					` (${how}, ${utcMinute(r.at)})`,
				);
			}),
		);
		answers.hidden = answered.length === 0;
	}
}

if (!customElements.get('opsbook-tree')) customElements.define('opsbook-tree', OpsbookTree);

export type { DecisionRecord };
