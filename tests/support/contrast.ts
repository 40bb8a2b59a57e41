/**
 * WCAG 2 contrast of the text a page shows, measured in the browser as it is painted: every
 * visible text node under the given selectors, its computed colour against the background that
 * is really behind it (the nearest opaque ancestor's, with every translucent layer and `opacity`
 * in between blended in).
 *
 * Only solid backgrounds are followed: an element whose text sits on an image or gradient would
 * need a screenshot, and Opsbook styles none.
 */
import type { Page } from '@playwright/test';

export interface TextContrast {
	/** What the reader sees, trimmed to a few words. */
	text: string;
	/** Where: the element's tag and classes, and its nearest ancestors'. */
	where: string;
	ratio: number;
	/** The ratio WCAG AA asks of this text: 3 for large text, else 4.5. */
	required: number;
	color: string;
	background: string;
}

/**
 * Measures the text under `roots` (CSS selectors), skipping `skip` subtrees (code blocks and
 * terminals, coloured by their own themes).
 */
export function measureContrast(
	page: Page,
	roots: string[],
	skip: string[] = [],
): Promise<TextContrast[]> {
	return page.evaluate(
		({ roots, skip }) => {
			type Rgba = [number, number, number, number];
			const parse = (value: string): Rgba => {
				const numbers = value.match(/-?[\d.]+(e-?\d+)?/g)?.map(Number) ?? [];
				if (value.startsWith('rgb')) {
					const [r = 0, g = 0, b = 0, a = 1] = numbers;
					return [r / 255, g / 255, b / 255, a];
				}
				if (value.startsWith('color(srgb')) {
					const [r = 0, g = 0, b = 0, a = 1] = numbers;
					return [r, g, b, a];
				}
				throw new Error(`unexpected computed colour ${value}`);
			};
			const over = (top: Rgba, under: Rgba, alpha = top[3]): Rgba => [
				top[0] * alpha + under[0] * (1 - alpha),
				top[1] * alpha + under[1] * (1 - alpha),
				top[2] * alpha + under[2] * (1 - alpha),
				1,
			];
			const luminance = ([r, g, b]: Rgba) => {
				const linear = (c: number) =>
					c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
				return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
			};
			const css = ([r, g, b]: Rgba) =>
				`rgb(${[r, g, b].map((c) => Math.round(c * 255)).join(' ')})`;
			const describe = (element: Element) =>
				element.tagName.toLowerCase() +
				[...element.classList].map((c) => `.${c}`).join('') +
				(element.getAttribute('data-state')
					? `[data-state=${element.getAttribute('data-state')}]`
					: '');

			/** The colours of a text node's element: text and background as painted. */
			const paint = (element: Element): { color: Rgba; background: Rgba } => {
				// The chain from the element up to the first opaque background (or the root).
				const chain: Element[] = [];
				for (let e: Element | null = element; e; e = e.parentElement) {
					chain.push(e);
					const style = getComputedStyle(e);
					if (parse(style.backgroundColor)[3] === 1 && Number(style.opacity) === 1) break;
				}
				// The canvas behind the root is white when nothing above paints one.
				let under: Rgba = [1, 1, 1, 1];
				const groups: Array<{ opacity: number; under: Rgba }> = [];
				for (const e of chain.reverse()) {
					const style = getComputedStyle(e);
					const opacity = Number(style.opacity);
					// An element with opacity paints its whole subtree, then blends it in at once.
					if (opacity < 1) groups.push({ opacity, under });
					under = over(parse(style.backgroundColor), under);
				}
				let color = over(parse(getComputedStyle(element).color), under);
				let background = under;
				for (const group of groups.reverse()) {
					color = over(color, group.under, group.opacity);
					background = over(background, group.under, group.opacity);
				}
				return { color, background };
			};

			// A type only: it is erased before the function reaches the page.
			const results: TextContrast[] = [];
			const seen = new Set<Node>();
			for (const root of document.querySelectorAll(roots.join(','))) {
				const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
				for (let node = walker.nextNode(); node; node = walker.nextNode()) {
					if (seen.has(node) || !node.textContent?.trim()) continue;
					seen.add(node);
					const element = node.parentElement;
					if (!element || (skip.length > 0 && element.closest(skip.join(',')))) continue;
					if (!element.checkVisibility({ visibilityProperty: true })) continue;
					const range = document.createRange();
					range.selectNodeContents(node);
					const box = range.getBoundingClientRect();
					if (box.width === 0 || box.height === 0) continue;
					const style = getComputedStyle(element);
					const { color, background } = paint(element);
					const [light, dark] = [luminance(color), luminance(background)].sort((a, b) => b - a);
					const size = parseFloat(style.fontSize);
					const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
					const path = [element, element.parentElement, element.parentElement?.parentElement]
						.filter((e): e is HTMLElement => !!e)
						.map(describe)
						.reverse()
						.join(' > ');
					results.push({
						text: node.textContent.trim().replace(/\s+/g, ' ').slice(0, 60),
						where: path,
						ratio: Math.round(((light! + 0.05) / (dark! + 0.05)) * 100) / 100,
						required: large ? 3 : 4.5,
						color: css(color),
						background: css(background),
					});
				}
			}
			return results;
		},
		{ roots, skip },
	);
}
