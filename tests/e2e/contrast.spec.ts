/**
 * WCAG AA contrast of everything Opsbook styles, in the dark and the light theme: command blocks
 * (risk badges, target chips, armed or not, notes, hints, errors, status, every button), the
 * header chip in each of its states with its popovers, the Runs panel, run bars with their exit
 * badges, the confirmation dialog, the production banner, the severity levels, and the decision
 * tree: its summary, answer buttons, and the outcome that applies, chosen by hand or by a check;
 * and incident mode: Declare, its dialog, the incident bar with an escalation due, resolved, and
 * the timeline page with its report preview; walkthroughs: their progress, a step done, a
 * check that did not pass, Reset asking, the overview and the sidebar badge; and practice and
 * drills: the PRACTICE chip and its list of drills, a change step's practice note, the DRILL chip,
 * banner and bar, a run answered from the scenario, the timeline's drill marks and the debrief.
 *
 * A responder reads these at 3 a.m. on whatever screen is at hand, so every text must reach
 * 4.5:1 against what is really behind it (3:1 for large text), disabled buttons included: they
 * still say why they cannot be used.
 */
import { expect, type Page } from '@playwright/test';
import { FRAGMENT_KEY } from '../../src/protocol.ts';
import { serveStatic } from '../../server/static.ts';
import { BRIDGE_SITE, test } from '../support/bridge-test.ts';
import { measureContrast, type TextContrast } from '../support/contrast.ts';

const ROOTS = [
	'opsbook-command',
	'opsbook-bridge',
	'.ob-banner',
	'.ob-confirm',
	'.ob-run-panel',
	'.ob-severity',
	'.ob-tree-summary',
	'.ob-answer',
	'.ob-decided',
	'li.ob-applies',
	'opsbook-run-all',
	'opsbook-incident',
	'.ob-incident-bar',
	'.ob-declare-dialog',
	'opsbook-timeline',
	'.ob-walk-progress',
	'.ob-walk-status',
	'.ob-walk-tag',
	'opsbook-walkthroughs',
	'#starlight__sidebar .sl-badge',
	'.ob-drill-banner',
	'.ob-practice-line',
];
// The command and the terminal are coloured by their own themes (Expressive Code, xterm).
const SKIP = ['figure', '.ob-term'];

const chip = (page: Page) => page.locator('opsbook-bridge .ob-chip');
const block = (page: Page, id: string) =>
	page.locator(`opsbook-command#cmd-${id.replaceAll('.', '\\.')}`);
const panel = (page: Page, id: string) => block(page, id).getByRole('region', { name: /^Run of / });

/** Collects the texts below AA, one line per kind of element and colour, and the worst ratio. */
class Findings {
	failures = new Map<string, { line: string; count: number }>();
	worst?: TextContrast & { state: string };
	count = 0;

	async measure(page: Page, state: string) {
		const texts = await measureContrast(page, ROOTS, SKIP);
		expect(texts.length, `${state}: some text measured`).toBeGreaterThan(0);
		this.count += texts.length;
		for (const text of texts) {
			if (!this.worst || text.ratio < this.worst.ratio) this.worst = { ...text, state };
			if (text.ratio >= text.required) continue;
			const key = `${text.where} ${text.color} ${text.background}`;
			const seen = this.failures.get(key);
			if (seen) seen.count++;
			else {
				this.failures.set(key, {
					line: `${text.ratio}:1 “${text.text}” (${text.color} on ${text.background}) in ${text.where}, ${state}`,
					count: 1,
				});
			}
		}
	}

	check() {
		const worst = this.worst;
		test.info().annotations.push({
			type: 'worst contrast',
			description: worst
				? `${worst.ratio}:1 “${worst.text}” (${worst.color} on ${worst.background}), ${worst.state}, of ${this.count} texts`
				: 'nothing measured',
		});
		const failures = [...this.failures.values()].map(
			({ line, count }) => `${line}${count > 1 ? ` (and ${count - 1} more)` : ''}`,
		);
		expect(failures, 'texts below WCAG AA contrast').toEqual([]);
	}
}

for (const theme of ['dark', 'light'] as const) {
	test.describe(`${theme} theme`, () => {
		test.use({ colorScheme: theme });
		test.beforeEach(async ({ page }) => {
			await page.addInitScript((theme) => localStorage.setItem('starlight-theme', theme), theme);
		});

		test('runbook pages, with no bridge and with an unpaired one', async ({ page }) => {
			const findings = new Findings();
			await page.goto('runbooks/database/');
			await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
			await expect(chip(page)).toContainText('not paired');
			const kill = block(page, 'db.kill-query');
			await kill.getByRole('textbox', { name: 'pid' }).fill('-1');
			await expect(kill.locator('.ob-error')).not.toBeEmpty();
			await findings.measure(page, 'database page, not paired');
			await kill.getByRole('button', { name: 'Run' }).click({ force: true });
			await expect(kill.getByRole('status')).not.toBeEmpty();
			await findings.measure(page, 'database page, Run pressed unpaired');
			await chip(page).click();
			await expect(page.locator('#ob-bridge-detail')).toBeVisible();
			await findings.measure(page, 'bridge popover, not paired');

			// No bridge at all: a published copy of the site.
			await page.route('**/_opsbook/**', (route) => route.abort());
			await page.goto('quick-reference/');
			await expect(chip(page)).toContainText('offline');
			await expect(page.locator('.ob-note').first()).toBeVisible();
			await chip(page).click();
			await expect(page.locator('#ob-bridge-detail')).toBeVisible();
			await findings.measure(page, 'quick reference, offline, popover open');

			await page.goto('severity/');
			await findings.measure(page, 'severity page');

			await page.goto('diagnosis/');
			await expect(page.getByRole('region', { name: 'Where you are' })).toBeVisible();
			await findings.measure(page, 'decision tree, nothing answered');
			const step = (n: number) =>
				page.getByRole('group', { name: new RegExp(`^Answer Step ${n}:`) });
			await step(1).getByRole('button', { name: 'Yes' }).click();
			await step(3).getByRole('button', { name: 'Some down' }).click();
			await expect(page.locator('li.ob-applies')).toHaveCount(2);
			await findings.measure(page, 'decision tree, answered by hand');
			findings.check();
		});

		test('a walkthrough: progress, steps done, Reset asking, the overview and the badge', async ({
			page,
		}) => {
			const findings = new Findings();
			await page.goto('onboarding/first-on-call/');
			await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
			await expect(page.getByRole('region', { name: 'Your progress' })).toBeVisible();
			await findings.measure(page, 'walkthrough, nothing done');
			const step = (n: number) => page.locator('.ob-walk-step').nth(n - 1);
			await step(1).getByRole('button', { name: 'Mark as done' }).click();
			await step(2).getByRole('button', { name: 'Mark as done' }).click();
			// A check that did not pass, as the bridge would announce its run.
			await page.evaluate(() =>
				document.dispatchEvent(
					new CustomEvent('opsbook:run', {
						detail: {
							id: 'contrast-1',
							block: 'onboarding.tools',
							state: 'exited',
							startedAt: Date.now(),
							durationMs: 10,
							verdict: { outcome: 'fail', reason: 'exit 1, expected 0' },
						},
					}),
				),
			);
			await expect(step(11).locator('.ob-walk-status')).toHaveAttribute('data-state', 'failed');
			await expect(page.locator('#starlight__sidebar .sl-badge')).toHaveText('2/11 steps done');
			await page.getByRole('button', { name: 'Reset progress…' }).click();
			await expect(page.getByRole('button', { name: 'Keep my progress' })).toBeVisible();
			await findings.measure(page, 'walkthrough, two done, a check failed, Reset asking');
			await page.goto('onboarding/');
			await expect(page.locator('opsbook-walkthroughs')).toContainText('2 of 11 steps done');
			await findings.measure(page, 'onboarding overview');
			findings.check();
		});

		test('incident mode: Declare, the dialog, the bar, the timeline and the report', async ({
			page,
		}) => {
			const findings = new Findings();
			const site = await serveStatic({ root: BRIDGE_SITE });
			try {
				await page.clock.install({ time: new Date('2026-11-26T10:00:00Z') });
				await page.goto(site.url);
				await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
				await expect(page.getByRole('button', { name: 'Declare incident' })).toBeVisible();
				await findings.measure(page, 'Declare in the header');
				await page.getByRole('button', { name: 'Declare incident' }).click();
				const dialog = page.getByRole('dialog', { name: 'Declare an incident' });
				await dialog.getByRole('button', { name: 'Declare', exact: true }).click();
				await expect(dialog.getByRole('alert')).toHaveText('Give the incident a title.');
				await findings.measure(page, 'Declare dialog, with its error');
				await dialog.getByLabel('Title').fill('Checkout down');
				await dialog.getByRole('radio', { name: /^SEV-2/ }).check();
				await dialog.getByLabel('Detected at (UTC)').fill('2026-11-26T08:30');
				await dialog.getByRole('button', { name: 'Declare', exact: true }).click();
				const bar = page.getByRole('region', { name: 'Incident', exact: true });
				await expect(bar.getByRole('button', { name: 'Escalate to SEV-1' })).toBeVisible();
				await findings.measure(page, 'incident bar, escalation due');
				await bar.getByLabel('Note', { exact: true }).fill('Paged the owner');
				await bar.getByLabel('Key event').check();
				await bar.getByLabel('Note', { exact: true }).press('Enter');
				await page.goto(`${site.url}incident/`);
				await page.getByRole('button', { name: 'Export report' }).click();
				await expect(page.locator('.ob-report-preview table').first()).toBeVisible();
				await findings.measure(page, 'timeline page and report preview');
				await bar.getByRole('button', { name: 'Resolve' }).click();
				await page
					.getByRole('dialog', { name: 'Resolve the incident?' })
					.getByRole('button', { name: 'Resolve', exact: true })
					.click();
				await expect(bar).toContainText('Resolved');
				await findings.measure(page, 'incident bar, resolved');
				findings.check();
			} finally {
				await site.close();
			}
		});

		test.describe('with a bridge', () => {
			test('runs, the Runs panel, targets and the confirmation', async ({ page, bridge }) => {
				test.setTimeout(60_000);
				const findings = new Findings();
				await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}`);
				await expect(chip(page)).toContainText('connected');
				await findings.measure(page, 'connected');

				// One at a time: a run's panel pushes the blocks below it down as it opens, and the
				// page scrolls it into view; a click sent as that happens lands on what moved there.
				await block(page, 't.echo').getByRole('button', { name: 'Run', exact: true }).click();
				await expect(panel(page, 't.echo')).toContainText('exit 0');
				await block(page, 't.fail').getByRole('button', { name: 'Run', exact: true }).click();
				await expect(panel(page, 't.fail')).toContainText('exit 3');
				await block(page, 't.sleep').getByRole('button', { name: 'Run', exact: true }).click();
				await expect(panel(page, 't.sleep').locator('.ob-run-state')).toHaveText('running');
				await findings.measure(page, 'runs done, failed and running');
				await page.getByRole('button', { name: /^Runs/ }).click();
				await expect(page.locator('#ob-runs')).toBeVisible();
				await findings.measure(page, 'Runs panel');
				await page.keyboard.press('Escape');
				await panel(page, 't.sleep').getByRole('button', { name: 'Stop' }).click();
				await expect(panel(page, 't.sleep').locator('.ob-run-state')).toHaveText('stopped', {
					timeout: 10_000,
				});
				await findings.measure(page, 'run stopped');

				const seq = block(page, 't.seq');
				await seq.getByRole('textbox', { name: 'count' }).fill('many');
				await expect(seq.locator('.ob-error')).not.toBeEmpty();
				await findings.measure(page, 'invalid value');

				await block(page, 't.destroy').getByRole('button', { name: 'Run', exact: true }).click();
				const dialog = page.getByRole('dialog');
				await expect(dialog).toBeVisible();
				await findings.measure(page, 'destructive confirmation');
				await dialog.getByRole('button', { name: 'Cancel' }).click();
				await expect(block(page, 't.destroy').getByRole('status')).not.toBeEmpty();

				await page.goto(`${bridge.origin}/remote/`);
				await expect(chip(page)).toContainText('connected');
				await expect(block(page, 'r.hello').locator('.ob-target-state')).toHaveText('not armed');
				await expect(
					block(page, 'r.hello').getByRole('button', { name: 'Run on this machine' }),
				).toBeVisible();
				await findings.measure(page, 'remote page, not armed');
				await chip(page).click();
				await expect(page.locator('#ob-bridge-detail .ob-targets')).toBeVisible();
				await findings.measure(page, 'targets popover');

				// Arming only marks the target: nothing connects to prodbox until a step runs.
				await page.getByRole('button', { name: 'Arm prodbox…' }).click();
				const arm = page.getByRole('dialog', { name: 'Arm prodbox (test sshd)?' });
				await expect(arm).toBeVisible();
				await findings.measure(page, 'production confirmation');
				await arm.getByLabel('Type prodbox to confirm').fill('prodbox');
				await arm.getByRole('button', { name: 'Arm', exact: true }).click();
				await expect(chip(page)).toHaveAttribute('data-state', 'production');
				await expect(page.locator('.ob-banner')).toBeVisible();
				await expect(block(page, 'r.prod').locator('.ob-target-state')).toHaveText('armed');
				await findings.measure(page, 'production armed');
				await chip(page).click();
				await expect(page.locator('#ob-bridge-detail')).toBeVisible();
				await findings.measure(page, 'production armed, popover');
				await page.keyboard.press('Escape');

				await page.goto(`${bridge.origin}/tree/`);
				// One at a time, as above: the first run's panel moves the second block.
				await block(page, 'tree.answers').getByRole('button', { name: 'Run', exact: true }).click();
				await expect(panel(page, 'tree.answers').locator('.ob-run-exit')).toBeVisible();
				await block(page, 'tree.disk').getByRole('button', { name: 'Run', exact: true }).click();
				await expect(page.locator('li.ob-applies')).toHaveCount(2);
				await findings.measure(page, 'decision tree, chosen by checks');
				findings.check();
			});

			test('a procedure: Run all stopped, a gate held, the reason asked', async ({
				page,
				bridge,
			}) => {
				const findings = new Findings();
				await page.goto(`${bridge.origin}/procedure/#${FRAGMENT_KEY}=${bridge.token}`);
				await expect(chip(page)).toContainText('connected');
				await expect(block(page, 'p.gated').locator('.ob-need-state')).toHaveText(
					' — not passed yet',
				);
				await findings.measure(page, 'procedure, connected');
				const diagnose = page.locator('opsbook-run-all').first();
				await diagnose.getByRole('button', { name: 'Run all 3 steps' }).click();
				await expect(diagnose.getByRole('status')).toContainText('Stopped at step 2 of 3');
				await findings.measure(page, 'Run all stopped at a failed check');
				const fix = page.locator('opsbook-run-all').nth(1);
				await fix.getByRole('button', { name: 'Run all 5 steps' }).click();
				await expect(page.getByRole('dialog')).toBeVisible();
				await findings.measure(page, 'Run all asks before a change step');
				await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
				await expect(fix.getByRole('status')).toContainText('Skipped');
				await findings.measure(page, 'Run all cancelled, a step skipped');
				await block(page, 'p.gated').getByRole('button', { name: 'Run anyway…' }).click();
				await expect(page.getByRole('dialog')).toBeVisible();
				await findings.measure(page, 'the reason to run anyway');
				await page.getByRole('dialog').getByLabel('Why run it anyway?').fill('checked by hand');
				await page.getByRole('dialog').getByRole('button', { name: 'Run anyway' }).click();
				await expect(block(page, 'p.gated').locator('.ob-run-override')).toBeVisible();
				await findings.measure(page, 'a run run anyway');
				findings.check();
			});

			test.describe('in practice', () => {
				test.use({ bridgeOptions: { practice: true } });

				test('practice, a drill and its debrief', async ({ page, bridge }) => {
					test.setTimeout(60_000);
					const findings = new Findings();
					await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}`);
					await expect(block(page, 't.change').locator('.ob-run-note')).toBeVisible();
					await findings.measure(page, 'practice, a change step not run');
					// A phone says PRACTICE in a line atop the page.
					const size = page.viewportSize()!;
					await page.setViewportSize({ width: 390, height: 844 });
					await expect(page.locator('.ob-practice-line')).toBeVisible();
					await findings.measure(page, 'practice line on a phone');
					await page.setViewportSize(size);
					await page.locator('opsbook-bridge .ob-mode').click();
					await expect(page.locator('#ob-mode-detail')).toBeVisible();
					await findings.measure(page, 'practice popover with its drills');
					await page
						.getByRole('button', { name: /^Start drill: / })
						.first()
						.click();
					await expect(page.locator('.ob-drill-banner')).toBeVisible();
					await expect(page.locator('.ob-incident-bar')).toContainText('DRILL');
					await findings.measure(page, 'drill banner and bar');
					await page.goto(`${bridge.origin}/tree/`);
					await block(page, 'tree.answers')
						.getByRole('button', { name: 'Run', exact: true })
						.click();
					await expect(panel(page, 'tree.answers').locator('.ob-run-drill')).toBeVisible();
					await expect(panel(page, 'tree.answers')).toContainText('exit 0');
					await findings.measure(page, 'a run answered from the scenario');
					await page.locator('opsbook-bridge .ob-mode').click();
					await expect(page.locator('#ob-mode-detail')).toBeVisible();
					await findings.measure(page, 'drill popover');
					await page.keyboard.press('Escape');
					await page.locator('.ob-drill-banner').getByRole('button', { name: 'End drill' }).click();
					await page
						.getByRole('dialog', { name: 'End the drill?' })
						.getByRole('button', { name: 'End drill' })
						.click();
					await expect(page.getByRole('region', { name: 'Debrief' })).toBeVisible();
					await expect(page.locator('.ob-tl-drill')).toBeVisible();
					await findings.measure(page, 'timeline of a drill and its debrief');
					findings.check();
				});
			});

			test('connecting and refused', async ({ page, context, bridge }) => {
				const findings = new Findings();
				// A bridge that never answers hello keeps the chip connecting.
				await page.routeWebSocket(bridge.wsUrl, () => {});
				await page.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}`);
				await expect(chip(page)).toHaveAttribute('data-state', 'connecting');
				await chip(page).click();
				await findings.measure(page, 'connecting');

				// A tab of its own: this one holds a pairing now, which a refused link does not undo.
				const tab = await context.newPage();
				await tab.goto(`${bridge.origin}/#${FRAGMENT_KEY}=${bridge.token}@evil.example:1234`);
				await expect(chip(tab)).toHaveAttribute('data-state', 'refused');
				await chip(tab).click();
				await findings.measure(tab, 'refused');
				findings.check();
			});
		});
	});
}
