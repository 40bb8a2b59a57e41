import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatProblems, loadRunbooks } from '../../src/runbook/runbooks-fs.ts';

const HEAD = `---
title: First on-call
description: A tour.
---

import { Walkthrough, WalkStep } from '../src/components.ts';

`;
const fence = (meta: string, code = 'true') => `\`\`\`bash ${meta}\n${code}\n\`\`\`\n`;

/** The walkthrough model and the problems of a site whose one page is `walk.mdx`, HEAD + `body`. */
async function site(body: string) {
	const root = await mkdtemp(join(tmpdir(), 'opsbook-walk-'));
	try {
		await mkdir(join(root, 'content'), { recursive: true });
		await writeFile(join(root, 'content/walk.mdx'), HEAD + body);
		await writeFile(
			join(root, 'opsbook.config.ts'),
			`export default { targets: { prod: { kind: 'ssh', host: 'prod.invalid' } } };\n`,
		);
		const { problems, runbooks } = await loadRunbooks({ root });
		return {
			walk: runbooks[0]?.walkthrough,
			problems:
				problems.length === 0
					? []
					: formatProblems(problems)
							.split('\n')
							.slice(1)
							.map((l) => l.trim()),
		};
	} finally {
		await rm(root, { recursive: true, force: true });
	}
}

describe('walkthroughs', () => {
	it('reads the steps in order, with their ids and checks', async () => {
		const { walk, problems } = await site(`<Walkthrough>

<WalkStep title="Read the severity levels">
Read them. **Look for** SEV-1.
</WalkStep>

<WalkStep title="Check your SSH client" check="w.ssh">
${fence('id=w.ssh risk=read target=local expect-exit=0', 'ssh -V')}
</WalkStep>

{/* A comment renders nothing. */}

<WalkStep title="Again, later" id="later">
Text.
</WalkStep>

</Walkthrough>
`);
		assert.deepEqual(problems, []);
		assert.deepEqual(walk, {
			page: 'walk',
			title: 'First on-call',
			description: 'A tour.',
			steps: [
				{ id: 'read-the-severity-levels', title: 'Read the severity levels', line: 10 },
				{ id: 'check-your-ssh-client', title: 'Check your SSH client', check: 'w.ssh', line: 14 },
				{ id: 'later', title: 'Again, later', line: 23 },
			],
		});
	});

	it('refuses a check that is not a local read check of its step, with the step line', async () => {
		const { problems } = await site(`<Walkthrough>

<WalkStep title="Change" check="w.change">
${fence('id=w.change risk=change target=local expect-exit=0')}
</WalkStep>

<WalkStep title="Remote" check="w.remote">
${fence('id=w.remote risk=read target=prod expect-exit=0')}
</WalkStep>

<WalkStep title="No expectation" check="w.plain">
${fence('id=w.plain risk=read')}
</WalkStep>

<WalkStep title="Elsewhere" check="w.remote">
Text.
</WalkStep>

</Walkthrough>
`);
		assert.deepEqual(problems, [
			'content/walk.mdx:10:1: Change: check="w.change" cannot mark the step done: it is risk=change, and a walkthrough\'s check must be risk=read. A new hire runs it while learning, so it must read and change nothing, here or on any server',
			'content/walk.mdx:17:1: Remote: check="w.remote" cannot mark the step done: it runs on prod, and a walkthrough\'s check runs on the reader\'s own machine: give it target=local. A new hire runs it while learning, so it must read and change nothing, here or on any server',
			'content/walk.mdx:24:1: No expectation: check="w.plain" cannot mark the step done: it says nothing about a good run: give it expect-exit= or expect-output=. A new hire runs it while learning, so it must read and change nothing, here or on any server',
			'content/walk.mdx:31:1: Elsewhere: check="w.remote" names no command block of this step; the check stands inside its step, where the reader runs it',
		]);
	});

	it('refuses a malformed walkthrough, each problem at its line', async () => {
		const { problems } = await site(`<WalkStep title="Loose">
Text.
</WalkStep>

<Walkthrough>

Stray text.

<WalkStep>
No title.
</WalkStep>

<WalkStep title="Twice">
One.
</WalkStep>

<WalkStep title="Twice" level="2">
Two.
</WalkStep>

<WalkStep title="Bad id" id="Bad Id">
Three.
</WalkStep>

</Walkthrough>

<Walkthrough>
</Walkthrough>
`);
		assert.deepEqual(problems, [
			'content/walk.mdx:8:1: <WalkStep> stands outside a <Walkthrough>: put the steps inside <Walkthrough>…</Walkthrough>',
			'content/walk.mdx:14:1: <Walkthrough> holds only <WalkStep> elements, its numbered steps: move this into a step, or before the walkthrough',
			'content/walk.mdx:16:1: <WalkStep> has no title: write <WalkStep title="What this step is">',
			'content/walk.mdx:24:1: <WalkStep> takes no "level"; it takes title="…", and check="block.id" for a step its check marks done',
			'content/walk.mdx:24:1: two steps have the id "twice" (the other is at line 20): progress is kept by it, so give each step its own title or id=',
			'content/walk.mdx:28:1: <WalkStep id="Bad Id">: an id is lowercase letters, digits and -, like id="ssh-client"',
			'content/walk.mdx:34:1: a page holds one <Walkthrough>; the first is at line 12',
		]);
	});
});

describe('the onboarding content leads to practice and drills', () => {
	it('starts the bridge in practice mode, points to every drill, and promises only what the runbooks have', async () => {
		const { drills } = await loadRunbooks({ root: process.cwd() });
		const walk = readFileSync('content/onboarding/first-on-call.mdx', 'utf8');
		const overview = readFileSync('content/onboarding/index.mdx', 'utf8');
		assert.match(walk, /^npm start -- --practice$/m);
		assert.doesNotMatch(walk, /^npm start$/m, 'a new hire starts a practice bridge, not a live one');
		for (const page of [walk, overview]) {
			assert.match(page, /^npm start -- --drill database-down$/m);
			assert.match(page, /Start drill/);
			for (const { name } of drills) assert.ok(page.includes(`\`${name}\``), name);
		}
		// Not every runbook has a recovery and a verification section (Database issues has neither).
		assert.doesNotMatch(walk, /recovery and verification\)/);
	});
});
