/**
 * `<opsbook-incident>`: Declare incident in the header, and, while an incident is open, the
 * incident bar across the top of every page: title, severity (a select that records a change),
 * time since detection, the response target, the escalation rule that applies now with a button
 * that escalates, the standing hints, a note field, the timeline and Resolve (Reopen once
 * resolved). Markup in `src/components/Header.astro`; hidden without JavaScript.
 *
 * A drill's incident (declared by the bridge from its scenario) says DRILL first, in the bar's
 * own colours. While the bridge runs it, End drill (which ends the drill and opens the debrief)
 * is in the drill's banner (`mode-header.ts`), and not again here.
 *
 * It also records the decision tree's answers while an incident is open (`opsbook:decision`),
 * and the escalation reminders that fall due. Not loaded on every page: `incident-boot.ts` loads
 * it when the page may show an incident, or on the first Declare; the dialog loads on that
 * Declare. The clock is a 15-second timer, nothing per frame.
 */
import { dueReminders, escalationStatus } from '../../incident/escalation.ts';
import type { EventOf, TimelineEvent } from '../../incident/schema.ts';
import { newEventId, newIncidentId, type IncidentState } from '../../incident/timeline.ts';
import type { DecisionRecord, DecisionTreeModel } from '../../runbook/tree.ts';
import { DECISION_EVENT } from '../decision-state.ts';
import { update, utcMinute } from '../dom.ts';
import { bridgeMode, MODE_EVENT } from '../mode.ts';
import { elapsed, elapsedShort, incidentContent, make, responderName } from './common.ts';
import { CHANGE_EVENT, incidentStore } from './store.ts';

const TICK_MS = 15_000;
const DISMISSED_KEY = 'opsbook-incident-dismissed';

/** The fields every event shares, for the current incident. */
function base(state: IncidentState, at = new Date()) {
	const by = responderName();
	return { id: newEventId(), incident: state.id, at: at.toISOString(), ...(by ? { by } : {}) };
}

/** A short stable hash, so that two tabs hearing the same run record one decision. */
function hash(text: string): string {
	let a = 0x811c9dc5;
	let b = 0x01000193;
	for (let i = 0; i < text.length; i++) {
		a = Math.imul(a ^ text.charCodeAt(i), 0x01000193);
		b = Math.imul(b ^ text.charCodeAt(i), 0x5bd1e995);
	}
	return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** A decision of the tree as a timeline event. */
export function decisionEvent(
	state: IncidentState,
	record: DecisionRecord,
	stepTitle: string,
): EventOf<'decision'> {
	const verdicts = record.verdicts?.map(({ block, run, outcome, reason }) => ({
		block,
		run,
		outcome,
		reason: reason.slice(0, 300) || outcome,
	}));
	const by = responderName();
	return {
		// By check: the same runs decide the same step in every tab, so they share an id.
		id:
			record.how === 'check'
				? `decision-${hash(`${state.id}|${record.tree}|${record.step}|${record.outcome}|${verdicts?.map((v) => v.run).join(',')}`)}`
				: newEventId(),
		incident: state.id,
		at: new Date(record.at).toISOString(),
		...(by && record.how === 'hand' ? { by } : {}),
		kind: 'decision',
		page: record.tree.slice(0, 512) || 'index',
		step: record.step.slice(0, 256),
		stepTitle: (stepTitle || record.step).slice(0, 300),
		outcome: (record.label || String(record.outcome)).slice(0, 300),
		how: record.how,
		...(verdicts?.length ? { verdicts } : {}),
	};
}

export class OpsbookIncident extends HTMLElement {
	#started = false;
	#bar?: HTMLElement;
	#tick = 0;
	/** The rendered incident and mode, so a change of anything else does not rebuild the bar. */
	#shown = '';

	connectedCallback() {
		if (this.#started) return;
		this.#started = true;
		this.hidden = false;
		this.querySelector('.ob-declare')?.addEventListener('click', () => void this.#declare());
		incidentStore.addEventListener(CHANGE_EVENT, () => this.#render());
		bridgeMode.addEventListener(MODE_EVENT, () => this.#render());
		document.addEventListener(DECISION_EVENT, (event) =>
			this.#decided((event as CustomEvent<DecisionRecord>).detail),
		);
		this.#render();
	}

	async #declare() {
		const { askDeclaration } = await import('./declare-dialog.ts');
		const declaration = await askDeclaration();
		if (!declaration) return;
		const now = new Date();
		const event: EventOf<'declared'> = {
			id: newEventId(),
			incident: newIncidentId(declaration.title, now),
			at: now.toISOString(),
			...(declaration.by ? { by: declaration.by } : {}),
			kind: 'declared',
			title: declaration.title,
			severity: declaration.severity,
			detectedAt: declaration.detectedAt,
			responders: declaration.responders,
		};
		incidentStore.append([event]);
		this.#bar?.querySelector<HTMLElement>('.ob-ib-title')?.focus();
	}

	#decided(record: DecisionRecord) {
		const state = incidentStore.state();
		if (!state?.open) return;
		const tree = [
			...document.querySelectorAll<HTMLElement & { tree?: DecisionTreeModel }>('opsbook-tree'),
		]
			.map((element) => element.tree)
			.find((model) => model?.page === record.tree);
		const title = tree?.steps.find((step) => step.id === record.step)?.title ?? '';
		const event = decisionEvent(state, record, title);
		// The answer this incident already has for the step, given by hand again (a second click
		// on it), is not a second decision. The tree keeps its answers across incidents, so this
		// asks the incident's timeline, not the tree.
		const last = state.decisions.findLast((d) => d.page === event.page && d.step === event.step);
		if (event.how === 'hand' && last?.how === 'hand' && last.outcome === event.outcome) return;
		incidentStore.append([event]);
	}

	#append(event: TimelineEvent) {
		incidentStore.append([event]);
	}

	#render() {
		const state = incidentStore.state();
		const declare = this.querySelector<HTMLElement>('.ob-declare');
		if (declare) declare.hidden = Boolean(state?.open);
		// The header stays in view: its chip keeps the severity and the clock there, and leads
		// back to the bar, however far down a long runbook the responder is.
		const chip = this.querySelector<HTMLElement>('.ob-incident-chip');
		if (chip) {
			chip.hidden = !state?.open;
			if (state) chip.dataset.level = String(state.severity);
		}
		let dismissed = '';
		try {
			dismissed = localStorage.getItem(DISMISSED_KEY) ?? '';
		} catch {
			// Shown, then.
		}
		if (!state || (!state.open && dismissed === state.id)) {
			clearInterval(this.#tick);
			this.#tick = 0;
			this.#bar?.remove();
			this.#bar = undefined;
			this.#shown = '';
			return;
		}
		const key = JSON.stringify([
			state.id,
			state.title,
			state.severity,
			state.open,
			state.detectedAt,
			incidentStore.mode,
			incidentStore.problem,
			incidentStore.notice,
			state.drill,
			this.#runningDrill(state),
		]);
		if (!this.#bar || !this.#bar.isConnected || key !== this.#shown) {
			const focused = document.activeElement?.closest('.ob-incident-bar')
				? document.activeElement
				: null;
			const focusKey = focused?.getAttribute('data-focus-key');
			const bar = this.#build(state);
			if (this.#bar?.isConnected) this.#bar.replaceWith(bar);
			// Under a drill's banner, if any; in the content column: on a wide screen the table of
			// contents is fixed over the rest.
			else {
				const banner = document.querySelector('.ob-drill-banner');
				if (banner) banner.after(bar);
				else
					(
						document.querySelector('.main-pane') ??
						document.querySelector('.main-frame') ??
						document.body
					).prepend(bar);
			}
			this.#bar = bar;
			this.#shown = key;
			if (focusKey) bar.querySelector<HTMLElement>(`[data-focus-key="${focusKey}"]`)?.focus();
		}
		this.#update();
		clearInterval(this.#tick);
		this.#tick = state.open ? window.setInterval(() => this.#update(), TICK_MS) : 0;
	}

	/** What moves with time: the clock, the rule that applies, the reminders due. */
	#update() {
		const state = incidentStore.state();
		const bar = this.#bar;
		if (!state || !bar) return;
		const content = incidentContent();
		const now = new Date();
		const status = escalationStatus(state, content, now);
		const clock = bar.querySelector<HTMLElement>('.ob-ib-clock');
		const text = state.open
			? `${elapsed(status.elapsedMs)} since detection`
			: `resolved after ${elapsed(status.elapsedMs)}`;
		if (clock) update(clock, { text });
		const chip = this.querySelector<HTMLElement>('.ob-incident-chip');
		if (chip && state.open) {
			const short = `SEV-${state.severity} ${elapsedShort(status.elapsedMs)}`;
			if (chip.textContent !== short) {
				chip.textContent = short;
				chip.setAttribute(
					'aria-label',
					`${state.drill === undefined ? 'Incident' : 'Drill'} open: SEV-${state.severity}, ${elapsed(status.elapsedMs)} since detection. Go to the incident bar`,
				);
				chip.title = `${state.title}: ${elapsed(status.elapsedMs)} since detection`;
			}
		}
		const escalate = bar.querySelector<HTMLElement>('.ob-ib-escalate');
		const due = status.due.at(-1);
		if (escalate) {
			const wanted = due ? `${due.rule.text}|${due.rule.to}` : '';
			if (escalate.dataset.rule !== wanted) {
				escalate.dataset.rule = wanted;
				escalate.hidden = !due;
				escalate.replaceChildren();
				if (due) {
					const button = make('button', 'ob-ib-escalate-button', `Escalate to SEV-${due.rule.to}`);
					button.type = 'button';
					button.dataset.focusKey = 'escalate';
					button.addEventListener('click', () => this.#severity(state, due.rule.to));
					escalate.append(make('span', 'ob-ib-escalate-text', `⚠ ${due.rule.text}`), ' ', button);
				}
			}
		}
		// The bridge appends these too; the ids are the rule's, so whichever comes first counts once.
		if (state.open) {
			const reminders = dueReminders(state, content, now);
			if (reminders.length > 0) incidentStore.append(reminders);
		}
	}

	/** Whether the paired bridge is running this incident's drill now (End drill applies). */
	#runningDrill(state: IncidentState): boolean {
		return state.drill !== undefined && state.open && bridgeMode.drill?.incident === state.id;
	}

	async #confirmSeverity(state: IncidentState, level: number): Promise<boolean> {
		const { confirmPlainly } = await import('../confirm-dialog.ts');
		const definition = incidentContent().levels.find((l) => l.level === level)?.definition;
		return confirmPlainly({
			title: `Change the severity to SEV-${level}?`,
			lead: `The timeline records the change from SEV-${state.severity} to`,
			target: definition ? `SEV-${level} (${definition})` : `SEV-${level}`,
			production: false,
			action: `Change to SEV-${level}`,
		});
	}

	async #confirmResolve(state: IncidentState): Promise<boolean> {
		const { confirmPlainly } = await import('../confirm-dialog.ts');
		return confirmPlainly({
			title: 'Resolve the incident?',
			lead: `The resolution time, ${utcMinute()}, goes on the timeline (you can reopen it later) for`,
			target: state.title,
			production: false,
			action: 'Resolve',
		});
	}

	#severity(state: IncidentState, level: number) {
		if (level === state.severity) return;
		this.#append({ ...base(state), kind: 'severity', severity: level, previous: state.severity });
	}

	#build(state: IncidentState): HTMLElement {
		const content = incidentContent();
		const bar = make('section', 'ob-incident-bar print:hidden');
		bar.id = 'ob-incident-bar';
		// The header chip leads here; a heading-less section still takes focus for it.
		bar.tabIndex = -1;
		bar.dataset.open = String(state.open);
		bar.dataset.level = String(state.severity);
		bar.setAttribute('aria-label', 'Incident');
		const row = make('div', 'ob-ib-row');
		if (state.drill !== undefined) {
			bar.dataset.drill = 'true';
			row.append(make('strong', 'ob-ib-drill', 'DRILL'));
		}

		if (state.open) {
			const label = make('label', 'ob-ib-sev');
			label.append(make('span', 'sr-only', 'Severity'));
			const select = make('select');
			select.dataset.focusKey = 'severity';
			select.dataset.level = String(state.severity);
			const levels = new Set([...content.levels.map((l) => l.level), state.severity]);
			for (const level of [...levels].sort()) {
				const option = make('option', undefined, `SEV-${level}`);
				option.value = String(level);
				option.selected = level === state.severity;
				select.append(option);
			}
			// Asked first: on a closed select each arrow key is a change, and each one a record.
			select.addEventListener('change', async () => {
				const level = Number(select.value);
				if (await this.#confirmSeverity(state, level)) this.#severity(state, level);
				else select.value = String(state.severity);
			});
			label.append(select);
			row.append(label);
		} else {
			row.append(make('strong', 'ob-ib-resolved', 'Resolved'));
		}
		const title = make('strong', 'ob-ib-title', state.title);
		title.tabIndex = -1;
		row.append(title, make('span', 'ob-ib-clock'));
		const level = content.levels.find((l) => l.level === state.severity);
		if (level && state.open)
			row.append(make('span', 'ob-ib-target', `Response ${level.responseTime}`));

		const actions = make('span', 'ob-ib-actions');
		const timeline = make('a', 'ob-ib-link', 'Timeline');
		timeline.href = this.dataset.timeline ?? '/incident/';
		actions.append(timeline);
		if (this.#runningDrill(state)) {
			// The bridge resolves a drill's incident when the drill ends, and only then: with End
			// drill in the drill's banner right above, one is enough.
		} else if (state.drill !== undefined && !state.open) {
			// A drill over is not reopened: it is started again from a practice bridge.
			const debrief = make('a', 'ob-ib-link', 'Debrief');
			debrief.href = `${this.dataset.timeline ?? '/incident/'}#debrief`;
			actions.append(debrief);
		} else {
			const toggle = make('button', undefined, state.open ? 'Resolve' : 'Reopen');
			toggle.type = 'button';
			toggle.dataset.focusKey = 'toggle';
			toggle.addEventListener('click', async () => {
				if (state.open && !(await this.#confirmResolve(state))) return;
				this.#append({ ...base(state), kind: state.open ? 'resolved' : 'reopened' });
			});
			actions.append(toggle);
		}
		if (!state.open) {
			const dismiss = make('button', undefined, 'Dismiss');
			dismiss.type = 'button';
			dismiss.addEventListener('click', () => {
				try {
					localStorage.setItem(DISMISSED_KEY, state.id);
				} catch {
					// It stays.
				}
				this.#render();
			});
			actions.append(dismiss);
		}
		row.append(actions);
		bar.append(row);

		if (state.open) {
			const escalate = make('p', 'ob-ib-escalate');
			escalate.hidden = true;
			escalate.setAttribute('role', 'status');
			bar.append(escalate);
			const hints = content.escalation.filter((r) => r.from === state.severity && r.when);
			if (hints.length > 0) bar.append(make('p', 'ob-ib-hint', hints.map((h) => h.text).join(' ')));
			bar.append(this.#noteForm(state));
		}
		const where =
			incidentStore.mode === 'browser'
				? 'Kept in this browser only: it goes to a bridge’s timeline once this site is paired with one.'
				: incidentStore.mode === 'reconnecting'
					? 'The bridge is away: what you add is kept in this browser until it is back.'
					: '';
		if (where) bar.append(make('p', 'ob-ib-storage', where));
		if (incidentStore.notice) {
			const notice = make('p', 'ob-ib-storage', incidentStore.notice);
			notice.setAttribute('role', 'status');
			bar.append(notice);
		}
		if (incidentStore.problem) {
			const problem = make('p', 'ob-ib-problem', incidentStore.problem);
			problem.setAttribute('role', 'alert');
			bar.append(problem);
		}
		return bar;
	}

	#noteForm(state: IncidentState): HTMLFormElement {
		const form = make('form', 'ob-ib-note');
		const label = make('label', 'ob-ib-note-label');
		label.append(make('span', undefined, 'Note'));
		const input = make('input');
		input.name = 'note';
		input.maxLength = 4000;
		input.autocomplete = 'off';
		input.dataset.focusKey = 'note';
		label.append(input);
		const key = make('label', 'ob-ib-key');
		const checkbox = make('input');
		checkbox.type = 'checkbox';
		checkbox.name = 'key';
		key.append(checkbox, ' Key event');
		const add = make('button', undefined, 'Add');
		add.type = 'submit';
		add.setAttribute('aria-label', 'Add note');
		form.append(label, key, add);
		form.addEventListener('submit', (event) => {
			event.preventDefault();
			const text = input.value.trim();
			if (!text) return input.focus();
			this.#append({
				...base(state),
				kind: 'note',
				text,
				...(checkbox.checked ? { key: true } : {}),
			});
			input.value = '';
			checkbox.checked = false;
			input.focus();
		});
		return form;
	}
}

if (!customElements.get('opsbook-incident'))
	customElements.define('opsbook-incident', OpsbookIncident);
