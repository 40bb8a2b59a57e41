/**
 * The sidebar badges of walkthrough pages say how far this browser got: a page whose frontmatter
 * gives it Starlight's `sidebar: { badge: … }` shows "3/9" instead once its walkthrough has been
 * opened, on every page of the site. A walkthrough never opened keeps the author's text: its
 * number of steps is known only to its own page.
 *
 * Reads only localStorage. Loaded by `walkthrough-boot.ts` once this browser has opened a
 * walkthrough, and by a walkthrough's own page.
 */
import { WALK_EVENT, allWalks, onOtherTab } from './walkthrough-state.ts';

function render() {
	const walks = [...allWalks().values()].filter((w) => w.path !== '' && w.total > 0);
	if (walks.length === 0) return;
	for (const link of document.querySelectorAll<HTMLAnchorElement>('#starlight__sidebar a[href]')) {
		const badge = link.querySelector<HTMLElement>('.sl-badge');
		if (!badge) continue;
		const walk = walks.find((w) => w.path === new URL(link.href).pathname);
		if (!walk) continue;
		const done = Math.min(Object.keys(walk.done).length, walk.total);
		badge.dataset.walk = done === walk.total ? 'done' : 'started';
		const hidden = document.createElement('span');
		hidden.className = 'sr-only';
		hidden.textContent = ' steps done';
		badge.replaceChildren(`${done}/${walk.total}`, hidden);
	}
}

render();
document.addEventListener(WALK_EVENT, render);
onOtherTab(render);
