/**
 * The site-wide Runs panel in the header: every running and recent run the bridge knows, newest
 * first, each linking to its block. Runs outlive the page that started them, so this is where a
 * responder finds a run started on another page, or before a reload.
 */
import type { RunInfo, TargetInfo } from '../protocol.ts';
import { blockHref, duration, summarize } from './run-state.ts';
import { make } from './dom.ts';

export class RunsList {
	readonly #root: HTMLElement;
	#runs: RunInfo[] = [];
	#targets: TargetInfo[] = [];
	#tick = 0;

	constructor(root: HTMLElement) {
		this.#root = root;
		// Durations of running runs move; refresh them only while someone looks.
		this.#root.querySelector('#ob-runs')?.addEventListener('toggle', () => this.#render());
	}

	/** Shows these runs; `undefined` hides the panel's button (no bridge). */
	show(runs: Iterable<RunInfo> | undefined, targets: TargetInfo[] = this.#targets) {
		const button = this.#root.querySelector<HTMLElement>('.ob-runs-button');
		if (!button) return;
		button.hidden = runs === undefined;
		if (!runs) {
			this.#root.querySelector<HTMLElement>('#ob-runs')?.hidePopover?.();
			return;
		}
		this.#runs = [...runs].sort((a, b) => b.startedAt - a.startedAt);
		this.#targets = targets;
		const running = this.#runs.filter((run) => run.state !== 'exited').length;
		// "Runs (2)"; a phone shows the count beside an icon only (see opsbook.css), so the name is
		// said whole, whatever shows.
		const count = `(${this.#runs.length})`;
		if (button.getAttribute('aria-label') !== `Runs ${count}`) {
			button.setAttribute('aria-label', `Runs ${count}`);
			button.replaceChildren(make('span', 'ob-runs-word', 'Runs '), count);
		}
		button.dataset.running = String(running > 0);
		button.title = running > 0 ? `${running} running` : 'Recent runs';
		this.#render();
	}

	#render() {
		const popover = this.#root.querySelector<HTMLElement>('#ob-runs');
		const list = this.#root.querySelector('.ob-runs-list');
		const empty = this.#root.querySelector<HTMLElement>('.ob-runs-empty');
		if (!popover || !list || !empty) return;
		clearInterval(this.#tick);
		if (!popover.matches(':popover-open')) return;
		empty.hidden = this.#runs.length > 0;
		list.replaceChildren(...this.#runs.map((run) => this.#item(run)));
		if (this.#runs.some((run) => run.state !== 'exited')) {
			this.#tick = window.setInterval(() => this.#render(), 1000);
		}
	}

	#item(run: RunInfo): HTMLLIElement {
		const summary = summarize(run);
		const item = document.createElement('li');
		item.dataset.outcome = summary.outcome;
		const link = document.createElement('a');
		link.href = blockHref(run);
		link.textContent = run.title;
		const target = this.#targets.find((t) => t.name === run.target);
		const where = `${target?.label ?? run.target}${run.blockTarget === undefined ? '' : ` (not ${run.blockTarget})`}`;
		const details = [
			// A drill's run looks like a real one otherwise: say, in words, that nothing ran.
			run.simulated ? `drill: nothing ran on ${where}` : `on ${where}`,
			[summary.state, summary.exit, summary.signal, summary.verdict].filter(Boolean).join(' · '),
			duration(run),
			...(run.override ? [`run anyway: ${run.override.reason}`] : []),
		];
		const meta = document.createElement('span');
		meta.className = 'ob-runs-meta';
		for (const [index, text] of details.entries()) {
			const part = document.createElement('span');
			part.textContent = text;
			if (index === 0 && target?.production && !run.simulated) part.dataset.production = 'true';
			if (index === 1) part.className = 'ob-runs-state';
			meta.append(part);
		}
		if (run.simulated) {
			item.dataset.simulated = 'true';
			item.append(
				Object.assign(document.createElement('strong'), {
					className: 'ob-runs-drill',
					textContent: 'DRILL',
				}),
				' ',
			);
		}
		item.append(link, meta);
		return item;
	}
}
