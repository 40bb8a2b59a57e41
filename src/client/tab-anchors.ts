/**
 * Opens the tab that holds the target of a link to this page: a step (`#cmd-db.kill-idle`), a
 * search result, any anchor inside a panel that Starlight's `<starlight-tabs>` keeps `hidden`.
 * The browser finds such a target not rendered and stays where it is; here its tab is selected
 * and the page scrolled to it, when the page loads with that hash, when the hash changes, and
 * when a link to the hash the page already has is followed again (which fires no `hashchange`).
 */

/** The part of Starlight's `StarlightTabs` (user-components/Tabs.astro) used here. */
interface StarlightTabs extends HTMLElement {
	tabs: HTMLAnchorElement[];
	panels: HTMLElement[];
	switchTab(tab: HTMLAnchorElement | undefined, index: number, shouldSync?: boolean): void;
}

const HIDDEN_PANEL = 'starlight-tabs > [role="tabpanel"][hidden]';

/** Selects each tab that hides `target`, outer ones too; false when none did. */
function reveal(target: Element): boolean {
	let panel = target.closest<HTMLElement>(HIDDEN_PANEL);
	if (!panel) return false;
	while (panel) {
		const tabs = panel.parentElement as StarlightTabs;
		const index = tabs.panels.indexOf(panel);
		// Not synced: following a link must not change the tab a reader chose for other pages.
		if (index >= 0) tabs.switchTab(tabs.tabs[index], index, false);
		panel = tabs.closest<HTMLElement>(HIDDEN_PANEL);
	}
	return true;
}

function targetOf(hash: string): HTMLElement | null {
	if (hash.length < 2) return null;
	try {
		return document.getElementById(decodeURIComponent(hash.slice(1)));
	} catch {
		// A malformed escape names nothing on the page.
		return null;
	}
}

/** Shows the target of `hash` if a tab hides it; `scroll` when the browser will not. */
function follow(hash: string, scroll: boolean) {
	const target = targetOf(hash);
	if (!target) return;
	const revealed = reveal(target);
	// A panel's label heading (TabItem.astro) is not rendered beside its tab: go to the panel.
	const shown = target.checkVisibility() ? target : target.closest('[role="tabpanel"]');
	if (shown !== target || (revealed && scroll)) shown?.scrollIntoView();
}

function onClick(event: MouseEvent) {
	if (event.defaultPrevented || event.button !== 0) return;
	if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
	const link = (event.target as Element | null)?.closest?.('a[href*="#"]');
	if (!(link instanceof HTMLAnchorElement)) return;
	if (link.origin !== location.origin || link.pathname !== location.pathname) return;
	// Revealed before the browser follows the link, so the browser scrolls to it as to any anchor.
	follow(link.hash, false);
}

void customElements.whenDefined('starlight-tabs').then(() => {
	follow(location.hash, true);
	addEventListener('hashchange', () => follow(location.hash, true));
	document.addEventListener('click', onClick);
});
