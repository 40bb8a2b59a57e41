import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { RegistrySchema } from '../../src/runbook/schema.ts';
import { displayTemplate } from '../../src/runbook/template.ts';

const site = resolve(process.env.OPSBOOK_TEST_SITE ?? 'tests/.tmp/site');
const registry = RegistrySchema.parse(
	JSON.parse(readFileSync(join(site, 'opsbook/registry.json'), 'utf8')),
);
/** Every page of the built site, as a path relative to the site root (`runbooks/database/`). */
const pages = readdirSync(site, { recursive: true, encoding: 'utf8' })
	.filter((file) => file === 'index.html' || file.endsWith('/index.html'))
	.map((file) => relative(site, join(site, file, '..')))
	.map((dir) => (dir === '' ? '' : `${dir}/`))
	.sort();
const pathOf = (slug: string) => (slug === 'index' ? '' : `${slug}/`);
/** Text as a reader sees it, whatever the lines wrap or indent like. */
const words = (text: string) => text.replace(/\s+/g, ' ').trim();

const killQuery = (page: Page) => page.locator('opsbook-command#cmd-db\\.kill-query');

/** Lets the page read back what Copy put on the clipboard. */
const allowClipboard = (context: BrowserContext, baseURL: string | undefined) =>
	context.grantPermissions(['clipboard-read', 'clipboard-write'], {
		origin: new URL(baseURL!).origin,
	});

test.describe('a runbook page', () => {
	test('shows asides, tabs, steps and risk badges', async ({ page }) => {
		await page.goto('runbooks/database/');
		await expect(page.getByRole('heading', { level: 1, name: '2. Database issues' })).toBeVisible();
		const aside = page.locator('aside.starlight-aside--danger');
		await expect(aside).toContainText('SEV-1');
		await expect(aside).toContainText('Database unavailability brings down the entire platform.');

		// With JavaScript the tabs are Starlight's: one panel at a time, labels on the tabs only.
		await expect(page.getByRole('tablist').first()).toBeVisible();
		await expect(page.locator('.ob-tab-label').first()).toBeHidden();
		await expect(page.locator('#cmd-db\\.kill-idle')).toBeHidden();
		await page.getByRole('tab', { name: 'Too many connections' }).click();
		await expect(page.locator('#cmd-db\\.kill-idle')).toBeVisible();
		await expect(page.locator('#cmd-db\\.kill-idle .ob-risk')).toHaveText(/risk: destructive/);
		await expect(page.locator('#cmd-db\\.status .ob-risk')).toHaveText(/risk: read/);
		await expect(page.locator('#cmd-db\\.status .ob-target')).toContainText('production');

		await page.goto('diagnosis/');
		const steps = page.locator('.sl-steps > li');
		await expect(steps).toHaveCount(6);
		await expect(steps.first()).toContainText('Can you reach the server?');
		// Step 1's ssh steps (the check and the login) both run from the responder's machine.
		await expect(steps.first().locator('opsbook-command .ob-target')).toHaveText([
			'on: local',
			'on: local',
		]);
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

	test('search finds a step by its id, with its title, and none of its controls', async ({
		page,
	}) => {
		await page.goto('');
		await page.getByRole('button', { name: 'Search' }).click();
		const dialog = page.getByRole('dialog', { name: 'Search' });
		await dialog.getByRole('textbox', { name: 'Search' }).fill('db.kill-query');
		const result = dialog.locator('.pagefind-ui__result').first();
		await expect(result.locator('.pagefind-ui__result-link').first()).toHaveText(
			'2. Database issues',
		);
		await expect(result).toContainText('Kill a stuck query db.kill-query');
		for (const text of await dialog.locator('.pagefind-ui__result').allInnerTexts()) {
			expect(text).not.toMatch(/Copy\s*Run|risk:|on: orion/);
		}
		// Not just these results: no page of the index holds the words of a block's controls.
		const chrome = await page.evaluate(async () => {
			const pagefind = await import(`${location.origin}/pagefind/pagefind.js`);
			const all = await pagefind.search(null);
			const pages = await Promise.all(all.results.map((r: any) => r.data()));
			return pages
				.filter((p: any) => /Copy\s*Run|risk: |on: orion/.test(p.content))
				.map((p: any) => p.url);
		});
		expect(chrome).toEqual([]);
	});

	test('a search result inside a hidden tab opens the tab', async ({ page }) => {
		await page.goto('');
		await page.getByRole('button', { name: 'Search' }).click();
		const dialog = page.getByRole('dialog', { name: 'Search' });
		await dialog.getByRole('textbox', { name: 'Search' }).fill('kill-idle');
		await dialog.getByRole('link', { name: 'Too many connections' }).click();
		await expect(page).toHaveURL(/\/runbooks\/database\/#tab-too-many-connections$/);
		await expect(page.getByRole('tab', { name: 'Too many connections' })).toHaveAttribute(
			'aria-selected',
			'true',
		);
		await expect(page.locator('#cmd-db\\.kill-idle')).toBeInViewport();
	});

	test('a link to a step in a hidden tab opens the tab and scrolls to the step', async ({
		page,
	}) => {
		const tab = (name: string) => page.getByRole('tab', { name });
		// On load.
		await page.goto('runbooks/database/#cmd-db.kill-idle');
		await expect(tab('Too many connections')).toHaveAttribute('aria-selected', 'true');
		await expect(page.locator('#cmd-db\\.kill-idle')).toBeInViewport();
		// On a change of the hash.
		await page.evaluate(() => (location.hash = '#cmd-db.down'));
		await expect(tab('Data corruption (last resort)')).toHaveAttribute('aria-selected', 'true');
		await expect(page.locator('#cmd-db\\.down')).toBeInViewport();
		await expect(page.locator('#cmd-db\\.kill-idle')).toBeHidden();
		// A link to the hash the page already has, after the reader chose another tab: no hashchange.
		await tab('Container stopped').click();
		await page.evaluate(() => window.scrollTo(0, 0));
		await page
			.locator('main h1')
			.evaluate((h1) =>
				h1.insertAdjacentHTML('afterend', '<a href="#cmd-db.down">Stop everything</a>'),
			);
		await page.getByRole('link', { name: 'Stop everything' }).click();
		await expect(tab('Data corruption (last resort)')).toHaveAttribute('aria-selected', 'true');
		await expect(page.locator('#cmd-db\\.down')).toBeInViewport();
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
		await allowClipboard(context, baseURL);
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

	test('typing a value and tabbing straight on reaches Copy, which copies that value', async ({
		page,
		context,
		baseURL,
	}) => {
		await allowClipboard(context, baseURL);
		await page.goto('runbooks/database/');
		const block = killQuery(page);
		await block.getByLabel('pid').focus();
		// No pause: the form's checks load on the first keystroke and may not be there yet.
		await page.keyboard.type('4242');
		await page.keyboard.press('Tab');
		await expect(block.getByRole('button', { name: 'Copy' })).toBeFocused();
		await page.keyboard.press('Enter');
		await expect(block.getByRole('status')).toHaveText('Copied the command.');
		expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(
			'pg_terminate_backend(4242)',
		);
	});

	test('Run explains that this tab is not paired with the bridge serving the site', async ({
		page,
	}) => {
		await page.goto('runbooks/database/');
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('not paired');
		const block = page.locator('#cmd-db\\.status');
		const run = block.getByRole('button', { name: 'Run' });
		await expect(run).toHaveAttribute('aria-disabled', 'true');
		// aria-disabled, not disabled: it stays focusable and says why when pressed.
		await run.click({ force: true });
		await expect(block.getByRole('status')).toContainText(
			'A bridge is running here, but this tab is not paired with it',
		);
		await expect(block.getByRole('status')).toContainText('npx opsbook pair');
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
		// Starlight's search and theme picker need a script to do anything: not offered.
		await expect(page.getByRole('button', { name: 'Search' })).toBeHidden();
		await expect(page.getByRole('combobox', { name: 'Select theme' })).toBeHidden();
	});

	test('every page shows every command it holds, tabs included', async ({ page }) => {
		expect(pages).toContain('runbooks/database/');
		let checked = 0;
		const unseen: string[] = [];
		for (const path of pages) {
			await page.goto(path);
			// Each block on its own: the same command may also stand, visible, elsewhere on the page.
			const shown = new Map(
				await page.locator('opsbook-command').evaluateAll((blocks) =>
					blocks.map((block) => {
						const pre = block.querySelector('pre');
						const seen = !!pre?.checkVisibility({
							visibilityProperty: true,
							opacityProperty: true,
						});
						return [block.id, seen ? pre!.innerText : ''] as const;
					}),
				),
			);
			for (const block of registry.blocks.filter((b) => pathOf(b.page.slug) === path)) {
				checked++;
				const command = words(displayTemplate(block).text);
				if (words(shown.get(`cmd-${block.id}`) ?? '') !== command) {
					unseen.push(`/${path}#cmd-${block.id}: ${command}`);
				}
			}
		}
		expect(checked, 'every block of the registry is on a page').toBe(registry.blocks.length);
		expect(unseen, 'commands a reader without JavaScript cannot see').toEqual([]);
	});

	test("takes the reader's light or dark theme, in the colours it has with JavaScript", async ({
		browser,
		baseURL,
	}) => {
		// The page, a command block, its code, an aside and the header: what a reader sees first.
		const colours = async (javaScriptEnabled: boolean, colorScheme: 'light' | 'dark') => {
			const context = await browser.newContext({ baseURL, javaScriptEnabled, colorScheme });
			const page = await context.newPage();
			await page.goto('runbooks/database/');
			const read = await page.evaluate(() =>
				[
					'body',
					'.header',
					'opsbook-command#cmd-db\\.status',
					'opsbook-command#cmd-db\\.status pre',
					'opsbook-command#cmd-db\\.status .ob-title',
					'aside.starlight-aside--danger',
					'.sl-markdown-content p',
				].map((selector) => {
					const element = document.querySelector(selector);
					if (!element) return `${selector}: missing`;
					const style = getComputedStyle(element);
					return `${selector}: ${style.color} on ${style.backgroundColor}, ${style.borderTopColor}`;
				}),
			);
			await context.close();
			return read;
		};
		for (const scheme of ['light', 'dark'] as const) {
			const withScript = await colours(true, scheme);
			expect(withScript.join('\n')).not.toContain('missing');
			expect(await colours(false, scheme), `${scheme} theme without JavaScript`).toEqual(
				withScript,
			);
		}
	});

	test('each panel of a set of tabs is headed by its label', async ({ page }) => {
		await page.goto('runbooks/database/');
		const heading = page.getByRole('heading', { level: 3, name: 'Too many connections' });
		await expect(heading).toBeVisible();
		await expect(page.locator('#cmd-db\\.kill-idle')).toBeVisible();
		await expect(page.getByRole('tablist')).toBeHidden();
	});
});
