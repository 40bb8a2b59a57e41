import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import postcss from 'postcss';
import { noScriptLightTheme } from '../../src/integration/no-script-theme.ts';

/** The sheet's rules as `conditions | selector { declarations }`, one a line, to compare. */
function rules(css: string): string[] {
	const out: string[] = [];
	postcss.parse(css).walkRules((rule) => {
		const conditions: string[] = [];
		for (let parent = rule.parent; parent && parent.type !== 'root'; parent = parent.parent) {
			if (parent.type === 'atrule') {
				const at = parent as postcss.AtRule;
				conditions.unshift(`@${at.name} ${at.params}`);
			}
		}
		const declarations = rule.nodes
			.map((node) =>
				node.type === 'decl'
					? `${node.prop}: ${node.value.trim()}${node.important ? ' !important' : ''}`
					: node.toString(),
			)
			.join('; ');
		out.push(`${conditions.join(' ')} | ${rule.selector} { ${declarations} }`);
	});
	return out;
}

describe('the light theme for readers without JavaScript', () => {
	it('keeps only the light rules, for any data-theme, when the system is light', () => {
		const sheet = noScriptLightTheme([
			`:root { --bg: black }
			:root[data-theme='light'] { --bg: white }
			[data-theme="light"] .logo, .plain { color: blue }
			html[data-theme=light] { color-scheme: light }`,
		]);
		assert.deepEqual(rules(sheet), [
			'@media (prefers-color-scheme: light) | :root[data-theme][data-theme] { --bg: white }',
			'@media (prefers-color-scheme: light) | [data-theme][data-theme] .logo { color: blue }',
			'@media (prefers-color-scheme: light) | html[data-theme][data-theme] { color-scheme: light }',
		]);
	});

	it('leaves out rules for when the theme is not light', () => {
		const sheet = noScriptLightTheme([
			`:root:not([data-theme='light']) .code { color: white }
			@media (prefers-color-scheme: light) { :root:not([data-theme='dark']) { --ec: white } }`,
		]);
		assert.equal(sheet, '');
	});

	it('undoes dark-only rules, which still match the page', () => {
		const sheet = noScriptLightTheme([
			`@layer utils { [data-theme=light] .light-hidden, [data-theme=dark] .dark-hidden { display: none !important } }`,
		]);
		assert.deepEqual(rules(sheet), [
			'@media (prefers-color-scheme: light) @layer utils | [data-theme][data-theme] .light-hidden { display: none !important }',
			'@media (prefers-color-scheme: light) @layer utils | [data-theme][data-theme] .dark-hidden { display: revert-layer }',
		]);
	});

	it('names every layer first, in the order the stylesheets give them', () => {
		const sheet = noScriptLightTheme([
			`@layer base { a { color: red } } @layer components { @layer cards { [data-theme=light] b { color: blue } } }`,
			`@layer utils { i { color: red } } @layer base { [data-theme=light] c { color: green } }`,
		]);
		assert.match(sheet, /^@layer base, components, components\.cards, utils;/);
		assert.deepEqual(rules(sheet), [
			'@media (prefers-color-scheme: light) @layer components @layer cards | [data-theme][data-theme] b { color: blue }',
			'@media (prefers-color-scheme: light) @layer base | [data-theme][data-theme] c { color: green }',
		]);
	});
});
