/**
 * What every page loads of the walkthrough badges: whether this browser has opened a walkthrough
 * at all. Only then does it load the badges (`walkthrough-badges.ts`), which read each
 * walkthrough's progress into the sidebar: at once, or when another tab of the site first records
 * some. A walkthrough's own page loads them with the walkthrough (`walkthrough.ts`).
 */
import { WALK_PREFIX } from './storage-keys.ts';

let loaded = false;
function load() {
	if (loaded) return;
	loaded = true;
	removeEventListener('storage', other);
	void import('./walkthrough-badges.ts');
}

function other(event: StorageEvent) {
	if (event.key?.startsWith(WALK_PREFIX)) load();
}

function opened(): boolean {
	try {
		for (let i = 0; i < localStorage.length; i++) {
			if (localStorage.key(i)?.startsWith(WALK_PREFIX)) return true;
		}
	} catch {
		// No storage: no progress to show.
	}
	return false;
}

if (opened()) load();
else addEventListener('storage', other);
