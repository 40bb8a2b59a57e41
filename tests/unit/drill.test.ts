/**
 * Drill scenarios: the reader's problems with their line, the answers changing once the fix has
 * run, and every scenario of the site and of the fixture site played to its fix by following the
 * pages, through the same verdicts (`judge`, `OutputMatcher`) and tree logic (`outcomeFor`) the
 * page uses.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { answerFor, answerOutput, readDrill, type DrillScenario } from '../../src/runbook/drill.ts';
import { formatProblems, loadRunbooks } from '../../src/runbook/runbooks-fs.ts';
import type { CommandBlock } from '../../src/runbook/schema.ts';
import { displayTemplate } from '../../src/runbook/template.ts';
import { outcomeFor } from '../../src/runbook/tree.ts';
import { isCheck, judge, OutputMatcher, type Outcome } from '../../src/runbook/verdict.ts';

const TREE = `---
title: Diagnosis
---

import { Steps } from '@astrojs/starlight/components';
import { Decision, DecisionTree, When } from '../src/components.ts';

<DecisionTree>
<Steps>

1. ### Step 1: Is it up?

   \`\`\`bash id=d.up risk=read expect-exit=0
   true
   \`\`\`

   <Decision>

   - **Yes** <When pass /> — proceed to [Step 2](#step-2-what-runs).
   - **No** <When fail /> — go to [the fix](../runbooks/fix/).

   </Decision>

2. ### Step 2: What runs?

   \`\`\`bash id=d.ps risk=read
   ps
   \`\`\`

   <Decision by="hand">

   - **All fine** — stop here.
   - **Something is off** — go to [the fix](../runbooks/fix/).

   </Decision>

</Steps>
</DecisionTree>
`;

const RUNBOOK = `---
title: The fix
---

\`\`\`bash id=f.check risk=read expect-output="^ok$"
echo ok
\`\`\`

\`\`\`bash id=f.start risk=change
start
\`\`\`

\`\`\`bash id=f.wipe risk=destructive confirm=wipe
wipe {{backup:word}} {{key:secret}}
\`\`\`
`;

const SEVERITY = `---
title: Severity
---

import { Severity, SeverityTable } from '../src/components.ts';

<SeverityTable>

| Level | Definition | Response Time |
|---|---|---|
| <Severity level={1} /> | All down | &lt; 15 min |
| <Severity level={2} /> | Some down | &lt; 1 hour |

</SeverityTable>
`;

/** A drill that plays on the small site above: Step 1 fails, the fix is f.start. */
const GOOD = `title: It is down
severity: 1
alert: It is down
detected: 5
answers:
  d.up:
    - exit: 1
    - after: [f.start]
      exit: 0
  f.check:
    - exit: 0
      output: not yet
    - after: [f.start]
      exit: 0
      output: ok
  f.start:
    - exit: 0
route:
  tree: diagnosis
  steps:
    - step-1-is-it-up: No
  runbook: runbooks/fix
  fix: [f.start]
  verify: [f.check]
worse:
  - block: f.wipe
    why: It wipes.
`;

/** The problems (`file:line:column: message`) of the small site with `drill` as drills/x.yaml. */
async function problemsOf(drill: string, name = 'x'): Promise<string[]> {
	const root = await mkdtemp(join(tmpdir(), 'opsbook-drill-'));
	try {
		await mkdir(join(root, 'content/runbooks'), { recursive: true });
		await mkdir(join(root, 'content/drills'));
		await writeFile(join(root, 'content/diagnosis.mdx'), TREE);
		await writeFile(join(root, 'content/runbooks/fix.mdx'), RUNBOOK);
		await writeFile(join(root, 'content/severity.mdx'), SEVERITY);
		await writeFile(join(root, `content/drills/${name}.yaml`), drill);
		const { problems, drills } = await loadRunbooks({ root });
		if (problems.length === 0) assert.equal(drills.length, 1);
		return problems.length === 0
			? []
			: formatProblems(problems)
					.split('\n')
					.slice(1)
					.map((line) => line.trim());
	} finally {
		await rm(root, { recursive: true, force: true });
	}
}

const edit = (from: string, to: string) => {
	assert.ok(GOOD.includes(from), from);
	return GOOD.replace(from, to);
};

describe('reading a drill', () => {
	it('takes a drill that plays on the site', async () => {
		assert.deepEqual(await problemsOf(GOOD), []);
	});

	it('reads answers: after as a list, a trailing newline added, duration in ms', () => {
		const { scenario, problems } = readDrill(
			edit('    - exit: 1\n', '    - exit: 1\n      output: "down"\n      duration: 2s\n'),
			{ file: 'content/drills/x.yaml', name: 'x' },
		);
		assert.deepEqual(problems, []);
		assert.deepEqual(scenario!.answers.get('d.up'), [
			{ after: [], exit: 1, output: 'down\n', durationMs: 2000, line: 7 },
			{ after: ['f.start'], exit: 0, output: '', line: 10 },
		]);
		assert.deepEqual(scenario!.route.choices, { 'step-1-is-it-up': 'No' });
		assert.equal(scenario!.detectedMinutesAgo, 5);
	});

	it('refuses what is not YAML, unknown keys, bad exit codes and missing parts, with their line', async () => {
		assert.deepEqual(await problemsOf('title: [oops\n'), [
			'content/drills/x.yaml:2:1: the drill is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
		]);
		assert.deepEqual(await problemsOf(edit('detected: 5\n', 'detected: 5\nseverity_: 2\n')), [
			'content/drills/x.yaml:5:1: a drill takes title, severity, alert, detected, explanation, answers, route, worse; not "severity_"',
		]);
		assert.deepEqual(await problemsOf(edit('    - exit: 1\n', '    - exit: 300\n')), [
			'content/drills/x.yaml:7:13: d.up, answer 1: exit is a whole number from 0 to 255, not 300',
		]);
		assert.deepEqual(
			await problemsOf(edit('      output: ok\n', '      output: ok\n      stdout: ok\n')),
			[
				'content/drills/x.yaml:16:7: f.check, answer 2 takes after, exit, output, duration; not "stdout"',
			],
		);
		assert.deepEqual(await problemsOf(edit('  verify: [f.check]\n', '')), [
			'content/drills/x.yaml:19:3: route has no verify',
		]);
		assert.deepEqual(await problemsOf(GOOD, 'Bad_Name'), [
			'content/drills/Bad_Name.yaml:1:1: "Bad_Name" is no drill name: name the file in lowercase words joined by -, like database-down.yaml (the name is what --drill takes)',
		]);
	});

	it('refuses answers that are never given and after: blocks that never succeed', async () => {
		assert.deepEqual(
			await problemsOf(
				edit('  f.start:\n    - exit: 0\n', '  f.start:\n    - exit: 0\n    - exit: 1\n'),
			),
			[
				'content/drills/x.yaml:17:7: f.start: this answer is never given: the one at line 18 comes later and applies whenever this one does (answers are tried from the last; put the one with fewer "after" blocks first)',
			],
		);
		assert.deepEqual(
			await problemsOf(
				edit(
					'    - after: [f.start]\n      exit: 0\n  f.check',
					'    - after: [f.wipe]\n      exit: 0\n  f.check',
				),
			),
			[
				'content/drills/x.yaml:8:15: d.up: "after: f.wipe" can never be met: the drill gives f.wipe no answer that exits 0',
			],
		);
	});

	it('checks the drill against the site: blocks, steps, answers, pages, severity, fix and verify', async () => {
		assert.deepEqual(await problemsOf(edit('severity: 1', 'severity: 3')), [
			'content/drills/x.yaml:2:11: SEV-3 is no level of the severity table; its levels are SEV-1, SEV-2',
		]);
		assert.deepEqual(
			await problemsOf(edit('  f.start:\n', '  f.stat:\n    - exit: 0\n  f.start:\n')),
			[
				'content/drills/x.yaml:16:3: f.stat is no block of the site; name a block by its id= (like db.ready)',
			],
		);
		assert.deepEqual(await problemsOf(edit('step-1-is-it-up: No', 'step-1-is-it-down: No')), [
			'content/drills/x.yaml:21:7: step-1-is-it-down is no step of content/diagnosis.mdx (its steps: step-1-is-it-up, step-2-what-runs)',
		]);
		assert.deepEqual(await problemsOf(edit('step-1-is-it-up: No', 'step-1-is-it-up: Maybe')), [
			'content/drills/x.yaml:21:24: Step 1: Is it up? has no answer "Maybe"; its answers are "Yes", "No"',
		]);
		assert.deepEqual(await problemsOf(edit('step-1-is-it-up: No', 'step-1-is-it-up: Yes')), [
			'content/drills/x.yaml:21:24: Step 1: Is it up?, **Yes** does not lead to runbooks/fix: the route goes where the page sends the trainee (its links: #step-2-what-runs)',
		]);
		assert.deepEqual(
			await problemsOf(edit('runbook: runbooks/fix', 'runbook: runbooks/fox')),
			[
				'content/drills/x.yaml:22:12: no page is at runbooks/fox; route.runbook is the slug of the runbook page, like runbooks/database',
				'content/drills/x.yaml:21:24: Step 1: Is it up?, **No** does not lead to runbooks/fox: the route goes where the page sends the trainee (its links: ../runbooks/fix/)',
			].sort(),
		);
		assert.deepEqual(
			await problemsOf(
				edit('  fix: [f.start]\n  verify: [f.check]', '  fix: [f.check]\n  verify: [f.start]'),
			),
			[
				'content/drills/x.yaml:23:9: f.check is a read step: it changes nothing, so it cannot be the fix (a fix is a change or destructive block)',
				'content/drills/x.yaml:24:12: f.start is no check: nothing says whether it passed; give route.verify blocks with expect-exit= or expect-output=',
			],
		);
	});

	it('refuses a route its own answers do not follow, or a fix that changes nothing', async () => {
		// With d.up passing before the fix, Step 1's check says Yes, not the route's No.
		assert.deepEqual(await problemsOf(edit('    - exit: 1\n', '    - exit: 0\n')), [
			'content/drills/x.yaml:21:24: Step 1: Is it up?: with the drill\'s answers (d.up: pass, exit 0) the checks choose "Yes", not "No"',
		]);
		assert.deepEqual(await problemsOf(edit('      output: not yet\n', '      output: ok\n')), [
			'content/drills/x.yaml:24:12: every verify check passes before the fix (f.check): nothing in this drill is broken; give them failing answers, and passing ones after: [the fix]',
		]);
		assert.deepEqual(
			await problemsOf(edit('    - after: [f.start]\n      exit: 0\n      output: ok\n', '')),
			[
				'content/drills/x.yaml:21:12: f.check does not pass after the fix (fail, no line matched `^ok$`): give it an answer with after: [f.start] that passes',
			],
		);
	});
});

describe('an answer naming its block’s parameters', () => {
	const wiped = (output: string) =>
		edit(
			'  f.start:\n    - exit: 0\n',
			`  f.start:\n    - exit: 0\n  f.wipe:\n    - exit: 0\n      output: ${output}\n`,
		);

	it('shows the value the trainee gave where the output names it', () => {
		const { scenario } = readDrill(wiped('"Restoring {{backup}} over {{backup}}; {{other}}"'), {
			file: 'content/drills/x.yaml',
			name: 'x',
		});
		const answer = answerFor(scenario!, 'f.wipe', new Set())!;
		assert.equal(
			answerOutput(answer, { backup: 'orion_0300' }),
			'Restoring orion_0300 over orion_0300; {{other}}\n',
		);
	});

	it('refuses a name that is no parameter of the block, or a secret one, at its line', async () => {
		assert.deepEqual(await problemsOf(wiped('"Restoring {{backup}}"')), []);
		assert.deepEqual(await problemsOf(wiped('"Restoring {{backups}}"')), [
			'content/drills/x.yaml:19:7: the output names {{backups}}, which is no parameter of f.wipe; it can name {{backup}}',
		]);
		assert.deepEqual(await problemsOf(wiped('"key {{key}}"')), [
			'content/drills/x.yaml:19:7: the output names {{key}}, which is a secret parameter: it is never shown; it can name {{backup}}',
		]);
	});
});

describe('answers after a fix', () => {
	it('database-down: db.ready answers "no response" until db.start has run with exit 0', async () => {
		const { drills } = await loadRunbooks({ root: process.cwd() });
		const drill = drills.find((d) => d.name === 'database-down')!;
		assert.equal(answerFor(drill, 'db.ready', new Set())?.output, 'service "db" is not running\n');
		assert.equal(answerFor(drill, 'db.ready', new Set())?.exit, 1);
		const after = answerFor(drill, 'db.ready', new Set(['db.start']));
		assert.equal(after?.exit, 0);
		assert.equal(after?.output, '/var/run/postgresql:5432 - accepting connections\n');
		// The API is healthy only once it has been restarted on a running database.
		assert.match(
			answerFor(drill, 'diagnosis.health-local', new Set(['db.start']))!.output,
			/unhealthy/,
		);
		assert.match(
			answerFor(drill, 'diagnosis.health-local', new Set(['db.start', 'db.restart-app']))!.output,
			/"status": "healthy"/,
		);
		assert.equal(
			answerFor(drill, 'caddy.logs', new Set()),
			undefined,
			'no answer: the drill says so',
		);
	});

	it('the API health checks fail on an unhealthy body: curl -s exits 0 on a 503', async () => {
		const loaded = await loadRunbooks({ root: process.cwd() });
		const judged = (block: CommandBlock, output: string) => {
			const matcher = new OutputMatcher(block.expect!.output!);
			matcher.push(new TextEncoder().encode(output));
			return judge(block.expect!, { end: 'exited', exitCode: 0, matched: matcher.end() }).outcome;
		};
		// Every check that reads the API's JSON health body, on the real site too.
		const health = loaded.blocks
			.map((b) => b.block)
			.filter((b) => isCheck(b.expect) && /curl -s \S+\/health\b/.test(displayTemplate(b).text));
		assert.deepEqual(health.map((b) => b.id).sort(), [
			'api.verify',
			'caddy.health-internal',
			'diagnosis.health-external',
			'diagnosis.health-local',
			'restart.health',
			'restore.external',
			'restore.health',
		]);
		for (const block of health) {
			assert.ok(block.expect?.output, `${block.id} expects a healthy status in its output`);
			for (const [body, outcome] of [
				['{"status":"unhealthy","database":"down","redis":"up"}', 'fail'],
				['{\n    "status": "unhealthy",\n    "database": "down"\n}', 'fail'],
				['{"detail":"Service Unavailable"}', 'fail'],
				['{"status":"healthy","database":"up","redis":"up"}', 'pass'],
				['{\n    "status": "healthy",\n    "database": "up"\n}', 'pass'],
			] as const) {
				assert.equal(judged(block, body), outcome, `${block.id}: ${body}`);
			}
		}
		// In the drill, Step 6 no longer reads "Both work" while the database is down.
		const drill = loaded.drills.find((d) => d.name === 'database-down')!;
		const blocks = new Map(health.map((b) => [b.id, b]));
		for (const id of ['diagnosis.health-local', 'diagnosis.health-external']) {
			assert.equal(judged(blocks.get(id)!, answerFor(drill, id, new Set())!.output), 'fail', id);
			const fixed = answerFor(drill, id, new Set(['db.start', 'db.restart-app']))!.output;
			assert.equal(judged(blocks.get(id)!, fixed), 'pass', id);
		}
	});

	it('disk-full: the later answer whose after blocks have all run answers', async () => {
		const { drills } = await loadRunbooks({ root: process.cwd() });
		const drill = drills.find((d) => d.name === 'disk-full')!;
		const df = (...ran: string[]) => answerFor(drill, 'disk.usage', new Set(ran))!.output;
		assert.match(df(), /35G +0 100% \/$/m);
		assert.match(df('disk.truncate-logs'), /311M 100%/);
		assert.match(df('disk.old-backups'), /10G  72%/);
		assert.match(df('disk.truncate-logs', 'disk.old-backups'), /11G  71%/);
	});
});

/**
 * Plays a scenario as a trainee following the pages: each route step's checks answered and
 * judged, the outcome the verdicts choose followed; then the fix, then the verify checks.
 */
function play(
	drill: DrillScenario,
	loaded: Awaited<ReturnType<typeof loadRunbooks>>,
	root: string,
) {
	const blocks = new Map<string, CommandBlock>(loaded.blocks.map((b) => [b.block.id, b.block]));
	const tree = loaded.runbooks.find((r) => r.slug === drill.route.tree)?.tree;
	assert.ok(tree, `${drill.name}: ${drill.route.tree} has a tree`);
	const succeeded = new Set<string>();
	const run = (id: string) => {
		const answer = answerFor(drill, id, succeeded);
		if (answer?.exit === 0) succeeded.add(id);
		return answer;
	};
	const verdict = (id: string) => {
		const answer = run(id);
		assert.ok(answer, `${drill.name}: ${id} is answered`);
		const expect = blocks.get(id)!.expect!;
		assert.ok(isCheck(expect), `${id} is a check`);
		const matcher = expect.output === undefined ? undefined : new OutputMatcher(expect.output);
		matcher?.push(new TextEncoder().encode(answer.output));
		return judge(expect, {
			end: 'exited',
			exitCode: answer.exit,
			matched: matcher?.end() ?? false,
		});
	};
	const pages = [...drill.route.via, drill.route.runbook];
	drill.route.steps.forEach((id, i) => {
		const step = tree.steps.find((s) => s.id === id)!;
		let chosen: number | undefined;
		if (step.by === 'check') {
			const verdicts: Record<string, Outcome> = {};
			for (const check of step.checks) verdicts[check] = verdict(check).outcome;
			chosen = outcomeFor(step, verdicts);
		} else {
			// Answered by hand: the trainee reads what the step's blocks print and picks the answer.
			const shown = loaded.blocks.filter(
				(b) => b.block.page.slug === tree.page && b.block.heading?.slug === id,
			);
			assert.ok(
				shown.some((b) => run(b.block.id)),
				`${drill.name}: ${step.title} shows an answer`,
			);
			chosen = step.outcomes.findIndex((o) => o.label === drill.route.choices[id]);
		}
		const outcome = step.outcomes[chosen ?? -1];
		assert.equal(outcome?.label, drill.route.choices[id], `${drill.name}: ${step.title}`);
		const next = drill.route.steps[i + 1];
		assert.ok(
			outcome!.links.some((l) => (next ? l.step === next : l.page === pages[0])),
			`${drill.name}: ${step.title}, ${outcome!.label} leads to ${next ?? pages[0]}`,
		);
	});
	// Each page on the way links to the next, as the database runbook's "Disk full" tab does.
	for (let i = 0; i + 1 < pages.length; i++) {
		const page = loaded.runbooks.find((r) => r.slug === pages[i])!;
		const source = readFileSync(join(root, page.file), 'utf8');
		const target = pages[i + 1]!.split('/').pop();
		assert.match(
			source,
			new RegExp(`\\]\\((\\.\\./)?${target}/?\\)`),
			`${page.file} links to ${pages[i + 1]}`,
		);
	}
	assert.ok(
		drill.route.verify.some((id) => verdict(id).outcome !== 'pass'),
		`${drill.name}: something fails before the fix`,
	);
	for (const id of drill.route.fix) {
		assert.ok(['change', 'destructive'].includes(blocks.get(id)!.risk), `${id} changes something`);
		assert.equal(run(id)?.exit, 0, `${drill.name}: the fix ${id} exits 0`);
	}
	for (const id of drill.route.verify) {
		assert.equal(verdict(id).outcome, 'pass', `${drill.name}: ${id} passes after the fix`);
	}
}

describe('every drill can be solved by following the site', () => {
	it('the four Orion drills, from the tree to the fix', async () => {
		const loaded = await loadRunbooks({ root: process.cwd() });
		assert.deepEqual(loaded.problems, []);
		assert.deepEqual(
			loaded.drills.map((d) => d.name),
			['api-crash-loop', 'celery-redis', 'database-down', 'disk-full'],
		);
		for (const drill of loaded.drills) play(drill, loaded, process.cwd());
	});

	it('the Orion drills show the damage of every block that makes things worse', async () => {
		const { drills } = await loadRunbooks({ root: process.cwd() });
		for (const drill of drills) {
			for (const { block } of drill.worse) {
				const answer = answerFor(drill, block, new Set());
				assert.ok(
					answer?.output.trim(),
					`${drill.name}: ${block} prints what the real command would`,
				);
			}
		}
	});

	it('the Orion drills’ titles are the symptom the trainee is paged with, not the cause', async () => {
		const { drills } = await loadRunbooks({ root: process.cwd() });
		// What each drill's explanation reveals, which the drills menu and incident bar must not.
		const causes: Record<string, RegExp> = {
			'api-crash-loop': /crash|bad deploy|import/i,
			'celery-redis': /redis|celery|memory|oom/i,
			'database-down': /database|postgres|stopped|started/i,
			'disk-full': /wal|postgres|backup/i,
		};
		for (const drill of drills) {
			assert.doesNotMatch(drill.title, causes[drill.name]!, drill.name);
			assert.ok(drill.explanation, `${drill.name} explains the cause for the debrief`);
			assert.match(
				drill.explanation!,
				causes[drill.name]!,
				`${drill.name}: the cause is explained`,
			);
		}
	});

	it('the fixture site’s drills, which the bridge and browser tests play', async () => {
		const root = join(process.cwd(), 'tests/fixtures/bridge');
		const loaded = await loadRunbooks({ root });
		assert.deepEqual(loaded.problems, []);
		assert.deepEqual(
			loaded.drills.map((d) => d.name),
			['db-down', 'service-down'],
		);
		for (const drill of loaded.drills) play(drill, loaded, root);
	});
});
