/**
 * Finds the containers that Markdown parsers do not know, line by line, before the page is parsed:
 * MkDocs-Material admonitions and content tabs, whose bodies are indented by four spaces, and
 * `:::kind` directives, whose bodies end at a `:::` line.
 *
 * ```md
 * !!! warning "Escalation"
 *     If a SEV-2 is not resolved within 2 hours, escalate.
 *
 * === "Container stopped"
 *
 *     ```bash
 *     docker compose up -d db
 *     ```
 * ```
 *
 * becomes the same text with each body dedented and its ends marked by an HTML comment on a line
 * of its own, which CommonMark keeps as an `html` node wherever it stands (in a list item too):
 *
 * ```md
 * <!--ob:open:1-->
 *
 * If a SEV-2 is not resolved within 2 hours, escalate.
 *
 * <!--ob:close:1-->
 * ```
 *
 * After parsing, `foldContainers` turns the nodes between two markers into the container's
 * children. Marking instead of parsing ourselves keeps Sätteri the one parser of the Markdown.
 *
 * Pure: no Node built-ins.
 */

/** Starlight's four aside types. */
export type AsideType = 'note' | 'tip' | 'caution' | 'danger';

export type Container =
	| {
			kind: 'aside';
			type: AsideType;
			/** The title to show, with the original kind kept when it is not Starlight's. */
			title?: string;
			line: number;
	  }
	| { kind: 'details'; open: boolean; summary: string; line: number }
	| { kind: 'tabs'; line: number }
	| { kind: 'tab'; label: string; line: number };

export interface Marked {
	/** The text to parse: markers in, bodies dedented. */
	text: string;
	/** For each line of `text` (from 0), the line of the source it comes from (from 1). */
	lines: number[];
	containers: Map<number, Container>;
}

/** `ob:open:3`, `ob:close:3`: the markers as they stand in `html` nodes. */
export const MARKER = /^<!--ob:(open|close):(\d+)-->$/;

/** MkDocs (Python-Markdown admonition, pymdownx.details): `!!! kind "title"`, `???+ kind`. */
const ADMONITION = /^(!!!|\?\?\?\+?)[ \t]*([\w-]+(?:[ \t]+[\w-]+)*)?(?:[ \t]*"(.*)")?[ \t]*$/;
/** pymdownx.tabbed: `=== "Label"`, `===! "Label"` starts a new group, `===+` selects. */
const TAB = /^===([!+]*)[ \t]+"(.*)"[ \t]*$/;
/** `:::note`, `:::note[Title]`, `:::tip{title="Title"}`, `:::warning Title` (Docusaurus). */
const COLON_OPEN = /^(:{3,})[ \t]*([A-Za-z]+)(?:\[(.*)\])?(?:\{(.*)\})?(?:[ \t]+(.*?))?[ \t]*$/;
const COLON_CLOSE = /^(:{3,})[ \t]*$/;
const FENCE = /^(`{3,}|~{3,})/;

/**
 * The MkDocs-Material kinds (and their aliases), GitHub's and Docusaurus's, onto Starlight's
 * four. An unknown kind becomes a note.
 */
const ASIDE_TYPES: Record<string, AsideType> = {
	note: 'note',
	abstract: 'note',
	summary: 'note',
	tldr: 'note',
	info: 'note',
	todo: 'note',
	question: 'note',
	help: 'note',
	faq: 'note',
	example: 'note',
	quote: 'note',
	cite: 'note',
	seealso: 'note',
	important: 'note',
	tip: 'tip',
	hint: 'tip',
	success: 'tip',
	check: 'tip',
	done: 'tip',
	warning: 'caution',
	caution: 'caution',
	attention: 'caution',
	bug: 'caution',
	danger: 'danger',
	error: 'danger',
	failure: 'danger',
	fail: 'danger',
	missing: 'danger',
};

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();

/**
 * The aside for `kind` with `title`, written at `line`: Starlight's type, and a title that keeps
 * the original kind where Starlight would show another (`info` is a note titled "Info: Server
 * details"). GitHub's CAUTION is its red one, Starlight's danger.
 */
export function asideFor(
	kind: string,
	title: string | undefined,
	line: number,
	{ github = false }: { github?: boolean } = {},
): Extract<Container, { kind: 'aside' }> {
	const key = kind.toLowerCase();
	const type: AsideType = github && key === 'caution' ? 'danger' : (ASIDE_TYPES[key] ?? 'note');
	const shown = title?.trim() || undefined;
	const titled = key === type ? shown : shown ? `${capitalize(kind)}: ${shown}` : capitalize(kind);
	return { kind: 'aside', type, ...(titled !== undefined ? { title: titled } : {}), line };
}

interface Open {
	id: number;
	/** The indentation a body line needs; a line with less closes the container. */
	bodyIndent: number;
	/** How much indentation the container takes off its body (4 for MkDocs, 0 for `:::`). */
	dedent: number;
	/** For `:::` containers: the colons that close it. */
	colons?: number;
	/** The output indentation of its markers. */
	markerIndent: number;
	isTab: boolean;
}

/** Leading tabs count as four spaces, as Python-Markdown reads them. */
function expandIndent(line: string): string {
	const match = /^[ \t]+/.exec(line);
	if (!match || !match[0].includes('\t')) return line;
	let width = 0;
	for (const char of match[0]) width = char === '\t' ? width + 4 - (width % 4) : width + 1;
	return ' '.repeat(width) + line.slice(match[0].length);
}

/**
 * Marks the containers of `source`. MkDocs syntax (`!!!`, `???`, `===`) only when `mkdocs`;
 * `:::` directives always.
 */
export function markContainers(source: string, { mkdocs }: { mkdocs: boolean }): Marked {
	const out: string[] = [];
	const lines: number[] = [];
	const containers = new Map<number, Container>();
	const stack: Open[] = [];
	let nextId = 1;
	let fence: { char: string; length: number } | undefined;
	/** A tab group whose last tab has closed: one more `=== "…"` at its indentation continues it. */
	let pendingGroup: { id: number; indent: number; depth: number; markerIndent: number } | undefined;

	const removed = () => stack.reduce((sum, open) => sum + open.dedent, 0);
	const strip = (line: string) => {
		const take = Math.min(removed(), /^ */.exec(line)![0].length);
		return line.slice(take);
	};
	const emit = (text: string, line: number) => {
		out.push(text);
		lines.push(line);
	};
	const marker = (kind: 'open' | 'close', id: number, indent: number, line: number) => {
		if (out.length > 0 && out[out.length - 1]!.trim() !== '') emit('', line);
		emit(`${' '.repeat(indent)}<!--ob:${kind}:${id}-->`, line);
		emit('', line);
	};
	const flushGroup = (line: number) => {
		if (!pendingGroup) return;
		marker('close', pendingGroup.id, pendingGroup.markerIndent, line);
		pendingGroup = undefined;
	};
	const close = (line: number) => {
		// A tab group inside the container ends with it.
		if (pendingGroup && pendingGroup.depth >= stack.length) flushGroup(line);
		const open = stack.pop()!;
		if (fence) {
			emit(
				`${' '.repeat(open.markerIndent + open.dedent)}${fence.char.repeat(fence.length)}`,
				line,
			);
			fence = undefined;
		}
		marker('close', open.id, open.markerIndent, line);
		if (open.isTab) {
			const group = stack.pop()!;
			pendingGroup = {
				id: group.id,
				indent: open.bodyIndent - open.dedent,
				depth: stack.length,
				markerIndent: group.markerIndent,
			};
		}
	};
	const open = (
		container: Container,
		indent: number,
		dedent: number,
		line: number,
		colons?: number,
	) => {
		const id = nextId++;
		containers.set(id, container);
		const markerIndent = indent - removed();
		marker('open', id, markerIndent, line);
		stack.push({
			id,
			bodyIndent: indent + dedent,
			dedent,
			markerIndent,
			isTab: container.kind === 'tab',
			...(colons !== undefined ? { colons } : {}),
		});
		return id;
	};

	const sourceLines = source.split(/\r?\n/);
	sourceLines.forEach((raw, index) => {
		const line = expandIndent(raw);
		const number = index + 1;
		if (line.trim() === '') {
			emit('', number);
			return;
		}
		const indent = /^ */.exec(line)![0].length;
		while (stack.length > 0 && indent < stack[stack.length - 1]!.bodyIndent) {
			const top = stack[stack.length - 1]!;
			// A `:::` block ends at its `:::` line, which stands at the block's own indentation.
			if (top.colons !== undefined && indent >= top.bodyIndent - top.dedent) break;
			close(number);
		}
		const text = strip(line);
		const bare = text.trimStart();

		if (fence) {
			const closing = new RegExp(`^\\${fence.char}{${fence.length},}\\s*$`);
			if (closing.test(bare)) fence = undefined;
			emit(text, number);
			return;
		}

		const tab = mkdocs ? TAB.exec(bare) : null;
		const continues =
			tab &&
			pendingGroup &&
			!tab[1]!.includes('!') &&
			indent === pendingGroup.indent &&
			stack.length === pendingGroup.depth;
		if (pendingGroup && !continues) flushGroup(number);
		if (tab) {
			if (continues) {
				const group = pendingGroup!;
				pendingGroup = undefined;
				stack.push({
					id: group.id,
					bodyIndent: indent,
					dedent: 0,
					markerIndent: group.markerIndent,
					isTab: false,
				});
			} else {
				open({ kind: 'tabs', line: number }, indent, 0, number);
			}
			open({ kind: 'tab', label: tab[2]!, line: number }, indent, 4, number);
			return;
		}
		const admonition = mkdocs ? ADMONITION.exec(bare) : null;
		if (admonition && admonition[2]) {
			const [, mark = '', classes = '', title] = admonition;
			const kind = classes.split(/\s+/)[0]!;
			if (mark === '!!!') {
				open(asideFor(kind, title, number), indent, 4, number);
			} else {
				// A `<details>` has no kind of its own to show, so its summary says it, as `!!!` titles do.
				const shown = title?.trim();
				const summary = shown ? `${capitalize(kind)}: ${shown}` : capitalize(kind);
				open({ kind: 'details', open: mark === '???+', summary, line: number }, indent, 4, number);
			}
			return;
		}
		const colonOpen = COLON_OPEN.exec(bare);
		if (colonOpen) {
			const [, colons = ':::', kind = 'note', bracket, braces, rest] = colonOpen;
			const title =
				bracket ?? /title=["']?([^"']*)["']?/.exec(braces ?? '')?.[1] ?? rest ?? undefined;
			// The body of a `:::` block is not indented by rule, but often is (Docusaurus pages indent
			// it by four spaces, which MDX reads as a paragraph and CommonMark as code): take off what
			// all its lines share.
			let shared = Infinity;
			for (let j = index + 1, depth = 0; j < sourceLines.length; j++) {
				const body = expandIndent(sourceLines[j]!);
				if (COLON_CLOSE.test(body.trim())) {
					if (depth === 0) break;
					depth--;
				} else if (COLON_OPEN.test(body.trim())) depth++;
				if (body.trim() !== '') shared = Math.min(shared, /^ */.exec(body)![0].length);
			}
			const dedent = Number.isFinite(shared) ? Math.max(0, shared - indent) : 0;
			open(asideFor(kind, title, number), indent, dedent, number, colons.length);
			return;
		}
		const colonClose = COLON_CLOSE.exec(bare);
		const top = stack[stack.length - 1];
		if (colonClose && top?.colons !== undefined && colonClose[1]!.length >= top.colons) {
			close(number);
			return;
		}
		const fenceStart = FENCE.exec(bare);
		if (fenceStart) {
			const char = fenceStart[1]![0]!;
			// A backtick fence's info string may not hold a backtick; then it is inline code.
			if (!(char === '`' && bare.slice(fenceStart[1]!.length).includes('`'))) {
				fence = { char, length: fenceStart[1]!.length };
			}
		}
		emit(text, number);
	});
	const end = sourceLines.length;
	while (stack.length > 0) close(end);
	flushGroup(end);
	return { text: out.join('\n'), lines, containers };
}
