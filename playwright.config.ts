import { defineConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './tests/support/chromium.ts';

const port = Number(process.env.OPSBOOK_TEST_PORT ?? 4399);
const site = process.env.OPSBOOK_TEST_SITE ?? 'tests/.tmp/site';

export default defineConfig({
	testDir: 'tests/e2e',
	timeout: 30_000,
	forbidOnly: !!process.env.CI,
	workers: 2,
	reporter: process.env.CI ? 'list' : [['list']],
	use: {
		baseURL: `http://127.0.0.1:${port}/`,
		launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
	},
	webServer: {
		command: 'node scripts/serve.ts',
		url: `http://127.0.0.1:${port}/`,
		env: { PORT: String(port), HOST: '127.0.0.1', OPSBOOK_OUT_DIR: site },
		reuseExistingServer: false,
		stdout: 'ignore',
	},
});
