/**
 * The drill debrief: the route taken against the scenario's, wrong turns, risky blocks and checks
 * skipped, from a drill's timeline. The Markdown is checked against a golden file a person read
 * once (tests/unit/fixtures/drill/debrief.md); after a deliberate change, rewrite it with
 * OPSBOOK_UPDATE_GOLDEN=1 node --test tests/unit/debrief.test.ts and read the diff.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { debrief, renderDebrief } from '../../src/incident/debrief.ts';
import type { EventOf, TimelineEvent } from '../../src/incident/schema.ts';
import type { DrillScenario } from '../../src/runbook/drill.ts';
import { loadRunbooks } from '../../src/runbook/runbooks-fs.ts';
import type { DecisionTreeModel } from '../../src/runbook/tree.ts';
import { after, declared, event } from './fixtures/incident/events.ts';

let drill: DrillScenario;
let tree: DecisionTreeModel;
let titles: Map<string, { title: string; risk: 'read' | 'change' | 'destructive'; page: string }>;

before(async () => {
	const loaded = await loadRunbooks({ root: process.cwd() });
	drill = loaded.drills.find((d) => d.name === 'database-down')!;
	tree = loaded.runbooks.find((r) => r.slug === 'diagnosis')!.tree!;
	titles = new Map(
		loaded.blocks.map((b) => [
			b.block.id,
			{ title: b.block.title, risk: b.block.risk, page: b.block.page.slug },
		]),
	);
});

let runs = 0;

/** A run of `block` at `minutes` after detection, ending `seconds` later with `exit`. */
function ran(
	block: string,
	minutes: number,
	{
		exit = 0,
		verdict,
		override,
	}: {
		exit?: number;
		verdict?: 'pass' | 'fail';
		override?: EventOf<'run-started'>['override'];
	} = {},
): TimelineEvent[] {
	const run = `r-${++runs}`;
	const { title, risk, page } = titles.get(block)!;
	const at = after(minutes);
	return [
		event('run-started', {
			at,
			run,
			bridge: 'b-drill',
			block,
			title,
			risk,
			check: verdict !== undefined,
			blockPage: page,
			page,
			target: 'orion',
			command: `# ${block}`,
			simulated: true,
			...(override && { override }),
		}),
		event('run-ended', {
			at: new Date(Date.parse(at) + 2000).toISOString(),
			run,
			bridge: 'b-drill',
			block,
			end: 'exited',
			exitCode: exit,
			durationMs: 2000,
			...(verdict && {
				verdict: { outcome: verdict, reason: verdict === 'pass' ? 'exit 0' : `exit ${exit}` },
			}),
		}),
	];
}

/** The tree's step `step` answered with `outcome` at `minutes` after detection. */
function decided(step: number, outcome: string, minutes: number, how: 'check' | 'hand' = 'check') {
	const found = tree.steps[step - 1]!;
	return event('decision', {
		at: after(minutes),
		page: 'diagnosis',
		step: found.id,
		stepTitle: found.title,
		outcome,
		how,
	});
}

const start = () =>
	declared({ title: drill.title, severity: 1, drill: 'database-down', at: after(6) });

/** The drill played by the book: the tree to Step 3, Runbook 2, db.start, db.ready passes. */
const byTheBook = (): TimelineEvent[] => [
	start(),
	...ran('diagnosis.ssh-check', 7, { verdict: 'pass' }),
	decided(1, 'Yes', 7.1),
	...ran('diagnosis.docker', 8, { verdict: 'pass' }),
	decided(2, 'Yes', 8.1),
	...ran('diagnosis.containers', 9),
	decided(3, 'Some down', 10, 'hand'),
	...ran('db.status', 11),
	...ran('db.ready', 12, { exit: 1, verdict: 'fail' }),
	...ran('db.start', 13, { verdict: 'pass' }),
	...ran('db.restart-app', 14),
	...ran('db.ready', 15, { verdict: 'pass' }),
	event('resolved', { at: after(16) }),
];

describe('the drill debrief', () => {
	it('follows the route with no wrong turn: times to diagnosis and fix, the route taken', () => {
		const d = debrief(drill, byTheBook(), { tree });
		assert.deepEqual(d.wrongTurns, []);
		assert.deepEqual(d.risky, []);
		assert.deepEqual(d.skipped, []);
		assert.deepEqual(d.diagnosis, { at: after(11), afterMs: 11 * 60_000, how: 'runbook' });
		// Fixed once both fix blocks have exited 0: db.restart-app's end, 14 min 2 s after detection.
		assert.equal(d.fix?.afterMs, 14 * 60_000 + 2000);
		assert.deepEqual(
			d.taken.map((l) => `${l.kind} ${l.name}${l.answer ? ` ${l.answer}` : ''} ${l.onRoute}`),
			[
				'step step-1-can-you-reach-the-server Yes true',
				'step step-2-is-docker-running Yes true',
				'step step-3-are-the-containers-running Some down true',
				'page runbooks/database true',
				'fix db.start true',
				'fix db.restart-app true',
				'verify db.ready true',
			],
		);
		assert.deepEqual(
			d.expected.map((l) => `${l.kind} ${l.title ?? l.name}${l.answer ? ` ${l.answer}` : ''}`),
			[
				'step Step 1: Can you reach the server? Yes',
				'step Step 2: Is Docker running? Yes',
				'step Step 3: Are the containers running? Some down',
				'page runbooks/database',
				'fix db.start',
				'fix db.restart-app',
				'verify db.ready',
			],
		);
		const markdown = renderDebrief(d, drill);
		assert.match(markdown, /^- \*\*Wrong turns\*\*: 0$/m);
		assert.match(markdown, /^None: every step taken before the fix was on the route\.$/m);
	});

	it('names one wrong turn: a route step answered otherwise, then a step off the route', () => {
		const events = byTheBook().filter((e) => !(e.kind === 'decision' && e.outcome === 'Some down'));
		events.push(decided(3, 'All healthy', 10, 'hand'));
		const d = debrief(drill, events, { tree });
		assert.deepEqual(
			d.wrongTurns.map((w) => w.text),
			[
				'“Step 3: Are the containers running?”: answered All healthy by hand; the route expects Some down there',
			],
		);
		assert.equal(d.wrongTurns[0]!.afterMs, 10 * 60_000);
		// Runbook 2 was still reached through its runs: diagnosed by the runbook, not the tree.
		assert.equal(d.diagnosis?.how, 'runbook');
		const markdown = renderDebrief(d, drill);
		assert.match(
			markdown,
			/^1\. 03:15 \(\+10 min\): “Step 3: Are the containers running\?”: answered All healthy by hand; the route expects Some down there\.$/m,
		);
	});

	it('names a page off the route and a step off the route, but nothing after the fix', () => {
		const events = [
			...byTheBook(),
			...ran('celery.status', 10.5),
			decided(4, 'Yes', 10.7),
			// After the fix the trainee walks the tree again and checks the API: no wrong turn.
			decided(6, 'Both work', 15.5),
			...ran('api.status', 15.6),
		];
		const d = debrief(drill, events, { tree });
		assert.deepEqual(
			d.wrongTurns.map((w) => w.text),
			[
				'Went to runbooks/celery (ran celery.status): that page is not on the route, which expected a run on runbooks/database here',
				'“Step 4: Is Caddy running?”: its checks said Yes; that step is not on the route, which expected a run on runbooks/database here',
			],
		);
		assert.deepEqual(
			d.taken.filter((l) => l.afterFix).map((l) => l.name),
			['step-6-is-the-api-responding', 'runbooks/api'],
		);
	});

	it('lists risky blocks: the scenario’s worse blocks with why, and any other destructive one', () => {
		const events = [...byTheBook(), ...ran('disk.prune', 12.5), ...ran('db.kill-idle', 12.7)];
		const d = debrief(drill, events, { tree });
		assert.deepEqual(
			d.risky.map((r) => [r.block, r.risk, r.why]),
			[
				['disk.prune', 'destructive', drill.worse.find((w) => w.block === 'disk.prune')!.why],
				[
					'db.kill-idle',
					'destructive',
					'A destructive block that is not part of the fix: what it deletes does not come back.',
				],
			],
		);
		assert.match(
			renderDebrief(d, drill),
			/^- 03:17 \(\+12 min 30 s\): `disk\.prune` “Remove every unused Docker image, build cache, network and volume” \(destructive, exit 0\)\. With the database stopped/m,
		);
	});

	it('lists checks skipped: a step answered by hand, a gate overridden, a fix unverified', () => {
		const events: TimelineEvent[] = [
			start(),
			decided(1, 'Yes', 7, 'hand'),
			decided(2, 'Yes', 8, 'check'),
			decided(3, 'Some down', 9, 'hand'),
			...ran('db.restart-app', 10, {
				override: { reason: 'in a hurry', unmet: ['db.ready|db.start'] },
			}),
			...ran('db.start', 11, { verdict: 'pass' }),
		];
		const d = debrief(drill, events, { tree });
		assert.deepEqual(
			d.skipped.map((s) => s.text),
			[
				'“Step 1: Can you reach the server?” was answered by hand; its check diagnosis.ssh-check could have decided it',
				'db.restart-app was run anyway while its gate was closed (needs db.ready|db.start): “in a hurry”',
				'db.restart-app was run before db.ready had looked at the problem',
				'Nothing confirmed the fix: db.ready did not pass after it',
			],
		);
		// Without runs on Runbook 2 before the fix, diagnosis is the tree's last route step.
		assert.deepEqual(d.diagnosis?.how, 'runbook');
		assert.equal(debrief(drill, events.slice(0, 4), { tree }).diagnosis?.how, 'tree');
		assert.equal(debrief(drill, events.slice(0, 4), { tree }).fix, undefined);
	});

	it('names a wrong turn once, with what the route expected there and what the checks said', () => {
		// Two check runs decide Step 6 the same way before anything else: one wrong turn, not two.
		const events = [
			start(),
			...ran('api.status', 6.5),
			decided(6, 'Both work', 6.6),
			decided(6, 'Both work', 6.7),
			...byTheBook().slice(1),
		];
		const d = debrief(drill, events, { tree });
		assert.deepEqual(
			d.wrongTurns.map((w) => w.text),
			[
				'Went to runbooks/api (ran api.status): that page is not on the route, which expected “Step 1: Can you reach the server?” → Yes here',
				'“Step 6: Is the API responding?”: its checks said Both work; that step is not on the route, which expected “Step 1: Can you reach the server?” → Yes here',
			],
		);
		assert.equal(d.taken.filter((l) => l.name === 'step-6-is-the-api-responding').length, 1);
		const other = byTheBook().filter((e) => !(e.kind === 'decision' && e.outcome === 'Some down'));
		other.push(decided(3, 'All healthy', 10, 'hand'));
		assert.deepEqual(
			debrief(drill, other, { tree }).wrongTurns.map((w) => w.text),
			[
				'“Step 3: Are the containers running?”: answered All healthy by hand; the route expects Some down there',
			],
		);
	});

	it('names the route steps never decided', () => {
		// Straight to Runbook 2: the tree's Steps 1–3 were never decided.
		const events = [
			start(),
			...byTheBook()
				.filter((e) => e.kind !== 'decision')
				.slice(1),
		];
		const d = debrief(drill, events, { tree });
		assert.deepEqual(
			d.missed.map((m) => m.text),
			[
				'“Step 1: Can you reach the server?” was never decided (the route answers Yes; its check diagnosis.ssh-check decides it)',
				'“Step 2: Is Docker running?” was never decided (the route answers Yes; its check diagnosis.docker decides it)',
				`“Step 3: Are the containers running?” was never decided (the route answers Some down${tree.steps[2]!.by === 'check' ? `; its check ${tree.steps[2]!.checks.join(', ')} decides it` : ''})`,
			],
		);
		const markdown = renderDebrief(d, drill);
		assert.match(markdown, /^- \*\*Checks skipped\*\*: 3$/m);
		assert.match(markdown, /^- Never decided: “Step 1: Can you reach the server\?”/m);
		assert.deepEqual(debrief(drill, byTheBook(), { tree }).missed, []);
	});

	it('shows the verify checks in the expected route and the route taken', () => {
		const d = debrief(drill, byTheBook(), { tree });
		assert.deepEqual(
			d.expected.filter((l) => l.kind === 'verify').map((l) => l.name),
			['db.ready'],
		);
		assert.deepEqual(
			d.taken.filter((l) => l.kind === 'verify').map((l) => [l.name, l.result, l.at]),
			[['db.ready', 'passed', new Date(Date.parse(after(15)) + 2000).toISOString()]],
		);
		const markdown = renderDebrief(d, drill);
		assert.match(markdown, /^\d\. Verify: `db\.ready` passes$/m);
		assert.match(markdown, /^\| 03:20 \| Verified: `db\.ready` .* passed \| confirms the fix \|$/m);
		// Not run after the fix: said in the route taken, with no time.
		const unverified = byTheBook().filter(
			(e) => !('at' in e && e.at >= after(15) && e.kind !== 'resolved'),
		);
		const markdown2 = renderDebrief(debrief(drill, unverified, { tree }), drill);
		assert.match(
			markdown2,
			/^\| — \| Verify: `db\.ready` was not run after the fix \| \*\*not confirmed\*\* \|$/m,
		);
	});

	it('gives times with seconds, from detection and from the drill’s start', () => {
		const markdown = renderDebrief(debrief(drill, byTheBook(), { tree }), drill);
		assert.match(
			markdown,
			/^- \*\*Time to fix\*\*: 14 min 2 s from detection, 8 min 2 s from the drill’s start \(until/m,
		);
		assert.match(
			markdown,
			/^- \*\*Time to diagnosis\*\*: 11 min from detection, 5 min from the drill’s start \(/m,
		);
		assert.match(
			markdown,
			/^- \*\*Drill started\*\*: 03:11 UTC, 6 min after the alert fired \(03:05 UTC\)/m,
		);
	});

	it('writes the summary as a list and the route table with a header for every column', () => {
		const markdown = renderDebrief(debrief(drill, byTheBook(), { tree }), drill);
		assert.match(markdown, /^- \*\*Severity\*\*: SEV-1$/m);
		assert.match(markdown, /^- \*\*Date\*\*: 2026-11-26$/m);
		assert.match(markdown, /^\| Time \(UTC\) \| Taken \| Against the route \|$/m);
		assert.match(
			markdown,
			/^\| 03:12 \| Step 1: Can you reach the server\? → \*\*Yes\*\* \(by its checks\) \| on the route \|$/m,
		);
		assert.match(markdown, /^1\. Step 1: Can you reach the server\? → \*\*Yes\*\*$/m);
		assert.doesNotMatch(markdown, /\?:/);
	});

	it('writes the golden debrief: one wrong turn, one risky block, one check skipped', () => {
		const events = [
			start(),
			...ran('diagnosis.ssh-check', 7, { verdict: 'pass' }),
			decided(1, 'Yes', 7.1),
			decided(2, 'Yes', 8, 'hand'),
			...ran('diagnosis.containers', 9),
			decided(3, 'All healthy', 9.5, 'hand'),
			...ran('diagnosis.caddy', 10, { verdict: 'pass' }),
			decided(4, 'Yes', 10.1),
			decided(3, 'Some down', 12, 'hand'),
			...ran('db.status', 13),
			...ran('db.ready', 13.5, { exit: 1, verdict: 'fail' }),
			...ran('db.restore', 15, { exit: 0 }),
			...ran('db.start', 17, { verdict: 'pass' }),
			...ran('db.restart-app', 18),
			...ran('db.ready', 19, { verdict: 'pass' }),
			event('resolved', { at: after(20) }),
		];
		const written = renderDebrief(debrief(drill, events, { tree }), drill);
		const golden = new URL('./fixtures/drill/debrief.md', import.meta.url);
		if (process.env.OPSBOOK_UPDATE_GOLDEN) writeFileSync(golden, written);
		assert.equal(written, readFileSync(golden, 'utf8'));
		assert.equal(renderDebrief(debrief(drill, [...events].reverse(), { tree }), drill), written);
	});
});
