/**
 * Just enough of a bash lexer to know where a placeholder stands, and the quoting that makes a
 * value safe there.
 *
 * It denies by default: a placeholder counts as plain data only where the lexer positively knows
 * bash reads the value once, as data — a plain argument word of an ordinary command (or a plain
 * variable assignment), bare or in plain double quotes. Everything else is code or arithmetic:
 *
 * - `bare`, `double`: an argument of an ordinary command, unquoted or in "…". Any value, quoted.
 * - `single`: inside '…' of an ordinary command, where nothing can be escaped.
 * - `code`: text that is (or may be) read as code a second time: the arguments of ssh, eval,
 *   psql…, the script of `sh -c`, the argument of any `-c`/`-e`, an earlier stage of a pipe into
 *   a shell or interpreter, backticks, here-documents, process substitution, a case statement,
 *   a function definition, a command name.
 * - `arithmetic`: `$(( ))`, `(( ))`, `let`, `[[ ]]`, subscripts and the builtins that take
 *   variable names, where bash evaluates `a[$(cmd)]` and reads a bare name as a variable.
 * - `refused`: nowhere to put any value (`${…}`, right after `$`, glued to a redirection).
 *
 * Which parameter types may stand in which context is decided in `template.ts`; the lexer says
 * where, and why, in words an author can act on.
 *
 * Browser-safe: it imports only the model's plain tables (`options.ts`).
 */

import { VALUE_OPTIONS } from './options.ts';

export type ShellContext = 'bare' | 'double' | 'single' | 'code' | 'arithmetic' | 'refused';

/** Where one placeholder stands. `why` completes "parameter p stands …" for code and worse. */
export interface HolePlace {
	context: ShellContext;
	why?: string;
}

/** How far a frame (and everything inside it) is from plain data: none, code, arithmetic, refused. */
interface Taint {
	level: 0 | 1 | 2 | 3;
	why: string;
}
const NONE: Taint = { level: 0, why: '' };
const code = (why: string): Taint => ({ level: 1, why });
const arith = (why: string): Taint => ({ level: 2, why });
const refused = (why: string): Taint => ({ level: 3, why });
/** The stricter of two taints; on a tie the outer one, which names the construct the author wrote first. */
const worst = (outer: Taint, inner: Taint): Taint => (inner.level > outer.level ? inner : outer);

/** Shells: `-c SCRIPT` or `SCRIPT-FILE` is code, what follows it is `$0`, `$1`… (data). */
const SHELLS = new Set([
	'sh',
	'bash',
	'rbash',
	'zsh',
	'dash',
	'ksh',
	'mksh',
	'ash',
	'yash',
	'posh',
	'fish',
	'csh',
	'tcsh',
]);

const REMOTE = 'which a shell on another host (or user) parses again';
const JOINS = 'which joins them into a command line for a shell';
const BASH_CODE = 'which bash runs as code';
const PROGRAM = 'which reads them as a program';
const QUERY = 'which reads them as queries or scripts';

/** Commands all of whose arguments are code, with the reason an author is told. */
const CODE_COMMANDS = new Map<string, string>([
	...[
		'ssh',
		'autossh',
		'mosh',
		'rsh',
		'su',
		'runuser',
		'ansible',
		'salt',
		'pdsh',
		'clush',
		'pssh',
	].map((c) => [c, REMOTE] as const),
	...['scp', 'rsync'].map(
		(c) => [c, 'whose remote paths a shell on the other host may parse again'] as const,
	),
	...['watch', 'parallel', 'tmux', 'screen', 'at', 'batch', 'script', 'make'].map(
		(c) => [c, JOINS] as const,
	),
	...[
		'eval',
		'trap',
		'source',
		'.',
		'alias',
		'compgen',
		'complete',
		'bind',
		'fc',
		'enable',
		'coproc',
	].map((c) => [c, BASH_CODE] as const),
	...[
		'python',
		'python2',
		'python3',
		'perl',
		'ruby',
		'node',
		'nodejs',
		'deno',
		'bun',
		'php',
		'lua',
		'luajit',
		'Rscript',
		'julia',
		'pwsh',
		'tclsh',
		'expect',
		'osascript',
		'awk',
		'gawk',
		'mawk',
		'nawk',
		'sed',
		'jq',
		'yq',
		'gdb',
		'vi',
		'vim',
		'nvim',
		'emacs',
		'ed',
		'ex',
	].map((c) => [c, PROGRAM] as const),
	...[
		'psql',
		'mysql',
		'mariadb',
		'sqlite3',
		'redis-cli',
		'mongo',
		'mongosh',
		'clickhouse-client',
		'cqlsh',
	].map((c) => [c, QUERY] as const),
]);

/** Programs that read code from their standard input when fed by a pipe (`… | bash`, `… | psql`). */
const STDIN_CODE = new Set([
	...SHELLS,
	...[...CODE_COMMANDS].filter(([, why]) => why === REMOTE || why === QUERY).map(([c]) => c),
	...['python', 'python2', 'python3', 'perl', 'ruby', 'node', 'nodejs', 'deno', 'bun', 'php'],
	...['lua', 'luajit', 'Rscript', 'julia', 'pwsh', 'tclsh', 'expect', 'osascript'],
	...['at', 'batch', 'crontab', 'parallel', 'eval', 'source', '.'],
]);
/** Commands that run a program inside a container or namespace, named somewhere in their arguments. */
const RUNNERS = new Set(['docker', 'podman', 'nerdctl', 'kubectl', 'lxc', 'incus', 'ip']);

/** Builtins whose arguments name variables: bash evaluates a subscript in a name as arithmetic. */
const NAME_BUILTINS = new Set([
	'let',
	'declare',
	'typeset',
	'local',
	'read',
	'unset',
	'mapfile',
	'readarray',
	'getopts',
	'wait',
]);
/** Builtins whose arguments are assignments, read like `NAME=value` before a command. */
const ASSIGNING_BUILTINS = new Set(['export', 'readonly']);

interface Wrapper {
	/** Options that take the next word as their argument. */
	withArg?: ReadonlySet<string>;
	/** Words before the command that are not options (`timeout 10 cmd`, `chroot /srv cmd`). */
	positionals?: number;
	/** Options that hand the command to a shell (`sudo -s`, `env -S`). */
	codeOption?: RegExp;
}
const opts = (...names: string[]) => new Set(names.map((n) => `-${n}`));
/** Commands that run another command from their arguments, without a shell. */
const WRAPPERS = new Map<string, Wrapper>([
	[
		'sudo',
		{
			withArg: opts('u', 'g', 'p', 'C', 'D', 'h', 'r', 't', 'U', 'T', 'R'),
			codeOption: /^(-[A-Za-z]*[si][A-Za-z]*|--shell|--login)$/,
		},
	],
	['doas', { withArg: opts('u', 'C'), codeOption: /^-[A-Za-z]*s/ }],
	['env', { withArg: opts('u', 'C', 'P'), codeOption: /^(-[A-Za-z]*S|--split-string)/ }],
	['nice', { withArg: opts('n') }],
	['ionice', { withArg: opts('c', 'n', 'p', 't') }],
	['stdbuf', { withArg: opts('i', 'o', 'e') }],
	['nohup', {}],
	['setsid', {}],
	['unshare', {}],
	['unbuffer', {}],
	['busybox', {}],
	['command', {}],
	['builtin', {}],
	['exec', { withArg: opts('a') }],
	['time', { withArg: opts('f', 'o') }],
	['timeout', { withArg: opts('s', 'k'), positionals: 1 }],
	['xargs', { withArg: opts('I', 'L', 'n', 'P', 's', 'd', 'E', 'a') }],
	['chroot', { positionals: 1 }],
	['flock', { withArg: opts('w', 'E'), positionals: 1 }],
	['taskset', { positionals: 1 }],
	['chrt', { positionals: 1 }],
	['gosu', { positionals: 1 }],
	['su-exec', { positionals: 1 }],
	['nsenter', { withArg: opts('t', 'S', 'G') }],
	['systemd-run', { withArg: opts('u', 'p', 'E') }],
]);

/** Flags whose argument is code for another interpreter, on any command (`git -c`, `rsync -e`). */
const CODE_FLAGS = new Set(['-c', '-e', '--command', '--eval', '--execute', '--exec', '-ex']);
const JOINED_CODE_FLAG = /^(-[ce].|--(command|eval|execute|exec)=)/;
const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);
/** `test`/`[` with -v or a numeric comparison reads operands as names or numbers. */
const TEST_ARITH = /(^|\s)-(v|R|eq|ne|lt|le|gt|ge)(?=\s|$)/;
/** Reserved words that may stand before a command name. */
const RESERVED = new Set(['!', '{', 'if', 'then', 'elif', 'else', 'do', 'while', 'until']);

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/;
const SUBSCRIPT = /^[A-Za-z_][A-Za-z0-9_]*\[/;
/** Variables bash evaluates as arithmetic when assigned. */
const ARITH_VARS = new Set(['OPTIND', 'RANDOM', 'SRANDOM', 'HISTCMD', 'SECONDS', 'LINENO']);
/** Variables whose value programs run, load or search for code. */
const CODE_VARS =
	/^(LD_|DYLD_|BASH_|GIT_)|(^|_)(PATH|COMMAND|CMD|OPTIONS|OPTS|OPT|PAGER|EDITOR|VISUAL|ASKPASS|SHELL|PRELOAD|HOOK|PROGRAM|STARTUP|HOME|LIB|ENV)$|^(ENV|SHELLOPTS|PS4|PROMPT_COMMAND|PERL5LIB|PERL5OPT|RUBYOPT|RUBYLIB|LESSOPEN|LESSCLOSE|MAKEFLAGS)$/;

const AS_NAME =
	'as a command name (or right after one that runs its arguments), where the value would choose the program to run';
const HERE_DOC =
	'in a here-document, whose text a program reads as input (often as code) after the shell expanded it';

/** What the analysis of a simple command needs besides its words. */
interface CommandContext {
	/** The command's line, for `test`'s operators that follow the placeholder. */
	line: string;
	/** The block declares variables (`declare -i`, `local -n`…), so any assignment may be arithmetic. */
	declares: boolean;
}

const basename = (word: string) => word.slice(word.lastIndexOf('/') + 1);
const takesArg = (wrapper: Wrapper, option: string) =>
	wrapper.withArg !== undefined &&
	(wrapper.withArg.has(option) ||
		(!option.startsWith('--') && option.length > 2 && wrapper.withArg.has(`-${option.at(-1)}`)));

function assignmentTaint(name: string, context: CommandContext): Taint {
	if (ARITH_VARS.has(name) || context.declares) {
		return arith(
			`in an assignment to ${name}, which bash may evaluate as arithmetic (this block declares variables, or ${name} is special)`,
		);
	}
	if (CODE_VARS.test(name)) {
		return code(
			`in an assignment to ${name}, a variable that programs run, load or search for code`,
		);
	}
	return NONE;
}

/**
 * The taint of the word being read, from the words of its simple command before it (`words`,
 * unquoted, a placeholder as NUL) and what of it is read so far (`prefix`).
 */
function wordTaint(words: readonly string[], prefix: string, context: CommandContext): Taint {
	let k = 0;
	while (k < words.length && (RESERVED.has(words[k]!) || ASSIGNMENT.test(words[k]!))) k++;
	if (k < words.length) return commandTaint(words, k, prefix, context);
	const assignment = ASSIGNMENT.exec(prefix);
	if (assignment) return assignmentTaint(assignment[1]!, context);
	if (SUBSCRIPT.test(prefix))
		return arith('in an array subscript, which bash evaluates as arithmetic');
	return code(AS_NAME);
}

/** The taint of the word being read, in the command whose name is `words[k]`. */
function commandTaint(
	words: readonly string[],
	k: number,
	prefix: string,
	context: CommandContext,
): Taint {
	const n = words.length;
	const name = words[k]!;
	if (/[\0$`]/.test(name)) {
		return code(
			'in the arguments of a command whose name is computed (a parameter, a variable or $(…)), which may be a shell',
		);
	}
	const base = basename(name);
	if (SHELLS.has(base)) {
		let j = k + 1;
		while (j < n) {
			const w = words[j]!;
			if (w === '--' || w === '-') {
				j++;
				break;
			}
			if (/^[-+][oO]$/.test(w) || w === '--rcfile' || w === '--init-file') j += 2;
			else if (/^[-+]./.test(w)) j++;
			else break;
		}
		// The options, and the first operand: the script of -c, or the script file.
		if (j >= n || prefix.startsWith('-')) {
			return code(`as the script of ${base} (or one of its options), which ${base} runs as code`);
		}
		return NONE;
	}
	const why = CODE_COMMANDS.get(base);
	if (why !== undefined) return code(`in the arguments of ${base}, ${why}`);
	if (NAME_BUILTINS.has(base)) {
		return arith(
			`in the arguments of ${base}, which names variables (bash evaluates a[…] in a name as arithmetic)`,
		);
	}
	if (ASSIGNING_BUILTINS.has(base)) {
		const assignment = ASSIGNMENT.exec(prefix);
		if (assignment) return assignmentTaint(assignment[1]!, context);
		return arith(`as a variable name of ${base}, where bash evaluates a[…] as arithmetic`);
	}
	if ((base === 'test' || base === '[') && TEST_ARITH.test(context.line)) {
		return arith(
			`in a ${base} with -v or a numeric comparison, which may evaluate it as arithmetic`,
		);
	}
	if (base === 'printf' && (words[n - 1] === '-v' || prefix.startsWith('-v'))) {
		return arith('as the variable of printf -v, where bash evaluates a[…] as arithmetic');
	}
	const wrapper = WRAPPERS.get(base);
	if (wrapper) {
		const { next: j, positionals, shellOption } = skipWrapper(words, k, base, wrapper);
		if (shellOption) return code(`in the arguments of ${base} ${shellOption}, ${JOINS}`);
		if (j > n) return NONE;
		if (j === n) return positionals > 0 && !prefix.startsWith('-') ? NONE : code(AS_NAME);
		return commandTaint(words, j, prefix, context);
	}
	// A container runner: the command it runs in the container is a command like any other.
	const inner = containerCommand(words, k, base);
	if (inner !== undefined && n >= inner) {
		return n === inner ? code(AS_NAME) : commandTaint(words, inner, prefix, context);
	}
	// An ordinary command: its arguments are data, unless a later word starts a command of its own
	// (`docker exec web sh -c …`, `kubectl exec pod -- psql …`) or takes code (`-c`).
	for (let m = k + 1; m < n; m++) {
		const w = words[m]!;
		if (base === 'find' && FIND_EXEC.has(w)) {
			return m + 1 === n ? code(AS_NAME) : commandTaint(words, m + 1, prefix, context);
		}
		// `.` as an argument is a directory far more often than `source`.
		const b = basename(w);
		if (SHELLS.has(b) || (CODE_COMMANDS.has(b) && w !== '.')) {
			return commandTaint(words, m, prefix, context);
		}
	}
	if (n > k + 1 && CODE_FLAGS.has(words[n - 1]!)) {
		return code(`as the argument of ${words[n - 1]}, which is code for another interpreter`);
	}
	if (JOINED_CODE_FLAG.test(prefix)) {
		return code(
			`in a ${prefix.slice(0, 2)} option, whose argument is code for another interpreter`,
		);
	}
	return NONE;
}

const CONTAINER_RUNNERS = new Set(['docker', 'podman', 'nerdctl', 'docker-compose']);

/**
 * Where the command a container runner runs starts, when the simple command at `words[k]` is one:
 * `docker exec [options] web CMD`, `docker compose run [options] api CMD`, `kubectl exec pod -- CMD`.
 * Undefined for anything else (`docker ps`, `kubectl get`).
 */
function containerCommand(words: readonly string[], k: number, base: string): number | undefined {
	if (base === 'kubectl' || base === 'oc') {
		const dash = words.indexOf('--', k + 1);
		const verbs = words.slice(k + 1, dash === -1 ? undefined : dash);
		if (!verbs.some((w) => w === 'exec' || w === 'run' || w === 'debug')) return undefined;
		// Without `--` the pod's command cannot be told from the options' values: the words after
		// `--` are the command (kubectl requires it for exec since 1.x).
		return dash === -1 ? undefined : dash + 1;
	}
	if (!CONTAINER_RUNNERS.has(base)) return undefined;
	const values = VALUE_OPTIONS[base];
	let j = k + 1;
	const options = () => {
		while (j < words.length && /^-./.test(words[j]!)) {
			const w = words[j]!;
			j += values?.has(w) ? 2 : 1;
		}
	};
	options();
	if (base !== 'docker-compose' && words[j] === 'compose') {
		j++;
		options();
	}
	if (words[j] === 'container') j++;
	if (!['exec', 'run'].includes(words[j] ?? '')) return undefined;
	j++;
	options();
	// The container, service or image, then its command.
	return j + 1;
}

/** The program a simple command runs, through wrappers (`sudo -u x psql` runs psql). */
function programOf(words: readonly string[]): string | undefined {
	let k = 0;
	while (k < words.length && (RESERVED.has(words[k]!) || ASSIGNMENT.test(words[k]!))) k++;
	while (k < words.length) {
		const base = basename(words[k]!);
		const wrapper = WRAPPERS.get(base);
		if (!wrapper) return base;
		const skipped = skipWrapper(words, k, base, wrapper);
		// `sudo -s`, `env -S`: the wrapper itself runs a shell, which reads its input as code.
		if (skipped.shellOption) return 'sh';
		k = skipped.next;
	}
	return undefined;
}

/**
 * Reads past a wrapper's own options and operands (`sudo -u x`, `timeout 5`) from `words[k]`:
 * where the wrapped command starts, how many of the wrapper's operands are still missing, and the
 * option that makes the wrapper run a shell instead (`sudo -s`), if one comes first.
 */
function skipWrapper(
	words: readonly string[],
	k: number,
	base: string,
	wrapper: Wrapper,
): { next: number; positionals: number; shellOption?: string } {
	let j = k + 1;
	let positionals = wrapper.positionals ?? 0;
	while (j < words.length) {
		const w = words[j]!;
		if (w === '--') return { next: j + 1, positionals };
		if (wrapper.codeOption?.test(w)) return { next: j, positionals, shellOption: w };
		if (/^-./.test(w)) j += takesArg(wrapper, w) ? 2 : 1;
		else if (base === 'env' && ASSIGNMENT.test(w)) j++;
		else if (positionals > 0) {
			positionals--;
			j++;
		} else break;
	}
	return { next: j, positionals };
}

/** The program of a pipeline stage that reads its input as code, if it is one. */
function readsCodeFromInput(words: readonly string[]): string | undefined {
	const program = programOf(words);
	if (program === undefined) return undefined;
	if (STDIN_CODE.has(program)) return program;
	if (RUNNERS.has(program)) return words.map(basename).find((w) => STDIN_CODE.has(w) && w !== '.');
	return undefined;
}

interface Frame {
	kind:
		| 'normal'
		| 'double'
		| 'single'
		| 'ansi'
		| 'arith'
		| 'expansion'
		| 'comment'
		| 'heredoc'
		| 'literal';
	taint: Taint;
	/** `)` for `$(`, `(` and `<(`; `))` or `]` for arithmetic. */
	closer?: string;
	/** Frames that end at a known offset (backticks, here-documents), and where reading resumes. */
	end?: number;
	resume?: number;
	/** Open parentheses (arithmetic) or braces (`${…}`). */
	depth: number;
	// Normal frames: the simple command being read.
	words: string[];
	wordStart: number;
	commandStart: number;
	redirect: '' | 'file' | 'string';
	dbracket: boolean;
	caseDepth: number;
	/** Places (indices) of plain data in the earlier stages of the current pipeline, and in this one. */
	piped: number[];
	stage: number[];
}

const frame = (kind: Frame['kind'], taint: Taint, extra: Partial<Frame> = {}): Frame => ({
	kind,
	taint,
	depth: 0,
	words: [],
	wordStart: -1,
	commandStart: -1,
	redirect: '',
	dbracket: false,
	caseDepth: 0,
	piped: [],
	stage: [],
	...extra,
});

/** A placeholder inside the masked source: its first character, and the rest of it. */
const HOLE = '\u0000';
const HOLE_REST = '\u0001';

/**
 * Finds where each hole of `source` stands. `holes` are `[start, end)` offsets of placeholders,
 * in order; their text is skipped and read as part of the surrounding word.
 */
export function holePlaces(
	source: string,
	holes: ReadonlyArray<readonly [number, number]>,
): HolePlace[] {
	let masked = '';
	let last = 0;
	for (const [start, end] of holes) {
		masked += source.slice(last, start) + HOLE + HOLE_REST.repeat(Math.max(0, end - start - 1));
		last = end;
	}
	masked += source.slice(last);
	const declares = /(^|[\s;&|({`])(declare|typeset|local)(?=[\s;&|)`]|$)/.test(source);

	const places: HolePlace[] = [];
	const stack: Frame[] = [frame('normal', NONE)];
	const top = () => stack[stack.length - 1]!;
	/** Anything after a function definition or an alias: code, whatever it looks like. */
	let global = NONE;
	const pendingHeredocs: Array<{ delimiter: string; strip: boolean; quoted: boolean }> = [];
	let hole = 0;
	let i = 0;

	const place = (taint: Taint, kind: Frame['kind']): HolePlace => {
		const t = worst(global, taint);
		if (t.level === 3) return { context: 'refused', why: t.why };
		if (t.level === 2) return { context: 'arithmetic', why: t.why };
		if (t.level === 1) return { context: 'code', why: t.why };
		if (kind === 'double') return { context: 'double' };
		return { context: kind === 'single' || kind === 'ansi' ? 'single' : 'bare' };
	};
	/** Moves on `n` characters; a placeholder glued into an operator is refused. */
	const advance = (n: number, why = 'inside an operator, where no value can be placed') => {
		const to = i + n;
		while (holes[hole] && holes[hole]![0] < to) {
			places.push(place(refused(why), 'normal'));
			i = Math.max(to, holes[hole]![1]);
			hole++;
		}
		i = Math.max(i, to);
	};
	/** The unquoted text of `[from, to)`: quotes and backslashes removed, placeholders as NUL. */
	const literal = (from: number, to: number) =>
		masked
			.slice(from, to)
			.replaceAll('\\\n', '')
			.replace(/[\u0001'"\\]/g, '');
	const commandContext = (f: Frame): CommandContext => {
		const from = f.commandStart < 0 ? i : f.commandStart;
		const line = /^(?:[^\n\\]|\\[^])*/.exec(source.slice(from))?.[0] ?? '';
		return { line, declares };
	};
	/** The taint of the word `f` is reading, at `i`. */
	const taintOfWord = (f: Frame): Taint => {
		if (f.kind !== 'normal') return f.taint;
		let t: Taint;
		if (f.redirect === 'string') {
			t = code('in a here-string (<<<), whose text a program reads as input, often as code');
		} else if (f.redirect === 'file') t = NONE;
		else if (f.dbracket) {
			t = arith('inside [[ … ]], where bash evaluates operands of -eq, -lt… and -v as arithmetic');
		} else if (f.caseDepth > 0) t = code('in a case statement');
		else {
			const prefix = f.wordStart < 0 ? '' : literal(f.wordStart, i);
			t = wordTaint(f.words, prefix, commandContext(f));
		}
		return worst(f.taint, t);
	};
	const startWord = (f: Frame) => {
		if (f.kind !== 'normal' || f.wordStart >= 0) return;
		f.wordStart = i;
		if (f.words.length === 0 && f.commandStart < 0) f.commandStart = i;
	};
	const atCommandName = (words: readonly string[]) =>
		words.every((w) => RESERVED.has(w) || ASSIGNMENT.test(w));
	const endWord = (f: Frame) => {
		if (f.wordStart < 0) return;
		const word = literal(f.wordStart, i);
		f.wordStart = -1;
		if (f.redirect) {
			f.redirect = '';
			return;
		}
		if (f.dbracket) {
			if (word === ']]') f.dbracket = false;
		} else if (f.caseDepth > 0 && word === 'esac') f.caseDepth--;
		else if (atCommandName(f.words)) {
			if (word === '[[') f.dbracket = true;
			else if (word === 'case') f.caseDepth++;
			else if (word === 'function' || word === 'alias') {
				global = worst(
					global,
					code(`after ${word}: the lexer does not follow function or alias definitions`),
				);
			}
		}
		f.words.push(word);
	};
	/** Ends a simple command; `pipe` when its output feeds the next one (`|`). */
	const endCommand = (f: Frame, pipe = false) => {
		endWord(f);
		if (f.dbracket) return;
		// Data fed into a shell or interpreter through a pipe is code after all: `echo {{v}} | sh`.
		const program = readsCodeFromInput(f.words);
		if (program !== undefined) {
			for (const index of f.piped) {
				places[index] = {
					context: 'code',
					why: `in a pipeline into ${program}, which reads its input as code`,
				};
			}
		}
		if (pipe) f.piped.push(...f.stage);
		else f.piped = [];
		f.stage = [];
		f.words = [];
		f.commandStart = -1;
		f.redirect = '';
	};
	/** `2>`, `{fd}<`: a word of digits right before a redirection is its file descriptor. */
	const beforeRedirection = (f: Frame) => {
		if (f.wordStart >= 0 && /^([0-9]+|\{[A-Za-z_][A-Za-z0-9_]*\})$/.test(literal(f.wordStart, i))) {
			f.wordStart = -1;
		} else endWord(f);
	};
	const pushBackticks = (f: Frame) => {
		let j = i + 1;
		while (j < source.length && source[j] !== '`') j += source[j] === '\\' ? 2 : 1;
		stack.push(
			frame(
				'normal',
				worst(taintOfWord(f), code('inside backticks `…`, whose text bash reads twice')),
				{
					end: j,
					resume: j + 1,
				},
			),
		);
		advance(1);
	};
	/** `$…` in a normal, double-quoted, arithmetic or expansion frame. */
	const dollar = (f: Frame) => {
		const next = source[i + 1];
		const outer = taintOfWord(f);
		if (holes[hole]?.[0] === i + 1) {
			advance(1);
			advance(1, 'right after $, where the value would name a variable; put it in its own word');
		} else if (next === '(' && source[i + 2] === '(') {
			stack.push(frame('arith', worst(outer, arith('inside $(( … ))')), { closer: '))' }));
			advance(3);
		} else if (next === '(') {
			stack.push(frame('normal', outer, { closer: ')' }));
			advance(2);
		} else if (next === '[') {
			stack.push(frame('arith', worst(outer, arith('inside $[ … ]')), { closer: ']' }));
			advance(2);
		} else if (next === '{') {
			stack.push(
				frame(
					'expansion',
					refused('inside ${…}, where no value can be quoted safely; move it out of the expansion'),
				),
			);
			advance(2);
		} else if (next === "'" && f.kind === 'normal') {
			stack.push(frame('ansi', outer));
			advance(2);
		} else if (next === '"' && f.kind === 'normal') {
			stack.push(frame('double', worst(outer, code('inside $"…", which bash may translate'))));
			advance(2);
		} else advance(1);
	};
	const readHeredocDelimiter = (f: Frame) => {
		beforeRedirection(f);
		let j = i + 2;
		const strip = source[j] === '-';
		if (strip) j++;
		while (source[j] === ' ' || source[j] === '\t') j++;
		let delimiter = '';
		let quoted = false;
		while (j < source.length && !/[\s;&|<>()]/.test(source[j]!)) {
			const c = source[j]!;
			if (c === "'" || c === '"') {
				const close = source.indexOf(c, j + 1);
				const to = close < 0 ? source.length : close;
				delimiter += masked.slice(j + 1, to);
				j = to + 1;
				quoted = true;
			} else if (c === '\\') {
				delimiter += masked[j + 1] ?? '';
				j += 2;
				quoted = true;
			} else {
				delimiter += masked[j];
				j++;
			}
		}
		pendingHeredocs.push({ delimiter, strip, quoted });
		advance(j - i, 'in a here-document delimiter, where no value can be placed');
	};
	/** After the newline that ends a line with `<<`: the here-document bodies. */
	const readHeredocBodies = (f: Frame) => {
		const bodies: Frame[] = [];
		let p = i;
		for (const { delimiter, strip, quoted } of pendingHeredocs) {
			const start = p;
			let end = source.length;
			while (p < source.length) {
				const newline = source.indexOf('\n', p);
				const lineEnd = newline < 0 ? source.length : newline;
				const line = source.slice(p, lineEnd);
				const next = newline < 0 ? source.length : newline + 1;
				if ((strip ? line.replace(/^\t+/, '') : line) === delimiter) {
					end = p;
					p = next;
					break;
				}
				p = next;
			}
			if (p >= source.length && end === source.length) p = source.length;
			bodies.push(
				frame(quoted ? 'literal' : 'heredoc', worst(f.taint, code(HERE_DOC)), {
					end: Math.max(start, end),
					resume: p,
				}),
			);
		}
		pendingHeredocs.length = 0;
		stack.push(...bodies.reverse());
	};

	while (i < source.length) {
		// Backticks and here-documents end at an offset found when they started.
		const ended = stack.findIndex((s) => s.end !== undefined && i >= s.end);
		if (ended > 0) {
			for (const s of stack.slice(ended)) if (s.kind === 'normal') endCommand(s);
			i = stack[ended]!.resume!;
			stack.length = ended;
			continue;
		}
		const f = top();
		const nextHole = holes[hole];
		if (nextHole && i === nextHole[0]) {
			let taint = taintOfWord(f);
			const after = source[nextHole[1]];
			if (
				f.kind === 'normal' &&
				(after === '<' || after === '>') &&
				/^[0-9]*$/.test(f.wordStart < 0 ? '' : literal(f.wordStart, i))
			) {
				taint = worst(
					taint,
					refused(
						'right before a redirection (< or >), where a number is read as a file descriptor; put a space between them',
					),
				);
			}
			const placed = place(taint, f.kind);
			if (placed.context === 'bare' || placed.context === 'double' || placed.context === 'single') {
				// Data here, unless a later stage of this (or an enclosing) pipeline runs it.
				for (const s of stack) if (s.kind === 'normal') s.stage.push(places.length);
			}
			places.push(placed);
			startWord(f);
			i = nextHole[1];
			hole++;
			continue;
		}
		const c = source[i]!;
		const next = source[i + 1];
		switch (f.kind) {
			case 'comment':
				if (c === '\n') stack.pop();
				else advance(1);
				continue;
			case 'literal':
				advance(1);
				continue;
			case 'single':
				if (c === "'") stack.pop();
				advance(1);
				continue;
			case 'ansi':
				if (c === "'") stack.pop();
				advance(c === '\\' ? 2 : 1);
				continue;
			case 'double':
			case 'heredoc':
				if (c === '\\') advance(2);
				else if (c === '"' && f.kind === 'double') {
					stack.pop();
					advance(1);
				} else if (c === '`') pushBackticks(f);
				else if (c === '$') dollar(f);
				else advance(1);
				continue;
			case 'arith':
			case 'expansion': {
				const open = f.kind === 'arith' ? '(' : '{';
				const close = f.kind === 'arith' ? ')' : '}';
				if (c === '\\') advance(2);
				else if (c === open) {
					f.depth++;
					advance(1);
				} else if (c === close && f.depth > 0) {
					f.depth--;
					advance(1);
				} else if (f.kind === 'arith' && f.closer === ']' && c === ']') {
					stack.pop();
					advance(1);
				} else if (c === close) {
					stack.pop();
					advance(f.closer === '))' && next === ')' ? 2 : 1);
				} else if (c === '$') dollar(f);
				else if (c === '`') pushBackticks(f);
				else if (c === '"') {
					stack.push(frame('double', f.taint));
					advance(1);
				} else if (c === "'") {
					stack.push(frame('single', f.taint));
					advance(1);
				} else advance(1);
				continue;
			}
			case 'normal':
				break;
		}
		// Unquoted text of a command.
		if (c === '\\') {
			if (next !== '\n') startWord(f);
			advance(2);
		} else if (c === "'" || c === '"') {
			const taint = taintOfWord(f);
			startWord(f);
			stack.push(frame(c === "'" ? 'single' : 'double', taint));
			advance(1);
		} else if (c === '$') {
			startWord(f);
			dollar(f);
		} else if (c === '`') {
			startWord(f);
			pushBackticks(f);
		} else if (c === '#' && f.wordStart < 0) {
			stack.push(frame('comment', f.taint));
			advance(1);
		} else if (f.dbracket && '()<>|&!'.includes(c)) {
			endWord(f);
			advance(1);
		} else if ((c === '<' || c === '>') && next === '(') {
			const taint = worst(
				taintOfWord(f),
				code('inside process substitution <(…), which the lexer does not follow'),
			);
			startWord(f);
			stack.push(frame('normal', taint, { closer: ')' }));
			advance(2);
		} else if (c === '<' && next === '<' && source[i + 2] === '<') {
			beforeRedirection(f);
			f.redirect = 'string';
			advance(3);
		} else if (c === '<' && next === '<') {
			readHeredocDelimiter(f);
		} else if (c === '<' || c === '>' || (c === '&' && next === '>')) {
			beforeRedirection(f);
			let n = 1;
			while (n < 3 && '<>&|'.includes(source[i + n] ?? ' ')) n++;
			f.redirect = 'file';
			advance(n);
		} else if (c === '(') {
			const word = f.wordStart < 0 ? '' : literal(f.wordStart, i);
			if (f.caseDepth > 0) {
				endWord(f);
				advance(1);
			} else if (next === '(' && f.wordStart < 0) {
				stack.push(frame('arith', worst(f.taint, arith('inside (( … ))')), { closer: '))' }));
				advance(2);
			} else if (ASSIGNMENT.test(word) && word.endsWith('=') && atCommandName(f.words)) {
				stack.push(
					frame(
						'normal',
						worst(
							f.taint,
							arith('in an array assignment (…), whose [subscripts] bash evaluates as arithmetic'),
						),
						{ closer: ')' },
					),
				);
				advance(1);
			} else if (/^[ \t]*\)/.test(source.slice(i + 1))) {
				global = worst(
					global,
					code('after a function definition: the lexer does not follow function bodies'),
				);
				endWord(f);
				advance(source.indexOf(')', i) + 1 - i);
			} else {
				endCommand(f);
				stack.push(frame('normal', f.taint, { closer: ')' }));
				advance(1);
			}
		} else if (c === ')') {
			if (f.caseDepth > 0) endCommand(f);
			else if (f.closer === ')') {
				endWord(f);
				stack.pop();
			} else endCommand(f);
			advance(1);
		} else if (c === ' ' || c === '\t') {
			endWord(f);
			advance(1);
		} else if (c === '\n') {
			endCommand(f);
			advance(1);
			if (pendingHeredocs.length > 0) readHeredocBodies(f);
		} else if (c === '|' && next !== '|') {
			endCommand(f, true);
			advance(next === '&' ? 2 : 1);
		} else if (c === ';' || c === '&' || c === '|') {
			endCommand(f);
			advance(c === next ? 2 : 1);
		} else {
			startWord(f);
			advance(1);
		}
	}
	for (const s of stack.reverse()) if (s.kind === 'normal') endCommand(s);
	while (places.length < holes.length) {
		places.push(place(refused('where the lexer lost track of the quoting'), 'normal'));
	}
	return places;
}

/** Characters that need no quoting anywhere in a shell word. */
const PLAIN = /^[A-Za-z0-9_@%+:,./-]+$/;
/** Values of the opaque-safe types (int, sha, enum): the same in any quoting and any language. */
const OPAQUE = /^-?[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Single-quotes `value` unless it is a plain word, like Python's `shlex.quote`. */
export function shellQuote(value: string): string {
	if (PLAIN.test(value)) return value;
	return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Renders `value` for its context. Inside double quotes a value that is not a plain word closes
 * the quote, stands single-quoted, and reopens it (`"a"'v a l'"b"`), so no `$`, backtick, `\` or
 * `!` in it is ever interpreted. Single-quoted and code contexts only ever receive values of the
 * opaque-safe types, arithmetic only whole numbers; anything else is refused here as a last line
 * of defence, after the build refused it already.
 */
export function quoteFor(context: ShellContext, value: string): string | undefined {
	switch (context) {
		case 'bare':
			return shellQuote(value);
		case 'double':
			return PLAIN.test(value) ? value : `"${shellQuote(value)}"`;
		case 'single':
		case 'code':
			return OPAQUE.test(value) ? value : undefined;
		case 'arithmetic':
			return /^-?[0-9]+$/.test(value) ? value : undefined;
		case 'refused':
			return undefined;
	}
}
