/**
 * `opsbook` end to end, through the real binary (`node bin/opsbook.ts …`) on the fixture site:
 * every command's exit codes, output and `--help`; `run` on the local target and the test sshd,
 * with prompts answered through a pty; `test` writing JUnit a JUnit parser reads and TAP a TAP
 * parser reads; `check` listing every problem of the broken fixture; `report` and `import`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseJunit } from 'junit2json';
import pty from 'node-pty';
import { Parser } from 'tap-parser';
import { parseTimeline, serializeTimeline, timelineHeader } from '../../src/incident/file.ts';
import type { TimelineEvent } from '../../src/incident/schema.ts';
import { FIXTURE, readAudit, ROOT, startTestBridge, TestClient } from '../support/bridge.ts';
import { startSshd, type Sshd } from '../support/sshd.ts';
import { until } from '../support/processes.ts';

const BIN = join(ROOT, 'bin/opsbook.ts');
let state: string;

function env(extra: Record<string, string> = {}): Record<string, string> {
	const base = { ...process.env } as Record<string, string>;
	delete base.PORT;
	return {
		...base,
		XDG_STATE_HOME: state,
		OPSBOOK_CONTENT_DIR: FIXTURE.contentDir,
		OPSBOOK_CONFIG: FIXTURE.configFile,
		...extra,
	};
}

/** Runs the CLI without a terminal: stdin from /dev/null, as in CI, or piped `input`. */
function opsbook(args: string[], extra: Record<string, string> = {}, input?: string) {
	const result = spawnSync(process.execPath, [BIN, ...args], {
		cwd: ROOT,
		env: env(extra),
		encoding: 'utf8',
		stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
		input,
		timeout: 60_000,
	});
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI in a pty, as at a terminal; `answer` gets a prompt and returns what to type. */
async function atTerminal(args: string[], answers: Array<[RegExp, string]>) {
	const child = pty.spawn(process.execPath, [BIN, ...args], {
		cwd: ROOT,
		env: env(),
		cols: 100,
		rows: 30,
		name: 'xterm-256color',
	});
	let output = '';
	let exitCode: number | undefined;
	child.onData((data) => (output += data));
	child.onExit(({ exitCode: code }) => (exitCode = code));
	let from = 0;
	for (const [prompt, answer] of answers) {
		await until(() => prompt.test(output.slice(from)), `the prompt ${prompt}: ${output}`, 20_000);
		from = output.length;
		child.write(`${answer}\r`);
	}
	await until(() => exitCode !== undefined, `the CLI to exit: ${output}`, 30_000);
	return { code: exitCode, output };
}

/** The declaration of a SEV-1 "API down" at 03:05 UTC, detected at 03:01. */
const apiDown = (incident: string): TimelineEvent => ({
	id: 'e1',
	incident,
	at: '2026-11-26T03:05:00.000Z',
	kind: 'declared',
	title: 'API down',
	severity: 1,
	detectedAt: '2026-11-26T03:01:00.000Z',
	responders: ['Dana Reyes'],
});

const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at /, 'a sentence, not a stack');

before(async () => {
	state = await mkdtemp(join(tmpdir(), 'opsbook-cli-'));
});
after(async () => {
	await rm(state, { recursive: true, force: true });
});

describe('opsbook --help and usage errors', () => {
	const commands = [
		'list',
		'show',
		'run',
		'check',
		'test',
		'bridge',
		'serve',
		'pair',
		'report',
		'import',
	];

	it('lists every command, with examples and the exit codes', () => {
		const { code, stdout } = opsbook(['--help']);
		assert.equal(code, 0);
		for (const name of commands) assert.match(stdout, new RegExp(`^  ${name} `, 'm'));
		assert.match(stdout, /Examples:/);
		assert.match(stdout, /Exit codes: 0 ok, 1 a failure of what was asked, 2 a usage/);
	});

	it('gives every command a --help with its usage and examples', () => {
		for (const name of commands) {
			const { code, stdout } = opsbook([name, '--help']);
			assert.equal(code, 0, name);
			assert.match(stdout, new RegExp(`opsbook ${name}`), name);
			assert.match(stdout, /Examples:/, name);
			assert.match(stdout, /Exit codes/, name);
		}
	});

	it('gives serve, bridge and pair each its own help, with its options and examples', () => {
		const help = (name: string) => opsbook([name, '--help']).stdout;
		const [serve, bridge, pair] = [help('serve'), help('bridge'), help('pair')];
		assert.match(serve, /^Usage: opsbook serve \[SITE_DIR\]/);
		assert.match(bridge, /^Usage: opsbook bridge --site URL/);
		assert.match(pair, /^Usage: opsbook pair\n/);
		assert.match(bridge, /^ {2}--site URL /m);
		assert.doesNotMatch(serve, /^ {2}--site /m, 'serve takes no --site');
		assert.match(serve, /default 4321/);
		assert.match(bridge, /default 4322/);
		assert.match(serve, /^ {2}npx opsbook serve --practice/m);
		assert.match(bridge, /^ {2}npx opsbook bridge --site https:/m);
		assert.doesNotMatch(pair, /--port|--arm/, 'pair takes no options');
		// pair says so when given one; bridge takes no folder, serve one.
		for (const args of [
			['pair', '--port', '4000'],
			['bridge', 'dist', '--site', 'https://runbooks.example.com/'],
			['serve', 'dist', 'other'],
		]) {
			const refused = opsbook(args);
			assert.equal(refused.code, 2, args.join(' '));
			assert.equal(refused.stdout, '', args.join(' '));
			noStack(refused.stderr);
		}
	});

	it('names every option a command takes in its --help and in the README', async () => {
		const { COMMANDS } = await import('../../server/cli/index.ts');
		const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
		const cli = readme.slice(readme.indexOf('## The command line'));
		const section = cli.slice(0, cli.indexOf('\n## ', 1));
		// Where the README speaks of a command: its row of the table, and the paragraphs and
		// list items that name it.
		const about = (name: string) =>
			section
				.split(/\n(?=\| |- |\n)/)
				.filter((part) => part.includes(`\`opsbook ${name}`))
				.join('\n');
		for (const command of COMMANDS) {
			const text = about(command.name);
			assert.ok(text.length > 0, `the README's CLI section speaks of opsbook ${command.name}`);
			for (const option of Object.keys(command.options)) {
				assert.match(
					command.help,
					new RegExp(`--${option}\\b`),
					`${command.name} --help: --${option}`,
				);
				assert.match(
					text,
					new RegExp(`--${option}\\b`),
					`README, opsbook ${command.name}: --${option}`,
				);
			}
		}
	});

	it('exits 2 with the help on stderr without a command, and the commands on an unknown one', () => {
		for (const args of [[], ['frobnicate'], ['help', 'frobnicate']]) {
			const { code, stdout, stderr } = opsbook(args);
			assert.equal(code, 2, args.join(' ') || 'no command');
			assert.equal(stdout, '', 'nothing on stdout, where a script reads');
			for (const name of commands) assert.match(stderr, new RegExp(`^  ${name} `, 'm'));
		}
		const help = opsbook(['help', 'list']);
		assert.equal(help.code, 0);
		assert.match(help.stdout, /^Usage: opsbook list /);
	});

	it('exits 2 with a sentence on an unknown command, option or value', () => {
		for (const args of [
			['frobnicate'],
			['list', '--bogus'],
			['list', '--risk', 'high'],
			// A typo is not "no blocks match".
			['list', '--target', 'nosuch'],
			['list', '--page', 'nosuch'],
			['show'],
			['show', 'no.such.block'],
			['run', 't.seq', '--param', 'count'],
			['test', '--risk', 'everything'],
			['import', '--format', 'rst', 'x.md'],
			// A folder, or MkDocs' config, is not a page to import.
			['import', 'tests/fixtures/import'],
			['import', 'package.json'],
			['report'],
		]) {
			const { code, stderr } = opsbook(args);
			assert.equal(code, 2, args.join(' '));
			assert.ok(stderr.length > 0, args.join(' '));
			noStack(stderr);
		}
		assert.match(
			opsbook(['import', 'tests/fixtures/import']).stderr,
			/tests\/fixtures\/import is a folder: name the Markdown pages in it/,
		);
	});
});

describe('opsbook list, show and check', () => {
	it('lists blocks with id, risk, target, page and title, filtered, as JSON', () => {
		const table = opsbook(['list', '--page', 'remote']);
		assert.equal(table.code, 0);
		assert.match(table.stdout, /^ID\s+RISK\s+TARGET\s+PAGE\s+TITLE$/m);
		assert.match(table.stdout, /^r\.prod\s+destructive\s+prodbox\s+remote\s+Production step$/m);
		const json = opsbook(['list', '--risk', 'destructive', '--json']);
		const rows = JSON.parse(json.stdout) as Array<{ id: string; risk: string }>;
		assert.ok(rows.length > 0);
		assert.ok(rows.every((r) => r.risk === 'destructive'));
		assert.ok(rows.some((r) => r.id === 't.destroy'));
		const onTarget = JSON.parse(opsbook(['list', '--target', 'testbox', '--json']).stdout);
		assert.deepEqual((onTarget as Array<{ id: string }>).map((r) => r.id).sort(), [
			'r.change',
			'r.check',
			'r.fail',
			'r.hello',
			'r.sleep',
		]);
	});

	it('keeps the list readable in 120 columns when imported ids are long', async () => {
		const content = await mkdtemp(join(tmpdir(), 'opsbook-long-ids-'));
		try {
			// Ids as opsbook import makes them: the page, the section and the program.
			const long = 'payments-failover.promote-the-replica-to-primary.pg-ctl-promote';
			await writeFile(
				join(content, 'payments-failover.mdx'),
				[
					'---',
					'title: Payments database failover',
					'---',
					'',
					`\`\`\`bash id=${long} risk=change title="Promote the replica"`,
					'pg_ctl promote',
					'```',
					'',
					'```bash id=db.status risk=read title="Read the status"',
					'pg_isready',
					'```',
				].join('\n'),
			);
			const listed = opsbook(['list'], { OPSBOOK_CONTENT_DIR: content });
			assert.equal(listed.code, 0, listed.stderr);
			const lines = listed.stdout.trimEnd().split('\n');
			for (const line of lines) assert.ok(line.length <= 120, `${line.length} columns: ${line}`);
			// The long id whole, on a line of its own, which a responder copies into opsbook run;
			// its row under the columns on the next; a short id keeps its row on one line.
			const at = lines.indexOf(long);
			assert.ok(at > 0, listed.stdout);
			assert.match(lines[at + 1]!, /^ {42}change +local +payments-failover +Promote the replica$/);
			assert.match(listed.stdout, /^db\.status +read +local /m);
			const header = lines[0]!;
			assert.equal(header.indexOf('RISK'), lines[at + 1]!.indexOf('change'), 'aligned');
			const json = JSON.parse(opsbook(['list', '--json'], { OPSBOOK_CONTENT_DIR: content }).stdout);
			assert.ok((json as Array<{ id: string }>).some((r) => r.id === long));
		} finally {
			await rm(content, { recursive: true, force: true });
		}
	});

	it('shows a block, its typed parameters and the resolved command', () => {
		const { code, stdout } = opsbook(['show', 't.seq', '--param', 'count=3']);
		assert.equal(code, 0);
		assert.match(stdout, /count: int, a whole number from 1 to 100000 \(default 5\)/);
		assert.match(stdout, /Command:\n {2}seq 1 3$/m);
		const bad = opsbook(['show', 't.seq', '--param', 'count=lots']);
		assert.equal(bad.code, 2);
		assert.match(bad.stderr, /count/);
		const secret = opsbook(['show', 't.secret', '--param', 'password=hunter2']);
		assert.doesNotMatch(secret.stdout, /hunter2/);
	});

	it('refuses a bad value even while other parameters are missing, and names the missing ones', () => {
		// t.release takes app, namespace (words) and revision (a sha), none with a default.
		const revision = opsbook(['show', 't.release', '--param', 'revision=3']);
		assert.equal(revision.code, 2);
		assert.equal(revision.stdout, '', 'no command shown as if 3 were a revision');
		assert.match(revision.stderr, /revision must be a git commit hash/);
		assert.match(revision.stderr, /missing: app, namespace/);
		const namespace = opsbook([
			'show',
			't.release',
			'--param',
			'namespace=a;b',
			'--param',
			'app=web',
		]);
		assert.equal(namespace.code, 2);
		assert.match(namespace.stderr, /namespace must be one word/);
		assert.match(namespace.stderr, /missing: revision/);
		noStack(namespace.stderr);
		// Good values stand in the command; the missing ones are said, and shown as placeholders.
		const partial = opsbook([
			'show',
			't.release',
			'--param',
			'app=web',
			'--param',
			'revision=abc1234',
		]);
		assert.equal(partial.code, 0, partial.stderr);
		assert.match(partial.stdout, /^Missing: namespace \(give it with --param NAME=VALUE\)$/m);
		assert.match(partial.stdout, /^ {2}echo release web in <namespace> at abc1234$/m);
		const whole = opsbook([
			'show',
			't.release',
			'--param',
			'app=web',
			'--param',
			'namespace=prod',
			'--param',
			'revision=abc1234',
		]);
		assert.equal(whole.code, 0, whole.stderr);
		assert.doesNotMatch(whole.stdout, /Missing/);
		assert.match(whole.stdout, /Command:\n {2}echo release web in prod at abc1234$/m);
	});

	it('checks the fixture site, and lists every problem of the broken one', () => {
		const good = opsbook(['check']);
		assert.equal(good.code, 0, good.stderr);
		assert.match(good.stdout, /command blocks in \d+ pages: all valid/);
		const broken = opsbook(['check'], { OPSBOOK_CONTENT_DIR: 'tests/fixtures/broken' });
		assert.equal(broken.code, 1);
		const problems = broken.stderr.split('\n').filter((l) => /^ {2}\S+:\d+:\d+: /.test(l));
		assert.match(broken.stderr, /^9 problems in the runbooks:/);
		// Every problem of a block (five, on the two lines of one fence), of the frontmatter and across
		// pages, each at its own place, in file and line order.
		assert.deepEqual(
			problems.map((l) => l.trim().split(': ')[0]),
			[
				'tests/fixtures/broken/runbook.mdx:4:11',
				'tests/fixtures/broken/runbook.mdx:9:20',
				'tests/fixtures/broken/runbook.mdx:9:30',
				'tests/fixtures/broken/runbook.mdx:9:41',
				'tests/fixtures/broken/runbook.mdx:10:19',
				'tests/fixtures/broken/runbook.mdx:10:31',
				'tests/fixtures/broken/severity.mdx:11:33',
				'tests/fixtures/broken/severity.mdx:15:1',
				'tests/fixtures/broken/steps.mdx:5:1',
			],
		);
		// The block with problems still holds its id; the gate naming it is not reported.
		assert.match(
			problems.at(-1)!,
			/duplicate id "restart": also defined at tests\/fixtures\/broken\/runbook\.mdx:9:1;/,
		);
		assert.doesNotMatch(broken.stderr, /needs names/);
		// The folder may be given from anywhere; one that is not there is a sentence, exit 2.
		const absolute = opsbook(['check'], {
			OPSBOOK_CONTENT_DIR: join(ROOT, 'tests/fixtures/broken'),
		});
		assert.equal(absolute.code, 1, absolute.stderr);
		assert.match(absolute.stderr, /^9 problems in the runbooks:/);
		const missing = opsbook(['check'], { OPSBOOK_CONTENT_DIR: 'no/such/folder' });
		assert.equal(missing.code, 2);
		assert.match(
			missing.stderr,
			/^opsbook check: There is no runbooks folder at no\/such\/folder /,
		);
		noStack(missing.stderr);
	});

	it('stops at a config that is missing or cannot load, instead of reading it as empty', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'opsbook-config-'));
		try {
			const named = opsbook(['check'], { OPSBOOK_CONFIG: join(dir, 'nowhere.ts') });
			assert.equal(named.code, 2, named.stderr);
			assert.match(named.stderr, /^opsbook check: There is no config at .*nowhere\.ts/);
			noStack(named.stderr);
			// Its own import is missing: not "unknown variable" for every variable it defines.
			const importing = join(dir, 'importing.ts');
			await writeFile(
				importing,
				"import { hosts } from './hosts.ts';\nexport default { hosts };\n",
			);
			const broken = opsbook(['check'], { OPSBOOK_CONFIG: importing });
			assert.equal(broken.code, 2, broken.stderr);
			assert.match(
				broken.stderr,
				/^opsbook check: .*importing\.ts could not be loaded: .*hosts\.ts/,
			);
			assert.doesNotMatch(broken.stderr, /unknown variable/);
			noStack(broken.stderr);
			const syntax = join(dir, 'syntax.ts');
			await writeFile(syntax, 'export default { targets: { ;\n');
			const unparsable = opsbook(['check'], { OPSBOOK_CONFIG: syntax });
			assert.equal(unparsable.code, 2, unparsable.stderr);
			assert.match(unparsable.stderr, /syntax\.ts could not be loaded: /);
			noStack(unparsable.stderr);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});

describe('opsbook run on the local target', () => {
	it('streams the output and exits with the block’s exit code', () => {
		const seq = opsbook(['run', 't.seq', '--param', 'count=3']);
		assert.equal(seq.code, 0, seq.stderr);
		assert.equal(seq.stdout.replaceAll('\r\n', '\n'), '1\n2\n3\n');
		const fail = opsbook(['run', 't.fail']);
		assert.equal(fail.code, 3);
		assert.match(fail.stdout, /about to fail/);
		assert.match(fail.stderr, /t\.fail: exit 3/);
	});

	it('gives a check’s verdict as the exit code', () => {
		assert.equal(opsbook(['run', 't.check-ready']).code, 0);
		const down = opsbook(['run', 't.check-down']);
		assert.equal(down.code, 1);
		assert.match(down.stderr, /check fail: exit 1, expected 0/);
		// A warning is not a failure.
		assert.equal(opsbook(['run', 't.check-warn']).code, 0);
	});

	it('refuses, without a terminal, what it would have to ask', () => {
		const missing = opsbook(['run', 't.name']);
		assert.equal(missing.code, 2);
		assert.match(missing.stderr, /needs --param name=VALUE/);
		const destroy = opsbook(['run', 't.destroy']);
		assert.equal(destroy.code, 2);
		assert.match(destroy.stderr, /type "delete" at a terminal/);
		assert.doesNotMatch(destroy.stdout, /destroying/);
		const bad = opsbook(['run', 't.seq', '--param', 'count=0']);
		assert.equal(bad.code, 2);
		assert.match(bad.stderr, /count/);
	});

	it('types what is piped in into the block, and ends its input there', () => {
		const piped = opsbook(['run', 't.ask'], {}, 'Grace\n');
		assert.equal(piped.code, 0, piped.stderr);
		assert.match(piped.stdout, /got \[Grace\]/);
		// From /dev/null the block reads the end of its input at once, not its timeout later.
		const empty = opsbook(['run', 't.ask']);
		assert.equal(empty.code, 0, empty.stderr);
		assert.match(empty.stdout, /got \[\]/);
		// A pipe is no terminal: it types no confirmation word.
		const destroy = opsbook(['run', 't.destroy'], {}, 'delete\n');
		assert.equal(destroy.code, 2);
		assert.match(destroy.stderr, /type "delete" at a terminal/);
		assert.doesNotMatch(destroy.stdout, /destroying/);
	});

	it('runs a destructive block off production with --yes, and logs it', async () => {
		const audit = join(state, 'yes-audit.jsonl');
		const result = opsbook(['run', 't.destroy', '--yes', '--audit-log', audit]);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /destroying nothing/);
		const entries = await readAudit(audit);
		assert.deepEqual(
			entries.map((e) => [e.event, e.block, e.target]),
			[
				['start', 't.destroy', 'local'],
				['end', 't.destroy', 'local'],
			],
		);
		assert.equal(entries[0]!.page, 'opsbook CLI');
		assert.doesNotMatch(result.stderr, /recorded in the timeline/, 'no incident is open');
	});

	it('records its run in the open incident’s timeline, as a run from the page is', async () => {
		// A state folder of its own: an open incident there records every run of this test only.
		const home = await mkdtemp(join(tmpdir(), 'opsbook-incident-'));
		try {
			const incident = '2026-11-26-api-down';
			const folder = join(home, 'opsbook/incidents');
			await mkdir(folder, { recursive: true, mode: 0o700 });
			await chmod(join(home, 'opsbook'), 0o700);
			const file = join(folder, `${incident}.jsonl`);
			await writeFile(
				file,
				serializeTimeline(timelineHeader(incident, '2026-11-26T03:00:00.000Z'), [
					apiDown(incident),
				]),
				{ mode: 0o600 },
			);
			const result = opsbook(['run', 't.check-down'], { XDG_STATE_HOME: home });
			assert.equal(result.code, 1, result.stderr);
			assert.match(
				result.stderr,
				/^opsbook: recorded in the timeline of the open incident “API down” \(.*2026-11-26-api-down\.jsonl\)$/m,
			);
			const { events, dropped } = parseTimeline(await readFile(file, 'utf8'));
			assert.deepEqual(dropped, []);
			const runs = events.filter((e) => e.kind === 'run-started' || e.kind === 'run-ended');
			assert.deepEqual(
				runs.map((e) => [e.kind, e.incident, 'block' in e ? e.block : '']),
				[
					['run-started', incident, 't.check-down'],
					['run-ended', incident, 't.check-down'],
				],
			);
			const [started, ended] = runs as [
				Extract<TimelineEvent, { kind: 'run-started' }>,
				Extract<TimelineEvent, { kind: 'run-ended' }>,
			];
			assert.equal(started.page, 'opsbook CLI');
			assert.equal(started.target, 'local');
			assert.equal(started.check, true);
			assert.equal(started.audit, join(home, 'opsbook/audit.jsonl'));
			assert.equal(ended.run, started.run);
			assert.equal(ended.verdict?.outcome, 'fail');
			assert.ok(ended.tail?.some((line) => /Could not connect/.test(line)));
		} finally {
			await rm(home, { recursive: true, force: true });
		}
	});

	it('shows its run to the pages of a bridge running on the same incident', async () => {
		const home = await mkdtemp(join(tmpdir(), 'opsbook-incident-'));
		const bridge = await startTestBridge({ stateDir: join(home, 'opsbook') });
		try {
			const page = await TestClient.connect(bridge);
			const incident = '2026-11-26-checkout-down';
			await page.append([
				{
					id: 'e1',
					incident,
					at: new Date().toISOString(),
					kind: 'declared',
					title: 'Checkout down',
					severity: 2,
					detectedAt: new Date().toISOString(),
					responders: [],
				},
			]);
			// A responder at a terminal, beside the page.
			const result = opsbook(['run', 't.check-down'], { XDG_STATE_HOME: home });
			assert.equal(result.code, 1, result.stderr);
			const seen = () =>
				page.messages.flatMap((m) =>
					m.type === 'timeline' && m.incident === incident ? m.events : [],
				);
			await page.until(
				() => seen().some((e) => e.kind === 'run-ended' && e.block === 't.check-down'),
				'the terminal’s run on the page’s timeline',
			);
			const started = seen().find((e) => e.kind === 'run-started');
			assert.equal(started?.kind === 'run-started' && started.page, 'opsbook CLI');
			page.close();
			// And a page that comes later gets it with the incident.
			const later = await TestClient.connect(bridge);
			const welcome = later.messages.find((m) => m.type === 'welcome');
			assert.ok(
				welcome?.type === 'welcome' &&
					welcome.incident?.events.some(
						(e) => e.kind === 'run-ended' && e.block === 't.check-down',
					),
			);
			later.close();
		} finally {
			await bridge.dispose();
			await rm(home, { recursive: true, force: true });
		}
	});

	it('keeps a gate closed unless the override says why', () => {
		const gated = opsbook(['run', 'p.gated']);
		assert.equal(gated.code, 2);
		assert.match(gated.stderr, /waits for "Check the state file says ready"/);
		assert.match(gated.stderr, /--override/);
	});

	it('asks for a missing parameter at a terminal, with the type’s message on a bad value', async () => {
		const named = await atTerminal(
			['run', 't.name'],
			[[/name \(a line of text\): /, 'Ada Lovelace']],
		);
		assert.equal(named.code, 0, named.output);
		assert.match(named.output, /name=\[Ada Lovelace\]/);
		const counted = await atTerminal(
			['run', 't.seq', '--param', 'count=lots'],
			[[/count \(a whole number from 1 to 100000\) \[5\]: /, '2']],
		);
		assert.equal(counted.code, 0, counted.output);
		assert.match(counted.output, /count must be/);
		assert.match(counted.output, /^1\r+\n2\r+\n/m);
	});

	it('asks for the confirmation word at a terminal, and runs nothing on a wrong one', async () => {
		const wrong = await atTerminal(
			['run', 't.destroy', '--param', 'what=everything'],
			[[/type "delete" to run it on local: /, 'nope']],
		);
		assert.equal(wrong.code, 2);
		// As the page's dialog does: what will run, and where, before the word is asked for.
		assert.match(
			wrong.output,
			/"Delete something" is destructive\. It will run this command on local:\r?\n\r?\n {4}echo destroying everything\r?\n\r?\n(\x1b\[\d*[A-Z])*Confirm: type "delete"/,
		);
		assert.match(wrong.output, /Not confirmed/);
		assert.doesNotMatch(wrong.output, /^destroying/m, 'shown, not run');
		const right = await atTerminal(['run', 't.destroy'], [[/type "delete"/, 'delete']]);
		assert.equal(right.code, 0, right.output);
		assert.match(right.output, /^destroying nothing/m);
	});

	it('hands keystrokes to the block', async () => {
		const asked = await atTerminal(['run', 't.ask'], [[/Your name\? /, 'Grace']]);
		assert.equal(asked.code, 0, asked.output);
		assert.match(asked.output, /got \[Grace\]/);
	});
});

describe('opsbook run and test on the test sshd', () => {
	let sshd: Sshd;
	before(async () => {
		sshd = await startSshd();
	});
	after(async () => {
		await sshd?.close();
	});
	const ssh = () => ['--ssh-config', sshd.configFile];

	it('reaches a target other than local only when it is named', () => {
		const unarmed = opsbook(['run', 'r.hello', ...ssh()]);
		assert.equal(unarmed.code, 2);
		assert.match(unarmed.stderr, /testbox is not armed/);
		assert.match(unarmed.stderr, /--target testbox or --arm testbox/);
		const hello = opsbook(['run', 'r.hello', '--target', 'testbox', ...ssh()]);
		assert.equal(hello.code, 0, hello.stderr);
		assert.match(hello.stdout, /remote says hi from /);
		const fail = opsbook(['run', 'r.fail', '--arm', 'testbox', ...ssh()]);
		assert.equal(fail.code, 3, fail.stderr);
		// A read block may run elsewhere by choice; here, on the test sshd.
		const elsewhere = opsbook(['run', 't.echo', '--target', 'testbox', ...ssh()]);
		assert.equal(elsewhere.code, 0, elsewhere.stderr);
		assert.match(elsewhere.stdout, /hello from opsbook/);
	});

	it('arms production only once its name is typed, and --yes confirms nothing there', async () => {
		const script = opsbook(['run', 'r.prod', '--arm', 'prodbox', '--yes', ...ssh()]);
		assert.equal(script.code, 2);
		assert.match(script.stderr, /prodbox is a production target: type its name at a terminal/);
		const written = opsbook(['run', 'r.prod', '--arm-production', 'prodbox', '--yes', ...ssh()]);
		assert.equal(written.code, 2);
		assert.match(written.stderr, /--yes does not confirm on prodbox/);
		assert.doesNotMatch(written.stdout, /production change/);
		const typed = await atTerminal(
			['run', 'r.prod', '--arm', 'prodbox', ...ssh()],
			[
				[/prodbox is a production target: type its name to arm it: /, 'prodbox'],
				[/type "prodbox" to run it on prodbox: /, 'prodbox'],
			],
		);
		assert.equal(typed.code, 0, typed.output);
		assert.match(typed.output, /It will run this command on prodbox \(test sshd\) \(production\):/);
		assert.match(typed.output, /production change/);
		const mistyped = await atTerminal(
			['run', 'r.prod', '--arm', 'prodbox', ...ssh()],
			[[/type its name to arm it: /, 'prod']],
		);
		assert.equal(mistyped.code, 2);
		assert.match(mistyped.output, /type "prodbox" to arm it/);
	});

	it('says so when a target cannot be reached', () => {
		const down = opsbook(['run', 'r.down', '--target', 'downbox', ...ssh()]);
		assert.equal(down.code, 1);
		assert.match(down.stderr, /r\.down: failed/);
	});

	it('tests the remote checks once the target is named, and skips them otherwise', () => {
		const skipped = opsbook(['test', '--page', 'remote', ...ssh()]);
		assert.equal(skipped.code, 0, skipped.stderr);
		assert.match(skipped.stdout, /^skip r\.check .*testbox is not armed/m);
		assert.match(skipped.stdout, /^0 passed, 0 failed, 1 skipped$/m);
		const run = opsbook(['test', '--page', 'remote', '--arm', 'testbox', ...ssh()]);
		assert.equal(run.code, 0, run.stdout + run.stderr);
		assert.match(run.stdout, /^1 passed, 0 failed, 0 skipped$/m);
	});
});

describe('opsbook test', () => {
	it('reports every check as JUnit and TAP, one failing, and exits 1', async () => {
		// In a folder not made yet, as a CI job names it (reports/runbooks.xml).
		const junitFile = join(state, 'reports', 'junit.xml');
		const result = opsbook([
			'test',
			'--page',
			'index',
			'--page',
			'remote',
			'--junit',
			junitFile,
			'--tap',
		]);
		assert.equal(result.code, 1, result.stderr);
		assert.match(result.stderr, /^3 passed, 1 failed, 1 skipped$/m);

		// TAP: tap-parser, node-tap's own parser, reads it whole.
		const parser = new Parser();
		const done = new Promise<Record<string, unknown>>((resolve) => parser.on('complete', resolve));
		parser.end(result.stdout);
		const tap = (await done) as {
			ok: boolean;
			count: number;
			pass: number;
			fail: number;
			skip: number;
			failures: Array<{ name: string; diag: Record<string, string> }>;
		};
		assert.equal(tap.count, 5);
		assert.equal(tap.fail, 1);
		assert.equal(tap.skip, 1);
		assert.equal(tap.ok, false);
		const failure = tap.failures[0]!;
		assert.match(failure.name, /^t\.check-down \(index\)/);
		assert.equal(failure.diag.expected, 'exit 0 and a line matching /^PONG$/');
		assert.equal(failure.diag.actual, 'exit 1');
		assert.match(failure.diag.output!, /Could not connect/);

		// JUnit: junit2json reads it; a testcase per block, classname the page.
		const xml = await readFile(junitFile, 'utf8');
		assert.ok(xml.endsWith('</testsuites>\n'), 'the file ends with a newline');
		const report = (await parseJunit(xml)) as {
			tests: number;
			failures: number;
			skipped: number;
			testsuite: Array<{
				name: string;
				testcase: Array<{
					classname: string;
					name: string;
					failure?: Array<{ message: string; inner: string }>;
					skipped?: Array<{ message: string }>;
				}>;
			}>;
		};
		assert.equal(report.tests, 5);
		assert.equal(report.failures, 1);
		assert.equal(report.skipped, 1);
		const cases = report.testsuite.flatMap((s) => s.testcase);
		assert.deepEqual(
			cases.map((c) => `${c.classname} ${c.name}`),
			[
				'index t.check-ready',
				'index t.check-down',
				'index t.check-warn',
				'index t.check-long',
				'remote r.check',
			],
		);
		const down = cases.find((c) => c.name === 't.check-down')!;
		assert.match(down.failure![0]!.message, /exit 1, expected 0/);
		assert.match(down.failure![0]!.inner, /expected: exit 0 and a line matching/);
		assert.match(down.failure![0]!.inner, /Could not connect/);
		const skipped = cases.find((c) => c.skipped)!;
		assert.equal(skipped.name, 'r.check');
		assert.match(skipped.skipped![0]!.message, /testbox is not armed/);
	});

	it('prints a line per block and the summary without --tap', () => {
		const result = opsbook(['test', '--page', 'walkthrough']);
		assert.equal(result.code, 1);
		assert.match(result.stdout, /^ok {3}walk\.ready /m);
		assert.match(result.stdout, /^FAIL walk\.fail /m);
		assert.match(result.stdout, /^ {7}\| not ready$/m);
		assert.match(result.stdout, /^1 passed, 1 failed, 0 skipped$/m);
	});
});

describe('opsbook report and import', () => {
	it('renders the post-incident report from a timeline file', async () => {
		const incident = '2026-11-26-api-down';
		const file = join(state, 'timeline.jsonl');
		await writeFile(
			file,
			serializeTimeline(timelineHeader(incident, '2026-11-26T03:00:00.000Z'), [
				apiDown(incident),
				{ id: 'e2', incident, at: '2026-11-26T05:46:00.000Z', kind: 'resolved' },
			]),
		);
		const printed = opsbook(['report', file]);
		assert.equal(printed.code, 0, printed.stderr);
		assert.match(
			printed.stdout,
			/^# Incident on the test boxes: API down$/m,
			"the site's own template",
		);
		assert.match(printed.stdout, /SEV-1/);
		const out = join(state, 'report.md');
		const written = opsbook(['report', file, '--out', out, '--author', 'Sam']);
		assert.equal(written.code, 0, written.stderr);
		assert.match(await readFile(out, 'utf8'), /Sam/);
		const missing = opsbook(['report', join(state, 'nope.jsonl')]);
		assert.equal(missing.code, 2);
	});

	it('imports Markdown runbooks and prints the report of each page', async () => {
		const source = join(state, 'restart.md');
		await writeFile(
			source,
			'# Restart the API\n\n```console\n$ systemctl restart api\n```\n\n```bash\nkill -9 <pid>\n```\n',
		);
		const out = join(state, 'imported');
		const result = opsbook(['import', source, '--out', out]);
		assert.equal(result.code, 0, result.stderr);
		// A summary that counts what the report lists, what needs a human most first.
		assert.match(
			result.stdout,
			/restart\.md → .*restart\.mdx: 0 not converted, 3 risk guesses, 2 blocks on their default target, 1 parameter, .*; 2 ids, 0 read guesses and 1 routine conversion counted/,
		);
		assert.match(result.stdout, /restart\.md:\d+: \[\w+\] /);
		const page = await readFile(join(out, 'restart.mdx'), 'utf8');
		assert.match(page, /risk=destructive/);
		// The report beside the pages, one line a note with its source line, named in the summary.
		const reportFile = join(out, '_import-report.md');
		assert.ok(result.stdout.includes(`The report is in ${reportFile}`), result.stdout);
		const report = await readFile(reportFile, 'utf8');
		assert.match(report, /^## .*restart\.md → .*restart\.mdx$/m);
		assert.match(report, /^.*restart\.md:4: \[inferred\] risk=change inferred from “restart”$/m);
		assert.match(report, /^.*restart\.md:7: \[inferred\] risk=destructive inferred from “kill”$/m);
		assert.match(
			report,
			/^.*restart\.md: \[inferred\] 2 command blocks run on this machine \(target=local\)/m,
		);
		assert.match(report, /^0 not converted, 3 risk guesses, 2 blocks on their default target/m);
		// Importing another page there keeps the first one's notes.
		const other = join(state, 'disk.md');
		await writeFile(other, '# Disk\n\n```bash\ndf -h\n```\n');
		assert.equal(opsbook(['import', other, '--out', out]).code, 0);
		const both = await readFile(reportFile, 'utf8');
		assert.match(both, /restart\.md:4: \[inferred\] risk=change/);
		assert.match(both, /^.*disk\.md: \[inferred\] 1 block guessed risk=read/m);
		// A page there already is not overwritten without --force.
		const again = opsbook(['import', source, '--out', out]);
		assert.equal(again.code, 2);
		assert.match(again.stderr, /--force/);
		assert.equal(opsbook(['import', source, '--out', out, '--force']).code, 0);
	});
});
