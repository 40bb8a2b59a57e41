/**
 * Incident mode in Chromium, against the bridge fixture site (its severity page has three levels
 * and the rule "SEV-2 not resolved within 1 hour → SEV-1"; its report template is
 * `post-incident.mdx`):
 *
 * - without a bridge (a published copy): Declare with the keyboard, the bar on every page, a key
 *   note, a tree step answered by hand, a reload, the timeline page and its filters, the report
 *   preview, Resolve and Reopen; the escalation rule firing on an injected clock; a phone's width;
 *   and with JavaScript off, no bar and a page that says why it is empty;
 * - with a bridge: the whole incident worked from the site, runs recorded by the bridge, across a
 *   restart, exported as a report; and an incident kept in the browser handed to the bridge once
 *   the page is paired.
 *
 * Needs the bridge fixture site built first (see `tests/support/bridge-test.ts`).
 */
import { readFile } from 'node:fs/promises';
import { expect, type Page } from '@playwright/test';
import { FRAGMENT_KEY } from '../../src/protocol.ts';
import { serveStatic, type StaticServer } from '../../server/static.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';
import { block, BRIDGE_SITE, test } from '../support/bridge-test.ts';

const bar = (page: Page) => page.getByRole('region', { name: 'Incident', exact: true });
const declareButton = (page: Page) => page.getByRole('button', { name: 'Declare incident' });
const timelineList = (page: Page) => page.getByRole('list', { name: 'Timeline' });
const run = (page: Page, id: string) =>
	block(page, id).getByRole('button', { name: 'Run', exact: true });

/** `2026-11-26T03:12`: a UTC minute as the dialog's field takes it. */
const utcMinute = (date: Date) => date.toISOString().slice(0, 16);

/** Declares an incident with the keyboard only. */
async function declare(
	page: Page,
	{ title, level, detected }: { title: string; level: number; detected?: Date },
) {
	await declareButton(page).focus();
	await page.keyboard.press('Enter');
	const dialog = page.getByRole('dialog', { name: 'Declare an incident' });
	await expect(dialog).toBeVisible();
	await expect(dialog.getByLabel('Title')).toBeFocused();
	await page.keyboard.type(title);
	// Each level says what it means and how fast to respond, from the severity page.
	await expect(dialog.getByRole('group', { name: 'Severity' })).toContainText(
		'One test box is down',
	);
	await expect(dialog.getByRole('group', { name: 'Severity' })).toContainText(
		'Response: < 30 minutes',
	);
	await dialog.getByRole('radio', { name: new RegExp(`^SEV-${level}`) }).check();
	if (detected) await dialog.getByLabel('Detected at (UTC)').fill(utcMinute(detected));
	await dialog.getByLabel('Your name').fill('Ada');
	await dialog.getByLabel('Your name').press('Enter');
	await expect(dialog).toBeHidden();
	await expect(bar(page)).toContainText(title);
}

async function addNote(page: Page, text: string, key = false) {
	await bar(page).getByLabel('Note', { exact: true }).fill(text);
	if (key) await bar(page).getByLabel('Key event').check();
	await bar(page).getByLabel('Note', { exact: true }).press('Enter');
	await expect(bar(page).getByLabel('Note', { exact: true })).toHaveValue('');
}

/** Resolves the open incident, through the dialog that asks first. */
async function resolve(page: Page) {
	await bar(page).getByRole('button', { name: 'Resolve' }).click();
	await page
		.getByRole('dialog', { name: 'Resolve the incident?' })
		.getByRole('button', { name: 'Resolve', exact: true })
		.click();
	await expect(bar(page)).toContainText('Resolved');
}

async function showReport(page: Page): Promise<string> {
	await page.getByRole('button', { name: 'Export report' }).click();
	const report = page.getByRole('region', { name: 'Post-incident report' });
	await expect(report).toBeVisible();
	const download = page.waitForEvent('download');
	await report.getByRole('button', { name: 'Download .md' }).click();
	return readFile(await (await download).path(), 'utf8');
}

test.describe('without a bridge', () => {
	let site: StaticServer;
	test.beforeEach(async () => {
		site = await serveStatic({ root: BRIDGE_SITE });
	});
	test.afterEach(async () => {
		await site.close();
	});

	test('declare, note, answer the tree, reload, read the timeline, export the report, resolve', async ({
		page,
	}) => {
		await page.goto(site.url);
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText(/offline|not paired/);
		await expect(bar(page)).toHaveCount(0);
		await declare(page, { title: 'API | down', level: 2 });
		await expect(declareButton(page)).toBeHidden();
		await expect(bar(page).getByLabel('Severity')).toHaveValue('2');
		await expect(bar(page)).toContainText('Response < 30 minutes');
		await expect(bar(page)).toContainText('0 min since detection');
		await expect(bar(page)).toContainText('Kept in this browser only');
		// The header keeps the severity and the clock in view, and leads back to the bar.
		const chip = page.getByRole('link', { name: /^Incident open: SEV-2, 0 min since detection/ });
		await expect(chip).toHaveText('SEV-2 0m');
		await addNote(page, 'Restarted the `api` container', true);
		await addNote(page, 'Looked at the dashboards | grafana');

		// A hand answer of the tree lands on the timeline.
		await page.goto(`${site.url}tree/`);
		await expect(bar(page)).toContainText('API | down');
		const no = page
			.getByRole('group', { name: /^Answer Step 1:/ })
			.getByRole('button', { name: 'No' });
		await no.click();
		await expect(no).toHaveAttribute('aria-pressed', 'true');
		// Clicked again, the answer already given is not a second decision on the timeline.
		await no.click();
		await page.reload();
		await expect(bar(page)).toContainText('API | down');

		await bar(page).getByRole('link', { name: 'Timeline' }).click();
		await expect(page).toHaveURL(/\/incident\/$/);
		const list = timelineList(page);
		await expect(list.getByRole('listitem')).toHaveCount(4);
		await expect(list.getByRole('listitem').nth(0)).toContainText('Declared: API | down (SEV-2)');
		await expect(list.getByRole('listitem').nth(1)).toContainText('key note');
		await expect(list).toContainText('Step 1: Does the service answer? → No (answered by hand)');
		await expect(list.locator('time').first()).toHaveText(/^\d\d:\d\d:\d\d UTC$/);

		await page.getByRole('radio', { name: 'Notes' }).check();
		await expect(list.getByRole('listitem')).toHaveCount(2);
		await page.getByRole('radio', { name: 'Key events only' }).check();
		await expect(list.getByRole('listitem')).toHaveCount(2);
		await expect(list).toContainText('Restarted the `api` container');
		await expect(list).toContainText('Declared');
		// Mark the other note as a key event: it joins the report's timeline.
		await page.getByRole('radio', { name: 'Notes' }).check();
		await list.getByRole('button', { name: 'Mark as key event' }).click();
		await expect(list.getByRole('button', { name: 'Unmark key event' })).toHaveCount(2);

		const markdown = await showReport(page);
		expect(markdown).toContain('# Incident on the test boxes: API | down');
		expect(markdown).toContain('**Severity**: SEV-2');
		expect(markdown).toMatch(/\*\*Duration\*\*: ongoing, 00:0\d so far/);
		expect(markdown).toContain('**Author**: Ada');
		// Key notes, pipes escaped in their cells, and the tree's hand answer.
		expect(markdown).toContain('Note by Ada: Looked at the dashboards \\| grafana |');
		expect(markdown).toContain('Note by Ada: Restarted the \\`api\\` container');
		expect(markdown).toContain(
			'"Step 1: Does the service answer?" (page tree): No, answered by hand',
		);
		// What the record cannot fill keeps the template's prompt.
		expect(markdown).toContain('[One sentence on what broke and who noticed.]');
		expect(markdown).toContain('[Why it broke.]');
		const preview = page.locator('.ob-report-preview');
		await expect(preview.getByRole('heading', { level: 1 })).toHaveText(
			'Incident on the test boxes: API | down',
		);
		await expect(preview.getByRole('table').first()).toContainText(
			'Looked at the dashboards | grafana',
		);
		// No raw HTML from the record becomes markup.
		await expect(preview.locator('script')).toHaveCount(0);

		// A severity change and a resolution are asked first: one key press is not a record.
		await bar(page).getByRole('combobox').selectOption('1');
		const change = page.getByRole('dialog', { name: 'Change the severity to SEV-1?' });
		await change.getByRole('button', { name: 'Cancel' }).click();
		await expect(bar(page).getByRole('combobox')).toHaveValue('2');
		await bar(page).getByRole('button', { name: 'Resolve' }).click();
		const resolve = page.getByRole('dialog', { name: 'Resolve the incident?' });
		await expect(resolve).toContainText(/\d\d:\d\d UTC/);
		await resolve.getByRole('button', { name: 'Resolve', exact: true }).click();
		await expect(bar(page)).toContainText('Resolved');
		await expect(declareButton(page)).toBeVisible();
		await bar(page).getByRole('button', { name: 'Reopen' }).click();
		await expect(bar(page).getByRole('button', { name: 'Resolve' })).toBeVisible();
		await page.getByRole('radio', { name: 'Milestones' }).check();
		await expect(list.getByRole('listitem')).toHaveCount(3);
	});

	test('the escalation rule of the severity page fires at its time, and escalating is recorded', async ({
		page,
	}) => {
		await page.clock.install({ time: new Date('2026-11-26T10:00:00Z') });
		await page.goto(site.url);
		await declare(page, {
			title: 'Queue stuck',
			level: 2,
			detected: new Date('2026-11-26T09:10:00Z'),
		});
		await expect(bar(page)).toContainText('50 min since detection');
		const rule = bar(page).getByRole('status');
		await expect(rule).toBeHidden();
		// 10:10, one hour after detection: the rule applies; the bar's clock moves by itself.
		await page.clock.runFor(10 * 60_000);
		await expect(bar(page)).toContainText('1 h 00 min since detection');
		await expect(rule).toContainText(
			'If a SEV-2 is not resolved within 1 hour, escalate to SEV-1.',
		);
		await bar(page).getByRole('button', { name: 'Escalate to SEV-1' }).click();
		await expect(bar(page).getByLabel('Severity')).toHaveValue('1');
		await expect(bar(page)).toContainText('Response < 10 min');

		await page.goto(`${site.url}incident/`);
		const list = timelineList(page);
		await expect(list).toContainText('Reminder: If a SEV-2 is not resolved within 1 hour');
		await expect(list).toContainText('10:10:00 UTC');
		await expect(list).toContainText('Severity: SEV-2 → SEV-1');
		// Declared 50 minutes after detection, against a 30-minute target.
		await expect(list).toContainText(
			'Reminder: Response target for SEV-2 is < 30 minutes; declared 50 min after detection',
		);
	});

	test('an answer given before the incident, given again after declaring, is on its timeline once', async ({
		page,
	}) => {
		await page.goto(`${site.url}tree/`);
		const no = page
			.getByRole('group', { name: /^Answer Step 1:/ })
			.getByRole('button', { name: 'No' });
		await no.click();
		await expect(no).toHaveAttribute('aria-pressed', 'true');
		await declare(page, { title: 'Tree before the incident', level: 3 });
		// The tree still shows the earlier answer; the responder gives it again for the record.
		await no.click();
		await no.click();
		await bar(page).getByRole('link', { name: 'Timeline' }).click();
		const list = timelineList(page);
		await expect(list).toContainText('Step 1: Does the service answer? → No (answered by hand)');
		await expect(list.getByText(/→ No \(answered by hand\)/)).toHaveCount(1);
	});

	test('an incident declared in one tab shows in the others already open, and its notes too', async ({
		page,
	}) => {
		const other = await page.context().newPage();
		await other.goto(`${site.url}procedure/`);
		await page.goto(site.url);
		await expect(declareButton(other)).toBeVisible();
		await declare(page, { title: 'Queue backs up', level: 2 });
		// No reload: a responder's other tab, opened before the incident, learns of it.
		await expect(bar(other)).toContainText('Queue backs up');
		await expect(declareButton(other)).toBeHidden();
		await addNote(page, 'Workers restarted');
		await other.bringToFront();
		await bar(other).getByRole('link', { name: 'Timeline' }).click();
		await expect(timelineList(other)).toContainText('Workers restarted');
		await other.close();
	});

	test('on a phone the bar fits and keeps every control', async ({ page }) => {
		await page.setViewportSize({ width: 390, height: 844 });
		await page.goto(site.url);
		await expect(declareButton(page)).toBeVisible();
		await declare(page, { title: 'Checkout fails for some users', level: 1 });
		await addNote(page, 'Paged the database owner');
		for (const name of ['Resolve'])
			await expect(bar(page).getByRole('button', { name })).toBeVisible();
		await expect(bar(page).getByRole('link', { name: 'Timeline' })).toBeVisible();
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		expect(width).toBeLessThanOrEqual(390);
		// The chip hangs under the header, over the "On this page" bar: the bar's current heading
		// must end before it, not run under it.
		await page.goto(`${site.url}procedure/`);
		await page.mouse.wheel(0, 1500);
		const chip = page.locator('.ob-incident-chip');
		const current = page.locator('#starlight__on-this-page--mobile .display-current');
		await expect(current).not.toBeEmpty();
		// As a long heading would read (the fixture's are short).
		await current.evaluate((el) => (el.textContent = 'Restart the worker once the queue drains'));
		const [chipBox, currentBox] = [await chip.boundingBox(), await current.boundingBox()];
		expect(chipBox && currentBox && currentBox.x + currentBox.width).toBeLessThanOrEqual(
			chipBox!.x,
		);
		// With no "On this page" bar, the chip hangs over the incident bar: the title ends before it.
		await page.goto(`${site.url}incident/`);
		await expect(chip).toBeVisible();
		const title = bar(page).locator('.ob-ib-title');
		await expect(title).toBeVisible();
		const [chipBox2, titleBox] = [await chip.boundingBox(), await title.boundingBox()];
		const overlaps =
			titleBox!.x + titleBox!.width > chipBox2!.x &&
			titleBox!.y < chipBox2!.y + chipBox2!.height &&
			titleBox!.y + titleBox!.height > chipBox2!.y;
		expect(overlaps).toBe(false);
		await page.getByRole('button', { name: 'Export report' }).click();
		const width2 = await page.evaluate(() => document.documentElement.scrollWidth);
		expect(width2).toBeLessThanOrEqual(390);
	});
});

test.describe('with JavaScript off', () => {
	test.use({ javaScriptEnabled: false });
	let site: StaticServer;
	test.beforeEach(async () => {
		site = await serveStatic({ root: BRIDGE_SITE });
	});
	test.afterEach(async () => {
		await site.close();
	});

	test('pages read as before, and the timeline page says it needs JavaScript', async ({ page }) => {
		await page.goto(site.url);
		await expect(declareButton(page)).toBeHidden();
		await expect(page.getByRole('heading', { name: 'Say hello' })).toBeVisible();
		await page.goto(`${site.url}incident/`);
		await expect(page.getByText('This page needs JavaScript')).toBeVisible();
		await expect(page.getByRole('button', { name: 'Export report' })).toBeHidden();
	});
});

test.describe('with a bridge', () => {
	test('an incident worked from the site, across a bridge restart, written up as a report', async ({
		page,
	}) => {
		test.setTimeout(90_000);
		const first = await startTestBridge({ siteRoot: BRIDGE_SITE });
		let second: TestBridge | undefined;
		try {
			await page.goto(`${first.origin}/tree/#${FRAGMENT_KEY}=${first.token}`);
			await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('connected');
			await declare(page, { title: 'Service not answering', level: 2 });
			await expect(bar(page)).not.toContainText('Kept in this browser only');

			await run(page, 'tree.answers').click();
			await expect(page.locator('li.ob-applies')).toHaveCount(1);
			await run(page, 'tree.disk').click();
			await expect(block(page, 'tree.disk').locator('.ob-run-panel')).toContainText('exit 1');
			await page
				.getByRole('group', { name: /^Answer Step 3:/ })
				.getByRole('button', { name: 'Yes' })
				.click();
			await addNote(page, 'Disk was full; cleaned it', true);

			await page.goto(`${first.origin}/`);
			await expect(bar(page)).toContainText('Service not answering');
			await page.reload();
			await expect(bar(page)).toContainText('Service not answering');

			await first.close();
			second = await startTestBridge({
				siteRoot: BRIDGE_SITE,
				stateDir: first.stateDir,
				port: first.port,
			});
			await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('connected', {
				timeout: 20_000,
			});
			await expect(bar(page)).toContainText('Service not answering');

			await resolve(page);
			await bar(page).getByRole('link', { name: 'Timeline' }).click();
			const list = timelineList(page);
			await page.getByRole('radio', { name: 'Checks' }).check();
			await expect(list.getByRole('listitem')).toHaveCount(2);
			await expect(list.getByRole('link', { name: 'Check that it answers' })).toHaveAttribute(
				'href',
				/\/tree\/#cmd-tree\.answers$/,
			);

			const markdown = await showReport(page);
			expect(markdown).toContain('# Incident on the test boxes: Service not answering');
			expect(markdown).toContain('**Severity**: SEV-2');
			expect(markdown).toMatch(/\*\*Duration\*\*: \d\d:\d\d \(from detection to resolution\)/);
			expect(markdown).toContain('## Commands run');
			// Each run with its UTC time, target, exit, verdict and command.
			expect(markdown).toMatch(
				/\| \d\d:\d\d \| Check that it answers \(`tree\.answers`\) \| local \| 0 \| pass: exit 0 \| [^|]+ \| `true` \|/,
			);
			expect(markdown).toMatch(
				/\| \d\d:\d\d \| Check the disk \(`tree\.disk`\) \| local \| 1 \| fail: exit 1, expected 0 \| [^|]+ \| `false` \|/,
			);
			expect(markdown).toContain('Note by Ada: Disk was full; cleaned it');
			expect(markdown).toContain('"Step 3: Is it fixed?" (page tree): Yes, answered by hand');
			expect(markdown).toContain('[Why it broke.]');
		} finally {
			await (second ?? first).dispose();
		}
	});

	test('an earlier incident stays readable, with its report, after the next is declared', async ({
		page,
		bridge,
	}) => {
		await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('connected');
		await declare(page, { title: 'Checkout fails', level: 1 });
		await addNote(page, 'Rolled back the release');
		await resolve(page);
		await declare(page, { title: 'Search is slow', level: 3 });

		await bar(page).getByRole('link', { name: 'Timeline' }).click();
		await expect(page.locator('.ob-tl-summary')).toContainText('Search is slow');
		const incidents = page.getByRole('region', { name: 'Incidents on this bridge' });
		await expect(incidents.getByRole('listitem')).toHaveCount(2);
		await expect(incidents.getByRole('listitem').first()).toContainText('Search is slow');
		await expect(incidents.getByRole('listitem').first()).toContainText('(current)');
		await incidents.getByRole('link', { name: 'Checkout fails' }).click();
		await expect(page.locator('.ob-tl-summary')).toContainText(
			'An earlier incident. Checkout fails: SEV-1',
		);
		await expect(timelineList(page)).toContainText('Rolled back the release');
		await expect(timelineList(page)).not.toContainText('Search is slow');
		const markdown = await showReport(page);
		expect(markdown).toContain('Checkout fails');
		expect(markdown).toContain('**Severity**: SEV-1');
		expect(markdown).not.toContain('Search is slow');
		// The current incident is one link away, and the bar still shows it.
		await expect(bar(page)).toContainText('Search is slow');
		await incidents.getByRole('link', { name: 'Search is slow' }).click();
		await expect(page.locator('.ob-tl-summary')).toContainText(/^Search is slow: SEV-3/);
	});

	test('an incident kept in the browser goes to the bridge once the page is paired', async ({
		page,
		bridge,
	}) => {
		// The same origin as the bridge, before pairing: the page keeps the incident itself.
		await page.goto(`${bridge.origin}/`);
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('not paired');
		await declare(page, { title: 'Phone declared', level: 3 });
		await addNote(page, 'Noted on the train');
		await expect(bar(page)).toContainText('Kept in this browser only');

		await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('connected');
		await expect(bar(page)).not.toContainText('Kept in this browser only');
		await expect(bar(page)).toContainText(
			'The 2 events kept in this browser are on the bridge’s timeline now.',
		);
		// Handed over: the browser's copy is cleared once the bridge echoed it.
		await expect
			.poll(() => page.evaluate(() => localStorage.getItem('opsbook-incident')))
			.toBeNull();
		// A fresh browser paired with the bridge sees the incident: the bridge has it.
		const other = await page.context().browser()!.newPage();
		await other.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(bar(other)).toContainText('Phone declared');
		await other.goto(`${bridge.origin}/incident/`);
		await expect(timelineList(other)).toContainText('Noted on the train');
		await other.close();
	});
});
