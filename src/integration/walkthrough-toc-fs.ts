/**
 * Starlight route middleware: a walkthrough's steps in the page's table of contents.
 *
 * Starlight builds "On this page" from the Markdown headings of a page; a step's title is the
 * heading `<WalkStep>` renders, which Markdown never sees, so a new hire's eleven steps were
 * missing from it. This adds them, linked to their anchors (`walk-<step id>`), under the heading
 * the walkthrough follows, or after "Overview" when it comes before any heading.
 */
import { defineRouteMiddleware } from '@astrojs/starlight/route-data';
import { outlineOfPage } from './runbooks-cache-fs.ts';

type TocItem = { depth: number; slug: string; text: string; children: TocItem[] };

/** The item with `slug` in a table of contents, and the list that holds it. */
function find(items: TocItem[], slug: string): { item: TocItem; list: TocItem[] } | undefined {
	for (const item of items) {
		if (item.slug === slug) return { item, list: items };
		const found = find(item.children, slug);
		if (found) return found;
	}
	return undefined;
}

export const onRequest = defineRouteMiddleware(async (context) => {
	const route = context.locals.starlightRoute;
	const toc = route.toc;
	if (!toc || !route.entry.filePath) return;
	const { headings, walkthrough } = await outlineOfPage(route.entry.filePath);
	const first = walkthrough?.steps[0];
	if (!walkthrough || !first) return;
	const before = headings.findLast(
		(h) => h.line < first.line && h.depth >= toc.minHeadingLevel && h.depth <= toc.maxHeadingLevel,
	);
	const parent = before && find(toc.items, before.slug);
	const depth = parent ? Math.min(parent.item.depth + 1, toc.maxHeadingLevel) : toc.minHeadingLevel;
	const steps = walkthrough.steps.map((step) => ({
		depth,
		slug: `walk-${step.id}`,
		text: step.title,
		children: [],
	}));
	if (!parent) {
		// After "Overview" (`_top`), before the first heading's entry.
		const top = toc.items.findIndex((item) => item.slug === '_top');
		toc.items.splice(top + 1, 0, ...steps);
	} else if (depth > parent.item.depth) parent.item.children.push(...steps);
	else parent.list.splice(parent.list.indexOf(parent.item) + 1, 0, ...steps);
});
