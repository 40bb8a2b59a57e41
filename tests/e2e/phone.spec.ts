/**
 * The site on a phone, 390 px wide: the site title stays whole whatever the bridge chip says, and
 * every cell of the severity table can be brought into view without the page scrolling sideways,
 * with its row's level in view beside it.
 */
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { FRAGMENT_KEY } from '../../src/protocol.ts';
import { startTestBridge } from '../support/bridge.ts';

const SITE = resolve(process.env.OPSBOOK_BRIDGE_SITE ?? 'tests/.tmp/bridge-site');

test.use({ viewport: { width: 390, height: 844 } });

const chip = (page: Page) => page.locator('opsbook-bridge .ob-chip');

/** The title's text is not clipped, and nothing makes the page scroll sideways. */
async function expectWholeTitle(page: Page, text = 'Opsbook') {
	const title = page.locator('.site-title span');
	await expect(title).toHaveText(text);
	const {
		scroll,
		client,
		page: pageWidth,
	} = await title.evaluate((element) => ({
		scroll: element.scrollWidth,
		client: element.clientWidth,
		page: document.documentElement.scrollWidth,
	}));
	expect(scroll, 'the site title is clipped').toBeLessThanOrEqual(client);
	expect(pageWidth).toBeLessThanOrEqual(390);
	// The chip still names its state to screen readers.
	await expect(chip(page)).toHaveAccessibleName(/\S/);
}

test('the site title stays readable beside the bridge chip', async ({ page }) => {
	await page.goto('severity/');
	await expect(chip(page)).toContainText('not paired');
	await expectWholeTitle(page);
});

test('the site title stays readable when connected and with a production target armed', async ({
	page,
}) => {
	const bridge = await startTestBridge({ siteRoot: SITE });
	try {
		await page.goto(`${bridge.origin}/remote/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(chip(page)).toContainText('connected');
		await expect(page.getByRole('button', { name: 'Runs (0)' })).toBeVisible();
		await expectWholeTitle(page);
		// A team's title a little longer than ours still fits beside the chips.
		await page.locator('.site-title span').evaluate((title) => (title.textContent = 'Team Docs'));
		await expectWholeTitle(page, 'Team Docs');
		await page.reload();
		// Arming only marks the target: nothing connects to prodbox until a step runs.
		await page
			.locator('opsbook-command#cmd-r\\.prod')
			.getByRole('button', { name: 'Arm prodbox to run…' })
			.click();
		const dialog = page.getByRole('dialog', { name: 'Arm prodbox (test sshd)?' });
		await dialog.getByLabel('Type prodbox to confirm').fill('prodbox');
		await dialog.getByRole('button', { name: 'Arm', exact: true }).click();
		await expect(chip(page)).toHaveAttribute('data-state', 'production');
		await expect(chip(page)).toHaveAccessibleName(/production: prodbox/);
		await expectWholeTitle(page);
	} finally {
		await bridge.dispose();
	}
});

test('every cell of the severity table comes into view beside its level', async ({ page }) => {
	await page.goto('severity/');
	const table = page.locator('.sl-markdown-content table');
	await expect(table.getByRole('row')).toHaveCount(4);
	const hidden = await table.evaluate((table) => {
		const problems: string[] = [];
		const width = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth > width) problems.push('the page scrolls sideways');
		const box = table.getBoundingClientRect();
		if (box.left < 0 || box.right > width) problems.push('the table box is wider than the page');
		for (const row of table.querySelectorAll('tr')) {
			const [first, ...cells] = row.children;
			for (const cell of cells as HTMLElement[]) {
				// As a reader swipes: until the cell's end is at the box's end.
				table.scrollLeft = Math.max(0, cell.offsetLeft + cell.offsetWidth - table.clientWidth);
				const level = first!.getBoundingClientRect();
				const rect = cell.getBoundingClientRect();
				const name = `“${cell.textContent?.trim()}”`;
				if (rect.left < level.right - 1) problems.push(`${name} is under the level column`);
				if (rect.right > Math.min(box.right, width) + 1) problems.push(`${name} is cut off`);
				if (level.left < box.left - 1) problems.push(`${name}: its level is out of view`);
			}
		}
		table.scrollLeft = 0;
		return problems;
	});
	expect(hidden).toEqual([]);
});
