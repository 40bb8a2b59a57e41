/**
 * What a page with Run all loads (`src/components/RunAll.astro`): the control, shown, and on a
 * press, why it cannot run yet (it needs the local bridge, or this tab paired with the one here).
 * The control itself (`run-all.ts`) comes with the bridge client, which enables it and runs the
 * steps: a page read without a bridge never loads it.
 */
import { NOT_PAIRED_RUN, unpairedBridgeHere } from './pairing.ts';

const TAG = 'opsbook-run-all';

for (const element of document.querySelectorAll<HTMLElement>(TAG)) {
	element.hidden = false;
	const start = element.querySelector<HTMLButtonElement>('.ob-run-all-start');
	start?.addEventListener('click', () => {
		// Loaded: the control's own handler has the press.
		if (customElements.get(TAG)) return;
		const status = element.querySelector('.ob-run-all-status');
		if (status) {
			status.textContent = unpairedBridgeHere() ? NOT_PAIRED_RUN : start.title;
		}
	});
}
