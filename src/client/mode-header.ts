/**
 * PRACTICE and DRILL in the header, and the drill banner across every page while a drill runs.
 *
 * - Practice: a chip saying so; its popover says what a practice bridge will not do and why, and
 *   lists the scenario's drills (title, severity), each with Start drill.
 * - Drill: a chip saying DRILL, a stripe under the header, and a banner at the top of the page
 *   with the alert the trainee starts from, "Nothing runs: answers come from the scenario", the
 *   timeline and End drill, which ends it and opens the debrief on the timeline page.
 *
 * Loaded with the bridge client, as only a paired bridge has a mode; markup of the chip in
 * `src/components/Header.astro`, hidden without JavaScript like the rest of the bridge's.
 */
import type { BridgeMode, DrillInfo } from '../protocol.ts';
import { bridgeMode, MODE_EVENT } from './mode.ts';
import { make } from './dom.ts';

const PRACTICE_TEXT =
	'This is a practice bridge: it runs read steps only, on this machine’s targets, so nothing can change by mistake. A step that changes something says so where Run would be.';
const DRILL_TEXT =
	'Nothing runs: every Run is answered from the scenario, through the same confirmations, gates and checks as a real run. Work it as you would at 3 a.m.';

/** Where the timeline page is, as the incident element in the header knows it. */
function timelineHref(): string {
	return document.querySelector<HTMLElement>('opsbook-incident')?.dataset.timeline ?? '/incident/';
}

/**
 * Asks first, then ends the drill and opens its debrief: one stray press must not end a drill
 * half played. `say` tells why when the bridge refuses.
 */
export async function endDrill(say: (text: string) => void) {
	const { confirmPlainly } = await import('./confirm-dialog.ts');
	const yes = await confirmPlainly({
		title: 'End the drill?',
		lead: 'Its debrief opens; the drill’s runs stay on its timeline.',
		target: '',
		production: false,
		action: 'End drill',
	});
	if (!yes) return;
	const answer = await bridgeMode.end();
	if (!answer.ok) return say(`The drill did not end: ${answer.message}`);
	location.assign(`${timelineHref()}#debrief`);
}

class ModeHeader {
	#shown = '';

	constructor() {
		bridgeMode.addEventListener(MODE_EVENT, () => this.render());
		this.render();
	}

	render() {
		const mode = bridgeMode.mode;
		const key = JSON.stringify(mode ?? null);
		if (key === this.#shown) return;
		this.#shown = key;
		// The stripe under the header (opsbook.css) and anything else styled by mode.
		if (mode) document.documentElement.dataset.obMode = mode.kind;
		else delete document.documentElement.dataset.obMode;
		this.#chip(mode);
		this.#banner(mode?.kind === 'drill' ? mode.drill : undefined);
		this.#practiceLine(mode?.kind === 'practice');
	}

	/**
	 * On a phone the header has no room for the word PRACTICE beside the site's title: this line
	 * at the top of the page says it instead, and opens the same list of drills (opsbook.css
	 * shows it on narrow screens only).
	 */
	#practiceLine(shown: boolean) {
		const line = document.querySelector('.ob-practice-line');
		if (!shown) return line?.remove();
		if (line?.isConnected) return;
		const fresh = make('p', 'ob-practice-line print:hidden');
		const open = make('button', undefined, 'Drills…');
		open.type = 'button';
		open.setAttribute('popovertarget', 'ob-mode-detail');
		fresh.append(
			make('strong', 'ob-practice-word', 'Practice'),
			' Read steps only: nothing can change by mistake. ',
			open,
		);
		(
			document.querySelector('.main-pane') ??
			document.querySelector('.main-frame') ??
			document.body
		).prepend(fresh);
	}

	#chip(mode: BridgeMode | undefined) {
		const chip = document.querySelector<HTMLButtonElement>('opsbook-bridge .ob-mode');
		const popover = document.querySelector<HTMLElement>('#ob-mode-detail');
		if (!chip || !popover) return;
		chip.hidden = !mode || mode.kind === 'live';
		if (!mode || mode.kind === 'live') {
			if (popover.matches(':popover-open')) popover.hidePopover();
			return;
		}
		chip.dataset.mode = mode.kind;
		const label = chip.querySelector('.ob-mode-label');
		if (label) label.textContent = mode.kind === 'drill' ? 'DRILL' : 'Practice';
		chip.title =
			mode.kind === 'drill'
				? `Drill: ${mode.drill.title}. Nothing runs.`
				: 'Practice bridge: read steps only';
		const title = make(
			'h2',
			undefined,
			mode.kind === 'drill' ? `DRILL: ${mode.drill.title}` : 'Practice bridge',
		);
		title.id = 'ob-mode-title';
		const message = make('p', 'ob-mode-message');
		message.setAttribute('role', 'status');
		const say = (text: string) => (message.textContent = text);
		const parts: Node[] = [title];
		if (mode.kind === 'drill') {
			parts.push(make('p', undefined, DRILL_TEXT));
			const actions = make('p', 'ob-mode-actions');
			const link = make('a', undefined, 'Timeline');
			link.href = timelineHref();
			const end = make('button', 'ob-drill-end', 'End drill');
			end.type = 'button';
			end.addEventListener('click', () => void endDrill(say));
			actions.append(link, ' ', end);
			parts.push(actions);
		} else {
			parts.push(make('p', undefined, PRACTICE_TEXT));
			parts.push(...this.#drills(mode.drills, say));
		}
		parts.push(message);
		popover.replaceChildren(...parts);
	}

	/** The drills a practice bridge offers, each with Start drill. */
	#drills(drills: DrillInfo[], say: (text: string) => void): Node[] {
		if (drills.length === 0) {
			return [make('p', 'ob-mode-hint', 'This site has no drills: add one under content/drills/.')];
		}
		const heading = make('h3', undefined, 'Drills');
		heading.id = 'ob-drills-title';
		const list = make('ul', 'ob-drills');
		list.setAttribute('aria-labelledby', heading.id);
		for (const drill of drills) {
			const item = make('li');
			const name = make('span', 'ob-drills-name', drill.title);
			const level = make('span', 'ob-drills-sev', `SEV-${drill.severity}`);
			level.dataset.level = String(drill.severity);
			const start = make('button', undefined, 'Start drill');
			start.type = 'button';
			// The visible words first, then which drill: a screen reader hears both.
			start.setAttribute('aria-label', `Start drill: ${drill.title}`);
			start.addEventListener('click', async () => {
				start.disabled = true;
				say(`Starting “${drill.title}”…`);
				const answer = await bridgeMode.start(drill.name);
				start.disabled = false;
				if (!answer.ok) return say(`The drill did not start: ${answer.message}`);
				document.querySelector<HTMLElement>('#ob-mode-detail')?.hidePopover();
				document.querySelector<HTMLElement>('.ob-drill-banner h2')?.focus();
			});
			item.append(name, ' ', level, ' ', start);
			list.append(item);
		}
		return [heading, list];
	}

	/**
	 * The banner sits in the content column, after the header's controls and (on a phone) the
	 * sidebar in Tab order: a link after Starlight's "Skip to content" leads to it, and from there
	 * End drill is one Tab away.
	 */
	#skipLink() {
		if (document.querySelector('.ob-drill-skip')) return;
		const link = make('a', 'ob-drill-skip', 'Skip to the drill banner');
		link.href = '#ob-drill-banner';
		link.addEventListener('click', (event) => {
			event.preventDefault();
			document.querySelector<HTMLElement>('.ob-drill-banner h2')?.focus();
		});
		const skip = document.querySelector('.sl-skip-link');
		if (skip) skip.after(link);
		else document.body.prepend(link);
	}

	/** The banner at the top of every page while a drill runs; `undefined` removes it. */
	#banner(drill: (DrillInfo & { alert: string }) | undefined) {
		let banner = document.querySelector<HTMLElement>('.ob-drill-banner');
		if (!drill) {
			document.querySelector('.ob-drill-skip')?.remove();
			return banner?.remove();
		}
		const fresh = make('section', 'ob-drill-banner print:hidden');
		// The incident bar right under it gives the title, severity and timeline: the banner keeps
		// to what makes it a drill, in as few lines as a phone can spare.
		fresh.setAttribute('aria-label', `DRILL: ${drill.title}`);
		const title = make('h2', 'ob-drill-title');
		title.tabIndex = -1;
		title.append(
			make('span', 'ob-drill-word', 'DRILL'),
			' ',
			'Nothing runs: answers come from the scenario.',
		);
		const end = make('button', 'ob-drill-end', 'End drill');
		end.type = 'button';
		const message = make('span', 'ob-drill-message');
		message.setAttribute('role', 'status');
		end.addEventListener('click', () => void endDrill((text) => (message.textContent = text)));
		// End drill beside the alert's summary, not on a line of its own: a phone keeps the rows.
		const head = make('div', 'ob-drill-head');
		head.append(title);
		// The alert is what the trainee starts from: open on a wide screen; a phone has a third of
		// its height for the banner and the incident bar together, so there it opens on request.
		const alert = make('details', 'ob-drill-alert');
		alert.open = matchMedia('(min-width: 36rem)').matches;
		alert.append(
			make('summary', 'ob-drill-alert-label', `Alert · SEV-${drill.severity}`),
			make('pre', undefined, drill.alert.trimEnd()),
		);
		fresh.id = 'ob-drill-banner';
		const foot = make('div', 'ob-drill-foot');
		foot.append(alert, end);
		fresh.append(head, foot, message);
		this.#skipLink();
		if (banner?.isConnected) banner.replaceWith(fresh);
		else {
			// Above the incident bar, in the content column like it.
			(
				document.querySelector('.main-pane') ??
				document.querySelector('.main-frame') ??
				document.body
			).prepend(fresh);
		}
		banner = fresh;
	}
}

export const modeHeader = new ModeHeader();
