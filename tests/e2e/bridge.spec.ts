/**
 * The page's side of the bridge, in Chromium against a real bridge: pairing from the link (only
 * with a bridge on this computer, never switched without consent, followed into new tabs), the
 * site's security headers, the status chip, Run into a terminal, exit codes, Stop, reattaching after a reload, the
 * confirmation of destructive steps, and a page that never runs anything loading no terminal.
 *
 * Needs the fixture site built first:
 *
 *   OPSBOOK_CONTENT_DIR=tests/fixtures/bridge/content OPSBOOK_CONFIG=tests/fixtures/bridge/opsbook.config.ts \
 *     OPSBOOK_OUT_DIR=tests/.tmp/bridge-site npx astro build
 *
 * Each test starts its own bridge (site and bridge on one free loopback port) so runs of one test
 * never show up in another's Runs panel or terminals.
 */
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { chromium, expect, type Locator, type Page } from '@playwright/test';
import { FRAGMENT_KEY } from '../../src/protocol.ts';
import * as pairing from '../../src/client/pairing.ts';
import { serveStatic, type StaticServer } from '../../server/static.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';
import { block, BRIDGE_SITE, terminalOf, test } from '../support/bridge-test.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { processesOfRun, processesRunning } from '../support/processes.ts';
import { startSshd, type Sshd } from '../support/sshd.ts';

const SITE = BRIDGE_SITE;

test.describe.configure({ mode: 'parallel' });

const runButton = (scope: Locator) => scope.getByRole('button', { name: 'Run', exact: true });
const chip = (page: Page) => page.locator('opsbook-bridge .ob-chip');
/** The terminal panel of a block, and the text its terminal shows. */
const panel = (scope: Locator) => scope.getByRole('region', { name: /^Run of / });
const terminal = (scope: Locator) => terminalOf(panel(scope));
/** xterm paints only a terminal in view: a test reading one that may be off screen scrolls first. */
const screen = (scope: Locator) => terminal(scope).locator('.xterm-rows');

async function openPaired(page: Page, bridge: TestBridge, path = '') {
	await page.goto(`${bridge.origin}/${path}#${FRAGMENT_KEY}=${bridge.token}`);
	await expect(chip(page)).toContainText('connected');
}

test('the page reads the pairing link the bridge prints', () => {
	const origin = { protocol: 'http:', host: '127.0.0.1:4321' };
	expect(pairing.parseFragment('#opsbook=abc', origin)).toEqual({
		pairing: { token: 'abc', url: 'ws://127.0.0.1:4321/_opsbook/bridge' },
		rest: '',
	});
	expect(
		pairing.parseFragment('#count&opsbook=abc@127.0.0.1:7777', { ...origin, protocol: 'https:' }),
	).toEqual({
		pairing: { token: 'abc', url: 'ws://127.0.0.1:7777/_opsbook/bridge' },
		rest: 'count',
	});
	// A published site is never a bridge itself, and a bridge elsewhere is never paired with.
	expect(
		pairing.parseFragment('#opsbook=abc', { protocol: 'https:', host: 'docs.example' }).pairing,
	).toBeUndefined();
	expect(pairing.parseFragment('#opsbook=abc@evil.example:1234', origin).pairing).toBeUndefined();
	expect(pairing.parseFragment('#opsbook=abc@evil.example/x', origin).pairing).toBeUndefined();
});

test('pairing moves from the address bar to the tab, keeping the heading anchor', async ({
	page,
	bridge,
}) => {
	const sockets: string[] = [];
	page.on('websocket', (ws) => sockets.push(ws.url()));
	await page.goto(`${bridge.origin}/#count&${FRAGMENT_KEY}=${bridge.token}`);
	await expect(chip(page)).toContainText('connected');
	await expect(page).toHaveURL(`${bridge.origin}/#count`);
	expect(await page.evaluate(() => sessionStorage.getItem('opsbook-bridge'))).toContain(
		bridge.token,
	);
	expect(sockets).toEqual([`${bridge.wsUrl}`]);
	// The next page of the tab connects with what was stored.
	await page.goto(`${bridge.origin}/remote/`);
	await expect(chip(page)).toContainText('connected');
	await expect(
		block(page, 'r.hello').getByRole('button', { name: 'Arm testbox to run…' }),
	).toHaveAttribute('aria-disabled', 'false');
});

test('Run shows the output in a terminal under the block', async ({ page, bridge }) => {
	await openPaired(page, bridge);
	const echo = block(page, 't.echo');
	await runButton(echo).click();
	await expect(screen(echo)).toContainText('hello from opsbook');
	await expect(panel(echo)).toContainText('done');
	await expect(panel(echo)).toContainText('exit 0');
	// Copy keeps working while connected.
	await expect(echo.getByRole('button', { name: 'Copy' })).toBeEnabled();

	// The form's values go with the run.
	const seq = block(page, 't.seq');
	await seq.getByRole('textbox', { name: 'count' }).fill('12');
	await runButton(seq).click();
	await expect(screen(seq).getByText('12', { exact: true })).toBeVisible();
	await expect(panel(seq)).toContainText('exit 0');

	await page.getByRole('button', { name: 'Runs (2)' }).click();
	const runs = page.locator('#ob-runs').getByRole('listitem');
	await expect(runs).toHaveCount(2);
	await expect(runs.first()).toContainText('Count');
	await expect(runs.first()).toContainText('on local');
	await expect(runs.nth(1).getByRole('link', { name: 'Say hello' })).toHaveAttribute(
		'href',
		'/#cmd-t.echo',
	);
});

test('exit code 3 shows as a failure', async ({ page, bridge }) => {
	await openPaired(page, bridge);
	const fail = block(page, 't.fail');
	await runButton(fail).click();
	await expect(screen(fail)).toContainText('about to fail');
	await expect(panel(fail).locator('.ob-run-state')).toHaveText('failed');
	await expect(panel(fail).locator('.ob-run-exit')).toHaveText('exit 3');
	await expect(panel(fail).getByRole('button', { name: 'Re-run' })).toBeVisible();
});

test('Stop ends a long run and everything it started', async ({ page, bridge }) => {
	await openPaired(page, bridge);
	const sleep = block(page, 't.sleep');
	await runButton(sleep).click();
	await expect(screen(sleep)).toContainText('sleeping');
	const started = (await bridge.readAudit()).find(
		(e) => e.block === 't.sleep' && e.event === 'start',
	);
	const runId = String(started?.run);
	await expect.poll(async () => (await processesOfRun(runId)).length).toBeGreaterThanOrEqual(2);
	await expect(panel(sleep).locator('.ob-run-state')).toHaveText('running');
	// While it runs, Run says so instead of starting a second one.
	await expect(runButton(sleep)).toHaveAttribute('aria-disabled', 'true');
	await panel(sleep).getByRole('button', { name: 'Stop' }).click();
	await expect(panel(sleep).locator('.ob-run-state')).toHaveText('stopped', { timeout: 10_000 });
	await expect(panel(sleep).getByRole('button', { name: 'Stop' })).toBeHidden();
	await expect(runButton(sleep)).toHaveAttribute('aria-disabled', 'false');
	// The shell and its `sleep 600` are gone from the process table.
	await expect.poll(() => processesOfRun(runId)).toEqual([]);
});

test('on the keyboard, Stop hands focus to Re-run, and Re-run to Stop', async ({
	page,
	bridge,
}) => {
	await openPaired(page, bridge);
	const sleep = block(page, 't.sleep');
	const stop = panel(sleep).getByRole('button', { name: 'Stop' });
	const again = panel(sleep).getByRole('button', { name: 'Re-run' });
	await runButton(sleep).focus();
	await page.keyboard.press('Enter');
	await expect(screen(sleep)).toContainText('sleeping');
	await stop.focus();
	await page.keyboard.press('Enter');
	await expect(panel(sleep).locator('.ob-run-state')).toHaveText('stopped', { timeout: 10_000 });
	// Stop went with the run: the next press is Re-run's, not lost at the top of the page.
	await expect(again).toBeFocused();
	await page.keyboard.press('Space');
	await expect(panel(sleep).locator('.ob-run-state')).toHaveText('running');
	await expect(stop).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(again).toBeFocused({ timeout: 10_000 });
});

test('a reload during a run reattaches to it', async ({ page, bridge }) => {
	await openPaired(page, bridge);
	const sleep = block(page, 't.sleep');
	await runButton(sleep).click();
	await expect(screen(sleep)).toContainText('sleeping');
	await page.reload();
	await expect(chip(page)).toContainText('connected');
	await expect(panel(sleep).locator('.ob-run-state')).toHaveText('running');
	// The bridge replays the output; it shows once, not twice.
	await expect(screen(sleep)).toContainText('sleeping');
	await expect(screen(sleep).getByText('sleeping')).toHaveCount(1);
	await page.getByRole('button', { name: 'Runs (1)' }).click();
	await expect(page.locator('#ob-runs').getByRole('listitem')).toContainText('running');
	await page.keyboard.press('Escape');
	await panel(sleep).getByRole('button', { name: 'Stop' }).click();
	await expect(panel(sleep).locator('.ob-run-state')).toHaveText('stopped', { timeout: 10_000 });
});

test('a destructive step runs only once its word is typed', async ({ page, bridge }) => {
	await openPaired(page, bridge);
	const destroy = block(page, 't.destroy');
	await runButton(destroy).click();
	const dialog = page.getByRole('dialog', { name: 'Run “Delete something”?' });
	await expect(dialog).toBeVisible();
	await expect(dialog.locator('pre')).toHaveText('echo destroying nothing');
	await expect(dialog).toContainText('on local');
	const confirm = dialog.getByRole('button', { name: 'Run', exact: true });
	await expect(confirm).toBeDisabled();
	await dialog.getByLabel('Type delete to confirm').fill('Delete');
	await expect(confirm).toBeDisabled();
	await dialog.getByRole('button', { name: 'Cancel' }).click();
	await expect(dialog).toBeHidden();
	await expect(destroy.locator('.ob-status')).toHaveText('Cancelled: nothing ran.');
	await expect(panel(destroy)).toHaveCount(0);

	await destroy.getByRole('textbox', { name: 'what' }).fill('everything');
	await runButton(destroy).click();
	await expect(dialog.locator('pre')).toHaveText('echo destroying everything');
	await dialog.getByLabel('Type delete to confirm').fill('delete');
	await confirm.click();
	await expect(screen(destroy)).toContainText('destroying everything');
	await expect(panel(destroy)).toContainText('exit 0');
});

test('a tab of a browser never paired says a bridge runs here, and connects nowhere', async ({
	page,
	bridge,
}) => {
	const sockets: string[] = [];
	page.on('websocket', (ws) => sockets.push(ws.url()));
	await page.goto(`${bridge.origin}/`);
	await expect(chip(page)).toContainText('not paired');
	await chip(page).click();
	const detail = page.locator('#ob-bridge-detail');
	await expect(detail).toContainText('A bridge is running here, but this tab is not paired');
	await expect(detail).toContainText(
		'Open the link the bridge printed when it started, or print it again',
	);
	await expect(detail.locator('code')).toHaveText('npx opsbook pair');
	await expect(detail.getByRole('button', { name: 'Copy' })).toBeVisible();
	const echo = block(page, 't.echo');
	await expect(runButton(echo)).toHaveAttribute('aria-disabled', 'true');
	await runButton(echo).click({ force: true });
	await expect(echo.getByRole('status')).toContainText('this tab is not paired with it');
	await expect(page.getByRole('button', { name: /^Runs/ })).toBeHidden();
	// The bridge's incidents are not this tab's to see: the timeline page says why it shows none,
	// and Declare says where an incident declared now would be kept.
	await page.goto(`${bridge.origin}/incident/`);
	await expect(page.locator('.ob-tl-summary')).toContainText(
		'No incident in this browser. A bridge is running here, and this tab is not paired with it',
	);
	await page.getByRole('button', { name: 'Declare incident' }).click();
	await expect(page.getByRole('dialog', { name: 'Declare an incident' })).toContainText(
		'This tab is not paired with the bridge running here: an incident declared now stays in this browser',
	);
	expect(sockets).toEqual([]);
});

test('a link naming a bridge on another host connects nowhere', async ({ page, bridge }) => {
	const sockets: string[] = [];
	const elsewhere: string[] = [];
	page.on('websocket', (ws) => sockets.push(ws.url()));
	page.on('request', (request) => {
		if (!/^http:\/\/127\.0\.0\.1:/.test(request.url())) elsewhere.push(request.url());
	});
	await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}@evil.example:1234`);
	await expect(chip(page)).toContainText('refused');
	await expect(page).toHaveURL(`${bridge.origin}/`);
	await chip(page).click();
	await expect(page.locator('#ob-bridge-detail')).toContainText(
		'pairs with a bridge at evil.example:1234, which is not on this computer',
	);
	// Dressed up as this computer: refused the same way.
	await page.goto(
		`${bridge.origin}/remote/#${FRAGMENT_KEY}=${bridge.token}@127.0.0.1.evil.example:1234`,
	);
	await expect(chip(page)).toContainText('refused');
	await page.waitForTimeout(500);
	expect(sockets).toEqual([]);
	expect(elsewhere).toEqual([]);
	expect(await page.evaluate(() => sessionStorage.getItem('opsbook-bridge'))).toBeNull();
});

test('a link for another bridge does not switch a paired tab without consent', async ({
	page,
	bridge,
}) => {
	const other = await startTestBridge({ siteRoot: SITE, allowedOrigins: [bridge.origin] });
	try {
		const sockets: string[] = [];
		page.on('websocket', (ws) => sockets.push(ws.url()));
		await openPaired(page, bridge);
		const detail = page.locator('#ob-bridge-detail');
		await chip(page).click();
		await expect(detail).toContainText(
			`Paired with the bridge at 127.0.0.1:${bridge.port}, which serves this site.`,
		);
		await page.keyboard.press('Escape');

		const link = `#${FRAGMENT_KEY}=${other.token}@127.0.0.1:${other.port}`;
		await page.evaluate((hash) => (location.hash = hash), link);
		const offer = detail.locator('.ob-bridge-offer');
		await expect(offer).toBeVisible();
		await expect(offer).toContainText(
			`This link pairs with another bridge, at 127.0.0.1:${other.port}`,
		);
		await expect(page).toHaveURL(`${bridge.origin}/`);
		await offer.getByRole('button', { name: 'Ignore' }).click();
		await expect(offer).toBeHidden();
		await expect(chip(page)).toContainText('connected');
		expect(sockets).toEqual([bridge.wsUrl]);
		expect(await page.evaluate(() => sessionStorage.getItem('opsbook-bridge'))).toContain(
			bridge.token,
		);

		// Loading the link in the tab asks too; this time the responder takes it.
		await page.goto(`${bridge.origin}/${link}`);
		await expect(offer).toBeVisible();
		await offer.getByRole('button', { name: 'Pair with it' }).click();
		await expect(chip(page)).toContainText('connected');
		await expect.poll(() => sockets.at(-1)).toBe(other.wsUrl);
		await chip(page).click();
		await expect(detail).toContainText(`Paired with the bridge at 127.0.0.1:${other.port}.`);
		await page.keyboard.press('Escape');
		const hello = block(page, 't.echo');
		await runButton(hello).click();
		await expect(screen(hello)).toContainText('hello from opsbook');
		expect((await other.readAudit()).some((e) => e.block === 't.echo')).toBe(true);
		expect((await bridge.readAudit()).some((e) => e.block === 't.echo')).toBe(false);
	} finally {
		await other.dispose();
	}
});

test('a new tab of the paired browser is paired too, by the bridge’s cookie', async ({
	page,
	context,
	browser,
	bridge,
}) => {
	await openPaired(page, bridge);
	// As a Ctrl-click in the sidebar or a URL pasted from an alert opens it: no fragment.
	const tab = await context.newPage();
	const hellos: Array<Record<string, unknown>> = [];
	tab.on('websocket', (ws) =>
		ws.on('framesent', (frame) => {
			if (typeof frame.payload === 'string' && frame.payload.includes('"hello"'))
				hellos.push(JSON.parse(frame.payload));
		}),
	);
	await tab.goto(`${bridge.origin}/`);
	await expect(chip(tab)).toContainText('connected');
	const hello = block(tab, 't.echo');
	await runButton(hello).click();
	await expect(screen(hello)).toContainText('hello from opsbook');
	await expect(panel(hello)).toContainText('exit 0');
	// The tab never held the token: the cookie (HttpOnly) paired it.
	expect(hellos).toHaveLength(1);
	expect(hellos[0]).not.toHaveProperty('token');
	expect(await tab.evaluate(() => sessionStorage.getItem('opsbook-bridge'))).toBeNull();
	expect(await tab.evaluate(() => document.cookie)).toBe('');

	// Another browser (no cookie) is not paired, and says so.
	const stranger = await browser.newContext();
	try {
		const fresh = await stranger.newPage();
		let sockets = 0;
		fresh.on('websocket', () => sockets++);
		await fresh.goto(`${bridge.origin}/remote/`);
		await expect(chip(fresh)).toContainText('not paired');
		await expect(chip(fresh)).toHaveAttribute(
			'title',
			/A bridge is running here, but this tab is not paired/,
		);
		expect(sockets).toBe(0);
	} finally {
		await stranger.close();
	}
});

test.describe('for a site published elsewhere', () => {
	let site: StaticServer;
	test.beforeAll(async () => {
		site = await serveStatic({ root: SITE });
	});
	test.afterAll(() => site?.close());

	test('a new tab gets the pairing from a paired tab of the same site', async ({
		page,
		context,
		browser,
	}) => {
		const origin = site.url.replace(/\/$/, '');
		const standalone = await startTestBridge({ siteRoot: undefined, siteUrl: site.url });
		try {
			await page.goto(
				`${origin}/#${FRAGMENT_KEY}=${standalone.token}@127.0.0.1:${standalone.port}`,
			);
			await expect(chip(page)).toContainText('connected');
			const tab = await context.newPage();
			await tab.goto(`${origin}/`);
			await expect(chip(tab)).toContainText('connected');
			const hello = block(tab, 't.echo');
			await runButton(hello).click();
			await expect(screen(hello)).toContainText('hello from opsbook');

			// Nothing to share across browsers: a stranger's tab is offline.
			const stranger = await browser.newContext();
			try {
				const fresh = await stranger.newPage();
				await fresh.goto(`${origin}/remote/`);
				await page.waitForTimeout(600);
				await expect(chip(fresh)).toContainText('offline');
			} finally {
				await stranger.close();
			}
		} finally {
			await standalone.dispose();
		}
	});
});

test('the site runs under its Content-Security-Policy without a violation', async ({
	page,
	bridge,
}) => {
	const violations: string[] = [];
	page.on('console', (message) => {
		if (/Content.Security.Policy|Refused to/i.test(message.text())) violations.push(message.text());
	});
	await page.addInitScript(() =>
		document.addEventListener('securitypolicyviolation', (event) =>
			console.error(`Refused to: ${event.violatedDirective} ${event.blockedURI}`),
		),
	);
	const response = await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}`);
	expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
	await expect(chip(page)).toContainText('connected');
	const echo = block(page, 't.echo');
	await runButton(echo).click();
	await expect(screen(echo)).toContainText('hello from opsbook');
	// Search: pagefind's WebAssembly and its index.
	await page.getByRole('button', { name: 'Search' }).first().click();
	await page.getByRole('dialog', { name: 'Search' }).getByRole('textbox').fill('hello');
	await expect(page.locator('.pagefind-ui__result').first()).toBeVisible();
	await page.keyboard.press('Escape');
	await page.goto(`${bridge.origin}/remote/`);
	await expect(chip(page)).toContainText('connected');
	expect(violations).toEqual([]);
});

test('another site cannot frame the runbooks', async ({ page, bridge }) => {
	// Another site, without headers of its own, framing one of its pages and a runbook.
	const other = createServer((req, res) =>
		res.end(
			req.url === '/'
				? `<iframe src="/inner"></iframe><iframe src="${bridge.origin}/"></iframe>`
				: '<h1>plain page</h1>',
		),
	);
	await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
	const { port } = other.address() as AddressInfo;
	try {
		await page.goto(`http://127.0.0.1:${port}/`);
		const frame = (url: string) => page.frames().find((f) => f.url().startsWith(url));
		await expect
			.poll(() => frame(`http://127.0.0.1:${port}/inner`)?.locator('h1').textContent())
			.toBe('plain page');
		// The browser refused to show the runbook: its frame holds an error page.
		await expect.poll(() => frame('chrome-error:')).toBeTruthy();
		expect(await frame('chrome-error:')?.content()).not.toContain('opsbook-bridge');
		expect(frame(bridge.origin)).toBeUndefined();
	} finally {
		other.close();
	}
});

test('a wrong token is refused, and the chip says why', async ({ page, bridge }) => {
	let sockets = 0;
	page.on('websocket', () => sockets++);
	await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=not-the-token`);
	await expect(chip(page)).toContainText('refused');
	await chip(page).click();
	await expect(page.locator('#ob-bridge-detail')).toContainText(
		'refused this page’s pairing token',
	);
	await expect(runButton(block(page, 't.echo'))).toHaveAttribute('aria-disabled', 'true');
	// No retry loop: a wrong token stays wrong.
	await page.waitForTimeout(1500);
	expect(sockets).toBe(1);
});

test("a run's terminal draws in a sandboxed document of its own, in another process", async ({
	page,
	bridge,
	browser,
}) => {
	await page.emulateMedia({ colorScheme: 'light' });
	await openPaired(page, bridge);
	const echo = block(page, 't.echo');
	await runButton(echo).click();
	await expect(screen(echo)).toContainText('hello from opsbook');
	const frame = panel(echo).locator('iframe.ob-term-frame');
	// Scripts only: no same origin, so nothing in it reads the page, its storage or its pairing.
	await expect(frame).toHaveAttribute('sandbox', 'allow-scripts');
	await expect(frame).toHaveAccessibleName('Terminal');
	const inside = await screen(echo).evaluate(() => {
		let page = 'read';
		try {
			void parent.document.title;
		} catch {
			page = 'refused';
		}
		return { origin: self.origin, page };
	});
	expect(inside).toEqual({ origin: 'null', page: 'refused' });
	// Chromium renders it in a process of its own: a flood's drawing costs the page no frames.
	const cdp = await browser.newBrowserCDPSession();
	const { targetInfos } = await cdp.send('Target.getTargets');
	expect(
		targetInfos.filter((t) => t.type === 'iframe' && t.url.endsWith('/opsbook/terminal/')),
	).toHaveLength(1);
	await cdp.detach();

	// The terminal's colours follow the page's theme, which it cannot see from there: the frame's
	// background, behind its rows, and the colour of their text.
	const colours = () =>
		Promise.all([
			panel(echo)
				.locator('.ob-term')
				.evaluate((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]),
			screen(echo).evaluate((rows) => [
				getComputedStyle(document.body).backgroundColor,
				getComputedStyle(rows).color,
			]),
		]);
	const [lightBox, lightTerminal] = await colours();
	expect(lightTerminal).toEqual(lightBox);
	await page.locator('starlight-theme-select select').first().selectOption('dark');
	await expect.poll(async () => (await colours())[1]).not.toEqual(lightTerminal);
	const [darkBox, darkTerminal] = await colours();
	expect(darkTerminal).toEqual(darkBox);
});

test("where the terminal's frame cannot load its scripts, the terminal draws in the page", async ({
	page,
	bridge,
}) => {
	// As on a host that does not let a sandboxed frame load the site's scripts.
	await page.route('**/_astro/terminal.astro_astro_type_script_*', (route) => route.abort());
	const warnings: string[] = [];
	page.on('console', (message) => {
		if (message.type() === 'warning') warnings.push(message.text());
	});
	await openPaired(page, bridge);
	const echo = block(page, 't.echo');
	await runButton(echo).click();
	// Locators reach into the terminal's shadow root in the page.
	await expect(panel(echo).locator('.xterm-rows')).toContainText('hello from opsbook');
	await expect(panel(echo).locator('iframe')).toHaveCount(0);
	expect(warnings.join('\n')).toContain('drawing terminals in the page');
	// And it is a whole terminal: the next run clears it and shows its own output.
	const seq = block(page, 't.seq');
	await runButton(seq).click();
	await expect(panel(seq).locator('.xterm-rows')).toContainText('5');
});

test('where no terminal can load at all, the run goes on and the panel says why', async ({
	page,
	bridge,
}) => {
	// As after the site was rebuilt under an open page: its terminal code is gone.
	await page.route(/\/_astro\/(terminal|framed-terminal)[.\w-]*\.js$/, (route) => route.abort());
	const errors: string[] = [];
	page.on('pageerror', (error) => errors.push(error.message));
	await openPaired(page, bridge);
	const seq = block(page, 't.seq');
	await runButton(seq).click();
	await expect(panel(seq).locator('.ob-run-message')).toContainText('The terminal did not load');
	await expect(panel(seq).locator('.ob-run-exit')).toHaveText('exit 0');
	// The next run tries again, and says the same, with nothing thrown in the page.
	await panel(seq).getByRole('button', { name: 'Re-run' }).click();
	await expect(panel(seq).locator('.ob-run-message')).toContainText('The terminal did not load');
	await expect(panel(seq).locator('.ob-run-exit')).toHaveText('exit 0');
	expect(errors).toEqual([]);
});

test('a page that never runs anything loads no terminal code', async ({ page, bridge }) => {
	const scripts: string[] = [];
	page.on('request', (request) => {
		if (request.resourceType() === 'script' || request.url().endsWith('.js'))
			scripts.push(request.url());
	});
	const terminalCode = () => scripts.filter((url) => /terminal|xterm|addon-webgl/i.test(url));
	await openPaired(page, bridge);
	await expect(runButton(block(page, 't.echo'))).toHaveAttribute('aria-disabled', 'false');
	expect(terminalCode()).toEqual([]);
	expect(await page.locator('link[href*="xterm"], style:has-text(".xterm-viewport")').count()).toBe(
		0,
	);

	await runButton(block(page, 't.echo')).click();
	await expect(screen(block(page, 't.echo'))).toContainText('hello from opsbook');
	expect(terminalCode().length).toBeGreaterThan(0);
	// Chromium here renders WebGL in software: the DOM renderer is the faster one.
	expect(scripts.filter((url) => /addon-webgl/.test(url))).toEqual([]);
});

test('the terminal is interactive and sized like its element', async ({ page, bridge }) => {
	await openPaired(page, bridge);
	const ask = block(page, 't.ask');
	await runButton(ask).click();
	await expect(screen(ask)).toContainText('Your name?');
	const size = await terminal(ask).locator('.xterm-rows > div').first().textContent();
	const [rows, cols] = (size ?? '').trim().split(/\s+/).map(Number);
	expect(rows).toBeGreaterThan(5);
	expect(cols).toBeGreaterThan(40);
	await terminal(ask).locator('.xterm').click();
	await page.keyboard.type('Ada');
	await page.keyboard.press('Enter');
	await expect(screen(ask)).toContainText('got [Ada]');
	await expect(panel(ask).locator('.ob-run-exit')).toHaveText('exit 0');
});

test('the keyboard leaves the terminal by Escape then Tab, and by Tab once the run ended', async ({
	page,
	bridge,
}) => {
	await openPaired(page, bridge);
	const ask = block(page, 't.ask');
	const input = terminal(ask).locator('.xterm-helper-textarea');
	// The next control after the block: the link of the next heading.
	const next = page.locator('a.sl-anchor-link[href="#flood-without-end"]');
	await runButton(ask).focus();
	await page.keyboard.press('Enter');
	await expect(screen(ask)).toContainText('Your name?');
	// From Run, Tab reaches Stop, Widen (on a desktop), then the terminal.
	await page.keyboard.press('Tab');
	await expect(panel(ask).getByRole('button', { name: 'Stop' })).toBeFocused();
	await page.keyboard.press('Tab');
	await expect(panel(ask).getByRole('button', { name: 'Widen' })).toBeFocused();
	await page.keyboard.press('Tab');
	await expect(input).toBeFocused();
	// The way out is read out with the input, and shown while it has focus.
	const hint = panel(ask).getByText('Press Esc then Tab to leave the terminal');
	// Visually hidden otherwise: a pixel, which Playwright still calls visible.
	const shown = async () => ((await hint.boundingBox())?.height ?? 0) > 5;
	await expect(input).toHaveAccessibleDescription(/Press Esc then Tab to leave the terminal/);
	await expect.poll(shown).toBe(true);
	await expect(panel(ask).locator('.ob-term')).toHaveCSS('outline-style', 'solid');
	await page.keyboard.type('Ada');
	await expect(screen(ask)).toContainText('Your name? Ada');
	// Tab is the command's while it takes input: a tab goes into the answer, Backspace takes it out.
	await page.keyboard.press('Tab');
	await expect(input).toBeFocused();
	await page.keyboard.press('Backspace');
	await page.keyboard.press('Escape');
	await page.keyboard.press('Tab');
	await expect(input).not.toBeFocused();
	await expect.poll(shown).toBe(false);
	await expect(next).toBeFocused();
	// Back in by Shift+Tab; the Escape reached the command (it echoes ^[), Backspace takes it out.
	await page.keyboard.press('Shift+Tab');
	await expect(input).toBeFocused();
	await page.keyboard.press('Backspace');
	await page.keyboard.press('Enter');
	await expect(screen(ask)).toContainText('got [Ada]');
	await expect(panel(ask).locator('.ob-run-exit')).toHaveText('exit 0');

	// Nothing takes input any more: Tab leaves at once, both ways.
	await expect(input).toHaveAccessibleDescription('Tab leaves the terminal.');
	await page.keyboard.press('Tab');
	await expect(next).toBeFocused();
	await page.keyboard.press('Shift+Tab');
	await expect(input).toBeFocused();
	await page.keyboard.press('Shift+Tab');
	await expect(panel(ask).getByRole('button', { name: 'Widen' })).toBeFocused();
	await page.keyboard.press('Shift+Tab');
	await expect(panel(ask).getByRole('button', { name: 'Re-run' })).toBeFocused();
});

/** Runs the fixture's 120-character line; returns its block and its terminal's box. */
async function runWideLine(page: Page, bridge: TestBridge) {
	await openPaired(page, bridge);
	const wide = block(page, 't.wide');
	await runButton(wide).click();
	await expect(panel(wide).locator('.ob-run-exit')).toHaveText('exit 0');
	/** How far the terminal's frame scrolls sideways: what its box does not show. */
	const hidden = () =>
		screen(wide).evaluate(
			() => document.documentElement.scrollWidth - document.documentElement.clientWidth,
		);
	return { wide, term: panel(wide).locator('.ob-term'), hidden };
}

test.describe('on a desktop screen', () => {
	test.use({ viewport: { width: 1440, height: 900 } });

	test('a run has 120 columns, and a 120-column line does not wrap', async ({ page, bridge }) => {
		const { wide } = await runWideLine(page, bridge);
		const line = `wide:${'='.repeat(111)}:end`;
		await expect(screen(wide).locator('> div').first()).toHaveText(line);
		await expect(screen(wide).locator('> div').nth(1)).toHaveText('');

		const ask = block(page, 't.ask');
		await runButton(ask).click();
		await expect(screen(ask)).toContainText('Your name?');
		const [, cols] = ((await screen(ask).locator('> div').first().textContent()) ?? '')
			.trim()
			.split(/\s+/)
			.map(Number);
		expect(cols).toBeGreaterThanOrEqual(120);
		await panel(ask).getByRole('button', { name: 'Stop' }).click();
	});

	test('a run starts at the click, not once its terminal has loaded, and the terminal shows what it wrote meanwhile', async ({
		page,
		bridge,
	}) => {
		// The terminal's script held back, as on a slow or busy machine, until the test lets it go.
		let release = () => {};
		const held = new Promise<void>((resolve) => (release = resolve));
		let asked = false;
		await page.route('**/_astro/terminal.astro_astro_type_script_*', async (route) => {
			asked = true;
			await held;
			await route.continue();
		});
		await openPaired(page, bridge);
		const ask = block(page, 't.ask');
		await runButton(ask).click();
		// Started, and waiting for an answer, while the terminal is still loading.
		await expect.poll(() => asked).toBe(true);
		await expect(panel(ask).locator('.ob-run-state')).toHaveText('running');
		await expect(panel(ask).getByRole('button', { name: 'Stop' })).toBeVisible();
		// The box stands at a new terminal's height, the frame unseen: its document's line for a
		// reader who opens it alone ("A run's terminal: …") does not show in the panel.
		await expect(panel(ask).locator('iframe.ob-term-frame')).toHaveCSS('opacity', '0');
		// Widened meanwhile: the terminal turns out wider than the run started.
		await panel(ask).getByRole('button', { name: 'Widen' }).click();
		release();
		await expect(panel(ask).locator('iframe.ob-term-frame')).toHaveCSS('opacity', '1');
		// What the command wrote before the terminal was there: the size it started at, a
		// wide screen's 120 columns, and its question.
		await expect(screen(ask)).toContainText('Your name?');
		await expect(screen(ask).locator('> div').first()).toHaveText(/^\s*8 120\s*$/);
		// The pty took the terminal's own size once it loaded.
		await terminal(ask).locator('.xterm').click();
		await page.keyboard.type('Ada');
		await page.keyboard.press('Enter');
		await expect(screen(ask)).toContainText('got [Ada]');
		await expect(panel(ask).locator('.ob-run-exit')).toHaveText('exit 0');
		const [, cols] = ((await screen(ask).locator('> div').nth(3).textContent()) ?? '')
			.trim()
			.split(/\s+/)
			.map(Number);
		expect(cols).toBeGreaterThan(125);
	});

	test('a panel opens at its height, sideways scrollbar included, and keeps it as the terminal comes', async ({
		bridge,
	}) => {
		// Scrollbars that take room, as on a desktop's Chromium (headless hides them).
		const browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: CHROMIUM_ARGS,
			ignoreDefaultArgs: ['--hide-scrollbars'],
		});
		try {
			const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
			await openPaired(page, bridge);
			const echo = block(page, 't.echo');
			const height = () =>
				panel(echo).evaluate((element) => element.getBoundingClientRect().height);
			await runButton(echo).click();
			const opened = await height();
			await expect(screen(echo)).toContainText('hello from opsbook');
			// The terminal's 120 columns are wider than the content column: its scrollbar shows.
			expect(
				await screen(echo).evaluate(
					() => document.documentElement.scrollWidth > document.documentElement.clientWidth,
				),
			).toBe(true);
			expect(await height()).toBe(opened);
		} finally {
			await browser.close();
		}
	});

	test('Widen shows a 120-column line whole, past the content column, and Narrow puts it back', async ({
		page,
		bridge,
	}) => {
		const { wide, term, hidden } = await runWideLine(page, bridge);
		// In the content column the line runs past the box's edge.
		expect(await hidden()).toBeGreaterThan(0);
		await panel(wide).getByRole('button', { name: 'Widen' }).click();
		await expect(panel(wide).getByRole('button', { name: 'Narrow' })).toHaveAttribute(
			'aria-pressed',
			'true',
		);
		await expect.poll(hidden).toBeLessThanOrEqual(0);
		expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(
			true,
		);
		// Drawn over the table of contents it reaches into, not under it: every part of the content
		// is a stacking context of its own, and the pane that holds the panel rises above the rest.
		const { x, y, width, height } = (await term.boundingBox())!;
		const over = await page.evaluate(
			({ px, py }) => {
				const toc = document.querySelector('.right-sidebar-panel')?.getBoundingClientRect();
				return {
					toc: !!toc && px >= toc.left && px <= toc.right,
					panel: !!document.elementFromPoint(px, py)?.closest('.ob-run-panel'),
				};
			},
			{ px: x + width - 24, py: y + height / 2 },
		);
		expect(over).toEqual({ toc: true, panel: true });
		await panel(wide).getByRole('button', { name: 'Narrow' }).click();
		await expect.poll(hidden).toBeGreaterThan(0);
	});

	test('the terminal grows with its output up to its cap, and the command sees it grow', async ({
		page,
		bridge,
	}) => {
		await openPaired(page, bridge);
		const seq = block(page, 't.seq');
		await seq.getByRole('textbox', { name: 'count' }).fill('2');
		await runButton(seq).click();
		await expect(panel(seq).locator('.ob-run-exit')).toHaveText('exit 0');
		const short = await panel(seq).locator('.ob-term').boundingBox();
		expect(await screen(seq).locator('> div').count()).toBeLessThan(12);

		const lines = block(page, 't.lines');
		await runButton(lines).click();
		await expect(panel(lines).locator('.ob-run-exit')).toHaveText('exit 0');
		// 30 rows, not 40: the cap; the last of them show, the run's last line at the bottom.
		await expect(screen(lines).locator('> div')).toHaveCount(30);
		expect((await panel(lines).locator('.ob-term').boundingBox())!.height).toBeGreaterThan(
			short!.height * 2,
		);
		await expect(screen(lines).getByText('40', { exact: true })).toBeVisible();
		await expect(screen(lines).getByText('5', { exact: true })).toHaveCount(0);
		const size =
			(await screen(lines)
				.getByText(/^size:/)
				.textContent()) ?? '';
		const [, before, after] = /^size: (\d+) \d+ -> (\d+) \d+/.exec(size.trim()) ?? [];
		expect(Number(before)).toBeLessThan(12);
		expect(Number(after)).toBe(30);
	});
});

test('a terminal whose corner is dragged fits its rows to the box, every time', async ({
	page,
	bridge,
}) => {
	await openPaired(page, bridge);
	const ask = block(page, 't.ask');
	await runButton(ask).click();
	await expect(screen(ask)).toContainText('Your name?');
	const box = panel(ask).locator('.ob-term');
	const rows = screen(ask).locator('> div');
	// As the browser sets it when the corner is dragged: a height of the box's own.
	const drag = (px: number) => box.evaluate((element, h) => (element.style.height = `${h}px`), px);
	await drag(320);
	await expect.poll(() => rows.count()).toBeGreaterThan(15);
	const first = await rows.count();
	await drag(480);
	await expect.poll(() => rows.count()).toBeGreaterThan(first + 8);
	await drag(200);
	await expect.poll(() => rows.count()).toBeLessThan(first);
	await panel(ask).getByRole('button', { name: 'Stop' }).click();
});

test.describe('on a phone', () => {
	test.use({ viewport: { width: 390, height: 844 } });

	test('the terminal keeps 80 columns and scrolls sideways, not the page', async ({
		page,
		bridge,
	}) => {
		const { wide, hidden } = await runWideLine(page, bridge);
		expect(await hidden()).toBeGreaterThan(0);
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			await page.evaluate(() => window.innerWidth),
		);
		// 80 columns: the line wraps after 80 of its 120 characters, not sooner.
		await expect(screen(wide).locator('> div').first()).toHaveText(`wide:${'='.repeat(75)}`);
		const scrolled = () =>
			screen(wide).evaluate(() => {
				document.documentElement.scrollLeft = document.documentElement.scrollWidth;
				return document.documentElement.scrollLeft;
			});
		expect(await scrolled()).toBeGreaterThan(0);
	});
});

test('a flood of output arrives whole, paced by acknowledgements', async ({ page, bridge }) => {
	test.setTimeout(60_000);
	await openPaired(page, bridge);
	const flood = block(page, 't.flood');
	// 20 MiB: ten times the bridge's high watermark, so it only finishes if the page acknowledges.
	await flood.getByRole('textbox', { name: 'bytes' }).fill(String(20 * 1024 * 1024));
	await runButton(flood).click();
	await expect(panel(flood).locator('.ob-run-exit')).toHaveText('exit 0', { timeout: 45_000 });
	await expect(screen(flood)).toContainText('opsbook');
});

test('a flood is drawn a few times a second, and ends whole and in colour', async ({
	page,
	bridge,
}) => {
	test.setTimeout(60_000);
	await openPaired(page, bridge);
	const flood = block(page, 't.flood-color');
	const bytes = flood.getByRole('textbox', { name: 'bytes' });
	// A first run loads the terminal, whose rows are then watched.
	await bytes.fill('1000');
	await runButton(flood).click();
	await expect(panel(flood).locator('.ob-run-exit')).toHaveText('exit 0');
	await screen(flood).evaluate((rows) => {
		// The frames in which the rows changed, and when the first and last of them were.
		const seen = { drawn: 0, first: 0, last: 0 };
		let frame = 0;
		let drawnIn = -1;
		const tick = () => {
			frame++;
			requestAnimationFrame(tick);
		};
		requestAnimationFrame(tick);
		new MutationObserver(() => {
			if (drawnIn !== frame) seen.drawn++;
			drawnIn = frame;
			seen.last = performance.now();
			seen.first ||= seen.last;
		}).observe(rows, { childList: true, subtree: true, characterData: true });
		Object.assign(window, { seen });
	});
	// Whole lines of the block (88 bytes each, the pty adds a carriage return), 16 MiB of them.
	await bytes.fill(String(88 * 190_650));
	await page
		.getByRole('button', { name: /^(Run|Re-run)$/ })
		.and(flood.getByRole('button'))
		.last()
		.click();
	// The first run's "exit 0" stays in the (hidden) exit until this run starts: wait for it to go.
	const exit = panel(flood).locator('.ob-run-exit');
	await expect(exit).toBeHidden();
	await expect(exit).toBeVisible({ timeout: 45_000 });
	await expect(exit).toHaveText('exit 0');
	const { drawn, first, last } = await screen(flood).evaluate(
		() => (window as unknown as { seen: { drawn: number; first: number; last: number } }).seen,
	);
	// Every 50 ms at most (a frame drawn, then a hold of 50 ms), however fast or slow the frames:
	// not in every frame, as without the hold or with xterm's redraw of every row on each scroll.
	expect(drawn).toBeGreaterThan(3);
	expect(drawn).toBeLessThanOrEqual(2 + (last - first) / 50);
	// Held drawing ends at line ends only: no escape sequence was cut, every colour is where it was.
	const rows = screen(flood).locator(':scope > div');
	const lines = (await rows.allInnerTexts()).map((line) => line.trimEnd()).filter(Boolean);
	expect(lines.length).toBeGreaterThan(5);
	for (const line of lines)
		expect(line).toBe('drwxr-xr-x  2 opsbook staff   4096 Nov 25 02:20 runbook-orion.mdx');
	await expect(rows.first().locator('span', { hasText: 'drwxr-xr-x' })).toHaveClass(
		/xterm-fg-(4|12)\b/,
	);
	await expect(rows.first().locator('span', { hasText: 'runbook-orion.mdx' })).toHaveClass(
		/xterm-fg-(2|10)\b/,
	);
});

test('held drawing shows exactly what xterm shows, wherever output is cut', async ({
	page,
	bridge,
}) => {
	await page.goto(`${bridge.origin}/`);
	const module = terminalModule();
	const result = await page.evaluate(
		async ({ module }) => {
			type Terminal = import('../../src/client/terminal.ts').RunTerminal;
			const { createTerminal } = (await import(
				module
			)) as typeof import('../../src/client/terminal.ts');
			const open = async (ack: (bytes: number) => void): Promise<Terminal> => {
				const box = document.createElement('div');
				box.style.cssText = 'width: 900px; height: 300px';
				document.body.prepend(box);
				return createTerminal(box, { input() {}, resize() {}, ack });
			};
			let acked = 0;
			const paced = await open((bytes) => (acked = bytes));
			const plain = await open(() => {});
			// Escape sequences most of the way, UTF-8 of two to four bytes, titles, lines longer
			// than the terminal, and a prompt with no line end at the end.
			const part = [
				'\x1b[1;34mblue\x1b[0m \x1b[38;5;208morange\x1b[0m \x1b[4mu\x1b[24m\x1b[7mr\x1b[27m\r\n',
				'caf\u00e9 \u65e5\u672c\u8a9e \u{1f642} \x1b]0;title\x07done\r\n',
				`${'\x1b[33mwide\x1b[39m '.repeat(40)}\r\n`,
				// Line feeds inside sequences: a title's, and one a CSI sequence executes.
				'\x1b]2;a title\nof two lines and then some more words\x07after\r\n',
				'\x1b[1;\n31mred after a line feed in the sequence\x1b[0m\r\n',
			].join('');
			const text = `${part.repeat(3000)}\x1b[32mprompt>\x1b[0m `;
			const bytes = new TextEncoder().encode(text);
			// Output cut at every kind of place (inside sequences and characters) in big and small
			// frames, over a second or two, so that drawing is held and let go many times.
			const sizes = [20_000, 1, 7, 4093, 3, 30_001, 2, 9000];
			for (let at = 0, i = 0; at < bytes.length; i++) {
				const size = sizes[i % sizes.length]!;
				const end = Math.min(bytes.length, at + size);
				paced.output(at, bytes.subarray(at, end));
				at = end;
				if (size > 4000) await new Promise((r) => setTimeout(r, 15));
			}
			plain.term.write(bytes);
			await new Promise<void>((done) => plain.term.write('', done));
			const deadline = performance.now() + 20_000;
			while (acked < bytes.length && performance.now() < deadline)
				await new Promise((r) => setTimeout(r, 20));
			// The prompt ends no line: the hold ends a moment after output stops.
			await new Promise((r) => setTimeout(r, 300));
			const dump = (t: Terminal) => {
				const buffer = t.term.buffer.active;
				const cell = buffer.getNullCell();
				const lines: string[] = [];
				for (let y = 0; y < buffer.length; y++) {
					const line = buffer.getLine(y)!;
					let colours = '';
					for (let x = 0; x < line.length; x++) {
						line.getCell(x, cell);
						colours += `${cell.getFgColorMode()}:${cell.getFgColor()}:${cell.isBold()},`;
					}
					lines.push(`${line.translateToString(true)}|${colours}`);
				}
				return lines;
			};
			const rows = (t: Terminal) =>
				[...t.term.element!.querySelectorAll('.xterm-rows > div')].map((r) => r.textContent);
			return {
				acked,
				total: bytes.length,
				same: JSON.stringify(dump(paced)) === JSON.stringify(dump(plain)),
				held: paced.term.modes.synchronizedOutputMode,
				drawn: rows(paced).join('\n'),
				expected: rows(plain).join('\n'),
			};
		},
		{ module },
	);
	expect(result.acked).toBe(result.total);
	expect(result.same).toBe(true);
	expect(result.held).toBe(false);
	expect(result.drawn).toContain('prompt>');
	expect(result.drawn).toBe(result.expected);
});

test('held output stays undrawn after a click in the terminal, and a selection still shows', async ({
	page,
	bridge,
}) => {
	await page.goto(`${bridge.origin}/`);
	const module = terminalModule();
	await page.evaluate(
		async ({ module }) => {
			const { createTerminal } = (await import(
				module
			)) as typeof import('../../src/client/terminal.ts');
			const box = document.createElement('div');
			box.id = 'held-box';
			// Above the page's header and content, where the mouse reaches it.
			box.style.cssText = 'position: fixed; top: 120px; left: 20px; z-index: 1000; width: 900px';
			document.body.prepend(box);
			const terminal = await createTerminal(box, { input() {}, resize() {}, ack() {} });
			const write = (text: string) => new Promise<void>((done) => terminal.term.write(text, done));
			const frames = async (n: number) => {
				for (let i = 0; i < n; i++) await new Promise((r) => requestAnimationFrame(r));
			};
			const rows = () => terminal.term.element!.querySelector('.xterm-rows')!.textContent!;
			await write(Array.from({ length: 40 }, (_, i) => `line ${i}\r\n`).join(''));
			Object.assign(window, { write, frames, rows });
		},
		{ module },
	);
	type Probe = {
		write(text: string): Promise<void>;
		frames(n: number): Promise<void>;
		rows(): string;
	};
	const probe = <T>(run: (p: Probe) => Promise<T> | T) =>
		page.evaluate(`(${run.toString()})(window)`) as Promise<T>;
	const screenOf = page.locator('#held-box .xterm-screen');
	// A click leaves xterm an empty selection (one cell to the same cell).
	await screenOf.click({ position: { x: 100, y: 40 } });
	await probe(async (p) => {
		await p.write('\x1b[?2026h');
		await p.write(Array.from({ length: 60 }, (_, i) => `held ${i}\r\n`).join(''));
		await p.frames(3);
	});
	// Scrolling redraws nothing while drawing is held (xterm would, through its selection).
	expect(await probe((p) => p.rows())).not.toContain('held 59');
	await probe(async (p) => {
		await p.write('\x1b[?2026l');
		await p.frames(2);
	});
	expect(await probe((p) => p.rows())).toContain('held 59');
	// A real selection is drawn, and a click clears it.
	const selection = page.locator('#held-box .xterm-selection div');
	await page.mouse.move(...(await point(screenOf, 20, 30)));
	await page.mouse.down();
	await page.mouse.move(...(await point(screenOf, 400, 90)), { steps: 5 });
	await page.mouse.up();
	await expect(selection.first()).toBeVisible();
	await screenOf.click({ position: { x: 200, y: 200 } });
	await expect(selection).toHaveCount(0);
});

test('Ctrl+C copies what is selected in the terminal, and Ctrl+V pastes into the command', async ({
	page,
	context,
	bridge,
}) => {
	await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: bridge.origin });
	const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
	await openPaired(page, bridge);
	const ask = block(page, 't.ask');
	await runButton(ask).click();
	await expect(screen(ask)).toContainText('Your name?');
	await page.evaluate(() => navigator.clipboard.writeText('nothing yet'));
	// Selected with the mouse, across the question, while the command waits for its answer.
	const question = screen(ask).getByText(/Your name\?/);
	const { x, y, height } = (await question.boundingBox())!;
	await page.mouse.move(x + 2, y + height / 2);
	await page.mouse.down();
	await page.mouse.move(x + 60, y + height / 2, { steps: 4 });
	await page.mouse.up();
	await page.keyboard.press('Control+C');
	await expect.poll(clipboard).toMatch(/^Your na/);
	// Copied, not sent: the command still waits.
	await expect(panel(ask).locator('.ob-run-state')).toHaveText('running');
	await page.evaluate(() => navigator.clipboard.writeText('Ada'));
	await page.keyboard.press('Control+V');
	await expect(screen(ask)).toContainText('Your name? Ada');
	await page.keyboard.press('Enter');
	await expect(screen(ask)).toContainText('got [Ada]');
	await expect(panel(ask).locator('.ob-run-exit')).toHaveText('exit 0');

	// With nothing selected (the copy cleared it), Ctrl+C is the command's interrupt.
	await panel(ask).getByRole('button', { name: 'Re-run' }).click();
	await expect(panel(ask).locator('.ob-run-state')).toHaveText('running');
	await expect(screen(ask)).toContainText('Your name?');
	await terminal(ask).locator('.xterm').click();
	await page.keyboard.press('Control+C');
	await expect(panel(ask).locator('.ob-run-signal')).toHaveText('SIGINT');
});

test("keystrokes go in at the cursor once the terminal has focus; without it, output leaves xterm's textarea alone", async ({
	page,
	bridge,
}) => {
	await page.goto(`${bridge.origin}/`);
	const module = terminalModule();
	const spots = await page.evaluate(
		async ({ module }) => {
			const { createTerminal } = (await import(
				module
			)) as typeof import('../../src/client/terminal.ts');
			const box = document.createElement('div');
			// A height of its own: the terminal does not grow with the output.
			box.style.cssText = 'width: 900px; height: 300px';
			document.body.prepend(box);
			const terminal = await createTerminal(box, { input() {}, resize() {}, ack() {} });
			const { term } = terminal;
			const write = (text: string) => new Promise<void>((done) => term.write(text, done));
			const frames = async (n: number) => {
				for (let i = 0; i < n; i++) await new Promise((r) => requestAnimationFrame(r));
			};
			// Where keystrokes (and an input method's window) go, and the cursor's cell, on screen.
			const textArea = () => {
				const { left, top } = term.textarea!.getBoundingClientRect();
				return [Math.round(left), Math.round(top)];
			};
			const cursor = () => {
				const screen = term.element!.querySelector('.xterm-screen')!.getBoundingClientRect();
				const { cursorX, cursorY } = term.buffer.active;
				return [
					Math.round(screen.left + (cursorX * screen.width) / term.cols),
					Math.round(screen.top + (cursorY * screen.height) / term.rows),
				];
			};
			await write('first line\r\nsecond');
			await frames(2);
			const idle = textArea();
			await write(' line\r\n'.repeat(5) + 'prompt> ');
			await frames(2);
			const afterOutput = textArea();
			term.focus();
			await frames(2);
			const focused = { textArea: textArea(), cursor: cursor() };
			await write('\r\nmore output\r\n$ ');
			await frames(2);
			const typing = { textArea: textArea(), cursor: cursor() };
			return { idle, afterOutput, focused, typing };
		},
		{ module },
	);
	// Without focus nothing reads its place, and moving it made Chromium lay out the page's
	// compositor layers again in nearly every frame of a flood.
	expect(spots.afterOutput).toEqual(spots.idle);
	// With focus it is at the cursor, and follows it.
	expect(spots.focused.textArea).toEqual(spots.focused.cursor);
	expect(spots.typing.textArea).toEqual(spots.typing.cursor);
	expect(spots.typing.cursor).not.toEqual(spots.focused.cursor);
});

test('a new run in a terminal still catching up with a flood shows only the new run', async ({
	page,
	bridge,
}) => {
	await page.goto(`${bridge.origin}/`);
	const module = terminalModule();
	const lines = await page.evaluate(
		async ({ module }) => {
			const { createTerminal } = (await import(
				module
			)) as typeof import('../../src/client/terminal.ts');
			const box = document.createElement('div');
			document.body.prepend(box);
			let acked = 0;
			const terminal = await createTerminal(box, {
				input() {},
				resize() {},
				ack: (bytes) => (acked = bytes),
			});
			const flood = new TextEncoder().encode('old run\r\n'.repeat(200_000));
			for (let at = 0; at < flood.length; at += 65_536)
				terminal.output(at, flood.subarray(at, at + 65_536));
			// Re-run at once: xterm has not parsed most of the flood yet.
			terminal.reset(0);
			const fresh = new TextEncoder().encode('new run\r\n');
			terminal.output(0, fresh);
			while (acked < fresh.length) await new Promise((r) => setTimeout(r, 20));
			await new Promise((r) => setTimeout(r, 200));
			const buffer = terminal.term.buffer.active;
			const text: string[] = [];
			for (let y = 0; y < buffer.length; y++) text.push(buffer.getLine(y)!.translateToString(true));
			return text.filter(Boolean);
		},
		{ module },
	);
	expect(lines).toEqual(['new run']);
});

for (const theme of ['light', 'dark'] as const) {
	test(`text selected in a terminal shows, on the ${theme} theme`, async ({ page, bridge }) => {
		await page.emulateMedia({ colorScheme: theme });
		await openPaired(page, bridge);
		const hello = block(page, 't.echo');
		await runButton(hello).click();
		await expect(panel(hello).locator('.ob-run-exit')).toHaveText('exit 0');
		const rows = screen(hello);
		await page.mouse.move(...(await point(rows, 2, 6)));
		await page.mouse.down();
		await page.mouse.move(...(await point(rows, 120, 6)), { steps: 4 });
		await page.mouse.up();
		const selected = terminal(hello).locator('.xterm-selection div').first();
		await expect(selected).toBeVisible();
		// What is selected must be told apart from the terminal's background.
		const [background, highlight] = await Promise.all([
			panel(hello)
				.locator('.ob-term')
				.evaluate((e) => getComputedStyle(e).backgroundColor),
			selected.evaluate((e) => getComputedStyle(e).backgroundColor),
		]);
		expect(contrast(background, highlight)).toBeGreaterThan(1.3);
	});
}

/** The WCAG contrast ratio of two `rgb(…)` colours. */
function contrast(a: string, b: string): number {
	const luminance = (css: string) => {
		const [r, g, b] = css
			.match(/[\d.]+/g)!
			.slice(0, 3)
			.map((n) => {
				const c = Number(n) / 255;
				return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
			});
		return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
	};
	const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return (l1! + 0.05) / (l2! + 0.05);
}

/** Where the built site serves the terminal's module (`src/client/terminal.ts`). */
function terminalModule(): string {
	const file = readdirSync(resolve(BRIDGE_SITE, '_astro')).find((f) =>
		/^terminal\.[\w-]+\.js$/.test(f),
	);
	if (!file) throw new Error(`no terminal module in ${BRIDGE_SITE}/_astro`);
	return `/_astro/${file}`;
}

/** A point `x`, `y` pixels into `locator`'s box, in the page. */
async function point(locator: Locator, x: number, y: number): Promise<[number, number]> {
	const box = (await locator.boundingBox())!;
	return [box.x + x, box.y + y];
}

test('a check shows its verdict in words, in the bar and the Runs panel', async ({
	page,
	bridge,
}) => {
	await openPaired(page, bridge);
	const ready = block(page, 't.check-ready');
	await runButton(ready).click();
	await expect(panel(ready).locator('.ob-run-verdict')).toHaveText(
		'check passed: a line matched `^accepting connections$`',
	);
	await expect(panel(ready)).toHaveAttribute('data-outcome', 'ok');
	const down = block(page, 't.check-down');
	await runButton(down).click();
	await expect(panel(down).locator('.ob-run-verdict')).toHaveText(
		'check failed: exit 1, expected 0; no line matched `^PONG$`',
	);
	await expect(panel(down)).toHaveAttribute('data-outcome', 'failed');
	const warn = block(page, 't.check-warn');
	await runButton(warn).click();
	await expect(panel(warn).locator('.ob-run-verdict')).toHaveText('check warns: exit 2, a warning');
	// One word, the verdict's: a warning is not "failed" for its exit code, a pass not just "done".
	await expect(panel(warn).locator('.ob-run-state')).toHaveText('warning');
	await expect(panel(ready).locator('.ob-run-state')).toHaveText('passed');
	await expect(panel(down).locator('.ob-run-state')).toHaveText('failed');
	await page.getByRole('button', { name: /^Runs/ }).click();
	await expect(page.locator('#ob-runs')).toContainText('check failed: exit 1, expected 0');
	await expect(page.locator('#ob-runs')).toContainText('warning · exit 2 · check warns');
	// A step that is not a check says nothing of the kind.
	const echo = block(page, 't.echo');
	await runButton(echo).click();
	await expect(panel(echo)).toContainText('exit 0');
	await expect(panel(echo).locator('.ob-run-verdict')).toBeHidden();
});

test('a timeout and a secret read as they should', async ({ page, bridge }) => {
	await openPaired(page, bridge);
	const timeout = block(page, 't.timeout');
	await runButton(timeout).click();
	await expect(panel(timeout).locator('.ob-run-state')).toHaveText('timed out', {
		timeout: 10_000,
	});

	const secret = block(page, 't.secret');
	await expect(runButton(secret)).toHaveAttribute('aria-disabled', 'false');
	await runButton(secret).click();
	await expect(secret.getByRole('status')).toContainText('Run needs valid parameters');
	await secret.getByLabel('password', { exact: true }).fill('hunter2');
	// On screen the command shows the secret as its field does: hidden.
	await expect(secret.locator('figure')).toContainText("printf %s '***' | wc -c");
	await expect(secret.locator('figure')).not.toContainText('hunter2');
	await runButton(secret).click();
	await expect(screen(secret)).toContainText('secret length 7');
	await page.getByRole('button', { name: /^Runs/ }).click();
	await expect(page.locator('#ob-runs')).not.toContainText('hunter2');
});

test('every paired page sees a run, and can stop it', async ({ page, context, bridge }) => {
	await openPaired(page, bridge);
	const other = await context.newPage();
	await openPaired(other, bridge);
	await runButton(block(page, 't.sleep')).click();
	await expect(screen(block(page, 't.sleep'))).toContainText('sleeping');
	// The other page follows the run of its block without having started it. (xterm paints only
	// a terminal in view: scroll to it, as a reader would.)
	await expect(panel(block(other, 't.sleep')).locator('.ob-run-state')).toHaveText('running');
	await panel(block(other, 't.sleep')).scrollIntoViewIfNeeded();
	await expect(screen(block(other, 't.sleep'))).toContainText('sleeping');
	await expect(other.getByRole('button', { name: 'Runs (1)' })).toBeVisible();
	await panel(block(other, 't.sleep')).getByRole('button', { name: 'Stop' }).click();
	await expect(panel(block(page, 't.sleep')).locator('.ob-run-state')).toHaveText('stopped', {
		timeout: 10_000,
	});
});

test('a hidden tab lets go of runs, and follows them again when back', async ({
	page,
	context,
	bridge,
}) => {
	await openPaired(page, bridge);
	const other = await context.newPage();
	const sent: Array<{ type: string; from?: number }> = [];
	other.on('websocket', (ws) =>
		ws.on('framesent', (frame) => {
			if (typeof frame.payload === 'string') sent.push(JSON.parse(frame.payload));
		}),
	);
	await openPaired(other, bridge);
	// Playwright keeps every page visible; make this one what a background tab is.
	const show = (state: 'hidden' | 'visible') =>
		other.evaluate((value) => {
			Object.defineProperty(document, 'visibilityState', { value, configurable: true });
			document.dispatchEvent(new Event('visibilitychange'));
		}, state);

	await runButton(block(page, 't.sleep')).click();
	const theirs = block(other, 't.sleep');
	await expect(panel(theirs).locator('.ob-run-state')).toHaveText('running');
	await panel(theirs).scrollIntoViewIfNeeded();
	await expect(screen(theirs)).toContainText('sleeping');
	await show('hidden');
	await expect.poll(() => sent.filter((m) => m.type === 'detach').length).toBe(1);
	await show('visible');
	// Back from where it was: "sleeping\r\n" is 10 bytes.
	await expect.poll(() => sent.filter((m) => m.type === 'attach').at(-1)?.from).toBe(10);
	await expect(screen(theirs).getByText('sleeping')).toHaveCount(1);
	await panel(theirs).getByRole('button', { name: 'Stop' }).click();
	await expect(panel(theirs).locator('.ob-run-state')).toHaveText('stopped', { timeout: 10_000 });
});

test.describe('with one run per page', () => {
	test.use({ bridgeOptions: { limits: { runsPerConnection: 1 } } });

	test('a run the bridge refuses says why next to the block', async ({ page, bridge }) => {
		await openPaired(page, bridge);
		// Stopping the first run makes room for the next.
		await runButton(block(page, 't.sleep')).click();
		await expect(screen(block(page, 't.sleep'))).toContainText('sleeping');
		const hello = block(page, 't.echo');
		await runButton(hello).click();
		await expect(hello.locator('.ob-status')).toContainText('Too many runs at once');
		await expect(hello.locator('.ob-status')).toContainText('Nothing ran.');
		await expect(panel(hello)).toHaveCount(0);
		await expect(runButton(hello)).toHaveAttribute('aria-disabled', 'false');
		await panel(block(page, 't.sleep')).getByRole('button', { name: 'Stop' }).click();
	});
});

test('after the bridge restarts, the page reconnects by itself', async ({ page }) => {
	test.setTimeout(45_000);
	const first = await startTestBridge({ siteRoot: SITE });
	let second: TestBridge | undefined;
	try {
		await openPaired(page, first);
		const sleep = block(page, 't.sleep');
		await runButton(sleep).click();
		await expect(screen(sleep)).toContainText('sleeping');
		await first.close();
		await expect(chip(page)).toContainText(/reconnecting|offline/);
		await expect(panel(sleep).locator('.ob-run-state')).toHaveText('stopped');
		await expect(runButton(sleep)).toHaveAttribute('aria-disabled', 'true');
		// Same port, same state folder: the same pairing token.
		second = await startTestBridge({ siteRoot: SITE, stateDir: first.stateDir, port: first.port });
		await expect(chip(page)).toContainText('connected', { timeout: 20_000 });
		const echo = block(page, 't.echo');
		await runButton(echo).click();
		await expect(screen(echo)).toContainText('hello from opsbook');
	} finally {
		await (second ?? first).dispose();
	}
});

test.describe('over ssh, to a throwaway sshd on 127.0.0.1', () => {
	test.describe.configure({ mode: 'serial' });
	let sshd: Sshd;
	let bridge: TestBridge;
	test.beforeAll(async () => {
		sshd = await startSshd();
		bridge = await startTestBridge({
			siteRoot: SITE,
			arm: ['testbox', 'downbox'],
			sshConfig: sshd.configFile,
		});
	});
	test.afterAll(async () => {
		await bridge?.dispose();
		await sshd?.close();
	});

	test('a remote step streams into the terminal with its exit code', async ({ page }) => {
		await page.goto(`${bridge.origin}/remote/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(chip(page)).toContainText('armed: testbox, downbox');
		const hello = block(page, 'r.hello');
		await runButton(hello).click();
		await expect(screen(hello)).toContainText('remote says hi from');
		await expect(panel(hello)).toContainText('exit 0');
		const fail = block(page, 'r.fail');
		await runButton(fail).click();
		await expect(panel(fail)).toContainText('exit 3');
		await expect(panel(fail).locator('.ob-run-state')).toHaveText('failed');
	});

	test('Stop ends the remote command', async ({ page }) => {
		const seconds = String(20_000 + (process.pid % 70_000));
		await page.goto(`${bridge.origin}/remote/#${FRAGMENT_KEY}=${bridge.token}`);
		const sleep = block(page, 'r.sleep');
		await sleep.getByRole('textbox', { name: 'seconds' }).fill(seconds);
		await runButton(sleep).click();
		await expect(screen(sleep)).toContainText('remote sleeping');
		await expect.poll(async () => (await processesRunning(['sleep', seconds])).length).toBe(1);
		await panel(sleep).getByRole('button', { name: 'Stop' }).click();
		await expect(panel(sleep).locator('.ob-run-state')).toHaveText('stopped', { timeout: 10_000 });
		await expect.poll(async () => (await processesRunning(['sleep', seconds])).length).toBe(0);
	});

	test('a host that cannot be reached says why, in the terminal too', async ({ page }) => {
		await page.goto(`${bridge.origin}/remote/#${FRAGMENT_KEY}=${bridge.token}`);
		const down = block(page, 'r.down');
		await runButton(down).click();
		await expect(panel(down).locator('.ob-run-state')).toHaveText('failed to start', {
			timeout: 20_000,
		});
		await expect(panel(down).locator('.ob-run-message')).toContainText('refused the connection');
		// xterm paints only a terminal in view.
		await panel(down).scrollIntoViewIfNeeded();
		await expect(screen(down)).toContainText('refused the connection');
	});
});

test.describe('a step runs where it says', () => {
	test.describe.configure({ mode: 'serial' });
	let sshd: Sshd;
	let bridge: TestBridge;
	test.beforeAll(async () => {
		sshd = await startSshd();
		bridge = await startTestBridge({ siteRoot: SITE, sshConfig: sshd.configFile });
	});
	test.afterAll(async () => {
		await bridge?.dispose();
		await sshd?.close();
	});

	test('a step for a target that is not armed offers to arm it, and runs there once armed', async ({
		page,
	}) => {
		await page.goto(`${bridge.origin}/remote/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(chip(page)).toContainText('connected');
		const hello = block(page, 'r.hello');
		await expect(hello.locator('.ob-target-state')).toHaveText('not armed');
		await expect(runButton(hello)).toHaveCount(0);
		const arm = hello.getByRole('button', { name: 'Arm testbox to run…' });
		await arm.click();
		await expect(hello.locator('.ob-target-state')).toHaveText('armed');
		await expect(chip(page)).toContainText('armed: testbox');
		await runButton(hello).click();
		await expect(screen(hello)).toContainText('remote says hi from');
		await expect(panel(hello).locator('.ob-run-where')).toBeHidden();
		// Every other step of the target is armed with it; the header can disarm it again.
		await expect(runButton(block(page, 'r.change'))).toHaveAttribute('aria-disabled', 'false');
		await chip(page).click();
		await page.getByRole('button', { name: 'Disarm testbox' }).click();
		await expect(hello.locator('.ob-target-state')).toHaveText('not armed');
	});

	test('a read step runs on this machine only by choice, and says where it ran', async ({
		page,
	}) => {
		await page.goto(`${bridge.origin}/remote/#${FRAGMENT_KEY}=${bridge.token}`);
		const hello = block(page, 'r.hello');
		await hello.getByRole('button', { name: 'Run on this machine' }).click();
		await expect(screen(hello)).toContainText('remote says hi from');
		await expect(panel(hello).locator('.ob-run-where')).toHaveText('on local, not testbox');
		// A step that changes something has no such choice.
		await expect(
			block(page, 'r.change').getByRole('button', { name: 'Run on this machine' }),
		).toHaveCount(0);
		await expect(
			block(page, 'r.prod').getByRole('button', { name: 'Run on this machine' }),
		).toHaveCount(0);
	});

	test('arming a production target asks for its name, then the chip and a banner say so', async ({
		page,
	}) => {
		await page.goto(`${bridge.origin}/remote/#${FRAGMENT_KEY}=${bridge.token}`);
		const prod = block(page, 'r.prod');
		await prod.getByRole('button', { name: 'Arm prodbox to run…' }).click();
		const dialog = page.getByRole('dialog', { name: 'Arm prodbox (test sshd)?' });
		await expect(dialog).toBeVisible();
		const confirm = dialog.getByRole('button', { name: 'Arm', exact: true });
		await expect(confirm).toBeDisabled();
		await dialog.getByLabel('Type prodbox to confirm').fill('prodbox');
		await confirm.click();
		await expect(chip(page)).toContainText('production: prodbox');
		await expect(chip(page)).toHaveAttribute('data-state', 'production');
		await expect(page.getByRole('alert').filter({ hasText: 'Production armed' })).toContainText(
			'steps for prodbox (test sshd) run there',
		);
		await expect(runButton(prod)).toHaveAttribute('aria-disabled', 'false');
	});
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('the header shows no bridge controls', async ({ page, bridge }) => {
		await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}`);
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		await expect(chip(page)).toBeHidden();
		await expect(page.getByRole('button', { name: /^Runs/ })).toBeHidden();
	});
});
