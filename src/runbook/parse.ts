/**
 * Reads one runbook page (MDX or Markdown) into its command blocks.
 *
 * The page is parsed by Sätteri, the same parser Astro renders it with, so the blocks found here
 * are the blocks the page shows. A shell fence (`bash`, `sh`, `shell`, `zsh`) is a command block
 * unless its meta says `static`:
 *
 * ```md
 * ## Kill a stuck query
 * ```bash id=db.kill-query risk=destructive confirm=terminate
 * docker compose exec db psql -c "SELECT pg_terminate_backend({{pid:int}});"
 * ```
 * ```
 *
 * Problems are collected with their line, never thrown, so an author sees all of them at once.
 */
import GithubSlugger from 'github-slugger';
import { markdownToMdast, mdxToMdast, type MdastNode } from 'satteri';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { OpsbookConfig } from './config.ts';
import { readIncidentContent, type PageIncidentContent } from './incident-content.ts';
import { textOf } from './mdast.ts';
import { parseMeta, type MetaOption } from './meta.ts';
import {
	BlockIdSchema,
	RiskSchema,
	RunbookFrontmatterSchema,
	TimeoutSchema,
	type CommandBlock,
} from './schema.ts';
import { defineVarHint, parseTemplate } from './template.ts';
import { readDecisionTree, type DecisionTreeModel, type PageHeading } from './tree.ts';
import { isCheck } from './verdict.ts';
import { readWalkthrough, type WalkthroughModel } from './walkthrough.ts';

export const SHELL_LANGS: ReadonlySet<string> = new Set(['bash', 'sh', 'shell', 'zsh']);

/** Opsbook's fence options. */
const OPTIONS = new Set([
	'id',
	'risk',
	'target',
	'timeout',
	'title',
	'confirm',
	'expect-exit',
	'expect-output',
	'expect-warn-exit',
	'interactive',
	'needs',
	'static',
]);
/** Expressive Code's own options, passed through untouched. */
const EC_OPTIONS = new Set([
	'frame',
	'wrap',
	'preserveIndent',
	'hangingIndent',
	'showLineNumbers',
	'startLineNumber',
	'collapse',
	'collapseStyle',
	'mark',
	'ins',
	'del',
	'useDiffSyntax',
]);

/**
 * What tells a block apart on its page: its meta and its code, white space folded. The renderer
 * finds a block's model by it, so the model refuses two blocks with the same key on one page.
 */
export function blockKey(meta: string, code: string): string {
	return `${meta}\u0000${code.replace(/\s+/g, ' ').trim()}`;
}

export interface RunbookProblem {
	/** Path relative to the project root. */
	file: string;
	line: number;
	column: number;
	message: string;
}

/** A command block found on a page, with what is needed to match it to the rendered page. */
export interface FoundBlock {
	block: CommandBlock;
	/** The fence's position among all code fences of the page, from 0 (Expressive Code's `groupIndex`). */
	fenceIndex: number;
	/** Whether the id was written (`id=`) or derived from the page and heading. */
	explicitId: boolean;
	/** The fence's raw meta string. */
	meta: string;
	/** Where `needs=` is written, for the site-wide check of what it names. */
	needsAt?: { file: string; line: number; column: number };
}

/**
 * A `<RunAll steps="db.status db.ready" />` on the page: a control that runs those blocks in
 * order (see `src/components/RunAll.astro`).
 */
export interface RunAllGroup {
	/** The block ids, in the order they run. */
	steps: string[];
	line: number;
	column: number;
}

/** A command block the model refused: its problems are reported, and its id is still taken. */
export interface RejectedBlock {
	id: string;
	source: { file: string; line: number; column: number };
}

export interface ParsedRunbook {
	file: string;
	slug: string;
	title: string;
	blocks: FoundBlock[];
	/**
	 * The command blocks with problems, in document order. The site-wide checks count their ids,
	 * so a broken block is reported for what is wrong with it, not again as "no such block" where
	 * a gate or a Run all names it, and a second block with its id is still a duplicate.
	 */
	rejected: RejectedBlock[];
	/** The page's Run all controls. */
	runAll: RunAllGroup[];
	problems: RunbookProblem[];
	/** Every heading of the page, with its anchor. */
	headings: PageHeading[];
	/** The page's decision tree, if it has one (see `tree.ts`). */
	tree?: DecisionTreeModel;
	/** The page's severity table, escalation rules and report template (see `incident-content.ts`). */
	incident?: PageIncidentContent;
	/** The page's walkthrough, if it is one (see `walkthrough.ts`). */
	walkthrough?: WalkthroughModel;
}

/** The page slug Starlight gives `file` (relative to the content folder): `runbooks/api.mdx` → `runbooks/api`. */
export function slugOf(relativeToContent: string): string {
	return relativeToContent
		.replace(/\.(mdx|md)$/, '')
		.split('/')
		.map((part) => new GithubSlugger().slug(part))
		.join('/')
		.replace(/(^|\/)index$/, '');
}

/**
 * Parses `source`, the text of the page at `file` (relative to the root), whose path inside the
 * content folder is `contentPath`.
 */
export function parseRunbook(
	source: string,
	{ file, contentPath, config }: { file: string; contentPath: string; config: OpsbookConfig },
): ParsedRunbook {
	const problems: RunbookProblem[] = [];
	const problem = (line: number, column: number, message: string) =>
		problems.push({ file, line, column, message });

	let tree: MdastNode;
	try {
		tree = (
			contentPath.endsWith('.mdx') ? mdxToMdast(source) : markdownToMdast(source)
		) as MdastNode;
	} catch (error) {
		// The parser's message starts with where it stopped (`8:3: Expected a closing tag…`): the
		// problem is put there, in the page's own lines.
		const message = (error as Error).message;
		const at = /^(\d+):(\d+):\s*/.exec(message);
		problem(
			at ? Number(at[1]) : 1,
			at ? Number(at[2]) : 1,
			`the page cannot be parsed: ${at ? message.slice(at[0].length) : message}`,
		);
		return {
			file,
			slug: slugOf(contentPath),
			title: contentPath,
			blocks: [],
			rejected: [],
			runAll: [],
			problems,
			headings: [],
		};
	}

	// Frontmatter: the page title and its default target.
	let frontmatter: Record<string, unknown> = {};
	const children = 'children' in tree ? (tree.children as MdastNode[]) : [];
	const yamlNode = children.find((n) => n.type === 'yaml');
	// Where a key of the frontmatter is written: its YAML starts on the line after the opening `---`.
	let frontmatterAt = (_path: readonly PropertyKey[]) => ({ line: 1, column: 1 });
	if (yamlNode && 'value' in yamlNode) {
		const text = String(yamlNode.value);
		const firstLine = (yamlNode.position?.start.line ?? 1) + 1;
		const lines = new LineCounter();
		const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
		const position = (offset: number) => {
			const { line, col } = lines.linePos(offset);
			return { line: firstLine + line - 1, column: col };
		};
		frontmatterAt = (path) => {
			// The deepest part of the path that is written, else the page's first line.
			for (let depth = path.length; depth > 0; depth--) {
				const node = document.getIn(path.slice(0, depth) as unknown[], true);
				if (isNode(node) && node.range) return position(node.range[0]);
			}
			return { line: 1, column: 1 };
		};
		for (const error of document.errors) {
			const { line, column } = position(error.pos[0]);
			problem(line, column, `frontmatter is not valid YAML: ${error.message}`);
		}
		if (document.errors.length === 0) {
			frontmatter = (document.toJS() as Record<string, unknown> | null) ?? {};
		}
	}
	const title = typeof frontmatter.title === 'string' ? frontmatter.title : slugOf(contentPath);
	const slug = slugOf(contentPath) || 'index';
	const pageOptions = RunbookFrontmatterSchema.safeParse(frontmatter);
	for (const issue of pageOptions.error?.issues ?? []) {
		const { line, column } = frontmatterAt(issue.path);
		const key = issue.path.map(String).join('.');
		problem(line, column, `frontmatter${key ? ` ${key}` : ''}: ${issue.message}`);
	}
	const pageTarget = pageOptions.data?.opsbook?.target;
	if (pageTarget !== undefined && !(pageTarget in config.targets)) {
		const { line, column } = frontmatterAt(['opsbook', 'target']);
		problem(line, column, unknownTarget(pageTarget, config, 'opsbook.target in the frontmatter'));
	}

	const blocks: FoundBlock[] = [];
	const rejected: RejectedBlock[] = [];
	const runAll: RunAllGroup[] = [];
	const slugger = new GithubSlugger();
	let heading: { text: string; slug: string } | undefined;
	const perHeading = new Map<string, number>();
	let fenceIndex = 0;

	/** What the page's imports and exports define, and the components it uses, with where. */
	const esm: string[] = [];
	const elements: Array<{ name: string; node: MdastNode }> = [];
	const visit = (node: MdastNode) => {
		if (node.type === 'mdxjsEsm' && 'value' in node && typeof node.value === 'string') {
			esm.push(node.value);
		}
		if (
			(node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') &&
			'name' in node &&
			typeof node.name === 'string'
		) {
			elements.push({ name: node.name, node });
		}
		if (node.type === 'heading') {
			const text = textOf(node).trim();
			heading = { text, slug: slugger.slug(text) };
			return;
		}
		if (node.type === 'mdxJsxFlowElement' && 'name' in node && node.name === 'RunAll') {
			readRunAll(node);
			return;
		}
		if (node.type === 'code') {
			const index = fenceIndex++;
			const lang = ('lang' in node && typeof node.lang === 'string' ? node.lang : '') ?? '';
			const meta = ('meta' in node && typeof node.meta === 'string' ? node.meta : '') ?? '';
			const line = node.position?.start.line ?? 1;
			const column = node.position?.start.column ?? 1;
			// Markdown takes backslash escapes out of a fence's info string; options are read from
			// the source as written, so `expect-output="^a\.b$"` means what it says.
			const options = parseMeta(rawMeta(source, line, column, lang) ?? meta);
			if (!SHELL_LANGS.has(lang) || options.some((o) => o.key === 'static')) return;
			const value = 'value' in node && typeof node.value === 'string' ? node.value : '';
			const found = readBlock({ lang, meta, options, value, line, column, fenceIndex: index });
			if (found) blocks.push(found);
			return;
		}
		if ('children' in node && Array.isArray(node.children)) {
			for (const child of node.children as MdastNode[]) visit(child);
		}
	};

	const readRunAll = (node: MdastNode) => {
		const line = node.position?.start.line ?? 1;
		const column = node.position?.start.column ?? 1;
		const attributes = ('attributes' in node ? node.attributes : []) as Array<{
			name?: string;
			value?: unknown;
		}>;
		const steps = attributes.find((a) => a.name === 'steps')?.value;
		if (typeof steps !== 'string') {
			problem(
				line,
				column,
				'RunAll needs steps="…": the ids of the blocks it runs, in order, like <RunAll steps="db.status db.ready" />',
			);
			return;
		}
		runAll.push({ steps: steps.split(/[\s,]+/).filter(Boolean), line, column });
	};

	const readBlock = ({
		lang,
		meta,
		options,
		value,
		line,
		column,
		fenceIndex,
	}: {
		lang: string;
		meta: string;
		options: MetaOption[];
		value: string;
		line: number;
		column: number;
		fenceIndex: number;
	}): FoundBlock | undefined => {
		const before = problems.length;
		const at = (message: string, option?: MetaOption) =>
			problem(line, column + (option ? 3 + lang.length + 1 + option.offset : 0), message);
		const get = (key: string): { option: MetaOption; text: string } | undefined => {
			const option = options.find((o) => o.key === key);
			if (!option) return undefined;
			if (option.value === true) {
				at(`${key} needs a value, like ${key}=…`, option);
				return undefined;
			}
			return { option, text: option.value };
		};

		for (const option of options) {
			const isFlag = option.value === true && /^[{/"]/.test(option.key);
			if (!OPTIONS.has(option.key) && !EC_OPTIONS.has(option.key) && !isFlag) {
				at(
					`unknown option "${option.key}"; command blocks take ${[...OPTIONS].join(', ')}`,
					option,
				);
			}
		}
		const seen = new Set<string>();
		for (const option of options) {
			if (OPTIONS.has(option.key) && seen.has(option.key))
				at(`option "${option.key}" is given twice`, option);
			seen.add(option.key);
		}

		// Risk: required, no default, because guessing it wrong is how accidents happen.
		const riskOption = get('risk');
		let risk: CommandBlock['risk'] | undefined;
		if (!riskOption) {
			if (!options.some((o) => o.key === 'risk')) {
				at(
					`command block has no risk; add risk=read, risk=change or risk=destructive to the fence (or "static" if it is not meant to run)`,
				);
			}
		} else {
			const parsed = RiskSchema.safeParse(riskOption.text);
			if (parsed.success) risk = parsed.data;
			else at(`${parsed.error.issues[0]?.message}`, riskOption.option);
		}

		// Target: the fence's, else the page's, else the config's default.
		const targetOption = get('target');
		const target = targetOption?.text ?? pageTarget ?? config.defaultTarget;
		if (targetOption && !(targetOption.text in config.targets)) {
			at(unknownTarget(targetOption.text, config, 'target='), targetOption.option);
		}

		const timeoutOption = get('timeout');
		const timeout = TimeoutSchema.safeParse(timeoutOption?.text ?? config.defaultTimeout);
		if (!timeout.success) {
			at(
				`timeout "${timeoutOption?.text ?? config.defaultTimeout}" ${timeout.error.issues[0]?.message}`,
				timeoutOption?.option,
			);
		}

		const confirmOption = get('confirm');
		const confirm = confirmOption?.text.trim();
		if (confirmOption && !/^[A-Za-z0-9._-]{1,40}$/.test(confirm ?? '')) {
			at(
				'confirm must be one word (letters, digits, . _ -), like confirm=prune',
				confirmOption.option,
			);
		}
		if (risk === 'destructive' && !confirmOption) {
			at(
				'destructive block has no confirmation word; add confirm=WORD (the word a responder types before it runs, like confirm=prune)',
				riskOption?.option,
			);
		}

		// An interactive session (a shell on a server) does whatever is typed into it: it is never a
		// read step, never part of a run-all, and the typing is not recorded.
		const interactiveOption = options.find((o) => o.key === 'interactive');
		const interactive = interactiveOption !== undefined;
		if (interactiveOption && interactiveOption.value !== true) {
			at('interactive is a flag and takes no value: write just "interactive"', interactiveOption);
		}
		if (interactive && risk === 'read') {
			at(
				'an interactive session can change anything that is typed into it, so it is not a read step; give it risk=change (or destructive)',
				riskOption?.option,
			);
		}
		if (!interactive && opensInteractiveSession(value)) {
			at(
				'this block opens an interactive ssh session (no remote command); mark it "interactive" and give it risk=change, or add the command to run',
			);
		}

		let expect: CommandBlock['expect'];
		const exitOption = get('expect-exit');
		if (exitOption) {
			const code = Number(exitOption.text);
			if (!/^\d+$/.test(exitOption.text) || code > 255) {
				at(
					`expect-exit must be an exit code from 0 to 255, not "${exitOption.text}"`,
					exitOption.option,
				);
			} else expect = { exitCode: code };
		}
		const warnOption = get('expect-warn-exit');
		if (warnOption) {
			const code = Number(warnOption.text);
			if (!/^\d+$/.test(warnOption.text) || code > 255) {
				at(
					`expect-warn-exit must be an exit code from 0 to 255, not "${warnOption.text}"`,
					warnOption.option,
				);
			} else if (expect?.exitCode === undefined) {
				at(
					'expect-warn-exit needs expect-exit: it names the exit code that is a warning rather than a failure',
					warnOption.option,
				);
			} else if (code === expect.exitCode) {
				at('expect-warn-exit must differ from expect-exit', warnOption.option);
			} else expect = { ...expect, warnExitCode: code };
		}
		const outputOption = get('expect-output');
		if (outputOption) {
			try {
				new RegExp(outputOption.text);
				expect = { ...expect, output: outputOption.text };
			} catch (error) {
				at(
					`expect-output is not a valid regular expression: ${(error as Error).message}`,
					outputOption.option,
				);
			}
		}

		// Gates: ids, comma-separated, each one or alternatives joined by |. Whether they name
		// blocks that exist, and make no cycle, is checked across the site (`checkNeeds`).
		const needsOption = get('needs');
		let needs: string[][] | undefined;
		if (needsOption) {
			const groups = needsOption.text
				.split(',')
				.map((group) => group.split('|').map((id) => id.trim()));
			const bad = groups.flat().filter((id) => !BlockIdSchema.safeParse(id).success);
			if (bad.length > 0) {
				at(
					`needs lists the ids of blocks that must pass first, separated by , (all of them) or | (any one), like needs=db.ready|db.start; "${bad[0]}" is not a block id`,
					needsOption.option,
				);
			} else needs = groups;
		}

		if (value.trim() === '') at('command block is empty');
		const { template, problems: templateProblems } = parseTemplate(value, config.vars);
		for (const p of templateProblems) {
			const lineInBlock = value.slice(0, p.offset).split('\n').length;
			const lineStart = value.lastIndexOf('\n', p.offset - 1) + 1;
			problem(line + lineInBlock, column + (p.offset - lineStart), p.message);
		}

		// The id: explicit, or the page, the heading and the block's position under that heading.
		const titleOption = get('title');
		const idOption = get('id');
		let id: string;
		if (idOption) {
			id = idOption.text;
			const parsed = BlockIdSchema.safeParse(id);
			if (!parsed.success) at(`id "${id}" ${parsed.error.issues[0]?.message}`, idOption.option);
		} else {
			const base = `${slug}/${heading?.slug ?? 'top'}`;
			const n = (perHeading.get(base) ?? 0) + 1;
			perHeading.set(base, n);
			id = n === 1 ? base : `${base}-${n}`;
		}

		if (problems.length > before || risk === undefined) {
			if (BlockIdSchema.safeParse(id).success) {
				rejected.push({ id, source: { file, line, column } });
			}
			return undefined;
		}
		return {
			fenceIndex,
			explicitId: idOption !== undefined,
			meta,
			...(needsOption && {
				needsAt: {
					file,
					line,
					column: column + 3 + lang.length + 1 + needsOption.option.offset,
				},
			}),
			block: {
				id,
				title: titleOption?.text ?? heading?.text ?? title,
				lang,
				template: value,
				segments: template.segments,
				params: template.params,
				risk,
				target,
				timeoutMs: timeout.data ?? 0,
				...(confirm ? { confirm } : {}),
				...(interactive ? { interactive } : {}),
				...(expect ? { expect } : {}),
				...(needs ? { needs } : {}),
				page: { slug, title },
				...(heading ? { heading } : {}),
				source: { file, line, column },
			},
		};
	};

	visit(tree);
	checkComponents(esm, elements, config, problem);
	// The page shows blocks by their meta and code; two identical ones could not be told apart.
	const seen = new Map<string, FoundBlock>();
	for (const found of blocks) {
		const key = blockKey(found.meta, found.block.template);
		const first = seen.get(key);
		if (first) {
			const { line, column } = found.block.source;
			problem(
				line,
				column,
				`this block repeats the one at line ${first.block.source.line} exactly; give each an id= so they can be told apart`,
			);
		} else seen.set(key, found);
	}
	// A Run all runs blocks of its own page, where the responder sees them run and stop.
	const ids = new Set([...blocks.map((b) => b.block.id), ...rejected.map((r) => r.id)]);
	for (const group of runAll) {
		const missing = group.steps.filter((id) => !ids.has(id));
		const repeated = group.steps.filter((id, i) => group.steps.indexOf(id) !== i);
		if (missing.length > 0) {
			problem(
				group.line,
				group.column,
				`RunAll names ${missing.map((id) => `"${id}"`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not a block of this page; it runs blocks of its own page`,
			);
		} else if (repeated.length > 0) {
			problem(group.line, group.column, `RunAll names "${repeated[0]}" twice`);
		} else if (group.steps.length < 2) {
			problem(
				group.line,
				group.column,
				'RunAll needs at least two steps; a single step has its own Run button',
			);
		}
	}
	const checks = new Map(
		blocks.filter((b) => isCheck(b.block.expect)).map((b) => [b.block.source.line, b.block.id]),
	);
	const { tree: decisionTree, headings } = readDecisionTree(tree, {
		page: slug,
		checkAt: (line) => checks.get(line),
		problem,
	});
	const incident = readIncidentContent(tree, {
		file,
		page: slug,
		parseMarkdown: (markdown) => markdownToMdast(markdown) as MdastNode,
		problem,
	});
	const blockAt = new Map(blocks.map((b) => [b.block.source.line, b.block]));
	const walkthrough = readWalkthrough(tree, {
		page: slug,
		title,
		description: typeof frontmatter.description === 'string' ? frontmatter.description : undefined,
		blockAt: (line) => blockAt.get(line),
		problem,
	});
	const holdsIncident =
		incident.table || incident.escalation.length > 0 || incident.templates.length > 0;
	return {
		file,
		slug,
		title,
		blocks,
		rejected,
		runAll,
		problems,
		headings,
		...(decisionTree ? { tree: decisionTree } : {}),
		...(holdsIncident ? { incident } : {}),
		...(walkthrough ? { walkthrough } : {}),
	};
}

/**
 * The meta of the fence opening at `line`:`column` as the author wrote it: the info string after
 * the fence and the language, before Markdown processed its backslash escapes.
 */
function rawMeta(source: string, line: number, column: number, lang: string): string | undefined {
	let start = 0;
	for (let n = 1; n < line && start !== -1; n++) start = source.indexOf('\n', start) + 1 || -1;
	if (start === -1) return undefined;
	const end = source.indexOf('\n', start);
	const text = source.slice(start + column - 1, end === -1 ? undefined : end);
	const fence = /^(`{3,}|~{3,})\s*(\S*)\s*(.*?)\s*$/.exec(text);
	return fence && fence[2] === lang ? fence[3] : undefined;
}

/** ssh options that take an argument (`ssh -L 9090:localhost:9090 host` names no command). */
const SSH_ARG_OPTIONS = new Set('BbcDEeFIiJLlmOopQRSWw'.split(''));

/**
 * Whether a command is `ssh [options] host` with no remote command: a login shell on the host,
 * which stays open for whatever the responder types.
 */
export function opensInteractiveSession(command: string): boolean {
	const words = command.trim().split(/\s+/);
	if (words[0] !== 'ssh' || command.includes('\n')) return false;
	let positional = 0;
	for (let i = 1; i < words.length; i++) {
		const word = words[i]!;
		if (word === '--') {
			positional += words.length - i - 1;
			break;
		}
		if (word.startsWith('-') && word.length > 1) {
			// `ssh -V` prints its version, `-G` the config it would use, `-Q` what it supports: each
			// exits at once, connecting nowhere.
			for (const flag of word.slice(1)) {
				if (flag === 'V' || flag === 'G' || flag === 'Q') return false;
				if (SSH_ARG_OPTIONS.has(flag)) break;
			}
			const last = word[word.length - 1]!;
			// `-L 9090:…` takes the next word; `-L9090:…` and flags like `-N` do not.
			if (word.length === 2 && SSH_ARG_OPTIONS.has(last)) i++;
			continue;
		}
		positional++;
	}
	return positional <= 1;
}

function unknownTarget(name: string, config: OpsbookConfig, where: string): string {
	return `${where} names target "${name}", which opsbook.config.ts does not define (targets: ${Object.keys(config.targets).join(', ')})`;
}

/** `import A, { B, C as D } from …`, `import * as E from …`, `export const F`: the names defined. */
function definedNames(esm: readonly string[]): Set<string> {
	const names = new Set<string>();
	for (const code of esm) {
		for (const [, clause = ''] of code.matchAll(/\bimport\s+([^'";]+?)\s+from\s/g)) {
			const braces = /\{([^}]*)\}/.exec(clause);
			for (const part of braces?.[1]?.split(',') ?? []) {
				const name = part
					.trim()
					.split(/\s+as\s+/)
					.at(-1)
					?.trim();
				if (name) names.add(name);
			}
			const outside = clause.replace(/\{[^}]*\}/, '');
			for (const part of outside.split(',')) {
				const name = part.trim().replace(/^\*\s+as\s+/, '');
				if (/^[A-Za-z_$][\w$]*$/.test(name)) names.add(name);
			}
		}
		for (const [, name = ''] of code.matchAll(
			/\bexport\s+(?:const|let|var|function|class)\s+([A-Za-z_$][\w$]*)/g,
		)) {
			names.add(name);
		}
	}
	return names;
}

/**
 * What the build would stop at with no place to point to: a component the page neither imports
 * nor defines (`<Tabz>`: MDX fails with "Expected component `Tabz` to be defined"), and a
 * `<Var name="…">` that names no variable of the config. Said here at their line and column.
 */
function checkComponents(
	esm: readonly string[],
	elements: ReadonlyArray<{ name: string; node: MdastNode }>,
	config: OpsbookConfig,
	problem: (line: number, column: number, message: string) => void,
) {
	const defined = definedNames(esm);
	for (const { name, node } of elements) {
		const line = node.position?.start.line ?? 1;
		const column = node.position?.start.column ?? 1;
		const root = name.split('.')[0]!;
		// Lower-case names are HTML; Fragment is MDX's own.
		if (/^[A-Z]/.test(root) && root !== 'Fragment' && !defined.has(root)) {
			problem(
				line,
				column,
				`<${name}> is not defined on this page: import it (Opsbook's components come from its components module), or check its spelling`,
			);
			continue;
		}
		if (name !== 'Var') continue;
		const attributes = ('attributes' in node ? node.attributes : []) as Array<{
			name?: string;
			value?: unknown;
		}>;
		const value = attributes.find((a) => a.name === 'name')?.value;
		if (typeof value === 'string' && !Object.hasOwn(config.vars, value)) {
			problem(
				line,
				column,
				`<Var name="${value}" /> names no variable; ${defineVarHint(config.vars)}`,
			);
		}
	}
}
