/**
 * The light theme for readers without JavaScript. Starlight ships every page as
 * `<html data-theme="dark">` and an inline script switches it to the reader's theme, so without
 * JavaScript a reader whose system is light still gets the dark theme. The build collects every
 * light-theme rule of the site's stylesheets (Starlight's, Expressive Code's, Opsbook's and the
 * site's own: each is written for `[data-theme='light']`) into one stylesheet, for
 * `@media (prefers-color-scheme: light)`, which pages link inside `<noscript>`: browsers running
 * scripts never load it.
 *
 * In it each rule matches any `data-theme` (the page's is still "dark") with one attribute more
 * than the dark rule it overrides, so it wins wherever the stylesheet comes in the page; it stays
 * in its cascade layers and conditions, so it keeps its place against rules of other layers.
 * PostCSS parses and writes the CSS: the selector lists, layers and escapes of Starlight's
 * minified stylesheets are its everyday input.
 */
import postcss, {
	type AtRule,
	type ChildNode,
	type Container,
	type Node,
	type Root,
} from 'postcss';

/** Where the stylesheet is written, inside the output folder, and linked from, under `base`. */
export const NO_SCRIPT_THEME_PATH = 'opsbook/no-script-light.css';

/** `[data-theme=light]`, quoted either way or not, with any spacing and case of the value. */
const LIGHT = /\[\s*data-theme\s*=\s*(['"]?)light\1\s*(?:i\s*)?\]/i;
const EVERY_LIGHT = new RegExp(LIGHT.source, 'gi');
/** A selector for the dark theme only: `[data-theme=dark]` on the root, first. */
const DARK = /^(?::root|html)?\[\s*data-theme\s*=\s*(['"]?)dark\1\s*(?:i\s*)?\]/i;
/** What a selector says outside `:not(…)`, where the theme attribute means the other theme. */
const outsideNot = (selector: string) => selector.replace(/:not\([^()]*\)/g, '');

/**
 * The light rules of `stylesheets`, rewritten for readers without JavaScript (see above). The
 * stylesheets come in the order pages load them: the sheet starts by naming every cascade layer
 * in the order they first appear there, because pages load it first, and a layer's place is
 * where its name first appears.
 */
export function noScriptLightTheme(stylesheets: string[]): string {
	const out = postcss.root();
	const layers: string[] = [];
	const media = postcss.atRule({ name: 'media', params: '(prefers-color-scheme: light)' });
	for (const css of stylesheets) {
		const root = postcss.parse(css);
		root.walkAtRules('layer', (rule) => {
			const outer = conditionsOf(rule)
				.filter((at) => at.name === 'layer')
				.map((at) => at.params.trim());
			const names = rule.nodes ? [rule.params.trim()] : rule.params.split(',');
			for (const name of names) {
				const full = [...outer, name.trim()].filter(Boolean).join('.');
				if (full && !layers.includes(full)) layers.push(full);
			}
		});
		root.walkRules((rule) => {
			// Nested rules (CSS nesting) mean nothing out of their parent rule: built CSS has none.
			if (rule.parent?.type === 'rule') return;
			const light = rule.selectors.filter((selector) => LIGHT.test(outsideNot(selector)));
			if (light.length > 0) {
				const copy = rule.clone();
				copy.selectors = light.map((selector) =>
					selector.replace(EVERY_LIGHT, '[data-theme][data-theme]'),
				);
				placeIn(media, conditionsOf(rule), copy);
			}
			// A dark-only rule (Starlight's `dark:sl-hidden`, which hides a light logo's dark twin)
			// still matches the page's "dark": its properties go back to what earlier layers say.
			const dark = rule.selectors.filter((selector) => DARK.test(selector));
			if (dark.length > 0) {
				const undo = rule.clone();
				undo.selectors = dark.map((selector) =>
					selector.replace(DARK, (match) => match.replace(/\[.*\]/, '[data-theme][data-theme]')),
				);
				undo.walkDecls((decl) => {
					decl.value = 'revert-layer';
					decl.important = false;
				});
				placeIn(media, conditionsOf(rule), undo);
			}
		});
	}
	if (!media.nodes?.length) return '';
	if (layers.length > 0) out.append(postcss.atRule({ name: 'layer', params: layers.join(', ') }));
	out.append(media);
	return out.toString() + '\n';
}

/** The at-rules (`@layer`, `@media`, `@supports`…) around `node`, outermost first. */
function conditionsOf(node: ChildNode): AtRule[] {
	const chain: AtRule[] = [];
	let parent: Node | undefined = node.parent;
	for (; parent && parent.type === 'atrule'; parent = parent.parent)
		chain.unshift(parent as AtRule);
	return chain;
}

/**
 * Appends `rule` to `container` inside copies of `chain`, reusing the last block when it is the
 * same at-rule, so consecutive rules of one layer share a block.
 */
function placeIn(container: Container | Root, chain: AtRule[], rule: ChildNode) {
	let into: Container = container as Container;
	for (const condition of chain) {
		const last = into.last;
		if (
			last?.type === 'atrule' &&
			(last as AtRule).name === condition.name &&
			(last as AtRule).params === condition.params
		) {
			into = last as AtRule;
		} else {
			const copy = postcss.atRule({ name: condition.name, params: condition.params });
			into.append(copy);
			into = copy;
		}
	}
	into.append(rule);
}
