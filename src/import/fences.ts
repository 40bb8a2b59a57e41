/**
 * Turns one code fence of an imported page into what Opsbook shows: a typed command block, a
 * command block and its expected output, or the fence as it was.
 *
 * ````md
 * ```console title="Find the pod"
 * $ kubectl -n <namespace> get pods
 * NAME        READY   STATUS
 * ```
 * ````
 *
 * becomes
 *
 * ````mdx
 * {/* opsbook import, review (source line 2): {{namespace:word}} from <namespace>; risk=read inferred; … *\/}
 * ```bash id=pods.top.kubectl risk=read title="Find the pod"
 * kubectl -n {{namespace:word}} get pods
 * ```
 * ```text title="Expected output"
 * NAME        READY   STATUS
 * ```
 * ````
 *
 * Every block is checked against the model's own template parser before it is written, so what
 * the importer writes is what the model accepts; a placeholder that cannot stand where it is
 * leaves the block `static`, with the reason.
 *
 * Pure: no Node built-ins.
 */
import { parseMeta, type MetaOption } from '../runbook/meta.ts';
import { opensInteractiveSession, SHELL_LANGS } from '../runbook/parse.ts';
import { parseTemplate } from '../runbook/template.ts';
import {
	commandName,
	commandTitle,
	confirmWord,
	findPlaceholders,
	inferRisk,
	isOutputOnly,
	looksLikeCommand,
	outputShape,
	outputShapes,
	splitPrompts,
	splitTrailingOutput,
	takesTerminal,
	typeForName,
	withoutComments,
	type Piece,
	type Placeholder,
} from './infer.ts';

/** Languages of terminal sessions, where `$ ` (and `# `, `% `) is a prompt. */
const CONSOLE_LANGS = new Set([
	'console',
	'shell-session',
	'shellsession',
	'sh-session',
	'bash-session',
	'terminal',
	'session',
]);
/** Other names for a shell script. */
const SCRIPT_LANGS = new Set(['shellscript', 'ksh', 'bash-script', 'posix']);

/** Shapes of output that look most like commands: a path, a pipeline. */
const NEAR_COMMANDS = new Set([
	'a file path with no command',
	'a device or file listing',
	'log lines with | columns',
]);

/** A fence as the importer reads it. */
export interface Fence {
	lang: string;
	meta: string;
	value: string;
	line: number;
}

/**
 * What a review note is about, which orders the report by what needs a human most: risks,
 * targets, parameters, checks and other guesses one a line; ids, read guesses and routine
 * conversions (a console block's prompts taken off, its output shown) counted per page.
 */
export type NoteAbout =
	'risk' | 'target' | 'parameter' | 'check' | 'other' | 'id' | 'read' | 'routine';

/** A note shown above a fence, and reported. */
export interface FenceNote {
	about: NoteAbout;
	message: string;
	/** `not-converted` for what was left as it was; an inference otherwise. */
	kind?: 'not-converted';
}

const other = (message: string): FenceNote => ({ about: 'other', message });

/**
 * What one fence becomes: fences in order, each with the notes to show above it, and, for the
 * steps of a console session, the line of the block (from 0) the step starts at.
 */
export interface ConvertedFence {
	fences: Array<{
		lang: string;
		meta: string;
		value: string;
		notes: FenceNote[];
		kind?: 'command';
		line?: number;
	}>;
	/** Notes that are not inferences but things left as they were. */
	notConverted: string[];
}

/** A fence's attributes in MkDocs spelling (`{ .bash title="x" }`, `hl_lines="2 3"`) read as language and options. */
function readInfo(lang: string, meta: string): { lang: string; options: MetaOption[] } {
	let info = `${lang} ${meta}`.trim();
	let language = lang;
	if (info.startsWith('{')) {
		info = info.replace(/^\{\s*|\s*\}$/g, '');
		const cls = /(?:^|\s)\.([\w+-]+)/.exec(info);
		language = cls?.[1] ?? '';
		info = info.replace(/(?:^|\s)[.#][\w+-]+/g, ' ').trim();
		return { lang: language, options: parseMeta(info) };
	}
	return { lang: language, options: parseMeta(meta) };
}

/** A meta value in double quotes; the model's meta reader unescapes only the quote. */
const quote = (value: string) => `"${value.replace(/"/g, '\\"')}"`;

/**
 * The options a fence keeps: its title, and MkDocs' line marks and numbers in Expressive Code's
 * spelling. Anything else is named in `dropped`.
 */
function keptOptions(options: MetaOption[]): { meta: string[]; title?: string; dropped: string[] } {
	const meta: string[] = [];
	const dropped: string[] = [];
	let title: string | undefined;
	for (const option of options) {
		const value = option.value === true ? undefined : option.value;
		if (option.key === 'title' && value !== undefined) title = value;
		else if (option.key === 'hl_lines' && value !== undefined) {
			meta.push(`mark={${value.trim().split(/\s+/).join(',')}}`);
		} else if (option.key === 'linenums') {
			meta.push('showLineNumbers');
			if (value && value !== '1' && /^\d+$/.test(value)) meta.push(`startLineNumber=${value}`);
		} else if (['wrap', 'frame', 'collapse', 'mark', 'ins', 'del'].includes(option.key)) {
			meta.push(value === undefined ? option.key : `${option.key}=${value}`);
		} else {
			dropped.push(value === undefined ? option.key : `${option.key}=${value}`);
		}
	}
	return { meta, ...(title !== undefined ? { title } : {}), dropped };
}

export interface FenceContext {
	/**
	 * The id of a command block that runs `name` (`pg-restore`, `kubectl-get`), and whether it
	 * needed a suffix because the same name stands earlier in its section.
	 */
	blockId: (name: string) => { id: string; suffixed: boolean };
	/** The text of the heading the fence stands under, if any: a block's title starts with it. */
	heading?: string;
	/** The target a block that names none runs on (the config's `defaultTarget`); `local` by default. */
	defaultTarget?: string;
}

/** Converts one fence. */
export function convertFence(fence: Fence, context: FenceContext): ConvertedFence {
	const { lang: rawLang, options } = readInfo(fence.lang, fence.meta);
	const lang = rawLang.toLowerCase();
	const kept = keptOptions(options);
	const notConverted: string[] = [];
	if (kept.dropped.length > 0) {
		notConverted.push(
			`fence options ${kept.dropped.join(' ')} have no Opsbook equivalent and were left out`,
		);
	}
	const titled = kept.title !== undefined ? [`title=${quote(kept.title)}`] : [];
	const plain = (value: string, notes: string[] = [], language = rawLang) => ({
		lang: language,
		meta: [...kept.meta, ...titled].join(' '),
		value,
		notes: notes.map(other),
	});

	const consoleLang = CONSOLE_LANGS.has(lang);
	const shellLang = SHELL_LANGS.has(lang) || SCRIPT_LANGS.has(lang);
	let noLanguage = false;
	if (!consoleLang && !shellLang) {
		if (lang !== '') return { fences: [plain(fence.value)], notConverted };
		// A fence without a language is a shell block only when it reads as one.
		const lines = fence.value
			.split('\n')
			.filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
		const prompts = splitPrompts(fence.value, false);
		if (!prompts && (lines.length === 0 || !lines.every(looksLikeCommand))) {
			// Said only of the shapes a reader might take for a command: config and prose are left be.
			const shapes = outputShapes(fence.value).filter((shape) => NEAR_COMMANDS.has(shape));
			const why =
				shapes.length > 0
					? [
							`the fence names no language and reads as output (${shapes.join(', ')}): kept as it was`,
						]
					: [];
			return { fences: [plain(fence.value, why)], notConverted };
		}
		noLanguage = true;
	}
	const outLang = SHELL_LANGS.has(lang) ? lang : 'bash';
	const languageNote = (
		noLanguage
			? ['the fence names no language; read as shell commands']
			: SCRIPT_LANGS.has(lang)
				? [`language ${rawLang} written as bash`]
				: []
	).map(other);

	const prompted = splitPrompts(fence.value, consoleLang || noLanguage);
	if (prompted) {
		languageNote.push({
			about: 'routine',
			message: 'prompts taken off: the prompted lines are the command',
		});
		const fences: ConvertedFence['fences'] = [];
		prompted.steps.forEach((step, index) => {
			const stepTitle =
				kept.title !== undefined && prompted.steps.length > 1
					? `${kept.title} (${index + 1})`
					: kept.title;
			const check = step.command.trim() !== '' ? checkFor(step.command, step.output) : undefined;
			if (step.command.trim() !== '') {
				fences.push({
					...commandBlock(step.command, outLang, kept.meta, stepTitle, [...languageNote], {
						...context,
						...(check !== undefined ? { check } : {}),
					}),
					line: step.line,
				});
			}
			const checked = check !== undefined && fences[fences.length - 1]?.kind === 'command';
			if (step.output !== '') {
				fences.push({
					line: step.line,
					lang: 'text',
					meta: 'title="Expected output"',
					value: step.output,
					notes: [
						step.command.trim() === ''
							? other('output shown before any prompt: kept as text')
							: {
									about: 'routine',
									message: checked
										? 'the line without a prompt is this command’s expected output, checked by expect-output'
										: 'the lines without a prompt are this command’s expected output, shown, not checked',
								},
					],
				});
			}
		});
		return { fences, notConverted };
	}
	if (isOutputOnly(fence.value)) {
		const shapes = outputShapes(fence.value);
		const onlyComments = fence.value
			.split('\n')
			.every((l) => l.trim() === '' || l.trim().startsWith('#'));
		const why = onlyComments
			? 'only comments, no command: kept static'
			: shapes.length > 0
				? `its lines read as output (${shapes.join(', ')}), not commands: kept static`
				: consoleLang
					? `a ${rawLang} block without prompts reads as output: kept static`
					: 'no line reads as a command: output, kept static';
		return {
			fences: [
				{
					...plain(fence.value, [why], SHELL_LANGS.has(lang) ? lang : 'text'),
					meta: [SHELL_LANGS.has(lang) ? 'static' : '', ...kept.meta, ...titled]
						.filter(Boolean)
						.join(' '),
				},
			],
			notConverted,
		};
	}
	const unprompted = consoleLang
		? [other(`a ${rawLang} block without prompts whose lines read as commands`)]
		: [];
	const trailing = splitTrailingOutput(fence.value);
	if (trailing) {
		return {
			fences: [
				commandBlock(
					trailing.command,
					outLang,
					kept.meta,
					kept.title,
					[...languageNote, ...unprompted],
					context,
				),
				{
					lang: 'text',
					meta: 'title="Expected output"',
					value: trailing.output,
					notes: [
						other(
							`the last lines read as output (${trailing.shapes.join(', ')}): this command’s expected output, shown, not run`,
						),
					],
					line: fence.value.split('\n').length - trailing.output.split('\n').length,
				},
			],
			notConverted,
		};
	}
	return {
		fences: [
			commandBlock(
				fence.value,
				outLang,
				kept.meta,
				kept.title,
				[...languageNote, ...unprompted],
				context,
			),
		],
		notConverted,
	};
}

/** Escapes `{{` that Opsbook would read as a placeholder or variable in literal command text. */
function escapeBraces(text: string): string {
	return text.replace(
		/(\\?)\{\{(\s*)([^{}]*?)(\s*)\}\}/g,
		(whole, escape: string, _a, inner: string) => {
			if (escape) return `\\${whole}`;
			const ours =
				/^[a-z_][a-z0-9_]*$/.test(inner) ||
				inner.startsWith('vars.') ||
				/^[A-Za-z_][A-Za-z0-9_-]*\s*:\s*[a-z]+/.test(inner);
			return ours ? `\\${whole}` : whole;
		},
	);
}

/** Builds the template from pieces; placeholders in `literal` stay as written. */
function buildTemplate(
	pieces: Piece[],
	literal: ReadonlySet<string>,
): { template: string; params: Placeholder[] } {
	const params = new Map<string, Placeholder>();
	let template = '';
	for (const piece of pieces) {
		if (typeof piece === 'string') {
			template += escapeBraces(piece);
			continue;
		}
		if (literal.has(piece.name)) {
			template += escapeBraces(piece.spelling);
			continue;
		}
		const known = params.get(piece.name);
		if (known) {
			if (!known.spellings.includes(piece.spelling)) known.spellings.push(piece.spelling);
			template += `{{${piece.name}}}`;
		} else {
			const param: Placeholder = {
				name: piece.name,
				type: typeForName(piece.name),
				spellings: [piece.spelling],
			};
			params.set(piece.name, param);
			template += `{{${piece.name}:${param.type}}}`;
		}
	}
	return { template, params: [...params.values()] };
}

/** A placeholder's name that stands for a host: `<host>`, `$REDIS_HOST`, `<node-ip>`. */
const HOST_NAME = /(^|_)(host|hostname|server|node|ip|addr|address|machine)(_|$)/;

/**
 * Why a placeholder cannot stand where it is, and what to do instead: a host given to `ssh`
 * or to a client's `-h`/`--host` is what a target is for.
 */
function stuckReason(command: string, spellings: string[], names: string[]): string {
	const why = `placeholder ${spellings.join(', ')} cannot become a parameter where it stands (the model allows only int, sha or enum there); kept static`;
	const host = names.find((name) => HOST_NAME.test(name));
	if (host === undefined) return `${why}: rewrite by hand`;
	const spelling = spellings[names.indexOf(host)]!;
	const quoted = spelling.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	const viaSsh = new RegExp(`(^|[\\s;&|(])ssh\\s+(?:-\\S+\\s+)*(?:[\\w.-]+@)?${quoted}`).test(
		command,
	);
	return viaSsh
		? `${why}: where ${spelling} is a server, add it as a target in opsbook.config.ts (targets: { NAME: { kind: 'ssh', host: '…' } }), then write the command without ssh ${spelling} and with target=NAME`
		: `${why}: run it on a target for that host (one per host in opsbook.config.ts, then target=NAME on the block, the host then localhost or a {{vars.…}}), or rewrite by hand`;
}

/**
 * The check a console step's output makes of it: one short, stable line (`PONG`, `OK`,
 * `active`), no digits, dates or quotes that change from run to run, and no error, matched
 * whole. Nothing for anything else, or a step of more than one command.
 */
export function checkFor(command: string, output: string): string | undefined {
	const line = output.trim();
	const commands = withoutComments(command)
		.replace(/\\\n/g, ' ')
		.split('\n')
		.filter((l) => l.trim() !== '');
	if (commands.length !== 1 || line.includes('\n') || line.length > 40) return undefined;
	if (!/^[A-Za-z][A-Za-z _.!-]*$/.test(line) || line.split(/\s+/).length > 4) return undefined;
	// A table's header (`NAME   READY`) says nothing of the run.
	if (/\s{2,}/.test(line) || outputShape(line) !== undefined) return undefined;
	if (/error|fail|denied|not found|no such|refused|warn|unable|cannot|timed out|usage/i.test(line))
		return undefined;
	return `^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

function commandBlock(
	command: string,
	lang: string,
	ecMeta: string[],
	title: string | undefined,
	notes: FenceNote[],
	context: FenceContext & { check?: string },
): ConvertedFence['fences'][number] {
	const pieces = findPlaceholders(command);
	// A placeholder the model refuses where it stands: a `$VAR` stays the shell's variable; a
	// `<name>` would be a redirection if run, so the block stays static.
	const literal = new Set<string>();
	let built = buildTemplate(pieces, literal);
	let problems = parseTemplate(built.template, {}).problems;
	for (let round = 0; problems.length > 0 && round < 20; round++) {
		const offending = built.params.find((p) =>
			problems.some((problem) => problem.message.includes(`"${p.name}"`)),
		);
		if (!offending) break;
		literal.add(offending.name);
		built = buildTemplate(pieces, literal);
		problems = parseTemplate(built.template, {}).problems;
	}
	const stuck = pieces.filter(
		(p): p is Exclude<Piece, string> =>
			typeof p !== 'string' && literal.has(p.name) && p.kind !== 'variable',
	);
	if (problems.length > 0 || stuck.length > 0) {
		const spellings = [...new Set(stuck.map((p) => p.spelling))];
		const names = spellings.map((spelling) => stuck.find((p) => p.spelling === spelling)!.name);
		const why =
			stuck.length > 0
				? stuckReason(command, spellings, names)
				: `kept static: ${problems[0]!.message}`;
		return {
			lang,
			meta: ['static', ...ecMeta, ...(title !== undefined ? [`title=${quote(title)}`] : [])].join(
				' ',
			),
			value: command,
			notes: [...notes, { about: 'other', message: why, kind: 'not-converted' }],
		};
	}

	for (const name of literal) {
		const spellings = pieces
			.filter((p): p is Exclude<Piece, string> => typeof p !== 'string' && p.name === name)
			.map((p) => p.spelling);
		notes.push({
			about: 'parameter',
			message: `${[...new Set(spellings)].join(', ')} left as the shell’s variable: a parameter cannot stand there`,
		});
	}
	for (const param of built.params) {
		notes.push({
			about: 'parameter',
			message: `{{${param.name}:${param.type}}} from ${param.spellings.join(', ')}`,
		});
	}

	// The risk of what runs: parameters stand as plain words, not as the `<name>` they were.
	const guess = inferRisk(built.template.replace(/(?<!\\)\{\{[^{}]*\}\}/g, 'VALUE'));
	let risk = guess.risk;
	const options: string[] = [];
	const terminal = takesTerminal(command);
	const login = opensInteractiveSession(withoutComments(command).trim());
	if (login || terminal) {
		if (risk === 'read') risk = 'change';
		options.push('interactive');
		notes.push({
			about: 'risk',
			message: login
				? 'an ssh login with no command: interactive, risk=change'
				: `${terminal} takes the terminal: interactive, risk at least change`,
		});
	}
	if (guess.because) {
		notes.push({ about: 'risk', message: `risk=${guess.risk} inferred from “${guess.because}”` });
	} else if (risk === 'read') {
		notes.push({ about: 'read', message: 'risk=read inferred: no word that changes anything' });
	}
	if (risk === 'destructive') {
		const word = confirmWord(guess.because ?? 'confirm');
		options.push(`confirm=${word}`);
		notes.push({
			about: 'risk',
			message: `confirm=${word} is the word a responder types before it runs`,
		});
	}
	// Where it runs: nothing in a Markdown runbook says, so on the default target, which is the
	// responder's own machine unless the config says otherwise.
	const target = context.defaultTarget ?? 'local';
	notes.push({
		about: 'target',
		message:
			target === 'local'
				? 'runs on this machine (target=local): set target= where it belongs to a server'
				: `runs on ${target}, the config's defaultTarget: set target= where it belongs elsewhere`,
	});
	if (context.check !== undefined) {
		options.push(`expect-output=${quote(context.check)}`);
		notes.push({
			about: 'check',
			message: `expect-output="${context.check}" from the one line of output the page shows: opsbook test checks it`,
		});
	}
	// A title that tells the blocks of a section apart: "Fix: kubectl delete pod", not "Fix".
	const what = commandTitle(command);
	const fullTitle =
		title ??
		(what === undefined ? undefined : context.heading ? `${context.heading}: ${what}` : what);
	// An id of its own, so that re-importing a changed page keeps the ids of the blocks that stay.
	const { id, suffixed } = context.blockId(commandName(command));
	const madeTitle = title === undefined && fullTitle !== undefined;
	notes.push({
		about: 'id',
		message: `id=${id}${madeTitle ? ` and title “${fullTitle}”` : ''} from the page, the section and the ${madeTitle ? 'command' : 'program'}${suffixed ? ' (numbered: the same program runs earlier in this section)' : ''}`,
	});
	const titled = fullTitle !== undefined ? [`title=${quote(fullTitle)}`] : [];
	const meta = [`id=${id}`, `risk=${risk}`, ...options, ...ecMeta, ...titled];
	return { lang, meta: meta.join(' '), value: built.template, notes, kind: 'command' };
}
