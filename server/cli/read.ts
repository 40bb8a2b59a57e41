/**
 * The commands that read the runbooks and run nothing: `opsbook list`, `show`, `check`, and the
 * ones that turn files into files: `report` (a timeline into the post-incident report) and
 * `import` (MkDocs or Markdown runbooks into Opsbook pages).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { formatReport, summarizeReport } from '../../src/import/index.ts';
import { importFiles } from '../../src/import/import-fs.ts';
import { parseTimeline } from '../../src/incident/file.ts';
import { renderReport } from '../../src/incident/report.ts';
import { foldIncident } from '../../src/incident/timeline.ts';
import { checkParamValue, describeType, isSecret } from '../../src/runbook/params.ts';
import {
	formatProblems,
	loadConfig,
	loadRunbooks,
	loadValidRunbooks,
	projectPaths,
} from '../../src/runbook/runbooks-fs.ts';
import { RISKS, type CommandBlock } from '../../src/runbook/schema.ts';
import { displayTemplate, renderTemplate } from '../../src/runbook/template.ts';
import { isCheck } from '../../src/runbook/verdict.ts';
import { EXIT, EXIT_CODES_HELP, paramValues, parse, UsageError, type Command } from './common.ts';

/** Whether `block` is on page `page`: its slug, its file, or the file's name without extension. */
export function onPage(block: CommandBlock, page: string): boolean {
	const file = block.source.file;
	const name = basename(file).replace(/\.mdx?$/, '');
	return (
		block.page.slug === page ||
		file === page ||
		file.endsWith(`/${page}`) ||
		name === page ||
		file.replace(/\.mdx?$/, '').endsWith(`/${page}`)
	);
}

/** Every block of the project, through the model; a malformed runbook is a configuration error. */
async function blocks(): Promise<CommandBlock[]> {
	const loaded = await loadValidRunbooks(projectPaths());
	return loaded.blocks.map((b) => b.block);
}

/**
 * Rows as aligned columns, each no wider than its `max` (the last is never padded): a longer
 * cell keeps its whole text, which a responder copies into `opsbook run`, and the rest of its
 * row goes on the next line, under its columns (as `docker ps` and `kubectl` do with long names).
 */
export function table(rows: string[][], max: readonly number[] = []): string {
	const widths = rows[0]!.map((_, i) =>
		Math.min(max[i] ?? Infinity, Math.max(...rows.map((r) => r[i]!.length))),
	);
	const lines: string[] = [];
	for (const row of rows) {
		let line = '';
		row.forEach((cell, i) => {
			if (i === row.length - 1) {
				line += cell;
				return;
			}
			line += cell;
			// Where the next column starts: each column is followed by two spaces.
			const next = widths.slice(0, i + 1).reduce((sum, w) => sum + w + 2, 0);
			if (line.length > next - 2) {
				lines.push(line);
				line = ' '.repeat(next);
			} else line = line.padEnd(next);
		});
		lines.push(line.trimEnd());
	}
	return lines.join('\n');
}

/** The widest columns of `opsbook list` but TITLE: a row reads in 120 columns, most in 80. */
const LIST_WIDTHS = [40, 11, 16, 32];

const LIST_OPTIONS = {
	page: { type: 'string' },
	risk: { type: 'string' },
	target: { type: 'string' },
	json: { type: 'boolean' },
} as const;

export const list: Command = {
	name: 'list',
	options: LIST_OPTIONS,
	summary: 'the command blocks: id, risk, target, page, title',
	help: `Usage: opsbook list [--page PAGE] [--risk RISK] [--target TARGET] [--json]

Lists the command blocks of the runbooks, in page order.

Options:
  --page PAGE      only the blocks of this page (its slug, file, or file name without .mdx)
  --risk RISK      only blocks of this risk: read, change or destructive
  --target TARGET  only blocks that run on this target
  --json           one JSON array: id, risk, target, page, title, check, params

Examples:
  opsbook list
  opsbook list --risk destructive
  opsbook list --page runbooks/database --json

${EXIT_CODES_HELP}`,
	async run(argv) {
		const { values } = parse(argv, LIST_OPTIONS, false);
		if (values.risk !== undefined && !(RISKS as readonly string[]).includes(values.risk)) {
			throw new UsageError(`--risk must be one of ${RISKS.join(', ')}, not "${values.risk}"`);
		}
		const loaded = await loadValidRunbooks(projectPaths());
		const all = loaded.blocks.map((b) => b.block);
		// A typo is not "no blocks match": say what there is, as run and test do.
		if (values.target !== undefined && !Object.hasOwn(loaded.config.targets, values.target)) {
			throw new UsageError(
				`No target "${values.target}": the targets are ${Object.keys(loaded.config.targets).join(', ')}.`,
			);
		}
		if (values.page !== undefined && !all.some((b) => onPage(b, values.page!))) {
			throw new UsageError(
				`No page with command blocks is "${values.page}": opsbook list shows each block's page.`,
			);
		}
		const found = all.filter(
			(b) =>
				(values.page === undefined || onPage(b, values.page)) &&
				(values.risk === undefined || b.risk === values.risk) &&
				(values.target === undefined || b.target === values.target),
		);
		if (values.json) {
			const rows = found.map((b) => ({
				id: b.id,
				risk: b.risk,
				target: b.target,
				page: b.page.slug,
				title: b.title,
				check: isCheck(b.expect),
				params: b.params.map((p) => p.name),
			}));
			console.log(JSON.stringify(rows, null, '\t'));
			return EXIT.ok;
		}
		if (found.length === 0) {
			console.error('No blocks match.');
			return EXIT.ok;
		}
		console.log(
			table(
				[
					['ID', 'RISK', 'TARGET', 'PAGE', 'TITLE'],
					...found.map((b) => [b.id, b.risk, b.target, b.page.slug || '/', b.title]),
				],
				LIST_WIDTHS,
			),
		);
		return EXIT.ok;
	},
};

/** How a check's expectation reads: `exit 0 and a line matching /^up$/`. */
export function describeExpect(block: CommandBlock): string | undefined {
	const expect = block.expect;
	if (!isCheck(expect)) return undefined;
	const parts: string[] = [];
	if (expect.exitCode !== undefined) parts.push(`exit ${expect.exitCode}`);
	if (expect.output !== undefined) parts.push(`a line matching /${expect.output}/`);
	const warn = expect.warnExitCode !== undefined ? ` (exit ${expect.warnExitCode}: warn)` : '';
	return `${parts.join(' and ')}${warn}`;
}

const SHOW_OPTIONS = { param: { type: 'string', multiple: true } } as const;

export const show: Command = {
	name: 'show',
	options: SHOW_OPTIONS,
	summary: 'a block: its parameters with their types, and the command it runs',
	help: `Usage: opsbook show ID [--param NAME=VALUE…]

Shows a block: where it is, its risk and target, what a good run looks like, its parameters with
their types, and the command it resolves to (with the values given, else the defaults; a
parameter with neither shows as <NAME>, and is named above the command). Each value given is
checked against its type: a bad one is an error (exit 2), even while others are missing.
Nothing runs.

Options:
  --param NAME=VALUE  a parameter's value, checked against its type (repeatable)

Examples:
  opsbook show db.replication-lag
  opsbook show t.seq --param count=3

${EXIT_CODES_HELP}`,
	async run(argv) {
		const { values, positionals } = parse(argv, SHOW_OPTIONS);
		const [id, ...extra] = positionals;
		if (id === undefined || extra.length > 0)
			throw new UsageError('opsbook show takes one block id');
		const block = (await blocks()).find((b) => b.id === id);
		if (!block) throw new UsageError(`No block "${id}": opsbook list shows the ids.`);
		const given = paramValues(values.param);
		const lines = [
			`${block.id}: ${block.title}`,
			`  page     ${block.page.title} (${block.source.file}:${block.source.line})`,
			`  risk     ${block.risk}${block.confirm ? ` (confirm by typing "${block.confirm}")` : block.risk === 'destructive' ? ` (confirm by typing "${block.target}")` : ''}`,
			`  target   ${block.target}`,
			`  timeout  ${block.timeoutMs / 1000} s`,
		];
		const expect = describeExpect(block);
		if (expect) lines.push(`  check    passes on ${expect}`);
		if (block.needs?.length)
			lines.push(`  needs    ${block.needs.join(', ')} to have passed first`);
		if (block.interactive) lines.push('  interactive: does what is typed into it');
		if (block.params.length > 0) {
			lines.push('', 'Parameters:');
			for (const p of block.params) {
				const fallback = p.default !== undefined ? ` (default ${p.default})` : ' (required)';
				lines.push(`  ${p.name}: ${p.type}, ${describeType(p)}${fallback}`);
			}
		}
		for (const name of Object.keys(given)) {
			if (!block.params.some((p) => p.name === name)) {
				throw new UsageError(`${block.id} has no parameter "${name}"`);
			}
		}
		// Every value given is checked, whatever else is missing: a bad one shown as if fine, or
		// not shown at all behind the others' placeholders, would pass for a good one.
		const known: Record<string, string> = {};
		const bad: string[] = [];
		for (const spec of block.params) {
			if (given[spec.name] === undefined) continue;
			const checked = checkParamValue(spec, given[spec.name]);
			if (checked.ok) known[spec.name] = checked.value;
			else bad.push(checked.message);
		}
		const missing = block.params
			.filter((p) => p.default === undefined && given[p.name] === undefined)
			.map((p) => p.name);
		const toGive = `give ${missing.length === 1 ? 'it' : 'them'} with --param NAME=VALUE`;
		if (bad.length > 0) {
			if (missing.length > 0) bad.push(`missing: ${missing.join(', ')} (${toGive})`);
			throw new UsageError(bad.join('\n'));
		}
		if (missing.length === 0) {
			const rendered = renderTemplate(block, known);
			if (!rendered.ok) throw new UsageError(rendered.errors.map((e) => e.message).join('\n'));
			const shown = block.params.some(isSecret) ? rendered.redacted : rendered.command;
			lines.push('', 'Command:', ...shown.split('\n').map((l) => `  ${l}`));
		} else {
			lines.push(
				'',
				`Missing: ${missing.join(', ')} (${toGive})`,
				`Command, with ${missing.map((n) => `<${n}>`).join(', ')} where ${missing.length === 1 ? 'its value goes' : 'their values go'}:`,
				...displayTemplate(block, known)
					.text.split('\n')
					.map((l) => `  ${l}`),
			);
		}
		console.log(lines.join('\n'));
		return EXIT.ok;
	},
};

export const check: Command = {
	name: 'check',
	options: {},
	summary: "the build's validation without building: every problem as file:line:column",
	help: `Usage: opsbook check

Checks every runbook, the config and the drills the way the build does, without building, and
prints every problem as file:line:column: message.

Examples:
  opsbook check
  OPSBOOK_CONTENT_DIR=docs/runbooks opsbook check

Exit codes: 0 all valid, 1 a runbook has problems, 2 a usage or configuration error.`,
	async run(argv) {
		parse(argv, {}, false);
		const loaded = await loadRunbooks(projectPaths());
		if (loaded.problems.length > 0) {
			console.error(formatProblems(loaded.problems));
			return EXIT.failed;
		}
		console.log(
			`${count(loaded.blocks.length, 'command block')} in ${count(loaded.runbooks.length, 'page')}: all valid.`,
		);
		return EXIT.ok;
	},
};

const REPORT_OPTIONS = { out: { type: 'string' }, author: { type: 'string' } } as const;

export const report: Command = {
	name: 'report',
	options: REPORT_OPTIONS,
	summary: 'the post-incident report, from a timeline file',
	help: `Usage: opsbook report TIMELINE.jsonl [--out FILE] [--author NAME]

Writes the post-incident report of an incident from its timeline file (the bridge keeps them in
~/.local/state/opsbook/incidents/; the incident page exports them), into the runbooks' own
template (a \`\`\`md report-template fence), or Opsbook's minimal one when there is none.

Options:
  --out FILE     write the report here instead of printing it
  --author NAME  the report's author (default: the incident's responders)

Examples:
  opsbook report ~/.local/state/opsbook/incidents/2026-11-26-api-down.jsonl
  opsbook report incident.jsonl --out reports/api-down.md --author "Dana Reyes"

${EXIT_CODES_HELP}`,
	async run(argv) {
		const { values, positionals } = parse(argv, REPORT_OPTIONS);
		const [file, ...extra] = positionals;
		if (file === undefined || extra.length > 0) {
			throw new UsageError('opsbook report takes one timeline file');
		}
		let text: string;
		try {
			text = await readFile(file, 'utf8');
		} catch (error) {
			throw new UsageError(`Cannot read ${file}: ${(error as Error).message}`);
		}
		let parsed;
		try {
			parsed = parseTimeline(text);
		} catch (error) {
			throw new UsageError(`${file}: ${(error as Error).message}`);
		}
		for (const line of parsed.dropped) console.error(`${file}: ${line}`);
		const state = foldIncident(parsed.events);
		if (!state) {
			throw new UsageError(
				`${file} holds no incident declaration: a report needs the timeline from its start.`,
			);
		}
		const { incident } = await loadValidRunbooks(projectPaths());
		const markdown = renderReport(incident.template, state, incident, {
			now: new Date(),
			author: values.author,
		});
		if (values.out !== undefined) {
			await writeFile(values.out, markdown);
			console.error(`Wrote ${values.out}`);
		} else process.stdout.write(markdown);
		return EXIT.ok;
	},
};

const IMPORT_OPTIONS = {
	out: { type: 'string' },
	format: { type: 'string' },
	force: { type: 'boolean' },
} as const;

export const importCommand: Command = {
	name: 'import',
	options: IMPORT_OPTIONS,
	summary: 'MkDocs-Material or Markdown runbooks into Opsbook pages',
	help: `Usage: opsbook import FILE.md… [--out DIR] [--format auto|mkdocs|gfm] [--force]

Converts runbooks written for MkDocs-Material or plain (GitHub-flavoured) Markdown into Opsbook
pages: admonitions become asides, tabs become <Tabs>, shell fences become typed blocks with an
inferred risk and typed parameters. Every inference is marked for review in the page and listed
below as FILE:LINE: [kind] message, and written to DIR/_import-report.md (a section per page,
kept across imports into DIR; the leading _ keeps it out of the site); nothing is dropped silently.

Options:
  --out DIR      where the pages go (default: the runbooks folder, src/content/docs or content/)
  --format F     auto (default: decided per file), mkdocs or gfm
  --force        overwrite pages that exist already

Examples:
  opsbook import docs/runbooks/*.md --out src/content/docs/runbooks
  opsbook import RUNBOOK.md --format gfm --out content/imported

Exit codes: 0 imported, 1 a page written has problems (opsbook check would list them),
2 a usage or configuration error.`,
	async run(argv) {
		const { values, positionals } = parse(argv, IMPORT_OPTIONS);
		if (positionals.length === 0) throw new UsageError('opsbook import takes one or more files');
		const format = values.format ?? 'auto';
		if (format !== 'auto' && format !== 'mkdocs' && format !== 'gfm') {
			throw new UsageError(`--format must be auto, mkdocs or gfm, not "${format}"`);
		}
		for (const file of positionals) {
			if (!existsSync(file)) throw new UsageError(`No such file: ${file}`);
			// Pages only: a folder, or MkDocs' own mkdocs.yml, would be read as a page of text.
			if (statSync(file).isDirectory()) {
				throw new UsageError(
					`${file} is a folder: name the Markdown pages in it (opsbook import ${file.replace(/\/$/, '')}/*.md)`,
				);
			}
			if (!/\.(md|markdown|mdx)$/i.test(file)) {
				throw new UsageError(
					`${file} is not a Markdown page (.md, .markdown or .mdx)${/mkdocs\.ya?ml$/i.test(file) ? ': name the pages its nav lists' : ''}`,
				);
			}
		}
		const paths = projectPaths();
		const outDir = values.out ?? paths.contentDir;
		if (!values.force) {
			const taken = positionals
				.map((f) =>
					join(resolve(outDir), `${basename(f).replace(/\.(md|markdown|mdx)$/i, '')}.mdx`),
				)
				.filter((path) => existsSync(path));
			if (taken.length > 0) {
				throw new UsageError(
					`These pages exist already: ${taken.join(', ')}. Import into another --out DIR, or add --force to overwrite them.`,
				);
			}
		}
		const config = await loadConfig(paths);
		const { pages, report } = await importFiles(positionals, { outDir, format, config });
		let problems = 0;
		for (const page of pages) {
			const notes = page.result.report;
			console.log(
				`${page.from} → ${page.to}: ${notes.length === 0 ? 'nothing to review' : summarizeReport(notes)}`,
			);
			if (notes.length > 0) console.log(formatReport(page.from, notes));
			if (page.problems.length > 0) {
				problems += page.problems.length;
				console.error(formatProblems(page.problems));
			}
		}
		console.log(`The report is in ${report}: review each note, in the page too.`);
		return problems > 0 ? EXIT.failed : EXIT.ok;
	},
};

/** `1 page`, `19 pages`. */
function count(n: number, noun: string): string {
	return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
