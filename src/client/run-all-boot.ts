/**
 * What a page with Run all loads (`src/components/RunAll.astro`): the control, shown, and on a
 * press, why it cannot run yet (the button's title: it needs the local bridge). The control itself
 * (`run-all.ts`) comes with the bridge client, which enables it and runs the steps: a page read
 * without a bridge never loads it.
 */
const TAG = 'opsbook-run-all';

for (const element of document.querySelectorAll<HTMLElement>(TAG)) {
	element.hidden = false;
	const start = element.querySelector<HTMLButtonElement>('.ob-run-all-start');
	start?.addEventListener('click', () => {
		// Loaded: the control's own handler has the press.
		if (customElements.get(TAG)) return;
		const status = element.querySelector('.ob-run-all-status');
		if (status) status.textContent = start.title;
	});
}
