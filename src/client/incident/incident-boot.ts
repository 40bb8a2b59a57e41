/**
 * What every page loads of the incident bar: Declare incident, and the decision of when to load
 * the bar itself (`incident-header.ts`, with the store, the timeline's rules and escalation).
 * Most pages are read with no incident open, and those need none of it.
 *
 * The bar loads:
 * - at once, when this browser keeps incident events (an incident declared without a bridge, or
 *   events on their way to one);
 * - when another tab of the site records one (a `storage` event);
 * - on the first Declare incident, which it then opens;
 * - with the bridge client (`bridge.ts`), once the page is paired: the bridge keeps the timeline.
 *
 * An open incident is the only time the bar records anything on its own (the decision tree's
 * answers, reminders), and by then it is loaded.
 */
import { INCIDENT_STORAGE_KEY } from '../storage-keys.ts';

const TAG = 'opsbook-incident';

let loading: Promise<unknown> | undefined;
/** Loads the bar; a failed load (a flaky network, a site redeployed under the page) may be retried. */
const load = () =>
	(loading ??= import('./incident-header.ts').catch((error: unknown) => {
		loading = undefined;
		throw error;
	}));

function kept(): boolean {
	try {
		return localStorage.getItem(INCIDENT_STORAGE_KEY) !== null;
	} catch {
		return false;
	}
}

const element = document.querySelector<HTMLElement>(TAG);
const declare = element?.querySelector<HTMLButtonElement>('.ob-declare');

/** The first Declare: loads the bar, then hands it the press, unless it has an incident open. */
function declareFirst() {
	// Loaded already: the bar's own handler has this press.
	if (customElements.get(TAG) || !declare) return;
	load()
		.then(() => customElements.whenDefined(TAG))
		// The bar hides Declare while an incident is open: no second one from a press made while
		// it loaded.
		.then(() => !declare.hidden && declare.click())
		.catch(() => {
			declare.title = 'Declare incident could not load: check the connection and press it again.';
			declare.addEventListener('click', declareFirst, { once: true });
		});
}

if (element) {
	element.hidden = false;
	declare?.addEventListener('click', declareFirst, { once: true });
	if (kept()) {
		// This browser keeps an incident, maybe open: Declare shows once the bar says it may.
		if (declare) declare.hidden = true;
		load().catch(() => {
			if (declare) declare.hidden = false;
		});
	} else {
		const other = (event: StorageEvent) => {
			if (event.key !== INCIDENT_STORAGE_KEY || event.newValue === null) return;
			removeEventListener('storage', other);
			load().catch(() => addEventListener('storage', other));
		};
		addEventListener('storage', other);
	}
}
