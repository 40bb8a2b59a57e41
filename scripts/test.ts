/**
 * `npm test`: every test, in the order a failure is cheapest to read: unit tests, then a build of
 * the site with its checks, then the browser tests against that build.
 *
 * Stops at once, with the one command that fixes it, when a system part is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { CHROMIUM } from '../tests/support/chromium.ts';
import { freePort } from '../tests/support/processes.ts';

export const SSHD = '/usr/sbin/sshd';

if (!existsSync(CHROMIUM)) {
	console.error(
		`npm test needs Chromium at ${CHROMIUM}: install it with  sudo apt-get install -y chromium`,
	);
	process.exit(1);
}
if (!existsSync(SSHD)) {
	console.error(
		`npm test needs sshd at ${SSHD} for the ssh tests: install it with  sudo apt-get install -y openssh-server`,
	);
	process.exit(1);
}

function run(title: string, command: string, args: string[], env: Record<string, string> = {}) {
	console.log(`\n▶ ${title}\n`);
	const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
	if (result.status !== 0) {
		console.error(`\n✖ ${title} failed`);
		process.exit(result.status ?? 1);
	}
}

const site = resolve('tests/.tmp/site');
const bridgeSite = resolve('tests/.tmp/bridge-site');
rmSync(site, { recursive: true, force: true });
rmSync(bridgeSite, { recursive: true, force: true });

run('Unit tests', process.execPath, ['--test', 'tests/unit/**/*.test.ts']);
run('Bridge tests (local shell and a throwaway sshd)', process.execPath, [
	'--test',
	'tests/bridge/**/*.test.ts',
]);
const astro = 'node_modules/astro/bin/astro.mjs';
run('Build the site', process.execPath, [astro, 'build'], { OPSBOOK_OUT_DIR: site });
run('Build the bridge test site', process.execPath, [astro, 'build'], {
	OPSBOOK_OUT_DIR: bridgeSite,
	OPSBOOK_CONTENT_DIR: 'tests/fixtures/bridge/content',
	OPSBOOK_CONFIG: 'tests/fixtures/bridge/opsbook.config.ts',
});
run(
	'Build tests',
	process.execPath,
	['--test', '--test-concurrency=1', 'tests/build/**/*.test.ts'],
	{
		OPSBOOK_TEST_SITE: site,
	},
);
run('Browser tests', process.execPath, ['node_modules/@playwright/test/cli.js', 'test'], {
	OPSBOOK_TEST_SITE: site,
	OPSBOOK_BRIDGE_SITE: bridgeSite,
	OPSBOOK_TEST_PORT: String(await freePort()),
});
console.log('\n✔ all tests passed');
