import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatProblems, loadRunbooks } from '../../src/runbook/runbooks-fs.ts';
import { outcomeFor, type TreeStep } from '../../src/runbook/tree.ts';

const HEAD = `---
title: Diagnosis
---

import { Steps } from '@astrojs/starlight/components';
import { Decision, DecisionTree, When } from '../src/components.ts';

<DecisionTree>
<Steps>
`;
const TAIL = `
</Steps>
</DecisionTree>
`;
const check = (id: string, expect = 'expect-exit=0') =>
	`   \`\`\`bash id=${id} risk=read ${expect}\n   true\n   \`\`\`\n`;

/** A site of the tree page `diagnosis.mdx` with `steps`, and a runbook `runbooks/api.mdx`. */
async function site(steps: string): Promise<string[]> {
	const root = await mkdtemp(join(tmpdir(), 'opsbook-tree-'));
	try {
		await mkdir(join(root, 'content/runbooks'), { recursive: true });
		await writeFile(join(root, 'content/diagnosis.mdx'), HEAD + steps + TAIL);
		await writeFile(
			join(root, 'content/runbooks/api.mdx'),
			'---\ntitle: 1. API down\n---\n\n## Diagnose\n\nText.\n',
		);
		const { problems } = await loadRunbooks({ root });
		return formatProblems(problems)
			.split('\n')
			.slice(1)
			.map((line) => line.trim());
	} finally {
		await rm(root, { recursive: true, force: true });
	}
}

const GOOD = `
1. ### Step 1: Is it up?

${check('d.up')}
   <Decision>

   - **Yes** <When pass /> — proceed to [Step 2](#step-2-is-it-fixed).
   - **No** <When fail /> — go to [Runbook 1](../runbooks/api/#diagnose).

   </Decision>

2. ### Step 2: Is it fixed?

   <Decision by="hand">

   - **Yes** — done.
   - **No** — back to [Step 1](#step-1-is-it-up).

   </Decision>
`;

describe('decision trees', () => {
	it('accept a well-formed tree', async () => {
		assert.deepEqual(await site(GOOD), []);
	});

	it('refuse an outcome whose link leads nowhere, with file:line', async () => {
		const problems = await site(
			GOOD.replace('../runbooks/api/#diagnose', '../runbooks/apii/').replace(
				'#step-1-is-it-up',
				'#step-one',
			),
		);
		assert.equal(problems.length, 2, problems.join('\n'));
		assert.match(
			problems[0]!,
			/^content\/diagnosis\.mdx:20:\d+: Step 1: Is it up\?, \*\*No\*\*: the link to "\.\.\/runbooks\/apii\/" leads nowhere: no page is at \/runbooks\/apii\//,
		);
		assert.match(
			problems[1]!,
			/^content\/diagnosis\.mdx:29:\d+: Step 2: Is it fixed\?, \*\*No\*\*: the link to "#step-one" leads nowhere: content\/diagnosis\.mdx has no heading with the anchor #step-one \(its anchors: #step-1-is-it-up, #step-2-is-it-fixed\)/,
		);
	});

	it('refuse a verdict that does not exist', async () => {
		const problems = await site(GOOD.replace('<When fail />', '<When failed />'));
		assert.deepEqual(problems, [
			'content/diagnosis.mdx:20:13: <When failed>: "failed" is no verdict; a verdict is pass, warn, fail',
		]);
	});

	it('refuse a step with neither a check nor a hand answer', async () => {
		const problems = await site(GOOD.replace('<Decision by="hand">', '<Decision>'));
		assert.deepEqual(problems, [
			'content/diagnosis.mdx:26:4: Step 2: Is it fixed? has no check to decide it: give its block expect-exit= or expect-output=, or write <Decision by="hand"> for a step the responder answers',
		]);
	});

	it('refuse a step without a <Decision>, and a <When> naming no check of its step', async () => {
		const problems = await site(
			GOOD.replace('<When pass />', '<When pass="d.other" />') +
				'\n3. ### Step 3: Forgotten\n\n   - **Yes** — fine.\n',
		);
		assert.deepEqual(problems, [
			'content/diagnosis.mdx:19:14: <When pass="d.other">: d.other is no check of Step 1: Is it up? (its checks: d.up)',
			'content/diagnosis.mdx:33:1: Step 3: Forgotten has no <Decision>: wrap its list of outcomes in <Decision>…</Decision> so a responder can answer it',
		]);
	});

	it('refuse a <When> on a step answered by hand, and an outcome without its answer in bold', async () => {
		const problems = await site(
			GOOD.replace('- **Yes** — done.', '- **Yes** <When pass /> — done.').replace(
				'- **No** — back',
				'- No — back',
			),
		);
		assert.equal(problems.length, 2, problems.join('\n'));
		assert.match(
			problems[0]!,
			/^content\/diagnosis\.mdx:28:14: Step 2: Is it fixed\? is answered by hand/,
		);
		assert.match(
			problems[1]!,
			/^content\/diagnosis\.mdx:29:\d+: Step 2: Is it fixed\?: an outcome starts with its answer in bold/,
		);
	});
});

describe('choosing an outcome from verdicts', () => {
	const step: Pick<TreeStep, 'checks' | 'outcomes'> = {
		checks: ['a', 'b'],
		outcomes: [
			{ label: 'Both', when: { all: 'pass', each: [] }, links: [], line: 1 },
			{
				label: 'Only a',
				when: {
					each: [
						{ block: 'a', outcome: 'pass' },
						{ block: 'b', outcome: 'fail' },
					],
				},
				links: [],
				line: 2,
			},
			{ label: 'Any fails', when: { all: 'fail', each: [] }, links: [], line: 3 },
			{ label: 'By hand', links: [], line: 4 },
		],
	};

	it('waits for every check before all pass, and decides at the first fail', () => {
		assert.equal(outcomeFor(step, { a: 'pass' }), undefined);
		assert.equal(outcomeFor(step, { a: 'pass', b: 'pass' }), 0);
		assert.equal(outcomeFor(step, { b: 'fail' }), 2);
	});

	it('takes the first outcome whose condition holds', () => {
		assert.equal(outcomeFor(step, { a: 'pass', b: 'fail' }), 1);
		assert.equal(outcomeFor(step, { a: 'fail', b: 'fail' }), 2);
	});

	it('chooses nothing a warning does not name', () => {
		assert.equal(outcomeFor(step, { a: 'pass', b: 'warn' }), undefined);
		const warns = {
			...step,
			outcomes: [{ label: 'Look', when: { all: 'warn' as const, each: [] }, links: [], line: 1 }],
		};
		assert.equal(outcomeFor(warns, { a: 'pass', b: 'warn' }), 0);
		assert.equal(outcomeFor(warns, { a: 'warn' }), undefined);
	});
});
