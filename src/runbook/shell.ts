/**
 * Just enough of a POSIX shell lexer to know where a placeholder stands, and the quoting that
 * makes a value safe there.
 *
 * Contexts:
 * - `bare`: an unquoted word (`kill {{pid:int}}`), also inside `$( … )` and backticks.
 * - `double`: inside "…" (`--endpoint-url "https://{{account:word}}.example"`).
 * - `single`: inside '…', where nothing can be escaped.
 * - `embedded`: inside a quoted argument of `-c`/`-e`/`--command`/`--eval`, i.e. code of another
 *   language (the SQL of `psql -c "…"`, the script of `sh -c '…'`) that a second interpreter reads.
 * - `expansion`: inside `${ … }`; not supported.
 *
 * Browser-safe: no imports.
 */

export type ShellContext = 'bare' | 'double' | 'single' | 'embedded' | 'expansion';

/** Flags whose quoted argument is source code for another interpreter. */
const CODE_FLAGS = new Set(['-c', '-e', '--command', '--eval', '--execute']);

interface Frame {
	kind: 'normal' | 'double' | 'single' | 'expansion' | 'comment';
	embedded: boolean;
	/** The word being read (normal frames only). */
	word: string;
	/** The last complete word of the current command (normal frames only). */
	lastWord: string;
}

const frame = (kind: Frame['kind'], embedded: boolean): Frame => ({
	kind,
	embedded,
	word: '',
	lastWord: '',
});

/**
 * Finds the shell context of each hole in `source`. `holes` are `[start, end)` offsets of
 * placeholders, in order; their text is skipped and read as part of the surrounding word.
 */
export function holeContexts(
	source: string,
	holes: ReadonlyArray<readonly [number, number]>,
): ShellContext[] {
	const stack: Frame[] = [frame('normal', false)];
	const top = () => stack[stack.length - 1]!;
	const contexts: ShellContext[] = [];
	let hole = 0;
	let i = 0;
	const endWord = (f: Frame) => {
		if (f.word !== '') f.lastWord = f.word;
		f.word = '';
	};
	while (i < source.length) {
		const f = top();
		const nextHole = holes[hole];
		if (nextHole && i === nextHole[0]) {
			const embedded = stack.some((s) => s.embedded);
			contexts.push(
				embedded
					? 'embedded'
					: f.kind === 'double'
						? 'double'
						: f.kind === 'single'
							? 'single'
							: f.kind === 'expansion'
								? 'expansion'
								: 'bare',
			);
			if (f.kind === 'normal') f.word += '\u0000';
			i = nextHole[1];
			hole++;
			continue;
		}
		const c = source[i]!;
		const next = source[i + 1];
		switch (f.kind) {
			case 'comment':
				if (c === '\n') stack.pop();
				i++;
				continue;
			case 'single':
				if (c === "'") stack.pop();
				i++;
				continue;
			case 'double':
				if (c === '\\') i += 2;
				else if (c === '"') {
					stack.pop();
					i++;
				} else if (c === '$' && next === '(') {
					stack.push(frame('normal', false));
					i += 2;
				} else if (c === '$' && next === '{') {
					stack.push(frame('expansion', false));
					i += 2;
				} else i++;
				continue;
			case 'expansion':
				if (c === '}') stack.pop();
				else if (c === '$' && next === '(') {
					stack.push(frame('normal', false));
					i++;
				}
				i++;
				continue;
			case 'normal':
				break;
		}
		// Unquoted text.
		if (c === '\\') {
			if (next !== '\n') f.word += next ?? '';
			i += 2;
		} else if (c === "'" || c === '"') {
			const embedded = f.word === '' && CODE_FLAGS.has(f.lastWord);
			f.word += c;
			stack.push(frame(c === "'" ? 'single' : 'double', embedded));
			i++;
		} else if (c === '$' && next === '(') {
			f.word += '$(';
			stack.push(frame('normal', false));
			i += 2;
		} else if (c === '$' && next === '{') {
			f.word += '${';
			stack.push(frame('expansion', false));
			i += 2;
		} else if (c === ')' && stack.length > 1) {
			stack.pop();
			i++;
		} else if (c === '#' && f.word === '') {
			stack.push(frame('comment', false));
			i++;
		} else if (c === ' ' || c === '\t') {
			endWord(f);
			i++;
		} else if (c === '\n' || c === ';' || c === '|' || c === '&' || c === '(' || c === ')') {
			endWord(f);
			f.lastWord = '';
			i++;
		} else {
			f.word += c;
			i++;
		}
	}
	return contexts;
}

/** Characters that need no quoting anywhere in a shell word. */
const PLAIN = /^[A-Za-z0-9_@%+:,./-]+$/;

/** Single-quotes `value` unless it is a plain word, like Python's `shlex.quote`. */
export function shellQuote(value: string): string {
	if (PLAIN.test(value)) return value;
	return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Renders `value` for its context. Inside double quotes a value that is not a plain word closes
 * the quote, stands single-quoted, and reopens it (`"a"'v a l'"b"`), so no `$`, backtick, `\` or
 * `!` in it is ever interpreted. Single-quoted and embedded contexts only ever receive values of
 * the opaque-safe types; anything else is refused here as a last line of defence.
 */
export function quoteFor(context: ShellContext, value: string): string | undefined {
	switch (context) {
		case 'bare':
			return shellQuote(value);
		case 'double':
			return PLAIN.test(value) ? value : `"${shellQuote(value)}"`;
		case 'single':
		case 'embedded':
			return /^-?[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(value) ? value : undefined;
		case 'expansion':
			return undefined;
	}
}
