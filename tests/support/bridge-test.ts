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
import { test as base, type Page } from '@playwright/test';
import { startTestBridge, type TestBridge } from './bridge.ts';

/** The built bridge fixture site. */
export const BRIDGE_SITE = resolve(process.env.OPSBOOK_BRIDGE_SITE ?? 'tests/.tmp/bridge-site');
if (!existsSync(BRIDGE_SITE)) {
	throw new Error(
		`build the bridge fixture site into ${BRIDGE_SITE} first (npm test does; see tests/support/bridge-test.ts)`,
	);
}

export const test = base.extend<{
	bridge: TestBridge;
	/** Options of the test's bridge, set with `test.use({ bridgeOptions })`. */
	bridgeOptions: Parameters<typeof startTestBridge>[0];
}>({
	bridgeOptions: [{}, { option: true }],
	bridge: async ({ bridgeOptions }, use) => {
		const bridge = await startTestBridge({ siteRoot: BRIDGE_SITE, ...bridgeOptions });
		await use(bridge);
		await bridge.dispose();
	},
});

/** A command block of the page, by id. */
export const block = (page: Page, id: string) =>
	page.locator(`opsbook-command#cmd-${id.replaceAll('.', '\\.')}`);
