import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigSchema } from '../../src/runbook/config.ts';
import { gateResult, unmetNeeds } from '../../src/runbook/gates.ts';
import { parseRunbook } from '../../src/runbook/parse.ts';
import { formatProblems, loadRunbooks } from '../../src/runbook/runbooks-fs.ts';

const config = ConfigSchema.parse({});
const page = (body: string) => `---\ntitle: Test page\n---\n\n${body}`;
const fence = (meta: string, code: string) => `\`\`\`bash ${meta}\n${code}\n\`\`\``;
const parse = (source: string) =>
	parseRunbook(source, { file: 'content/t.mdx', contentPath: 't.mdx', config });

/** Writes pages into a throwaway project and returns what `opsbook check` would print. */
async function validate(pages: Record<string, string>): Promise<string> {
	const root = await mkdtemp(join(tmpdir(), 'opsbook-gates-'));
	try {
		for (const [path, body] of Object.entries(pages)) {
			await mkdir(join(root, 'content', path, '..'), { recursive: true });
			await writeFile(join(root, 'content', path), page(body));
		}
		const loaded = await loadRunbooks({ root });
		return loaded.problems.length === 0 ? '' : formatProblems(loaded.problems);
	} finally {
		await rm(root, { recursive: true, force: true });
	}
}

describe('needs=', () => {
	it('reads a list of blocks, each one id or alternatives', () => {
		const { blocks, problems } = parse(
			page(fence('id=api.restart risk=change needs=db.ready|db.start,disk.ok', 'true')),
		);
		assert.deepEqual(problems, []);
		assert.deepEqual(blocks[0]?.block.needs, [['db.ready', 'db.start'], ['disk.ok']]);
	});

	it('refuses what is not a list of ids, at the option', () => {
		const { problems } = parse(page(fence('id=a risk=read needs=db.ready,,Db', 'true')));
		assert.equal(problems.length, 1);
		assert.equal(`${problems[0]!.line}:${problems[0]!.column}`, '5:24');
		assert.match(problems[0]!.message, /^needs lists the ids of blocks that must pass first/);
	});

	it('refuses a block no page has, with the file, line and column of needs=', async () => {
		assert.equal(
			await validate({
				'a.mdx': fence('id=db.ready risk=read', 'true'),
				'runbooks/b.mdx': `Text.\n\n${fence('id=api.restart risk=change needs=db.ready|db.redy', 'true')}`,
			}),
			'1 problem in the runbooks:\n  content/runbooks/b.mdx:7:36: needs names "db.redy", which is no block of the site; give the id of a block (like needs=db.ready)',
		);
	});

	it('accepts a block of another page', async () => {
		assert.equal(
			await validate({
				'a.mdx': fence('id=db.ready risk=read', 'true'),
				'b.mdx': fence('id=api.restart risk=change needs=db.ready', 'true'),
			}),
			'',
		);
	});

	it('refuses a cycle, across pages, and a block that needs itself', async () => {
		assert.equal(
			await validate({
				'a.mdx': fence('id=a risk=read needs=b', 'true'),
				'b.mdx': `${fence('id=b risk=read needs=c|x', 'true')}\n\n${fence('id=c risk=read needs=a', 'false')}`,
			}),
			'2 problems in the runbooks:\n  content/a.mdx:5:24: needs makes a cycle: a → b → c → a; none of these could ever run\n  content/b.mdx:5:24: needs names "x", which is no block of the site; give the id of a block (like needs=db.ready)',
		);
		assert.equal(
			await validate({ 'a.mdx': fence('id=a risk=read needs=a', 'true') }),
			'1 problem in the runbooks:\n  content/a.mdx:5:24: needs names the block itself ("a"): it could never run',
		);
	});
});

describe('whether a gate is open', () => {
	it('opens on a passed check, or a plain block that exited 0, run on its own target', () => {
		const ended = { block: 'a', state: 'exited', end: 'exited' } as const;
		assert.equal(gateResult({ ...ended, exitCode: 0 }), true);
		assert.equal(gateResult({ ...ended, exitCode: 1 }), false);
		assert.equal(gateResult({ ...ended, exitCode: 0, verdict: { outcome: 'fail' } }), false);
		assert.equal(gateResult({ ...ended, exitCode: 1, verdict: { outcome: 'pass' } }), true);
		assert.equal(gateResult({ ...ended, exitCode: 2, verdict: { outcome: 'warn' } }), false);
		assert.equal(gateResult({ ...ended, end: 'stopped' }), false);
		// A newer run that has not ended closes the gate again; a run elsewhere proves nothing.
		assert.equal(gateResult({ block: 'a', state: 'running' }), false);
		assert.equal(gateResult({ ...ended, exitCode: 0, blockTarget: 'orion' }), undefined);
	});

	it('names the needs no passed block meets', () => {
		const needs = [['db.ready', 'db.start'], ['disk.ok']];
		assert.deepEqual(unmetNeeds(needs, new Set()), ['db.ready|db.start', 'disk.ok']);
		assert.deepEqual(unmetNeeds(needs, new Set(['db.start'])), ['disk.ok']);
		assert.deepEqual(unmetNeeds(needs, new Set(['db.start', 'disk.ok'])), []);
		assert.deepEqual(unmetNeeds(undefined, new Set()), []);
	});
});

describe('<RunAll steps="…" />', () => {
	const blocks = `${fence('id=a risk=read', 'true')}\n\n${fence('id=b risk=read', 'false')}\n\nimport { RunAll } from '../src/components.ts';`;
	it('reads the steps it runs, in order', () => {
		const { runAll, problems } = parse(page(`## Diagnose\n\n<RunAll steps="b a" />\n\n${blocks}`));
		assert.deepEqual(problems, []);
		assert.deepEqual(runAll, [{ steps: ['b', 'a'], line: 7, column: 1 }]);
	});

	for (const [name, element, expected] of [
		[
			'a block of another page',
			'<RunAll steps="a c" />',
			/^7:1: RunAll names "c", which is not a block of this page/,
		],
		['a single step', '<RunAll steps="a" />', /^7:1: RunAll needs at least two steps/],
		['no steps', '<RunAll />', /^7:1: RunAll needs steps="…"/],
		['a step twice', '<RunAll steps="a b a" />', /^7:1: RunAll names "a" twice/],
	] as const) {
		it(`refuses ${name}, at its line`, () => {
			const { problems } = parse(page(`## Diagnose\n\n${element}\n\n${blocks}`));
			assert.equal(problems.length, 1, JSON.stringify(problems));
			assert.match(
				`${problems[0]!.line}:${problems[0]!.column}: ${problems[0]!.message}`,
				expected,
			);
		});
	}
});
