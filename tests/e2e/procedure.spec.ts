/**
 * Procedures in Chromium against a real bridge: Run all runs a section's steps in order through
 * their own Run, stops at the first that fails and says where, asks before change and destructive
 * steps (cancelling stops it, and nothing ran), skips interactive sessions; and a gated step waits
 * for what it needs, or runs anyway with a reason the audit log keeps.
 *
 * Uses the fixture page `tests/fixtures/bridge/content/procedure.mdx` (build it as the top of
 * `bridge.spec.ts` says). Its check greps a state file in /tmp that each test names for itself.
 */
import { rm, writeFile } from 'node:fs/promises';
import { expect, type Locator, type Page } from '@playwright/test';
import { FRAGMENT_KEY } from '../../src/protocol.ts';
import type { TestBridge } from '../support/bridge.ts';
import { block, terminalOf, test } from '../support/bridge-test.ts';

test.describe.configure({ mode: 'parallel' });

const panel = (scope: Locator) => scope.getByRole('region', { name: /^Run of / });
const runAll = (page: Page, steps: number) =>
	page.locator('opsbook-run-all').filter({
		has: page.getByRole('button', { name: `Run all ${steps} steps` }),
	});

async function openProcedure(page: Page, bridge: TestBridge) {
	await page.goto(`${bridge.origin}/procedure/#${FRAGMENT_KEY}=${bridge.token}`);
	await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('connected');
}

/** The blocks the bridge started, in order, from its audit log. */
async function started(bridge: TestBridge): Promise<string[]> {
	return (await bridge.readAudit()).filter((e) => e.event === 'start').map((e) => String(e.block));
}

test('Run all stops at the first failing step and shows where and why', async ({
	page,
	bridge,
}) => {
	await openProcedure(page, bridge);
	const diagnose = runAll(page, 3);
	await diagnose.getByRole('button', { name: 'Run all 3 steps' }).click();
	const status = diagnose.getByRole('status');
	await expect(status).toHaveText(
		'Stopped at step 2 of 3, Check the state file says ready: check failed: exit 2, expected 0.',
	);
	await expect(
		status.getByRole('link', { name: 'Check the state file says ready' }),
	).toHaveAttribute('href', '#cmd-p.ready');
	await expect(block(page, 'p.ready')).toBeInViewport();
	await expect(panel(block(page, 'p.hello'))).toContainText('exit 0');
	await expect(panel(block(page, 'p.ready')).locator('.ob-run-verdict')).toHaveText(
		'check failed: exit 2, expected 0',
	);
	// The step after the failure never ran.
	await expect(panel(block(page, 'p.after'))).toHaveCount(0);
	expect(await started(bridge)).toEqual(['p.hello', 'p.ready']);
	await expect(diagnose.getByRole('button', { name: 'Stop' })).toBeHidden();
});

test('Run all asks before a change and a destructive step; cancelling stops it, nothing ran', async ({
	page,
	bridge,
}) => {
	await openProcedure(page, bridge);
	const fix = runAll(page, 5);
	// By keyboard: the control is a button like any other.
	await fix.getByRole('button', { name: 'Run all 5 steps' }).focus();
	await page.keyboard.press('Enter');
	const status = fix.getByRole('status');

	const change = page.getByRole('dialog', { name: 'Run “Change something” on local?' });
	await expect(change).toBeVisible();
	await expect(change.locator('pre')).toHaveText('echo changed');
	// Nothing else ran while it asks: the read step before it did, the session was skipped.
	expect(await started(bridge)).toEqual(['p.true']);
	await expect(status).toContainText(
		'Skipped “Type into a shell”: an interactive session runs only when you start it yourself.',
	);
	await change.getByRole('button', { name: 'Run', exact: true }).click();

	const destroy = page.getByRole('dialog', { name: 'Run “Destroy something”?' });
	await expect(destroy).toBeVisible();
	await expect(destroy.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();
	await destroy.getByRole('button', { name: 'Cancel' }).click();
	await expect(status).toContainText(
		'Stopped at step 4 of 5, Destroy something: cancelled, nothing ran.',
	);
	await expect(panel(block(page, 'p.destroy'))).toHaveCount(0);
	await expect(panel(block(page, 'p.last'))).toHaveCount(0);
	await expect(panel(block(page, 'p.shell'))).toHaveCount(0);
	expect(await started(bridge)).toEqual(['p.true', 'p.change']);

	// Again, confirming each: it runs to the end, still skipping the session.
	await fix.getByRole('button', { name: 'Run all 5 steps' }).click();
	await change.getByRole('button', { name: 'Run', exact: true }).click();
	await destroy.getByLabel('Type destroy to confirm').fill('destroy');
	await destroy.getByRole('button', { name: 'Run', exact: true }).click();
	await expect(status).toContainText('Done: 4 steps ran and none failed.');
	await expect(status).toContainText('Skipped “Type into a shell”');
	await expect(panel(block(page, 'p.last'))).toContainText('exit 0');
	expect(await started(bridge)).toEqual([
		'p.true',
		'p.change',
		'p.true',
		'p.change',
		'p.destroy',
		'p.last',
	]);
});

test('Stop ends a Run all and its current step', async ({ page, bridge }) => {
	await openProcedure(page, bridge);
	const wait = runAll(page, 2).first();
	await wait.getByRole('button', { name: 'Run all 2 steps' }).click();
	const slow = block(page, 'p.slow');
	await expect(panel(slow).locator('.ob-run-state')).toHaveText('running');
	await expect(wait.getByRole('status')).toHaveText('Running step 1 of 2: Wait a long time…');
	// Stop took the focus when the run began: Enter presses it.
	await expect(wait.getByRole('button', { name: 'Stop' })).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(wait.getByRole('status')).toHaveText(
		'Stopped at step 1 of 2, Wait a long time: you stopped the run.',
		{ timeout: 10_000 },
	);
	await expect(panel(slow).locator('.ob-run-state')).toHaveText('stopped');
	await expect(wait.getByRole('button', { name: 'Run all 2 steps' })).toBeFocused();
	expect(await started(bridge)).toEqual(['p.slow']);
});

test('Run all does not run a step before its gate opens', async ({ page, bridge }) => {
	await openProcedure(page, bridge);
	const gated = runAll(page, 2).nth(1);
	await gated.getByRole('button', { name: 'Run all 2 steps' }).click();
	await expect(gated.getByRole('status')).toHaveText(
		'Stopped at step 2 of 2, Restart once the state is ready: it waits for “Check the state file says ready” to pass first.',
	);
	expect(await started(bridge)).toEqual(['p.hello']);
});

test('a gated step waits for what it needs, and runs anyway only with a reason on record', async ({
	page,
	bridge,
}) => {
	const state = `e2e-${test.info().workerIndex}-${Date.now()}`;
	const file = `/tmp/opsbook-procedure-${state}.txt`;
	try {
		await openProcedure(page, bridge);
		const gated = block(page, 'p.gated');
		await expect(gated.locator('.ob-needs')).toHaveText(
			'Needs: Check the state file says ready — not passed yet',
		);
		await expect(
			gated.getByRole('link', { name: 'Check the state file says ready' }),
		).toHaveAttribute('href', '/procedure/#cmd-p.ready');
		const run = gated.getByRole('button', { name: 'Run', exact: true });
		await expect(run).toHaveAttribute('aria-disabled', 'true');
		await run.click({ force: true });
		await expect(gated.getByRole('status')).toContainText(
			'waits for “Check the state file says ready” to pass first',
		);
		expect(await started(bridge)).toEqual([]);

		await gated.getByRole('button', { name: 'Run anyway…' }).click();
		const dialog = page.getByRole('dialog', {
			name: 'Run “Restart once the state is ready” anyway?',
		});
		await expect(dialog).toBeVisible();
		await expect(dialog.locator('pre')).toHaveText('echo restarted');
		const confirm = dialog.getByRole('button', { name: 'Run anyway' });
		await expect(confirm).toBeDisabled();
		const reason = dialog.getByLabel('Why run it anyway?');
		await reason.fill('   ');
		await expect(confirm).toBeDisabled();
		await reason.fill('psql answers by hand');
		await confirm.click();
		await expect(panel(gated)).toContainText('exit 0');
		await expect(panel(gated).locator('.ob-run-override')).toHaveText(
			'run anyway: psql answers by hand',
		);
		const [start] = (await bridge.readAudit()).filter((e) => e.event === 'start');
		expect(start).toMatchObject({
			block: 'p.gated',
			override: { reason: 'psql answers by hand', needs: ['p.ready'] },
		});
		await page.getByRole('button', { name: /^Runs/ }).click();
		await expect(page.locator('#ob-runs')).toContainText('run anyway: psql answers by hand');
		await page.keyboard.press('Escape');

		// Once the check passes, the gate opens: Run runs, with no override.
		await writeFile(file, 'ready\n');
		const ready = block(page, 'p.ready');
		await ready.getByRole('textbox', { name: 'state' }).fill(state);
		await ready.getByRole('button', { name: 'Run', exact: true }).click();
		await expect(panel(ready).locator('.ob-run-verdict')).toHaveText(/^check passed/);
		await expect(gated.locator('.ob-needs')).toHaveText(
			'Needs: Check the state file says ready — passed',
		);
		await expect(gated.getByRole('button', { name: 'Run anyway…' })).toHaveCount(0);
		await expect(run).toHaveAttribute('aria-disabled', 'false');
	} finally {
		await rm(file, { force: true });
	}
});

test('an interactive session opens only once the responder says so', async ({ page, bridge }) => {
	await openProcedure(page, bridge);
	const shell = block(page, 'p.shell');
	await shell.getByRole('button', { name: 'Run', exact: true }).click();
	const dialog = page.getByRole('dialog', { name: 'Open “Type into a shell”?' });
	await expect(dialog).toContainText('what you type in it is not recorded');
	await dialog.getByRole('button', { name: 'Cancel' }).click();
	await expect(shell.getByRole('status')).toHaveText('Cancelled: nothing ran.');
	await expect(panel(shell)).toHaveCount(0);
	expect(await started(bridge)).toEqual([]);
	await shell.getByRole('button', { name: 'Run', exact: true }).click();
	await dialog.getByRole('button', { name: 'Open', exact: true }).click();
	await expect(terminalOf(panel(shell)).locator('.xterm-rows')).toContainText('Type something:');
	expect(await started(bridge)).toEqual(['p.shell']);
	await panel(shell).getByRole('button', { name: 'Stop' }).click();
});

test.describe('on a phone', () => {
	test.use({ viewport: { width: 390, height: 800 } });

	test('Run all and its status fit the screen', async ({ page, bridge }) => {
		await openProcedure(page, bridge);
		const diagnose = runAll(page, 3);
		await diagnose.getByRole('button', { name: 'Run all 3 steps' }).click();
		await expect(diagnose.getByRole('status')).toContainText('Stopped at step 2 of 3');
		const overflow = await page.evaluate(
			() => document.documentElement.scrollWidth - document.documentElement.clientWidth,
		);
		expect(overflow).toBeLessThanOrEqual(0);
		const box = await diagnose.boundingBox();
		expect(box!.x + box!.width).toBeLessThanOrEqual(390);
	});
});

test('without JavaScript there is no Run all, and the needs still read', async ({
	browser,
	bridge,
}) => {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await page.goto(`${bridge.origin}/procedure/`);
	await expect(page.getByRole('button', { name: /^Run all/ })).toHaveCount(0);
	await expect(block(page, 'p.gated').locator('.ob-needs')).toHaveText(
		'Needs: Check the state file says ready',
	);
	await context.close();
});

test('without a bridge Run all shows, says why it cannot run, and loads none of its code', async ({
	page,
	bridge,
}) => {
	// The site of a running bridge, in a tab not paired with it: nothing here can run a step.
	await page.goto(`${bridge.origin}/procedure/`);
	await expect(page.locator('opsbook-bridge .ob-chip')).toContainText('not paired');
	const diagnose = runAll(page, 3);
	// Disabled for the moment (aria-disabled), still focusable, and pressed it says why.
	await diagnose.getByRole('button', { name: 'Run all 3 steps' }).focus();
	await page.keyboard.press('Enter');
	await expect(diagnose.getByRole('status')).toContainText(
		'A bridge is running here, but this tab is not paired with it.',
	);
	await expect(diagnose.getByRole('status')).toContainText('npx opsbook pair');
	// The control's code comes with the bridge client, not with every reader's page.
	expect(await page.evaluate(() => customElements.get('opsbook-run-all') === undefined)).toBe(true);
	// Paired, the same control runs the steps.
	await openProcedure(page, bridge);
	await expect(diagnose.getByRole('button', { name: 'Run all 3 steps' })).toHaveAttribute(
		'aria-disabled',
		'false',
	);
	await expect(diagnose.locator('.ob-run-all-status')).toBeEmpty();
});
