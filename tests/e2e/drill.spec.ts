/**
 * Practice and drills in Chromium, on the bridge fixture site and its drill
 * (`tests/fixtures/bridge/content/drills/service-down.yaml`): the route follows the guided tree
 * (`tree.mdx`) from Step 1 (Yes) and Step 2 (No) to the home page, where `t.change` is the fix
 * (its real command would `touch` a marker file) and `t.destroy` makes things worse.
 *
 * - a practice bridge says PRACTICE, and a change step says where Run is why it is not run;
 * - a whole drill started from the page with the keyboard, played by following the tree to the
 *   fix: DRILL on every page, the answers changing once the fix ran, End drill, and a debrief with
 *   the route and no wrong turns;
 * - a drill started with `--drill`, played with one wrong turn, which the debrief names; the DRILL
 *   banner at a phone's width;
 * - and the marker file never appears: nothing ran.
 *
 * Needs the bridge fixture site built first (see `tests/support/bridge-test.ts`).
 */
import { existsSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import { FRAGMENT_KEY } from '../../src/protocol.ts';
import { block, test } from '../support/bridge-test.ts';

const DRILL = 'The test service says it is down';
const ALERT = '[FIRING] TestServiceDown: the status file of the test service says "down"';

const chip = (page: Page) => page.locator('opsbook-bridge .ob-chip');
const modeChip = (page: Page) => page.locator('opsbook-bridge .ob-mode');
const banner = (page: Page) => page.getByRole('region', { name: `DRILL: ${DRILL}` });
const bar = (page: Page) => page.getByRole('region', { name: 'Incident', exact: true });
const run = (page: Page, id: string) =>
	block(page, id).getByRole('button', { name: 'Run', exact: true });
const panel = (page: Page, id: string) => block(page, id).getByRole('region', { name: /^Run of / });
const applying = (page: Page, n: number) =>
	page
		.locator('.ob-decision')
		.nth(n - 1)
		.locator('li.ob-applies');
const debrief = (page: Page) => page.getByRole('region', { name: 'Debrief' });

/** A marker path no other test uses: the fix's real command would create it. */
const marker = () => `drill-${Math.random().toString(36).slice(2, 10)}`;

/** Runs a block and waits for the drill's answer to end. */
/** The debrief reads on the phone too: its alert wraps, nothing scrolls sideways. */
async function expectDebriefFits(page: Page) {
	await expect(debrief(page).locator('pre').first()).toContainText('TestServiceDown');
	const wide = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth,
	);
	expect(wide).toBeLessThanOrEqual(0);
	const alert = await debrief(page)
		.locator('pre')
		.first()
		.evaluate((element) => element.scrollWidth - element.clientWidth);
	expect(alert, 'the alert is cut off').toBeLessThanOrEqual(0);
}

async function runAndWait(page: Page, id: string, exit: number) {
	await run(page, id).click();
	await expect(panel(page, id).locator('.ob-run-exit')).toHaveText(`exit ${exit}`);
	await expect(panel(page, id).locator('.ob-run-drill')).toBeVisible();
}

/** Follows the tree as the scenario's route does: Step 1 Yes and Step 2 No, both by their checks. */
async function followTheTree(page: Page, origin: string) {
	if (!page.url().endsWith('/tree/')) await page.goto(`${origin}/tree/`);
	await expect(banner(page)).toBeVisible();
	await runAndWait(page, 'tree.answers', 0);
	await expect(applying(page, 1)).toContainText('Yes — proceed to Step 2');
	await runAndWait(page, 'tree.status', 0);
	await runAndWait(page, 'tree.disk', 1);
	await expect(applying(page, 2)).toContainText('No — go to Say hello');
}

/** Runs the fix on the home page (its `tag` a marker of its own), then the checks again. */
async function fix(page: Page, origin: string, tag: string) {
	await page.goto(`${origin}/#say-hello`);
	const change = block(page, 't.change');
	await change.getByRole('textbox', { name: 'tag' }).fill(tag);
	await runAndWait(page, 't.change', 0);
	// The answers changed once the fix ran: the status reads up, the disk check passes.
	await page.goto(`${origin}/tree/`);
	await runAndWait(page, 'tree.status', 0);
	await expect(panel(page, 'tree.status')).toContainText('check passed');
	await runAndWait(page, 'tree.disk', 0);
}

test.describe('a practice bridge', () => {
	test.use({ bridgeOptions: { practice: true } });

	test('says PRACTICE and, where Run is, why a change step is not run', async ({
		page,
		bridge,
	}) => {
		await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(chip(page)).toContainText('connected');
		await expect(modeChip(page)).toHaveText(/practice/i);
		const change = block(page, 't.change');
		const tag = marker();
		await change.getByRole('textbox', { name: 'tag' }).fill(tag);
		// Said before anyone presses Run, in words a new hire understands.
		await expect(change.locator('.ob-run-note')).toContainText(
			'Not run in practice: this step changes something (change), and a practice bridge runs read steps only, so nothing can change by mistake.',
		);
		await expect(run(page, 't.change')).toHaveAttribute('aria-disabled', 'true');
		await expect(run(page, 't.change')).toHaveAccessibleDescription(/Not run in practice/);
		// Run stays focusable, so a keyboard reaches it and hears why.
		await run(page, 't.change').focus();
		await page.keyboard.press('Enter');
		await expect(change.getByRole('status')).toContainText('Not run in practice');
		await expect(panel(page, 't.change')).toHaveCount(0);
		// A read step runs, for real, on this machine.
		await run(page, 't.echo').click();
		await expect(panel(page, 't.echo')).toContainText('exit 0');
		await expect(panel(page, 't.echo').locator('.ob-run-drill')).toBeHidden();
		await expect(page.locator('.ob-drill-banner')).toHaveCount(0);
		expect(existsSync(`/tmp/opsbook-change-${tag}`)).toBe(false);

		// A phone has no room for the word in its header: a line atop the page says it.
		await page.setViewportSize({ width: 390, height: 844 });
		const line = page.locator('.ob-practice-line');
		await expect(line).toContainText('Practice Read steps only: nothing can change by mistake.');
		await line.getByRole('button', { name: 'Drills…' }).click();
		await expect(page.getByRole('button', { name: `Start drill: ${DRILL}` })).toBeVisible();
	});
});

test.describe('a drill', () => {
	test.describe.configure({ mode: 'parallel' });

	test.describe('started from a practice page', () => {
		test.use({ bridgeOptions: { practice: true } });

		test('played by the route to the fix: DRILL everywhere, a debrief with no wrong turns', async ({
			page,
			bridge,
		}) => {
			test.setTimeout(90_000);
			const tag = marker();
			await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}`);
			await expect(chip(page)).toContainText('connected');
			await expect(banner(page)).toHaveCount(0);

			// Start drill, with the keyboard only.
			await modeChip(page).focus();
			await page.keyboard.press('Enter');
			const start = page.getByRole('button', { name: `Start drill: ${DRILL}` });
			await expect(start).toBeVisible();
			await expect(page.locator('#ob-mode-detail')).toContainText('SEV-2');
			await start.focus();
			await page.keyboard.press('Enter');
			await expect(banner(page)).toBeVisible();
			await expect(banner(page)).toContainText(ALERT);
			await expect(banner(page)).toContainText('Nothing runs: answers come from the scenario.');
			await expect(modeChip(page)).toHaveText(/DRILL/);
			// Declared by the bridge from the scenario, and marked a drill.
			await expect(bar(page)).toContainText('DRILL');
			await expect(bar(page)).toContainText(DRILL);
			await expect(bar(page).getByRole('button', { name: 'Resolve' })).toHaveCount(0);

			await followTheTree(page, bridge.origin);
			await fix(page, bridge.origin, tag);

			// The timeline says DRILL and marks every run as answered from the scenario.
			await bar(page).getByRole('link', { name: 'Timeline' }).click();
			await expect(page.locator('.ob-tl-summary')).toContainText(`DRILL: ${DRILL}`);
			const runs = page.locator('.ob-tl-run');
			await expect(runs).toHaveCount(6);
			await expect(page.locator('.ob-tl-run[data-simulated="true"]')).toHaveCount(6);

			// End drill, with the keyboard: the bridge resolves it and the debrief opens.
			await banner(page).getByRole('button', { name: 'End drill' }).focus();
			await page.keyboard.press('Enter');
			// It asks first, with End drill focused.
			await expect(page.getByRole('dialog', { name: 'End the drill?' })).toBeVisible();
			await page.keyboard.press('Enter');
			await expect(page).toHaveURL(/\/incident\/#debrief$/);
			await expect(banner(page)).toHaveCount(0);
			await expect(modeChip(page)).toHaveText(/practice/i);
			await expect(debrief(page)).toBeVisible();
			await expect(debrief(page)).toContainText('Does the service answer?');
			await expectDebriefFits(page);
			// The timeline ends with the drill, not with a resolution someone gave.
			await expect(page.getByRole('list', { name: 'Timeline' })).toContainText('Drill ended');
			await expect(debrief(page)).toContainText('Is everything up?');
			await expect(debrief(page).getByRole('heading', { name: /wrong turns/i })).toBeVisible();
			const markdown = await download(page);
			expect(markdown).toMatch(/^# Drill debrief: /);
			expect(markdown).toMatch(
				/Step 1: Does the service answer\? → \*\*Yes\*\* .* \| on the route \|/,
			);
			expect(markdown).toMatch(/Step 2: Is everything up\? → \*\*No\*\* .* \| on the route \|/);
			expect(section(markdown, 'Wrong turns')).toMatch(/^None/);
			expect(existsSync(`/tmp/opsbook-change-${tag}`)).toBe(false);
		});
	});

	test.describe('started with --drill', () => {
		test.use({ bridgeOptions: { drill: 'service-down' } });

		test('one wrong turn, named in the debrief; the banner on a phone', async ({
			page,
			bridge,
		}) => {
			test.setTimeout(90_000);
			const tag = marker();
			await page.setViewportSize({ width: 390, height: 844 });
			await page.goto(`${bridge.origin}/tree/#${FRAGMENT_KEY}=${bridge.token}`);
			await expect(banner(page)).toBeVisible();
			// Nothing wider than the phone; the header has no DRILL chip to crowd the site's title.
			const overflow = await page.evaluate(
				() => document.documentElement.scrollWidth - document.documentElement.clientWidth,
			);
			expect(overflow).toBeLessThanOrEqual(0);
			await expect(modeChip(page)).toBeHidden();
			// No room for the chip: nothing hangs over "On this page"; the bar under the banner
			// says DRILL with its severity and clock (drill-state.spec.ts).
			await expect(page.locator('.ob-incident-chip')).toBeHidden();

			// The wrong turn: Step 1 answered No by hand, where the route says Yes.
			await page
				.getByRole('group', { name: /^Answer Step 1:/ })
				.getByRole('button', { name: 'No' })
				.click();
			await expect(bar(page)).toContainText('DRILL');
			await followTheTree(page, bridge.origin);
			await fix(page, bridge.origin, tag);

			await banner(page).getByRole('button', { name: 'End drill' }).click();
			await page
				.getByRole('dialog', { name: 'End the drill?' })
				.getByRole('button', { name: 'End drill' })
				.click();
			await expect(page).toHaveURL(/\/incident\/#debrief$/);
			await expect(debrief(page)).toBeVisible();
			const markdown = await download(page);
			const turns = section(markdown, 'Wrong turns');
			expect(turns).toMatch(/^1\. .*Does the service answer\?.*No/);
			expect(turns).not.toMatch(/^2\./m);
			await expect(debrief(page)).toContainText('Does the service answer?');
			await expectDebriefFits(page);
			expect(existsSync(`/tmp/opsbook-change-${tag}`)).toBe(false);
		});
	});
});

test.describe('with JavaScript off', () => {
	test.use({ javaScriptEnabled: false, bridgeOptions: { drill: 'service-down' } });

	test('pages read as before, with nothing of practice or drills', async ({ page, bridge }) => {
		await page.goto(`${bridge.origin}/`);
		await expect(page.getByRole('heading', { name: 'Say hello' })).toBeVisible();
		await expect(block(page, 't.change')).toContainText('touch /tmp/opsbook-change-');
		await expect(page.locator('.ob-mode')).toBeHidden();
		await expect(page.locator('.ob-drill-banner, .ob-practice-line, .ob-run-note')).toHaveCount(0);
		await page.goto(`${bridge.origin}/incident/`);
		await expect(page.locator('.ob-incident-nojs')).toBeVisible();
		await expect(page.locator('.ob-debrief')).toBeHidden();
	});
});

/** The text of a `## heading` section of the debrief's Markdown. */
function section(markdown: string, heading: string): string {
	return markdown.split(`\n## ${heading}\n\n`)[1]?.split('\n## ')[0]?.trim() ?? '';
}

async function download(page: Page): Promise<string> {
	const { readFile } = await import('node:fs/promises');
	const done = page.waitForEvent('download');
	await debrief(page).getByRole('button', { name: 'Download .md' }).click();
	return readFile(await (await done).path(), 'utf8');
}
