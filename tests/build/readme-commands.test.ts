/**
 * Every command the README and the authoring guide tell a person to type runs as written on a
 * fresh machine whose `node` is older than the Node 24 the project needs: through npm (`npm run`
 * puts the pinned Node 24 first on PATH), never `node file.ts`, which Node 20 cannot run.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';

const DOCS = ['README.md', 'content/authoring/writing-runbooks.mdx'];
const SHELLS = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
/** Commands that do not depend on the machine's Node: the system packages the tests need. */
const SYSTEM = /^sudo apt-get install -y [a-z0-9 -]+$/;
/** The first word of an inline span that would be a command run with the machine's own runtime. */
const RUNTIME = /^(node|tsx|ts-node|deno|bun)\s/;

interface Command {
	file: string;
	line: number;
	text: string;
}

/**
 * The shell commands of a Markdown file: each line of a shell fence (a fence nested in a longer
 * one is an example of a runbook, not a command to type) and every inline code span that starts
 * like a command.
 */
function commands(file: string, markdown: string): { fenced: Command[]; inline: Command[] } {
	const fenced: Command[] = [];
	const inline: Command[] = [];
	let fence: { marks: string; shell: boolean } | undefined;
	markdown.split('\n').forEach((source, index) => {
		const line = index + 1;
		const open = /^(`{3,}|~{3,})\s*(\S*)(.*)$/.exec(source);
		if (fence) {
			if (open && open[1] === fence.marks && !open[2]) fence = undefined;
			else if (fence.shell) {
				// Without its comment; a `\` at the end continues onto the next line.
				const text = source.replace(/\s+#.*$/, '').trim();
				const previous = fenced.at(-1);
				if (previous?.text.endsWith('\\') && previous.line === line - 1) {
					previous.text = `${previous.text.slice(0, -1)} ${text}`;
				} else if (text && !text.startsWith('#')) fenced.push({ file, line, text });
			}
			return;
		}
		if (open) {
			// A command block of a runbook (`bash id=… risk=…`) is runbook content, not setup.
			const shell = SHELLS.has(open[2]!) && !/\brisk=/.test(open[3]!);
			fence = { marks: open[1]!, shell };
			return;
		}
		for (const span of source.matchAll(/(?<!`)`([^`]+)`(?!`)/g)) {
			const text = span[1]!.trim();
			if (/^(npm|npx)\s/.test(text) || RUNTIME.test(text)) inline.push({ file, line, text });
		}
	});
	return { fenced, inline };
}

/** Why `text` would not run on a fresh machine with an older `node`, or undefined. */
async function problem(text: string): Promise<string | undefined> {
	// Leading VAR=value assignments configure the command; the command is what follows.
	const command = text.replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, '');
	if (SYSTEM.test(command)) return undefined;
	if (RUNTIME.test(command)) {
		return 'runs with the machine’s own node, which may be older than 24: use an npm script';
	}
	const steps = command.split(/\s*&&\s*/);
	for (const step of steps) {
		// `npx …`, and `npm run …` standing for every script in prose.
		if (/^npx\s/.test(step) || step === 'npm run …') continue;
		const npm = /^npm (?:(start|test|install|ci)\b|run ([\w:-]+))/.exec(step);
		if (!npm) return 'is not an npm or npx command';
		const script = npm[2] ?? npm[1];
		if (script === 'install' || script === 'ci') continue;
		const { scripts } = JSON.parse(await readFile('package.json', 'utf8')) as {
			scripts: Record<string, string>;
		};
		if (!(script! in scripts)) return `names no script of package.json ("${script}")`;
	}
	return undefined;
}

it('the docs show shell commands, and each one runs through npm or npx', async () => {
	const found: Command[] = [];
	const wrong: string[] = [];
	for (const file of DOCS) {
		const { fenced, inline } = commands(file, await readFile(file, 'utf8'));
		found.push(...fenced, ...inline);
	}
	for (const command of found) {
		const why = await problem(command.text);
		if (why) wrong.push(`${command.file}:${command.line}: \`${command.text}\` ${why}`);
	}
	assert.ok(
		found.some((c) => c.text.startsWith('npm install && npm start')),
		'the README’s first command is found',
	);
	assert.ok(found.length > 10, `commands found (${found.length})`);
	assert.deepEqual(wrong, []);
});

it('tells a command for the machine’s own node apart from one through npm', async () => {
	const { fenced, inline } = commands(
		'example.md',
		[
			'Run `node server/cli.ts bridge` or `npm run bridge -- --help`.',
			'```sh',
			'npm install   # first',
			'node scripts/serve.ts',
			'```',
			'````md',
			'```bash id=x risk=read',
			'node --version',
			'```',
			'````',
		].join('\n'),
	);
	assert.deepEqual(
		[...inline, ...fenced].map((c) => c.text),
		[
			'node server/cli.ts bridge',
			'npm run bridge -- --help',
			'npm install',
			'node scripts/serve.ts',
		],
	);
	assert.match((await problem('node server/cli.ts bridge')) ?? '', /older than 24/);
	assert.equal(await problem('npm run bridge -- --help'), undefined);
	assert.equal(await problem('OPSBOOK_EDIT_URL=https://x.example/ npm start'), undefined);
	assert.match((await problem('npm run nothing-like-this')) ?? '', /names no script/);
});
