import { expect, test, type Page } from '@playwright/test';

const killQuery = (page: Page) => page.locator('opsbook-command#cmd-db\\.kill-query');

test.describe('a runbook page', () => {
	test('shows asides, tabs, steps and risk badges', async ({ page }) => {
		await page.goto('runbooks/database/');
		await expect(page.getByRole('heading', { level: 1, name: '2. Database issues' })).toBeVisible();
		const aside = page.locator('aside.starlight-aside--danger');
		await expect(aside).toContainText('SEV-1');
		await expect(aside).toContainText('Database unavailability brings down the entire platform.');

		await page.getByRole('tab', { name: 'Too many connections' }).click();
		await expect(page.locator('#cmd-db\\.kill-idle')).toBeVisible();
		await expect(page.locator('#cmd-db\\.kill-idle .ob-risk')).toHaveText(/risk: destructive/);
		await expect(page.locator('#cmd-db\\.status .ob-risk')).toHaveText(/risk: read/);
		await expect(page.locator('#cmd-db\\.status .ob-target')).toContainText('production');

		await page.goto('diagnosis/');
		const steps = page.locator('.sl-steps > li');
		await expect(steps).toHaveCount(6);
		await expect(steps.first()).toContainText('Can you reach the server?');
		await expect(steps.first().locator('opsbook-command .ob-target')).toContainText('local');
	});

	test('the sidebar lists every runbook in order', async ({ page }) => {
		await page.goto('');
		const runbooks = page
			.getByRole('navigation', { name: 'Main' })
			.locator('details')
			.filter({ has: page.getByText('Runbooks', { exact: true }) })
			.getByRole('link');
		await expect(runbooks).toHaveText([
			'1. API container down / crash-looping',
			'2. Database issues',
			'3. High memory / OOM',
			'4. Caddy / SSL / domain issues',
			'5. Celery worker issues',
			'6. Disk full',
			'7. Full stack restart (after reboot)',
			'8. Restore from backup (disaster recovery)',
		]);
	});

	test('search finds pg_terminate_backend', async ({ page }) => {
		await page.goto('');
		await page.getByRole('button', { name: 'Search' }).click();
		await page
			.getByRole('dialog', { name: 'Search' })
			.getByRole('textbox', { name: 'Search' })
			.fill('pg_terminate_backend');
		const result = page.locator('.pagefind-ui__result-link').first();
		await expect(result).toBeVisible();
		await result.click();
		await expect(page).toHaveURL(/\/runbooks\/database\//);
	});

	test('an invalid PID shows why and disables Copy', async ({ page }) => {
		await page.goto('runbooks/database/');
		const block = killQuery(page);
		const copy = block.getByRole('button', { name: 'Copy' });
		await expect(copy).toBeDisabled();
		await block.getByLabel('pid').fill('42; reboot');
		await expect(block.getByRole('alert')).toHaveText('pid must be a whole number, like 4242');
		await expect(block.getByLabel('pid')).toHaveAttribute('aria-invalid', 'true');
		await expect(copy).toBeDisabled();
		await expect(block.getByRole('status')).toContainText(
			'Copy needs valid parameters: pid must be a whole number',
		);
		await block.getByLabel('pid').fill('0');
		await expect(block.getByRole('alert')).toHaveText('pid must be at least 1');
		await expect(copy).toBeDisabled();
	});

	test('a valid PID fills the command and Copy puts it on the clipboard', async ({
		page,
		context,
		baseURL,
	}) => {
		await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
			origin: new URL(baseURL!).origin,
		});
		await page.goto('runbooks/database/');
		const block = killQuery(page);
		await block.getByLabel('pid').fill('4242');
		await expect(block.locator('.ob-error')).toBeEmpty();
		await expect(block.getByLabel('pid')).toHaveAttribute('aria-invalid', 'false');
		await expect(block.locator('pre')).toContainText('pg_terminate_backend(4242)');
		await block.getByRole('button', { name: 'Copy' }).click();
		await expect(block.getByRole('status')).toHaveText('Copied the command.');
		const copied = await page.evaluate(() => navigator.clipboard.readText());
		expect(copied).toBe(
			'cd ~/apps/orion && docker compose --profile full exec db \\\n' +
				'psql -U orion_user -d orion_db -c \\\n' +
				'"SELECT pg_terminate_backend(4242);"',
		);
	});

	test('Run explains that it needs the local bridge', async ({ page }) => {
		await page.goto('runbooks/database/');
		const block = page.locator('#cmd-db\\.status');
		const run = block.getByRole('button', { name: 'Run' });
		await expect(run).toHaveAttribute('aria-disabled', 'true');
		// aria-disabled, not disabled: it stays focusable and says why when pressed.
		await run.click({ force: true });
		await expect(block.getByRole('status')).toContainText('needs the local Opsbook bridge');
	});

	test('severity levels are coloured, each a colour of its own, and say their level', async ({
		page,
	}) => {
		await page.goto('severity/');
		const levels = page.locator('table .ob-severity');
		await expect(levels).toHaveText(['SEV-1', 'SEV-2', 'SEV-3']);
		// Contrast in both themes is tests/e2e/contrast.spec.ts's.
		const colours = await levels.evaluateAll((elements) =>
			elements.map((e) => getComputedStyle(e).backgroundColor),
		);
		expect(new Set(colours).size).toBe(3);
		await expect(page.getByRole('row', { name: /SEV-1/ })).toContainText('< 15 min');
	});

	test('the quick reference is grouped by topic in “On this page”', async ({ page }) => {
		await page.goto('quick-reference/');
		const toc = page.locator('starlight-toc nav');
		await expect(toc.getByRole('link')).toHaveText([
			'Overview',
			'Access',
			'Status and logs',
			'Restart and deploy',
			'Caddy',
			'Resources',
			'Backup and migrations',
		]);
		await expect(page.locator('opsbook-command')).toHaveCount(12);
		await expect(
			page
				.getByRole('heading', { level: 2, name: 'Caddy' })
				.locator('xpath=following::opsbook-command[1]'),
		).toHaveId('cmd-quickref.caddy-status');
	});

	test('dark mode renders the blocks dark with light text', async ({ page }) => {
		await page.emulateMedia({ colorScheme: 'dark' });
		await page.goto('runbooks/database/');
		await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
		const luminance = (color: string) => {
			const [r = 0, g = 0, b = 0] = (color.match(/[\d.]+/g) ?? []).map(Number);
			return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
		};
		const block = page.locator('#cmd-db\\.status');
		const background = await block.evaluate((el) => getComputedStyle(el).backgroundColor);
		const title = await block.locator('.ob-title').evaluate((el) => getComputedStyle(el).color);
		expect(luminance(background)).toBeLessThan(0.3);
		expect(luminance(title)).toBeGreaterThan(0.7);
	});
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('the page reads, with placeholders visible and no dead controls', async ({ page }) => {
		await page.goto('runbooks/database/');
		const block = killQuery(page);
		await expect(block.locator('pre')).toContainText('pg_terminate_backend(<pid>)');
		await expect(block.locator('pre')).toContainText('orion_user');
		await expect(block.locator('form')).toBeHidden();
		await expect(block.getByRole('button', { name: 'Copy' })).toBeHidden();
		await expect(page.locator('aside.starlight-aside--danger')).toContainText('SEV-1');
	});
});
