import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigSchema } from '../../src/runbook/config.ts';
import { parseRunbook } from '../../src/runbook/parse.ts';
import { formatProblems, loadRunbooks } from '../../src/runbook/runbooks-fs.ts';

const config = ConfigSchema.parse({
	targets: { orion: { kind: 'ssh', host: 'orion.example', production: true } },
	vars: { app_path: '~/apps/orion' },
});

const page = (body: string, frontmatter = 'title: Test page') =>
	`---\n${frontmatter}\n---\n\n${body}`;
const fence = (meta: string, code: string) => `\`\`\`bash ${meta}\n${code}\n\`\`\``;

function parse(source: string, contentPath = 'runbooks/test.mdx') {
	return parseRunbook(source, { file: `content/${contentPath}`, contentPath, config });
}
/** The single problem of a page, as `line: message`. */
function problemOf(source: string): string {
	const { problems } = parse(source);
	assert.equal(problems.length, 1, `one problem, got: ${JSON.stringify(problems, null, 1)}`);
	return `${problems[0]!.line}: ${problems[0]!.message}`;
}

describe('reading a runbook', () => {
	it('yields typed blocks with their source line', () => {
		const { blocks, problems } = parse(
			page(
				[
					'## Kill a stuck query',
					'',
					fence(
						'id=db.kill-query risk=destructive confirm=terminate timeout=30s title="Kill it" expect-exit=0 expect-output="^pg_terminate"',
						'psql -c "SELECT pg_terminate_backend({{pid:int(1..4194304)}});"',
					),
				].join('\n'),
				'title: Database\nopsbook:\n  target: orion',
			),
		);
		assert.deepEqual(problems, []);
		assert.equal(blocks.length, 1);
		const { block } = blocks[0]!;
		assert.equal(block.id, 'db.kill-query');
		assert.equal(block.title, 'Kill it');
		assert.equal(block.risk, 'destructive');
		assert.equal(block.target, 'orion');
		assert.equal(block.timeoutMs, 30_000);
		assert.equal(block.confirm, 'terminate');
		assert.deepEqual(block.expect, { exitCode: 0, output: '^pg_terminate' });
		assert.deepEqual(block.params, [{ name: 'pid', type: 'int', min: 1, max: 4194304 }]);
		assert.deepEqual(block.source, { file: 'content/runbooks/test.mdx', line: 9, column: 1 });
		assert.deepEqual(block.page, { slug: 'runbooks/test', title: 'Database' });
	});

	it('derives ids from the page and heading, stable under edits elsewhere', () => {
		const before = parse(
			page(
				[
					'## Check',
					fence('risk=read', 'uptime'),
					fence('risk=read', 'df -h'),
					'## Fix',
					fence('risk=change', 'reboot'),
				].join('\n\n'),
			),
		);
		assert.deepEqual(
			before.blocks.map((b) => b.block.id),
			['runbooks/test/check', 'runbooks/test/check-2', 'runbooks/test/fix'],
		);
		const after = parse(
			page(
				[
					'Intro.',
					'## Check',
					fence('risk=read', 'uptime'),
					fence('risk=read', 'df -h'),
					'## New',
					fence('risk=read', 'ls'),
					'## Fix',
					fence('risk=change', 'reboot'),
				].join('\n\n'),
			),
		);
		assert.equal(
			after.blocks.find((b) => b.block.template === 'reboot')?.block.id,
			'runbooks/test/fix',
		);
	});

	it('finds blocks inside tabs and steps, and skips static and non-shell fences', () => {
		const { blocks } = parse(
			page(
				[
					"import { Tabs, TabItem } from '@astrojs/starlight/components';",
					'<Tabs>\n<TabItem label="A">\n',
					fence('id=in-tab risk=read', 'echo a'),
					'\n</TabItem>\n</Tabs>',
					'1. Step\n\n   ```bash id=in-step risk=read\n   echo b\n   ```',
					fence('static', 'echo not a step'),
					'```sql\nSELECT 1;\n```',
				].join('\n\n'),
			),
			'runbooks/test.mdx',
		);
		assert.deepEqual(
			blocks.map((b) => b.block.id),
			['in-tab', 'in-step'],
		);
	});

	it('takes the target from the fence, then the page, then the config', () => {
		const ids = (source: string) => parse(source).blocks.map((b) => b.block.target);
		assert.deepEqual(ids(page(fence('risk=read', 'uptime'))), ['local']);
		assert.deepEqual(
			ids(page(fence('risk=read', 'uptime'), 'title: T\nopsbook:\n  target: orion')),
			['orion'],
		);
		assert.deepEqual(
			ids(page(fence('risk=read target=local', 'uptime'), 'title: T\nopsbook:\n  target: orion')),
			['local'],
		);
	});
});

describe('refusing a malformed block', () => {
	const cases: Array<[string, string, RegExp]> = [
		[
			'missing risk',
			fence('id=a', 'uptime'),
			/^5: command block has no risk; add risk=read, risk=change or risk=destructive/,
		],
		[
			'unknown risk',
			fence('id=a risk=high', 'uptime'),
			/^5: risk "high" is not one of read, change, destructive/,
		],
		[
			'unknown target',
			fence('id=a risk=read target=prod', 'uptime'),
			/^5: target= names target "prod", which opsbook.config.ts does not define \(targets: local, orion\)/,
		],
		[
			'placeholder without a type',
			fence('id=a risk=read', 'kill {{pid}}'),
			/^6: placeholder "\{\{pid\}\}" has no type/,
		],
		[
			'unknown parameter type',
			fence('id=a risk=read', 'kill {{pid:number}}'),
			/^6: parameter "pid" has unknown type "number"/,
		],
		[
			'enum without values',
			fence('id=a risk=read', 'restart {{svc:enum()}}'),
			/^6: parameter "svc": enum has no values/,
		],
		[
			'destructive without confirmation',
			fence('id=a risk=destructive', 'docker system prune -f'),
			/^5: destructive block has no confirmation word; add confirm=WORD/,
		],
		[
			'bad timeout',
			fence('id=a risk=read timeout=forever', 'uptime'),
			/^5: timeout "forever" must be a number and a unit, like 30s, 5m or 1h/,
		],
		[
			'timeout out of range',
			fence('id=a risk=read timeout=48h', 'uptime'),
			/^5: timeout "48h" must be between 1s and 24h/,
		],
		['unknown option', fence('id=a rsk=read risk=read', 'uptime'), /^5: unknown option "rsk"/],
		[
			'bad id',
			fence('id=Kill_Query! risk=read', 'uptime'),
			/^5: id "Kill_Query!" must be lowercase/,
		],
		[
			'free text inside SQL',
			fence('id=a risk=read', 'psql -c \\\n  "SELECT {{q:text}}"'),
			/^7: parameter "q" of type text stands in the arguments of psql, which reads them as queries/,
		],
		[
			'bad expected output',
			fence('id=a risk=read expect-output="(unclosed"', 'uptime'),
			/^5: expect-output is not a valid regular expression/,
		],
		[
			'bad expected exit',
			fence('id=a risk=read expect-exit=300', 'uptime'),
			/^5: expect-exit must be an exit code from 0 to 255/,
		],
		['empty block', fence('id=a risk=read', ''), /^5: command block is empty/],
		[
			'two identical blocks',
			`${fence('risk=read', 'uptime')}\n\n${fence('risk=read', 'uptime')}`,
			/^9: this block repeats the one at line 5 exactly; give each an id=/,
		],
	];
	for (const [name, body, expected] of cases) {
		it(name, () => assert.match(problemOf(page(body)), expected));
	}

	it('places a refused parameter at its line and column', () => {
		const { problems } = parse(
			page(fence('id=a risk=read', 'uptime\n  echo `date -d {{when:text}}`; ssh host ls')),
		);
		assert.deepEqual(
			problems.map((p) => `${p.line}:${p.column}`),
			['7:17'],
			JSON.stringify(problems),
		);
		assert.match(problems[0]!.message, /stands inside backticks/);
	});

	it('refuses an unknown target in the frontmatter, where it is written', () => {
		const { problems } = parse(page('Text.', 'title: T\nopsbook:\n  target: nowhere'));
		assert.deepEqual(
			problems.map((p) => `${p.line}:${p.column}: ${p.message.slice(0, 57)}`),
			['4:11: opsbook.target in the frontmatter names target "nowhere",'],
		);
	});

	it('places a frontmatter problem at its key, named by its path', () => {
		const wrong = parse(page('Text.', 'title: T\nopsbook:\n  target: 3'));
		assert.deepEqual(
			wrong.problems.map((p) => `${p.line}:${p.column}: ${p.message}`),
			['4:11: frontmatter opsbook.target: Invalid input: expected string, received number'],
		);
		const yaml = parse(page('Text.', 'title: T\nopsbook: [a'));
		assert.equal(yaml.problems[0]?.line, 3, JSON.stringify(yaml.problems));
		assert.match(yaml.problems[0]!.message, /^frontmatter is not valid YAML: /);
	});

	it('lists every problem of a block, each at its own column', () => {
		const { problems } = parse(
			page(fence('id=a risk=high colour=red timeout=forever', 'echo {{n:integer}} {{m}}')),
		);
		assert.deepEqual(
			formatProblems(problems)
				.split('\n')
				.slice(1)
				.map((line) => line.split(/;|,| must| has /)[0]),
			[
				'  content/runbooks/test.mdx:5:14: risk "high" is not one of read',
				'  content/runbooks/test.mdx:5:24: unknown option "colour"',
				'  content/runbooks/test.mdx:5:35: timeout "forever"',
				'  content/runbooks/test.mdx:6:6: parameter "n"',
				'  content/runbooks/test.mdx:6:20: placeholder "{{m}}"',
			],
		);
	});

	it('reports a block with problems once, not again where a gate or a Run all names it', () => {
		const { problems } = parse(
			page(
				[
					fence('id=a.one risk=high', 'uptime'),
					'',
					fence('id=a.two risk=read needs=a.one', 'uptime -p'),
					'',
					'<RunAll steps="a.one a.two" />',
					'',
					"import { RunAll } from '../src/components.ts';",
				].join('\n'),
			),
		);
		assert.deepEqual(
			problems.map((p) => `${p.line}: ${p.message}`),
			['5: risk "high" is not one of read, change, destructive'],
		);
	});

	it('refuses a duplicate id across pages, naming both places', async () => {
		const root = await mkdtemp(join(tmpdir(), 'opsbook-'));
		try {
			await mkdir(join(root, 'content/runbooks'), { recursive: true });
			await writeFile(join(root, 'content/a.mdx'), page(fence('id=same risk=read', 'uptime')));
			await writeFile(
				join(root, 'content/runbooks/b.mdx'),
				page(`Text.\n\n${fence('id=same risk=read', 'df -h')}`),
			);
			const loaded = await loadRunbooks({ root });
			assert.equal(
				formatProblems(loaded.problems),
				'1 problem in the runbooks:\n  content/runbooks/b.mdx:7:1: duplicate id "same": also defined at content/a.mdx:5:1; ids must be unique across the site, so give this block another id=',
			);
		} finally {
			await rm(root, { recursive: true, force: true });
		}
	});

	it('refuses a duplicate id when a block that has it has problems too, and a gate naming it', async () => {
		const root = await mkdtemp(join(tmpdir(), 'opsbook-'));
		try {
			await mkdir(join(root, 'content'), { recursive: true });
			await writeFile(
				join(root, 'content/a.mdx'),
				page(`${fence('id=same risk=high', 'uptime')}\n\n${fence('id=same risk=read', 'df -h')}`),
			);
			await writeFile(
				join(root, 'content/b.mdx'),
				page(fence('id=later risk=read needs=same', 'uptime')),
			);
			const loaded = await loadRunbooks({ root });
			assert.deepEqual(formatProblems(loaded.problems).split('\n').slice(1), [
				'  content/a.mdx:5:17: risk "high" is not one of read, change, destructive',
				'  content/a.mdx:9:1: duplicate id "same": also defined at content/a.mdx:5:1; ids must be unique across the site, so give this block another id=',
			]);
		} finally {
			await rm(root, { recursive: true, force: true });
		}
	});
});

describe('expected results', () => {
	const fenceWith = (meta: string) => page(fence(`id=c risk=read ${meta}`, 'echo a.b'));

	it('reads expect-output as written: a backslash means what it says in a regular expression', () => {
		const { blocks, problems } = parse(fenceWith('expect-output="^a\\.b \\d+ \\"q\\"$"'));
		assert.deepEqual(problems, []);
		assert.equal(blocks[0]?.block.expect?.output, '^a\\.b \\d+ "q"$');
		assert.ok(new RegExp(blocks[0]!.block.expect!.output!).test('a.b 42 "q"'));
		assert.equal(new RegExp(blocks[0]!.block.expect!.output!).test('axb 42 "q"'), false);
	});

	it('takes an exit code as a warning, next to the exit code of a good run', () => {
		const { blocks } = parse(fenceWith('expect-exit=0 expect-warn-exit=2'));
		assert.deepEqual(blocks[0]?.block.expect, { exitCode: 0, warnExitCode: 2 });
		assert.match(
			problemOf(fenceWith('expect-warn-exit=2')),
			/^5: expect-warn-exit needs expect-exit/,
		);
		assert.match(
			problemOf(fenceWith('expect-exit=0 expect-warn-exit=0')),
			/expect-warn-exit must differ from expect-exit/,
		);
		assert.match(
			problemOf(fenceWith('expect-exit=0 expect-warn-exit=300')),
			/expect-warn-exit must be an exit code from 0 to 255/,
		);
	});
});

describe('components a page uses', () => {
	/** The problems of a page of these lines, as `line:column: message`. */
	const problemsAt = (lines: string[]) =>
		parse(page(lines.join('\n'))).problems.map((p) => `${p.line}:${p.column}: ${p.message}`);

	it('says where a component is neither imported nor defined, as the build would fail on it', () => {
		assert.deepEqual(
			problemsAt([
				"import { Tabs, TabItem as Item } from '../src/components.ts';",
				"import Steps, * as Parts from './parts.ts';",
				'export const Note = () => null;',
				'',
				'<Tabs><Item label="a">x</Item></Tabs> <Steps /> <Parts.One /> <Note /> <div /> <Fragment />',
				'',
				'Say <Tabz>hi</Tabz>.',
			]),
			[
				"11:5: <Tabz> is not defined on this page: import it (Opsbook's components come from its components module), or check its spelling",
			],
		);
	});

	it('says where a <Var> names no variable of the config', () => {
		assert.deepEqual(
			problemsAt([
				"import { Var } from '../src/components.ts';",
				'',
				'In <Var name="app_path" />, not <Var name="app_pth" />.',
			]),
			[
				'7:33: <Var name="app_pth" /> names no variable; define it under vars in opsbook.config.ts (known: app_path)',
			],
		);
	});
});

describe('a page the parser cannot read', () => {
	it('is reported where the parser stopped, not at the top of the page', () => {
		assert.equal(
			problemOf(page('# Steps\n\n<Tabs>\n  nothing closes it\n')),
			'7: the page cannot be parsed: Expected a closing tag for `<Tabs>` (7:1) (mdx-jsx:unexpected-character)',
		);
	});
});
