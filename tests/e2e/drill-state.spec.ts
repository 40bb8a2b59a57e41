/**
 * What a drill leaves behind, and what it says, on the bridge fixture site (its drill
 * `service-down`, its production target `prodbox`):
 *
 * - the tree's answers are the drill's own: a drill starts at step 1, and practice never sees them;
 * - when the drill starts or ends, finished runs leave the blocks and the Runs panel;
 * - the Runs panel marks a drill's runs DRILL, in words;
 * - End drill asks first; the header's chip names a drill as one;
 * - arming in a drill says DRILL and that nothing reaches the target, and still asks for its name;
 * - a practice bridge offers no Arm for a target it never reaches.
 */
import { expect, type Page } from '@playwright/test';
import { FRAGMENT_KEY } from '../../src/protocol.ts';
import { block, test } from '../support/bridge-test.ts';

const DRILL = 'The test service says it is down';
const banner = (page: Page) => page.getByRole('region', { name: `DRILL: ${DRILL}` });
const run = (page: Page, id: string) =>
	block(page, id).getByRole('button', { name: 'Run', exact: true });
const panel = (page: Page, id: string) => block(page, id).getByRole('region', { name: /^Run of / });
const answer = (page: Page, step: number, label: string) =>
	page
		.getByRole('group', { name: new RegExp(`^Answer Step ${step}:`) })
		.getByRole('button', { name: label });
const applying = (page: Page, n: number) =>
	page
		.locator('.ob-decision')
		.nth(n - 1)
		.locator('li.ob-applies');
const runsButton = (page: Page) => page.locator('opsbook-bridge .ob-runs-button');

async function startDrill(page: Page) {
	await page.locator('opsbook-bridge .ob-mode').click();
	await page.getByRole('button', { name: `Start drill: ${DRILL}` }).click();
	await expect(banner(page)).toBeVisible();
}

test.describe('a practice bridge', () => {
	test.use({ bridgeOptions: { practice: true } });

	test('a drill keeps its own tree, its runs say DRILL, and End drill asks first', async ({
		page,
		bridge,
	}) => {
		test.setTimeout(60_000);
		await page.goto(`${bridge.origin}/tree/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(page.locator('opsbook-bridge .ob-mode')).toHaveText(/practice/i);
		// Practice's own answer, by hand.
		await answer(page, 3, 'Yes').click();
		await expect(answer(page, 3, 'Yes')).toHaveAttribute('aria-pressed', 'true');

		await startDrill(page);
		// The drill starts at step 1: practice's answer is not the drill's.
		await expect(answer(page, 3, 'Yes')).toHaveAttribute('aria-pressed', 'false');
		await run(page, 'tree.answers').click();
		await expect(panel(page, 'tree.answers').locator('.ob-run-exit')).toHaveText('exit 0');
		await expect(applying(page, 1)).toContainText('Yes');
		await answer(page, 2, 'No').click();

		// The Runs panel says DRILL in words, and that nothing ran there.
		await expect(runsButton(page)).toHaveText('Runs (1)');
		await runsButton(page).click();
		const item = page.locator('.ob-runs-list li').first();
		await expect(item).toContainText('DRILL');
		await expect(item).toContainText('drill: nothing ran on');
		await page.keyboard.press('Escape');

		// The header's chip names the drill as one.
		await expect(page.locator('.ob-incident-chip')).toHaveAttribute(
			'aria-label',
			/^Drill open: SEV-2/,
		);
		// One End drill, in the banner; the bar has none.
		await expect(page.getByRole('button', { name: 'End drill' })).toHaveCount(1);

		// End drill asks first; Cancel keeps the drill going.
		await banner(page).getByRole('button', { name: 'End drill' }).click();
		const dialog = page.getByRole('dialog', { name: 'End the drill?' });
		await expect(dialog).toContainText('Its debrief opens; the drill’s runs stay on its timeline.');
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await expect(banner(page)).toBeVisible();

		// A second drill, on the same page: its tree, terminals and Runs start empty.
		await banner(page).getByRole('button', { name: 'End drill' }).click();
		await dialog.getByRole('button', { name: 'End drill' }).click();
		await expect(page).toHaveURL(/\/incident\/#debrief$/);
		await page.goto(`${bridge.origin}/tree/`);
		// Back in practice: practice's answer stands, the drill's are not there, nor its run.
		await expect(page.locator('opsbook-bridge .ob-mode')).toHaveText(/practice/i);
		await expect(answer(page, 3, 'Yes')).toHaveAttribute('aria-pressed', 'true');
		await expect(applying(page, 1)).toHaveCount(0);
		await expect(answer(page, 2, 'No')).toHaveAttribute('aria-pressed', 'false');
		await expect(panel(page, 'tree.answers')).toHaveCount(0);
		await expect(runsButton(page)).toHaveText('Runs (0)');

		// A practice run, then a new drill on this page: the run's panel and entry go with it.
		await run(page, 'tree.answers').click();
		await expect(panel(page, 'tree.answers').locator('.ob-run-exit')).toHaveText('exit 0');
		await expect(runsButton(page)).toHaveText('Runs (1)');
		await startDrill(page);
		await expect(panel(page, 'tree.answers')).toHaveCount(0);
		await expect(runsButton(page)).toHaveText('Runs (0)');
		await expect(applying(page, 1)).toHaveCount(0);
		await expect(answer(page, 2, 'No')).toHaveAttribute('aria-pressed', 'false');
		await expect(answer(page, 3, 'Yes')).toHaveAttribute('aria-pressed', 'false');
	});

	test('offers no Arm for a target a practice bridge never reaches', async ({ page, bridge }) => {
		await page.goto(`${bridge.origin}/remote/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(page.locator('opsbook-bridge .ob-mode')).toHaveText(/practice/i);
		const hello = block(page, 'r.hello');
		await expect(hello.locator('.ob-run-note')).toContainText(
			'this step would run on testbox (test sshd), which a practice bridge never reaches',
		);
		await expect(hello.getByRole('button', { name: /^Arm / })).toHaveCount(0);
		await expect(page.getByRole('button', { name: /^Arm / })).toHaveCount(0);
		// Its own machine still runs the read step, by choice.
		await expect(hello.getByRole('button', { name: 'Run on this machine' })).toBeEnabled();
		// The bridge's menu says the same, not "until you arm it".
		await page.locator('opsbook-bridge .ob-chip').click();
		await expect(page.locator('#ob-bridge-detail .ob-bridge-message')).toHaveText(
			'Connected to a practice bridge: it runs read steps on this machine only, and never reaches another target.',
		);
		// A production target is named so, its label's own brackets left alone.
		await expect(page.locator('#ob-bridge-detail .ob-targets')).toContainText(
			'prodbox (test sshd), production',
		);
	});
});

test.describe('a drill started with --drill', () => {
	test.use({ bridgeOptions: { drill: 'service-down' } });

	test('arming production says DRILL and that nothing reaches it; the name is still typed', async ({
		page,
		bridge,
	}) => {
		await page.goto(`${bridge.origin}/remote/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(banner(page)).toBeVisible();
		await block(page, 'r.prod').getByRole('button', { name: 'Arm prodbox to run…' }).click();
		const dialog = page.getByRole('dialog', { name: 'DRILL: arm prodbox (test sshd)?' });
		await expect(dialog).toContainText('DRILL Arming is practised; nothing reaches prodbox.');
		const arm = dialog.getByRole('button', { name: 'Arm' });
		await expect(arm).toBeDisabled();
		await dialog.getByRole('textbox').fill('prodbox');
		await arm.click();
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('DRILL armed: prodbox');
		const bar = page.locator('.ob-banner');
		await expect(bar).toContainText('DRILL: prodbox armed for practice; nothing reaches prodbox');
		await expect(bar).not.toContainText('Production armed');

		// On a phone, scrolled: the armed bar sticks below the "On this page" bar, never under it.
		await page.setViewportSize({ width: 390, height: 844 });
		await page.mouse.wheel(0, 1500);
		await expect
			.poll(async () => {
				const toc = await page.locator('#starlight__mobile-toc').boundingBox();
				const armed = await bar.boundingBox();
				return toc && armed ? armed.y - (toc.y + toc.height) : -1;
			})
			.toBeGreaterThanOrEqual(-1);
	});
});

/** WCAG contrast of two `rgb()`/`rgba()` colours, ignoring alpha. */
function contrast(a: string, b: string): number {
	const luminance = (color: string) => {
		const [r, g, b] = color
			.match(/[\d.]+/g)!
			.slice(0, 3)
			.map(Number);
		const channel = (c: number) => {
			const s = c / 255;
			return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
		};
		return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
	};
	const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return (hi! + 0.05) / (lo! + 0.05);
}

test.describe('a drill on a phone', () => {
	test.use({ bridgeOptions: { drill: 'service-down' } });

	for (const scheme of ['light', 'dark'] as const) {
		test(`banner and bar fit a third of the screen; End drill early in Tab order, its ring visible (${scheme})`, async ({
			page,
			bridge,
		}) => {
			await page.emulateMedia({ colorScheme: scheme });
			await page.setViewportSize({ width: 390, height: 844 });
			await page.goto(`${bridge.origin}/tree/#${FRAGMENT_KEY}=${bridge.token}`);
			await expect(banner(page)).toBeVisible();
			const bar = page.getByRole('region', { name: 'Incident', exact: true });
			await expect(bar).toBeVisible();
			await page.screenshot({ path: `tests/.tmp/shots/drill-390-${scheme}.png` });
			const top = (await banner(page).boundingBox())!;
			const bottom = (await bar.boundingBox())!;
			expect(bottom.y + bottom.height - top.y).toBeLessThanOrEqual(844 / 3);
			// One End drill, in the banner.
			await expect(page.getByRole('button', { name: 'End drill' })).toHaveCount(1);

			// Nothing hangs over the toggle of "On this page": the bar says DRILL, SEV and the clock.
			const toggle = page.locator('mobile-starlight-toc summary');
			await expect(toggle).toBeVisible();
			await expect(page.locator('.ob-incident-chip')).toBeHidden();
			const box = (await toggle.boundingBox())!;
			const covering = await page.evaluate(
				({ x, y }) => document.elementFromPoint(x, y)?.closest('mobile-starlight-toc') !== null,
				{ x: box.x + box.width - 4, y: box.y + box.height / 2 },
			);
			expect(covering, 'the toggle of "On this page" is uncovered').toBe(true);
			await expect(bar).toContainText('DRILL');

			// End drill early: Skip to content, Skip to the drill banner, then the alert and End drill.
			await page.keyboard.press('Tab');
			await page.keyboard.press('Tab');
			await expect(page.getByRole('link', { name: 'Skip to the drill banner' })).toBeFocused();
			await page.keyboard.press('Enter');
			await page.keyboard.press('Tab');
			await page.keyboard.press('Tab');
			const end = banner(page).getByRole('button', { name: 'End drill' });
			await expect(end).toBeFocused();
			// Its ring: 2px, apart from the purple, in contrast with the purple and the page.
			const ring = await end.evaluate((button) => {
				const style = getComputedStyle(button);
				return {
					width: style.outlineWidth,
					style: style.outlineStyle,
					offset: style.outlineOffset,
					color: style.outlineColor,
					fill: style.backgroundColor,
					page: getComputedStyle(button.closest('.ob-drill-banner')!).backgroundColor,
				};
			});
			expect(ring.width).toBe('2px');
			expect(ring.style).toBe('solid');
			// Set off from the purple by 2px of the banner's background, which the ring contrasts
			// with; the purple contrasts with that background too. (No one colour is 3:1 against
			// both the light theme's dark purple and its light page.)
			expect(ring.offset).toBe('2px');
			expect(contrast(ring.color, ring.page)).toBeGreaterThanOrEqual(3);
			expect(contrast(ring.fill, ring.page)).toBeGreaterThanOrEqual(3);
			await page.screenshot({ path: `tests/.tmp/shots/drill-390-${scheme}-focus.png` });
		});
	}
});
