/**
 * The guided decision tree, in Chromium, against the fixture tree of the bridge test site
 * (`tests/fixtures/bridge/content/tree.mdx`), whose checks are local commands (`true`, `false`, a
 * `grep` over a fixture file): a check's verdict highlights the outcome it chooses and brings its
 * link forward, two checks decide a step together, a hand answer does the same with no bridge at
 * all, the position survives a reload and a trip to another page, and Start over clears it.
 *
 * Needs the bridge fixture site built first (see `bridge.spec.ts`).
 */
import { expect, type Page } from '@playwright/test';
import { FRAGMENT_KEY } from '../../src/protocol.ts';
import { serveStatic, type StaticServer } from '../../server/static.ts';
import { block, BRIDGE_SITE, test } from '../support/bridge-test.ts';

const SITE = BRIDGE_SITE;
test.describe.configure({ mode: 'parallel' });

/** A step's outcome list, its hand answers, and what the page says it decided. */
const step = (page: Page, n: number) => page.locator('.ob-decision').nth(n - 1);
const answers = (page: Page, n: number) => step(page, n).getByRole('group', { name: /by hand$/ });
const decided = (page: Page, n: number) => step(page, n).getByRole('status');
const applying = (page: Page, n: number) => step(page, n).locator('li.ob-applies');
const summary = (page: Page) => page.getByRole('region', { name: 'Where you are' });

test.describe('with the bridge', () => {
	test('a passing check chooses its outcome and brings the next step forward', async ({
		page,
		bridge,
	}) => {
		await page.goto(`${bridge.origin}/tree/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('connected');
		await expect(applying(page, 1)).toHaveCount(0);
		await block(page, 'tree.answers').getByRole('button', { name: 'Run', exact: true }).click();

		await expect(applying(page, 1)).toHaveCount(1);
		await expect(applying(page, 1)).toContainText('The check says');
		await expect(applying(page, 1)).toContainText('Yes — proceed to Step 2');
		await expect(decided(page, 1)).toContainText('check passed: exit 0');
		const next = decided(page, 1).getByRole('link', { name: 'Next: Step 2: Is everything up? →' });
		await expect(next).toHaveAttribute('href', '#step-2-is-everything-up');
		await expect(summary(page)).toContainText('Step 2 of 3: Is everything up?');
		await expect(summary(page)).toContainText(
			'Step 1: Does the service answer?: Yes (check passed: exit 0',
		);
	});

	test('a failing check among two decides the step: No, and where to go', async ({
		page,
		bridge,
	}) => {
		await page.goto(`${bridge.origin}/tree/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('connected');
		await block(page, 'tree.status').getByRole('button', { name: 'Run', exact: true }).click();
		// One of two checks heard: the step waits for the other.
		await expect(decided(page, 2)).toContainText('1 of 2 checks ran (1 passed)');
		await expect(applying(page, 2)).toHaveCount(0);

		// A run from another page of the same bridge decides the step here too.
		const other = await page.context().newPage();
		await other.goto(`${bridge.origin}/tree/`);
		await expect(other.locator('opsbook-bridge .ob-chip')).toContainText('connected');
		await block(other, 'tree.disk').getByRole('button', { name: 'Run', exact: true }).click();

		for (const tab of [page, other]) {
			await expect(applying(tab, 2)).toContainText('No — go to Say hello');
			await expect(applying(tab, 2)).toContainText('The check says');
			await expect(decided(tab, 2)).toContainText(
				'check failed: Check the disk (exit 1, expected 0)',
			);
			await expect(
				decided(tab, 2).getByRole('link', { name: 'Go to Bridge test runbook — Say hello →' }),
			).toBeVisible();
		}
	});
});

test.describe('without a bridge', () => {
	let site: StaticServer;
	test.beforeEach(async () => {
		site = await serveStatic({ root: SITE });
	});
	test.afterEach(async () => {
		await site.close();
	});

	test('a hand answer highlights its outcome, and is marked as such', async ({ page }) => {
		await page.goto(`${site.url}tree/`);
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText(/offline|not paired/);
		// Keyboard only: Tab to the answer, Enter.
		const no = answers(page, 1).getByRole('button', { name: 'No' });
		await no.focus();
		await page.keyboard.press('Enter');
		await expect(no).toHaveAttribute('aria-pressed', 'true');
		await expect(applying(page, 1)).toContainText('Your answer');
		await expect(applying(page, 1)).toContainText('No — go to Remote steps');
		await expect(decided(page, 1)).toContainText('No — answered by hand');
		await expect(
			decided(page, 1).getByRole('link', { name: 'Go to Remote steps →' }),
		).toHaveAttribute('href', '../remote/');
		await expect(summary(page)).toContainText(
			'Step 1 of 3: Does the service answer? — No → Remote steps',
		);
	});

	test('the position survives a reload and a trip to another page; Start over clears it', async ({
		page,
	}) => {
		await page.goto(`${site.url}tree/`);
		await answers(page, 1).getByRole('button', { name: 'Yes' }).click();
		await answers(page, 2).getByRole('button', { name: 'Yes' }).click();
		await expect(summary(page)).toContainText('Step 3 of 3: Is it fixed?');

		await page.reload();
		await expect(summary(page)).toContainText('Step 3 of 3: Is it fixed?');
		await expect(applying(page, 2)).toContainText('Your answer');

		await decided(page, 1)
			.getByRole('link', { name: /^Next: Step 2/ })
			.click();
		await page.goto(`${site.url}remote/`);
		await page.goBack();
		await expect(page).toHaveURL(/\/tree\//);
		await page.goto(`${site.url}tree/`);
		await expect(summary(page)).toContainText('Step 3 of 3');
		await expect(summary(page).getByRole('listitem')).toHaveCount(2);
		await expect(answers(page, 1).getByRole('button', { name: 'Yes' })).toHaveAttribute(
			'aria-pressed',
			'true',
		);

		await summary(page).getByRole('button', { name: 'Start over' }).click();
		await expect(summary(page)).toContainText('Step 1 of 3: Does the service answer?');
		await expect(page.locator('li.ob-applies')).toHaveCount(0);
		await page.reload();
		await expect(summary(page)).toContainText('Step 1 of 3');
		await expect(summary(page).getByRole('listitem')).toHaveCount(0);
	});

	test('without JavaScript the tree is a plain list of steps and outcomes', async ({ browser }) => {
		const context = await browser.newContext({ javaScriptEnabled: false });
		const page = await context.newPage();
		await page.goto(`${site.url}tree/`);
		await expect(page.locator('opsbook-tree').getByRole('button')).toHaveCount(0);
		await expect(summary(page)).toHaveCount(0);
		await expect(step(page, 1).getByRole('listitem')).toHaveText([
			'Yes — proceed to Step 2.',
			'No — go to Remote steps.',
		]);
		await context.close();
	});
});
