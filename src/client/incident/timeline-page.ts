/**
 * `<opsbook-timeline>`: the incident page (`src/pages/incident.astro`). The events in order with
 * their UTC times, filtered by kind, each run linking back to its block; a note can be marked as
 * a key event. Export timeline downloads the timeline file, Merge a timeline reads another
 * responder's, and Export report renders the post-incident report from the site's template as a
 * preview, with Copy Markdown and Download .md.
 *
 * The preview is micromark with its GFM table extension: CommonMark, tables, and no raw HTML
 * (micromark escapes it by default), so nothing in a note or a command becomes markup.
 */
import { micromark } from 'micromark';
import { gfmTable, gfmTableHtml } from 'micromark-extension-gfm-table';
import { parseTimeline, serializeTimeline, timelineHeader } from '../../incident/file.ts';
import { renderReport } from '../../incident/report.ts';
import type { EventOf, TimelineEvent } from '../../incident/schema.ts';
import { newEventId, type IncidentRun, type IncidentState } from '../../incident/timeline.ts';
import type { ReportTemplate } from '../../runbook/incident-content.ts';
import { elapsed, incidentContent, make, pageHref, responderName, utc, utcClock } from './common.ts';
import { CHANGE_EVENT, incidentStore } from './store.ts';

type Filter = 'all' | 'runs' | 'checks' | 'decisions' | 'notes' | 'milestones' | 'key';

const VERDICT_WORDS = { pass: 'passed', warn: 'warns', fail: 'failed' } as const;

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
		this.querySelector<HTMLInputElement>('.ob-tl-merge input')?.addEventListener('change', (event) =>
			void this.#merge(event.target as HTMLInputElement),
		);
		this.querySelector('.ob-tl-report')?.addEventListener('click', () => this.#showReport());
		this.querySelector('.ob-report-copy')?.addEventListener('click', () => void this.#copy());
		this.querySelector('.ob-report-download')?.addEventListener('click', () => {
			const state = incidentStore.state();
			if (state) download(`${state.id}-report.md`, this.#report, 'text/markdown');
		});
		incidentStore.addEventListener(CHANGE_EVENT, () => this.#render());
		this.#render();
	}

	#say(text: string) {
		const message = this.querySelector('.ob-tl-message');
		if (message) message.textContent = text;
	}

	#render() {
		const state = incidentStore.state();
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
		if (!state) {
			summary.textContent =
				'No incident has been declared. Declare one from the header of any page; its timeline shows here.';
			list.replaceChildren();
			return;
		}
		const since = Date.parse(state.resolvedAt ?? new Date().toISOString()) - Date.parse(state.detectedAt);
		summary.textContent = `${state.title}: SEV-${state.severity}, detected ${utc(state.detectedAt)}, ${
			state.open ? `open for ${elapsed(since)}` : `resolved ${utc(state.resolvedAt!)} after ${elapsed(since)}`
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
			if (event.kind === 'note') kinds.push('notes', ...(keyNotes.has(event.id) ? (['key'] as const) : []));
			items.push({ at: event.at, kinds, node: () => this.#event(event, keyNotes.has(event.id)) });
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

	#event(event: TimelineEvent, key: boolean): HTMLLIElement {
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
				text.textContent = 'Resolved';
				break;
			case 'reopened':
				text.textContent = 'Reopened';
				break;
		}
		const label = make('span', 'ob-tl-kind', event.kind === 'note' && key ? 'key note' : event.kind);
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
			if (ended.verdict) result.push(`check ${VERDICT_WORDS[ended.verdict.outcome]}: ${ended.verdict.reason}`);
			result.push(`${(ended.durationMs / 1000).toFixed(1)} s`);
			if (ended.message) result.push(ended.message);
		}
		const label = make(
			'span',
			'ob-tl-kind',
			check ? 'check' : !started || started.risk === 'read' ? 'run' : started.risk,
		);
		item.append(time(started?.at ?? at), label, text, make('span', 'ob-tl-result', result.join(' · ')));
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
		const state = incidentStore.state();
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
				(JSON.parse(document.getElementById('opsbook-incident-template')?.textContent ?? 'null') as
					| ReportTemplate
					| null) ?? undefined
			);
		} catch {
			return undefined;
		}
	}

	#showReport(focus = true) {
		const state = incidentStore.state();
		const section = this.querySelector<HTMLElement>('.ob-report');
		const preview = this.querySelector<HTMLElement>('.ob-report-preview');
		if (!state || !section || !preview) return;
		const author = responderName();
		this.#report = renderReport(this.#template(), state, incidentContent(), {
			now: new Date(),
			...(author ? { author } : {}),
		});
		// micromark escapes raw HTML unless told otherwise: the preview is markup of its own.
		preview.innerHTML = micromark(this.#report, {
			extensions: [gfmTable()],
			htmlExtensions: [gfmTableHtml()],
		});
		// A wide table scrolls inside a box a keyboard can reach, never the page.
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
		section.hidden = false;
		if (focus) section.querySelector<HTMLElement>('h2')?.scrollIntoView({ block: 'start' });
		if (focus) this.querySelector<HTMLElement>('.ob-report-copy')?.focus();
	}

	async #copy() {
		const status = this.querySelector('.ob-report-status');
		try {
			await navigator.clipboard.writeText(this.#report);
			if (status) status.textContent = 'Copied.';
		} catch {
			if (status) status.textContent = 'The browser refused the clipboard: use Download .md.';
		}
	}
}

if (!customElements.get('opsbook-timeline')) customElements.define('opsbook-timeline', OpsbookTimeline);
