/**
 * Walkthroughs, in Chromium at a phone's width, against the fixture walkthrough of the bridge test
 * site (`tests/fixtures/bridge/content/walkthrough.mdx`: two read steps, a check that passes and
 * one that fails, all local): steps marked done by keyboard alone, the progress bar and its words,
 * Resume, the sidebar badge and the overview, progress that survives a reload and a new browser
 * context with the same storage, Reset that asks first, a check's passing run that ticks its step,
 * and the plain numbered list without JavaScript.
 *
 * Needs the bridge fixture site built first (see `bridge.spec.ts`).
 */
import { expect, type Page } from '@playwright/test';
import { FRAGMENT_KEY } from '../../src/protocol.ts';
import { serveStatic, type StaticServer } from '../../server/static.ts';
import { block, BRIDGE_SITE, test } from '../support/bridge-test.ts';

test.describe.configure({ mode: 'parallel' });
test.use({ viewport: { width: 390, height: 844 } });

const progress = (page: Page) => page.getByRole('region', { name: 'Your progress' });
const step = (page: Page, n: number) => page.locator('.ob-walk-step').nth(n - 1);
/** What a step's status line says. */
const stateOf = (page: Page, n: number) => step(page, n).locator('.ob-walk-state');
const markDone = (page: Page, n: number) =>
	step(page, n).getByRole('button', { name: 'Mark as done' });
/** The sidebar's link to the walkthrough (inside the menu at this width, so read, not seen). */
const badge = (page: Page) =>
	page.locator('#starlight__sidebar a[href$="/walkthrough/"] .sl-badge');

test.describe('without a bridge', () => {
	let site: StaticServer;
	test.beforeEach(async () => {
		site = await serveStatic({ root: BRIDGE_SITE });
	});
	test.afterEach(async () => {
		await site.close();
	});

	test('steps marked done by keyboard fill the bar, the badge and the overview', async ({
		page,
	}) => {
		// Never opened: the badge says what its author wrote.
		await page.goto(site.url);
		await expect(badge(page)).toHaveText('Walkthrough');
		// Another tab, on another page, opened before any progress: its badge follows too.
		const other = await page.context().newPage();
		await other.goto(`${site.url}procedure/`);
		await page.goto(`${site.url}walkthrough/`);
		await expect(progress(page)).toBeVisible();
		await expect(progress(page).getByRole('status')).toHaveText('0 of 4 steps done');
		await expect(progress(page)).toContainText('Start with: step 1, Read the overview');
		// Nothing done yet: nothing to resume.
		await expect(
			progress(page).getByRole('button', { name: 'Resume where you left off' }),
		).toBeHidden();
		await expect(badge(page)).toHaveText('0/4 steps done');

		// Keyboard only: the focus on Mark as done, Enter; the focus stays on the button it became.
		await markDone(page, 1).focus();
		await page.keyboard.press('Enter');
		await expect(step(page, 1).getByRole('button', { name: 'Mark as not done' })).toBeFocused();
		await expect(step(page, 1).getByRole('heading')).toContainText('Done');
		await expect(badge(other)).toHaveText('1/4 steps done');
		await other.close();
		await expect(stateOf(page, 1)).toContainText(/^Done: you marked it done at \d\d:\d\d UTC\.$/);
		await markDone(page, 3).focus();
		await page.keyboard.press('Enter');

		await expect(progress(page).getByRole('status')).toHaveText('2 of 4 steps done');
		await expect(
			progress(page).getByRole('progressbar', { name: '2 of 4 steps done' }),
		).toHaveJSProperty('value', 2);
		await expect(progress(page)).toContainText('Next: step 2, Run the ready check');
		await expect(badge(page)).toHaveText('2/4 steps done');
		await expect(stateOf(page, 2)).toContainText(
			'Run “Say ready”: the step is done when it passes.',
		);

		// Resume takes the focus to the first step not done.
		const resume = progress(page).getByRole('button', { name: 'Resume where you left off' });
		await resume.focus();
		await page.keyboard.press('Enter');
		await expect(step(page, 2).getByRole('heading', { name: 'Run the ready check' })).toBeFocused();
		await expect(step(page, 2).getByRole('heading')).toBeInViewport();

		await page.goto(`${site.url}onboarding/`);
		const overview = page.locator('opsbook-walkthroughs');
		await expect(overview.getByRole('link', { name: 'Practice walk' })).toBeVisible();
		await expect(overview).toContainText('2 of 4 steps done');
		await expect(
			overview.getByRole('progressbar', { name: 'Progress of Practice walk' }),
		).toHaveJSProperty('value', 2);
		await expect(badge(page)).toHaveText('2/4 steps done');
		// And on a page with no walkthrough of its own.
		await page.goto(`${site.url}procedure/`);
		await expect(badge(page)).toHaveText('2/4 steps done');
	});

	test('progress survives a reload and a new browser context; Reset asks, then clears it', async ({
		page,
		browser,
	}) => {
		await page.goto(`${site.url}walkthrough/`);
		await markDone(page, 1).click();
		await markDone(page, 4).click();
		await expect(progress(page).getByRole('status')).toHaveText('2 of 4 steps done');

		await page.reload();
		await expect(progress(page).getByRole('status')).toHaveText('2 of 4 steps done');
		await expect(step(page, 4).getByRole('button', { name: 'Mark as not done' })).toBeVisible();

		// A browser restarted with the same profile: a new context from the saved storage.
		const storageState = await page.context().storageState();
		const restarted = await browser.newContext({
			storageState,
			viewport: { width: 390, height: 844 },
		});
		const again = await restarted.newPage();
		await again.goto(`${site.url}walkthrough/`);
		await expect(progress(again).getByRole('status')).toHaveText('2 of 4 steps done');
		await expect(step(again, 1).getByRole('heading')).toContainText('Done');
		await expect(badge(again)).toHaveText('2/4 steps done');

		// Reset asks first; keeping the progress changes nothing.
		await progress(again).getByRole('button', { name: 'Reset progress…' }).click();
		const ask = progress(again).getByRole('group', { name: /^Forget which steps you have done\?/ });
		await expect(ask).toBeVisible();
		await expect(ask.getByRole('button', { name: 'Keep my progress' })).toBeFocused();
		await again.keyboard.press('Enter');
		await expect(ask).toBeHidden();
		await expect(progress(again).getByRole('status')).toHaveText('2 of 4 steps done');

		await progress(again).getByRole('button', { name: 'Reset progress…' }).click();
		await ask.getByRole('button', { name: 'Reset', exact: true }).click();
		await expect(progress(again).getByRole('status')).toHaveText('0 of 4 steps done');
		await expect(again.locator('.ob-walk-step[data-done]')).toHaveCount(0);
		await expect(badge(again)).toHaveText('0/4 steps done');
		await again.reload();
		await expect(progress(again).getByRole('status')).toHaveText('0 of 4 steps done');
		await restarted.close();
	});

	test('without JavaScript the walkthrough is a plain numbered list of steps', async ({
		browser,
	}) => {
		const context = await browser.newContext({ javaScriptEnabled: false });
		const page = await context.newPage();
		await page.goto(`${site.url}walkthrough/`);
		await expect(progress(page)).toHaveCount(0);
		await expect(page.locator('opsbook-walkthrough').getByRole('button')).toHaveCount(0);
		const list = page.locator('opsbook-walkthrough > ol');
		await expect(list.locator('> li').getByRole('heading')).toHaveText([
			'Read the overview',
			'Run the ready check',
			'Run the failing check',
			'Read the tree',
		]);
		await expect(list).toContainText('Look for: three steps.');
		// "On this page" leads to each step, as it does to a heading (beside the page, on a desktop).
		await page.setViewportSize({ width: 1280, height: 800 });
		const onThisPage = page
			.getByRole('navigation', { name: 'On this page' })
			.filter({ visible: true });
		await expect(onThisPage.getByRole('link')).toHaveText([
			'Overview',
			'Read the overview',
			'Run the ready check',
			'Run the failing check',
			'Read the tree',
		]);
		await onThisPage.getByRole('link', { name: 'Read the tree' }).click();
		await expect(page).toHaveURL(/#walk-read-the-tree$/);
		await expect(list.getByRole('heading', { name: 'Read the tree' })).toBeInViewport();
		await context.close();
	});
});

test.describe('with the bridge', () => {
	test('a passing check ticks its step; a failing one says why and leaves it open', async ({
		page,
		bridge,
	}) => {
		await page.goto(`${bridge.origin}/walkthrough/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('connected');
		await block(page, 'walk.ready').getByRole('button', { name: 'Run', exact: true }).click();
		await expect(step(page, 2).getByRole('heading')).toContainText('Done');
		await expect(stateOf(page, 2)).toContainText('Done: “Say ready” passed');
		await expect(progress(page).getByRole('status')).toHaveText('1 of 4 steps done');

		await block(page, 'walk.fail').getByRole('button', { name: 'Run', exact: true }).click();
		await expect(stateOf(page, 3)).toContainText(
			'“Fail on purpose” did not pass (exit 1, expected 0)',
		);
		await expect(step(page, 3).getByRole('heading')).not.toContainText('Done');
		await expect(progress(page).getByRole('status')).toHaveText('1 of 4 steps done');

		// Unticked by hand, the step stays unticked when the bridge lists the same run again.
		await step(page, 2).getByRole('button', { name: 'Mark as not done' }).click();
		await expect(progress(page).getByRole('status')).toHaveText('0 of 4 steps done');
		await page.reload();
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('connected');
		await expect(progress(page).getByRole('status')).toHaveText('0 of 4 steps done');
	});
});
