/**
 * Playwright's `test` for browser tests against the bridge fixture site: a `bridge` fixture that
 * starts a bridge of its own (site and bridge on one free loopback port) for each test that asks
 * for it and disposes of it after, so runs of one test never show in another's pages.
 *
 * Needs the fixture site built first; `npm test` does:
 *
 *   OPSBOOK_CONTENT_DIR=tests/fixtures/bridge/content OPSBOOK_CONFIG=tests/fixtures/bridge/opsbook.config.ts \
 *     OPSBOOK_OUT_DIR=tests/.tmp/bridge-site npx astro build
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test as base, type Locator, type Page } from '@playwright/test';
import { startTestBridge, type TestBridge } from './bridge.ts';

/** The built bridge fixture site. */
export const BRIDGE_SITE = resolve(process.env.OPSBOOK_BRIDGE_SITE ?? 'tests/.tmp/bridge-site');
if (!existsSync(BRIDGE_SITE)) {
	throw new Error(
		`build the bridge fixture site into ${BRIDGE_SITE} first (npm test does; see tests/support/bridge-test.ts)`,
	);
}

/**
 * Clicks that scroll first, then click once the page has drawn where things now are. A run's
 * terminal is a frame drawn by another process (`src/client/framed-terminal.ts`), and Chromium
 * sends a click to such a frame by where it was last drawn: Playwright clicks so soon after
 * scrolling an element into view that a click meant for a button could reach the terminal that
 * had been there before the scroll (a person's click comes long after the scroll has been drawn).
 * A trial click (scroll, wait until stable, check what is under the point) gives it that time.
 */
function clickAfterScrolling(page: Page) {
	const prototype = Object.getPrototypeOf(page.locator('html')) as Locator;
	if ((prototype as { scrollsFirst?: boolean }).scrollsFirst) return;
	const click = prototype.click;
	prototype.click = async function (this: Locator, options?: Parameters<Locator['click']>[0]) {
		if (!options?.trial && !options?.force) await click.call(this, { ...options, trial: true });
		return click.call(this, options);
	};
	(prototype as { scrollsFirst?: boolean }).scrollsFirst = true;
}

export const test = base.extend<{
	bridge: TestBridge;
	/** Options of the test's bridge, set with `test.use({ bridgeOptions })`. */
	bridgeOptions: Parameters<typeof startTestBridge>[0];
}>({
	bridgeOptions: [{}, { option: true }],
	page: async ({ page }, use) => {
		clickAfterScrolling(page);
		await use(page);
	},
	bridge: async ({ bridgeOptions }, use) => {
		const bridge = await startTestBridge({ siteRoot: BRIDGE_SITE, ...bridgeOptions });
		await use(bridge);
		await bridge.dispose();
	},
});

/** The terminal of a run panel: its own document, in a frame (`src/client/framed-terminal.ts`). */
export const terminalOf = (panel: Locator) => panel.locator('iframe.ob-term-frame').contentFrame();

/** A command block of the page, by id. */
export const block = (page: Page, id: string) =>
	page.locator(`opsbook-command#cmd-${id.replaceAll('.', '\\.')}`);
