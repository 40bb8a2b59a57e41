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
const load = () => (loading ??= import('./incident-header.ts'));

function kept(): boolean {
	try {
		return localStorage.getItem(INCIDENT_STORAGE_KEY) !== null;
	} catch {
		return false;
	}
}

const element = document.querySelector<HTMLElement>(TAG);
if (element) {
	// Declare works from the first click: shown now, as the bar's element shows it once loaded.
	element.hidden = false;
	const declare = element.querySelector<HTMLButtonElement>('.ob-declare');
	declare?.addEventListener(
		'click',
		() => {
			// Loaded already: the bar's own handler has this click.
			if (customElements.get(TAG)) return;
			void load()
				.then(() => customElements.whenDefined(TAG))
				.then(() => declare.click());
		},
		{ once: true },
	);
	if (kept()) void load();
	else {
		const other = (event: StorageEvent) => {
			if (event.key !== INCIDENT_STORAGE_KEY || event.newValue === null) return;
			removeEventListener('storage', other);
			void load();
		};
		addEventListener('storage', other);
	}
}
