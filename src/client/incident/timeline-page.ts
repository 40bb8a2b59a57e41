/**
 * `<opsbook-timeline>`: the incident page (`src/pages/incident.astro`). The events in order with
 * their UTC times, filtered by kind, each run linking back to its block; a note can be marked as
 * a key event. Export timeline downloads the timeline file, Merge a timeline reads another
 * responder's, and Export report renders the post-incident report from the site's template as a
 * preview, with Copy Markdown and Download .md.
 *
 * A drill's incident says DRILL in its summary, marks every run answered from the scenario, and
 * adds a Debrief: how the drill went against the scenario's expected route (`debrief.ts`), with
 * the same preview, Copy Markdown and Download .md as the report. It opens by itself once the drill
 * is over, and on `#debrief` (where End drill leads). The scenarios come with the page
 * (`#opsbook-drills`), so a drill's timeline merged from a file is debriefed without a bridge.
 *
 * The previews are micromark with its GFM table extension: CommonMark, tables, and no raw HTML
 * (micromark escapes it by default), so nothing in a note or a command becomes markup.
 */
import { micromark } from 'micromark';
import { gfmTable, gfmTableHtml } from 'micromark-extension-gfm-table';
import { parseTimeline, serializeTimeline, timelineHeader } from '../../incident/file.ts';
import { debrief, renderDebrief } from '../../incident/debrief.ts';
import { renderReport } from '../../incident/report.ts';
import { runDuration } from '../../incident/duration.ts';
import type { EventOf, TimelineEvent } from '../../incident/schema.ts';
import { newEventId, type IncidentRun, type IncidentState } from '../../incident/timeline.ts';
import type { ReportTemplate } from '../../runbook/incident-content.ts';
import type { DrillScenario } from '../../runbook/drill.ts';
import type { DecisionTreeModel } from '../../runbook/tree.ts';
import { CHECK_WORDS } from '../../runbook/verdict.ts';
import {
	elapsed,
	incidentContent,
	make,
	pageHref,
	responderName,
	utc,
	utcClock,
} from './common.ts';
import { CHANGE_EVENT, incidentStore } from './store.ts';
// The bar too: an incident merged from a file here opens one, and no other tab tells this one.
import './incident-header.ts';
import { UNPAIRED_EVENT, UNPAIRED_INCIDENTS, unpairedBridgeHere } from '../pairing.ts';

type Filter = 'all' | 'runs' | 'checks' | 'decisions' | 'notes' | 'milestones' | 'key';

const MILESTONES = new Set(['declared', 'severity', 'reminder', 'resolved', 'reopened']);

/** One line of the list: an event, or a run with its end. */
type Item = { at: string; kinds: Filter[]; node: () => HTMLLIElement };

function download(name: string, text: string, type: string) {
	const url = URL.createObjectURL(new Blob([text], { type }));
	const link = make('a');
	link.href = url;
	link.download = name;
	document.body.append(link);
	link.click();
	link.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Markdown as the previews show it: CommonMark and tables, raw HTML escaped. */
function markdownHtml(markdown: string): string {
	// micromark escapes raw HTML unless told otherwise: the preview is markup of its own.
	return micromark(markdown, { extensions: [gfmTable()], htmlExtensions: [gfmTableHtml()] });
}

/** A wide table scrolls inside a box a keyboard can reach, never the page. */
function boxTables(preview: HTMLElement) {
	for (const table of preview.querySelectorAll('table')) {
		const box = document.createElement('div');
		box.className = 'ob-report-table';
		box.tabIndex = 0;
		box.setAttribute('role', 'region');
		const heading = table.previousElementSibling?.closest('h2, h3')?.textContent;
		box.setAttribute('aria-label', heading ? `${heading} (table)` : 'Table');
		table.replaceWith(box);
		box.append(table);
	}
}

/** A drill's scenario as the page has it, with its route's decision tree. */
interface PageDrill {
	scenario: DrillScenario;
	tree?: Pick<DecisionTreeModel, 'steps'> | undefined;
}

/**
 * The drills' scenarios the page was built with, as `incident.astro` embeds them (without their
 * answers, which the debrief does not read).
 */
function drills(): PageDrill[] {
	try {
		const raw = JSON.parse(document.getElementById('opsbook-drills')?.textContent ?? '[]') as Array<
			Omit<DrillScenario, 'answers'> & { tree?: Pick<DecisionTreeModel, 'steps'> }
		>;
		return raw.map(({ tree, ...scenario }) => ({
			scenario: { ...scenario, answers: new Map() },
			tree,
		}));
	} catch {
		return [];
	}
}

function time(at: string): HTMLTimeElement {
	const node = make('time', 'ob-tl-time', `${utcClock(at)} UTC`);
	node.dateTime = at;
	node.title = utc(at);
	return node;
}

export class OpsbookTimeline extends HTMLElement {
	#started = false;
	#filter: Filter = 'all';
	#report = '';
	#debrief = '';
	/** The drill whose debrief opened by itself, so closing the page's state does not reopen it. */
	#debriefed = '';

	connectedCallback() {
		if (this.#started) return;
		this.#started = true;
		this.hidden = false;
		document.querySelector<HTMLElement>('.ob-incident-nojs')?.setAttribute('hidden', '');
		for (const radio of this.querySelectorAll<HTMLInputElement>('input[name=ob-tl-filter]')) {
			radio.addEventListener('change', () => {
				if (!radio.checked) return;
				this.#filter = radio.value as Filter;
				this.#render();
			});
		}
		this.querySelector('.ob-tl-export')?.addEventListener('click', () => this.#export());
		this.querySelector<HTMLInputElement>('.ob-tl-merge input')?.addEventListener(
			'change',
			(event) => void this.#merge(event.target as HTMLInputElement),
		);
		this.querySelector('.ob-tl-report')?.addEventListener('click', () => this.#showReport());
		this.querySelector('.ob-report-copy')?.addEventListener('click', () => void this.#copy());
		this.querySelector('.ob-report-download')?.addEventListener('click', () => {
			const state = this.#state();
			if (state) download(`${state.id}-report.md`, this.#report, 'text/markdown');
		});
		this.querySelector('.ob-tl-debrief')?.addEventListener('click', () => this.#showDebrief());
		this.querySelector('.ob-debrief-copy')?.addEventListener(
			'click',
			() => void this.#copyText(this.#debrief, '.ob-debrief-status'),
		);
		this.querySelector('.ob-debrief-download')?.addEventListener('click', () => {
			const state = this.#state();
			if (state) download(`${state.id}-debrief.md`, this.#debrief, 'text/markdown');
		});
		addEventListener('hashchange', () => {
			if (location.hash === '#debrief') this.#showDebrief();
		});
		incidentStore.addEventListener(CHANGE_EVENT, () => this.#render());
		document.addEventListener(UNPAIRED_EVENT, () => this.#render());
		this.#render();
	}

	/** The incident the page was asked for (`?incident=ID`, an earlier one), else none. */
	#asked(): string | undefined {
		return new URLSearchParams(location.search).get('incident') || undefined;
	}

	/** The incident the page shows: the one asked for, else the current one. */
	#state(): IncidentState | undefined {
		const asked = this.#asked();
		return asked === undefined ? incidentStore.state() : incidentStore.state(asked);
	}

	#say(text: string) {
		const message = this.querySelector('.ob-tl-message');
		if (message) message.textContent = text;
	}

	#render() {
		const state = this.#state();
		const summary = this.querySelector('.ob-tl-summary');
		const storage = this.querySelector('.ob-tl-storage');
		const list = this.querySelector('.ob-tl-list');
		for (const button of this.querySelectorAll<HTMLButtonElement>('.ob-tl-export, .ob-tl-report')) {
			button.disabled = !state;
		}
		if (storage) {
			storage.textContent =
				incidentStore.mode === 'bridge'
					? 'Kept by the paired bridge, in its state folder.'
					: incidentStore.mode === 'reconnecting'
						? 'The bridge is away; new events are kept in this browser until it is back.'
						: 'Kept in this browser only: it goes to the bridge’s timeline when this page is paired with one.';
			if (incidentStore.dropped.length > 0) {
				storage.textContent += ` The bridge could not read part of its file: ${incidentStore.dropped.join(' ')}`;
			}
		}
		if (!summary || !list) return;
		this.#renderEarlier();
		this.#renderDrill(state);
		const asked = this.#asked();
		if (!state) {
			summary.textContent =
				asked === undefined
					? unpairedBridgeHere()
						? `No incident in this browser. ${UNPAIRED_INCIDENTS}`
						: 'No incident has been declared. Declare one from the header of any page; its timeline shows here.'
					: (incidentStore.missing.get(asked) ??
						(incidentStore.mode === 'bridge'
							? 'Loading the incident’s timeline from the bridge…'
							: 'Earlier incidents are kept by the bridge: open this page from the link the bridge printed to read this one.'));
			if (asked !== undefined) incidentStore.request(asked);
			list.replaceChildren();
			return;
		}
		const since =
			Date.parse(state.resolvedAt ?? new Date().toISOString()) - Date.parse(state.detectedAt);
		const earlier = asked !== undefined && incidentStore.state()?.id !== state.id;
		summary.textContent = `${earlier ? 'An earlier incident. ' : ''}${state.drill === undefined ? '' : 'DRILL: '}${state.title}: SEV-${state.severity}, detected ${utc(state.detectedAt)}, ${
			state.open
				? `open for ${elapsed(since)}`
				: `resolved ${utc(state.resolvedAt!)} after ${elapsed(since)}`
		}${state.responders.length ? `; responding: ${state.responders.join(', ')}` : ''}.`;
		const items = this.#items(state).filter(
			(item) => this.#filter === 'all' || item.kinds.includes(this.#filter),
		);
		list.replaceChildren(
			...(items.length > 0
				? items.map((item) => item.node())
				: [make('li', 'ob-tl-empty', 'Nothing of this kind yet.')]),
		);
		if (!this.querySelector<HTMLElement>('.ob-report')?.hidden) this.#showReport(false);
		if (state.drill !== undefined) {
			// Over, or asked for by End drill: the debrief is what the trainee came for.
			const wanted = (!state.open || location.hash === '#debrief') && this.#debriefed !== state.id;
			if (wanted) {
				this.#debriefed = state.id;
				this.#showDebrief(location.hash === '#debrief');
			} else if (!this.querySelector<HTMLElement>('.ob-debrief')?.hidden) this.#showDebrief(false);
		}
	}

	/**
	 * The other incidents the bridge keeps, newest first, each a link to its timeline (and so to
	 * its report or debrief); the one shown is marked. Hidden while there is none.
	 */
	#renderEarlier() {
		const section = this.querySelector<HTMLElement>('.ob-tl-earlier');
		const list = section?.querySelector('ol');
		if (!section || !list) return;
		const shown = this.#state()?.id;
		const current = incidentStore.state()?.id;
		const items = incidentStore.incidents.map((incident) => {
			const item = make('li', 'ob-tl-earlier-item');
			const link = make('a', undefined, incident.title);
			link.href =
				incident.id === current
					? location.pathname
					: `?incident=${encodeURIComponent(incident.id)}`;
			if (incident.id === shown) link.setAttribute('aria-current', 'page');
			const since =
				Date.parse(incident.resolvedAt ?? new Date().toISOString()) -
				Date.parse(incident.detectedAt);
			const facts = [
				`SEV-${incident.severity}`,
				`detected ${utc(incident.detectedAt)}`,
				incident.open ? `open for ${elapsed(since)}` : `resolved after ${elapsed(since)}`,
			];
			if (incident.drill !== undefined)
				item.append(make('strong', 'ob-tl-drill-word', 'DRILL'), ' ');
			item.append(link, make('span', 'ob-tl-earlier-facts', ` — ${facts.join(', ')}`));
			if (incident.id === current) item.append(make('span', 'ob-tl-earlier-current', ' (current)'));
			return item;
		});
		section.hidden = items.length < 2 && shown === current;
		list.replaceChildren(...items);
	}

	/** The drill's marks: the note under the summary and the Debrief button; none for a real incident. */
	#renderDrill(state: IncidentState | undefined) {
		const drill = state?.drill;
		const note = this.querySelector<HTMLElement>('.ob-tl-drill');
		if (note) {
			note.hidden = drill === undefined;
			const scenario = drill === undefined ? undefined : this.#drill(drill)?.scenario;
			note.replaceChildren(
				...(drill === undefined
					? []
					: [
							make('strong', 'ob-tl-drill-word', 'DRILL'),
							` A practice incident, the scenario “${scenario?.title ?? drill}”: every run was answered from the scenario, nothing ran.`,
						]),
			);
		}
		const button = this.querySelector<HTMLButtonElement>('.ob-tl-debrief');
		if (button) {
			button.hidden = drill === undefined;
			button.textContent = state?.open ? 'Debrief so far' : 'Debrief';
		}
		if (drill === undefined)
			this.querySelector<HTMLElement>('.ob-debrief')?.setAttribute('hidden', '');
	}

	#drill(name: string): PageDrill | undefined {
		return drills().find(({ scenario }) => scenario.name === name);
	}

	#items(state: IncidentState): Item[] {
		const items: Item[] = [];
		const keyNotes = new Set(state.notes.filter((n) => n.key).map((n) => n.id));
		for (const event of state.events) {
			if (event.kind === 'key') continue;
			if (event.kind === 'run-started' || event.kind === 'run-ended') continue;

			const kinds: Filter[] = [];
			if (MILESTONES.has(event.kind)) kinds.push('milestones', 'key');
			if (event.kind === 'decision') kinds.push('decisions');
			if (event.kind === 'note')
				kinds.push('notes', ...(keyNotes.has(event.id) ? (['key'] as const) : []));
			items.push({
				at: event.at,
				kinds,
				node: () => this.#event(event, keyNotes.has(event.id), state.drill !== undefined),
			});
		}
		// A run is one line, at its start (or its end, when the start is not in the record).
		for (const run of state.runs) {
			const check = run.started?.check ?? run.ended?.verdict !== undefined;
			items.push({
				at: run.at,
				kinds: check ? ['runs', 'checks'] : ['runs'],
				node: () => this.#run(run),
			});
		}
		return items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
	}

	#event(event: TimelineEvent, key: boolean, drill = false): HTMLLIElement {
		const item = make('li', 'ob-tl-item');
		item.dataset.kind = event.kind;
		const text = make('span', 'ob-tl-text');
		switch (event.kind) {
			case 'declared':
				text.textContent = `Declared: ${event.title} (SEV-${event.severity}), detected ${utc(event.detectedAt)}`;
				break;
			case 'severity':
				text.textContent = `Severity: SEV-${event.previous} → SEV-${event.severity}`;
				break;
			case 'reminder':
				text.textContent = `Reminder: ${event.text}`;
				break;
			case 'decision': {
				text.textContent = `${event.stepTitle} → ${event.outcome} (${event.how === 'hand' ? 'answered by hand' : 'by its checks'})`;
				break;
			}
			case 'note':
				text.textContent = event.text;
				if (key) item.dataset.key = 'true';
				break;
			case 'resolved':
				// A drill's incident is resolved when the drill ends, and only then.
				text.textContent = drill ? 'Drill ended' : 'Resolved';
				break;
			case 'reopened':
				text.textContent = 'Reopened';
				break;
		}
		const label = make(
			'span',
			'ob-tl-kind',
			event.kind === 'note' && key ? 'key note' : event.kind,
		);
		item.append(time(event.at), label, text);
		if (event.by) item.append(make('span', 'ob-tl-by', `— ${event.by}`));
		if (event.kind === 'note') {
			const toggle = make('button', 'ob-tl-key', key ? 'Unmark key event' : 'Mark as key event');
			toggle.type = 'button';
			toggle.setAttribute('aria-pressed', String(key));
			toggle.addEventListener('click', () => this.#markKey(event, !key));
			item.append(toggle);
		}
		return item;
	}

	#run({ started, ended, block, at }: IncidentRun): HTMLLIElement {
		const item = make('li', 'ob-tl-item ob-tl-run');
		const check = started?.check ?? ended?.verdict !== undefined;
		item.dataset.kind = check ? 'check' : 'run';
		item.dataset.outcome = !ended
			? 'running'
			: ended.verdict
				? { pass: 'ok', warn: 'warn', fail: 'failed' }[ended.verdict.outcome]
				: ended.end === 'exited' && ended.exitCode === 0
					? 'ok'
					: 'failed';
		const text = make('span', 'ob-tl-text');
		if (started) {
			const link = make('a', 'ob-tl-block', started.title);
			link.href = `${pageHref(started.blockPage)}#cmd-${encodeURIComponent(started.block)}`;
			text.append(
				'Ran ',
				link,
				` on ${started.target}${started.blockTarget ? ` (not its own target ${started.blockTarget})` : ''}`,
			);
		} else {
			// A merged file that lost the start: the end alone says which block.
			text.append(`Ran ${block} (its start is not in the record)`);
		}
		const result: string[] = [];
		if (!ended) result.push('running');
		else {
			if (ended.end === 'exited') result.push(`exit ${ended.exitCode ?? '?'}`);
			else result.push(ended.end + (ended.signal ? ` (${ended.signal})` : ''));
			if (ended.verdict)
				result.push(`${CHECK_WORDS[ended.verdict.outcome]}: ${ended.verdict.reason}`);
			result.push(runDuration(ended.durationMs));
			if (ended.message) result.push(ended.message);
		}
		const label = make(
			'span',
			'ob-tl-kind',
			check ? 'check' : !started || started.risk === 'read' ? 'run' : started.risk,
		);
		item.append(time(started?.at ?? at), label);
		if (started?.simulated) {
			item.dataset.simulated = 'true';
			const mark = make('span', 'ob-tl-simulated', 'DRILL');
			mark.title = 'Answered from the scenario: nothing ran.';
			item.append(mark);
		}
		item.append(text, make('span', 'ob-tl-result', result.join(' · ')));
		if (started) item.append(make('code', 'ob-tl-command', started.command));
		if (started?.override) {
			item.append(make('span', 'ob-tl-override', `Run anyway: ${started.override.reason}`));
		}
		if (ended?.tail?.length) item.append(make('pre', 'ob-tl-tail', ended.tail.join('\n')));
		return item;
	}

	#markKey(note: EventOf<'note'>, key: boolean) {
		const by = responderName();
		incidentStore.append([
			{
				id: newEventId(),
				incident: note.incident,
				at: new Date().toISOString(),
				...(by ? { by } : {}),
				kind: 'key',
				note: note.id,
				key,
			},
		]);
	}

	#export() {
		const state = this.#state();
		if (!state) return;
		const text = serializeTimeline(timelineHeader(state.id, new Date()), state.events);
		download(`${state.id}.jsonl`, text, 'application/x-ndjson');
		this.#say(`Exported ${state.events.length} events as ${state.id}.jsonl.`);
	}

	async #merge(input: HTMLInputElement) {
		const file = input.files?.[0];
		input.value = '';
		if (!file) return;
		try {
			const { header, events, dropped } = parseTimeline(await file.text());
			// Merging is for the same incident worked by several responders. Another incident's file
			// would open a second incident beside this one, which the bridge refuses: say so first.
			const current = incidentStore.state();
			const theirs = header?.incident ?? events.find((e) => e.kind === 'declared')?.incident;
			if (current?.open && theirs !== undefined && theirs !== current.id) {
				const title = events.find((e) => e.kind === 'declared' && e.incident === theirs);
				this.#say(
					`${file.name} was not merged: it is the timeline of another incident (${title && 'title' in title ? `“${title.title}”` : theirs}), not of “${current.title}”, which is open here. Resolve this one first to open that one, or ask its responder to merge your timeline instead.`,
				);
				return;
			}
			const added = incidentStore.merge(events);
			const where = incidentStore.mode === 'bridge' ? 'sent to the bridge' : 'kept in this browser';
			this.#say(
				`${file.name}: ${events.length} events read, ${added} new (${where}).${dropped.length ? ` ${dropped.join(' ')}` : ''}`,
			);
		} catch (error) {
			this.#say(`${file.name} was not merged: ${(error as Error).message}`);
		}
	}

	#template(): ReportTemplate | undefined {
		try {
			return (
				(JSON.parse(
					document.getElementById('opsbook-incident-template')?.textContent ?? 'null',
				) as ReportTemplate | null) ?? undefined
			);
		} catch {
			return undefined;
		}
	}

	#showReport(focus = true) {
		const state = this.#state();
		const section = this.querySelector<HTMLElement>('.ob-report');
		const preview = this.querySelector<HTMLElement>('.ob-report-preview');
		if (!state || !section || !preview) return;
		const author = responderName();
		this.#report = renderReport(this.#template(), state, incidentContent(), {
			now: new Date(),
			...(author ? { author } : {}),
		});
		preview.innerHTML = markdownHtml(this.#report);
		boxTables(preview);
		section.hidden = false;
		if (focus) section.querySelector<HTMLElement>('h2')?.scrollIntoView({ block: 'start' });
		if (focus) this.querySelector<HTMLElement>('.ob-report-copy')?.focus();
	}

	/**
	 * The drill's debrief, from the scenario the page was built with. `focus` brings it into view
	 * (a press of Debrief, or End drill's `#debrief`).
	 */
	#showDebrief(focus = true) {
		const state = this.#state();
		const section = this.querySelector<HTMLElement>('.ob-debrief');
		const preview = this.querySelector<HTMLElement>('.ob-debrief-preview');
		if (!state?.drill || !section || !preview) return;
		const found = this.#drill(state.drill);
		const status = this.querySelector('.ob-debrief-status');
		for (const button of section.querySelectorAll<HTMLButtonElement>(
			'.ob-debrief-copy, .ob-debrief-download',
		)) {
			button.disabled = !found;
		}
		if (!found) {
			this.#debrief = '';
			preview.replaceChildren(
				make(
					'p',
					undefined,
					`This site has no drill named “${state.drill}” any more, so there is no expected route to compare with: the timeline above is the whole record.`,
				),
			);
		} else {
			const { scenario, tree } = found;
			this.#debrief = renderDebrief(debrief(scenario, state.events, { tree }), scenario);
			preview.innerHTML = markdownHtml(this.#debrief);
			boxTables(preview);
		}
		if (status) status.textContent = '';
		section.hidden = false;
		if (focus) section.querySelector<HTMLElement>('h2')?.scrollIntoView({ block: 'start' });
		if (focus) section.querySelector<HTMLElement>('h2')?.focus();
	}

	#copy() {
		return this.#copyText(this.#report, '.ob-report-status');
	}

	async #copyText(text: string, where: string) {
		const status = this.querySelector(where);
		try {
			await navigator.clipboard.writeText(text);
			if (status) status.textContent = 'Copied.';
		} catch {
			if (status) status.textContent = 'The browser refused the clipboard: use Download .md.';
		}
	}
}

if (!customElements.get('opsbook-timeline'))
	customElements.define('opsbook-timeline', OpsbookTimeline);
