/**
 * Imports a runbook written for MkDocs-Material or as plain (GitHub-flavoured) Markdown into an
 * Opsbook page.
 *
 * ```ts
 * const { mdx, report } = importMarkdown(source, { file: 'docs/runbooks/db.md' });
 * ```
 *
 * - `!!! kind "title"` → a Starlight `<Aside>` (Starlight's four kinds, the original kept in the
 *   title); `???`/`???+` → `<details>` (the kind kept in the summary); GitHub alerts
 *   (`> [!WARNING]`) and `:::note` too;
 * - `=== "Tab"` groups → Opsbook's `<Tabs>`/`<TabItem>`;
 * - shell fences anywhere → typed command blocks, with a risk, parameters for placeholders, an id
 *   that re-importing keeps (page, section, program), and console prompts split into the command
 *   and its expected output; output stays static.
 *
 * Every guess is marked for review twice: an MDX comment above what it concerns, with its source
 * line, and a note in the report with the same line. Whatever cannot be converted stays as text, with a note.
 *
 * The page is parsed by Sätteri, like every page of the site, and written back as MDX by
 * `mdast-util-to-markdown` with its GFM and MDX extensions, which escape what MDX would otherwise
 * read as JSX or expressions (`<name>`, `{`) in prose.
 *
 * Pure: no Node built-ins (disk access is in `import-fs.ts`).
 */
import GithubSlugger, { slug as slugify } from 'github-slugger';
import type { Nodes, Root, RootContent } from 'mdast';
import { gfmToMarkdown } from 'mdast-util-gfm';
import { mdxToMarkdown } from 'mdast-util-mdx';
import { toMarkdown } from 'mdast-util-to-markdown';
import { markdownToMdast, mdxToMdast } from 'satteri';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { asideFor, markContainers, MARKER, type Container } from './containers.ts';
import { convertFence, type NoteAbout } from './fences.ts';

export type ImportFormat = 'mkdocs' | 'gfm' | 'auto';

export interface ImportOptions {
	/** The source file's path, for the report; its name gives the page's default title. */
	file: string;
	/** The page's name, which its block ids start with; by default the source file's name. */
	page?: string;
	/** MkDocs-Material (`!!!`, `===`, 4-space bodies) or plain GitHub Markdown; `auto` tells by the text. */
	format?: ImportFormat;
	/**
	 * The module the page imports Opsbook's `Tabs` and `TabItem` from, as the page would write it:
	 * a path relative to the page (`../../src/components.ts`) or a package export.
	 */
	componentsModule?: string;
	/**
	 * Whether an image the page shows by a relative path exists; one that does not becomes a link,
	 * since the site build fails on a missing image. Without it, every image is kept.
	 */
	hasAsset?: (path: string) => boolean;
	/** The target blocks run on when they name none (the config's `defaultTarget`); `local` by default. */
	defaultTarget?: string;
}

/** One thing the importer guessed, changed or could not convert, at a line of the source. */
export interface ImportNote {
	/** The source line (from 1) it concerns. */
	line: number;
	/** `inferred`: a guess to review; `not-converted`: left as it was, or left out. */
	kind: 'inferred' | 'not-converted';
	/** What it is about, which orders the report (see `formatReport`). */
	about: NoteAbout;
	message: string;
}

export interface ImportResult {
	/** The page, as MDX. */
	mdx: string;
	/** Every guess and everything not converted, in source order. */
	report: ImportNote[];
	/** The format the source was read as. */
	format: 'mkdocs' | 'gfm';
	title: string;
	/** Images the page shows by a relative path (relative to the source file), to be copied beside it. */
	assets: string[];
	/** How many command blocks the page has. */
	commandBlocks: number;
}

/** Lines only MkDocs-Material writes. */
const MKDOCS_SYNTAX = /^[ \t]*(?:(?:!!!|\?\?\?\+?)[ \t]+[\w-]+|===[!+]*[ \t]+")/m;

/** Tells MkDocs-Material from plain Markdown by its admonition and tab lines. */
export function detectFormat(source: string): 'mkdocs' | 'gfm' {
	return MKDOCS_SYNTAX.test(source) ? 'mkdocs' : 'gfm';
}

const GITHUB_ALERT = /^\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*(?:\n|$)/i;
/** MkDocs syntax with no equivalent, found in text. */
const LEFTOVERS: Array<[RegExp, string]> = [
	[
		/--8<--/,
		'a pymdownx.snippets include (--8<--) is not followed; the included file is not imported',
	],
	[
		/\{:?\s*(?:[.#][\w-]+|[\w-]+=)[^}]*\}/,
		'an attribute list ({ .class } or { key=value }) has no MDX equivalent: kept as text',
	],
	[
		/:(?:material|octicons|fontawesome|simple)-[\w-]+:/,
		'an icon shortcode (:material-…:) is kept as text',
	],
	[/\+\+[\w-]+(?:\+[\w-]+)*\+\+/, 'a key combination (++ctrl+c++) is kept as text'],
	[
		/\{\{<\s*\/?[\w-]+[^}]*>\}\}|\{\{%\s*\/?[\w-]+[^}]*%\}\}/,
		'a Hugo shortcode ({{< … >}}) has no equivalent: kept as text',
	],
	[/\{%[^%]*%\}/, 'a template tag ({% … %}) is not run: kept as text'],
	[/^\[TOC\]$/m, '[TOC] is left out: Starlight shows its own table of contents'],
	[
		/^(?:!!!|\?\?\?\+?|===)\s/m,
		'MkDocs admonition or tab syntax that could not be read (import as mkdocs, or check its indentation): kept as text',
	],
];
/** Attributes at the end of a heading: `{#id}`, `{ #id .class data-x="y" }`. */
const HEADING_ATTRIBUTES = /\s*\{\s*([#.:][^}]*)\}\s*$/;
const VOID_HTML = /^<(br|hr|wbr)\s*\/?>$/i;

type Parent = Extract<Nodes, { children: unknown }>;

/** Imports one runbook. */
export function importMarkdown(source: string, options: ImportOptions): ImportResult {
	const format =
		!options.format || options.format === 'auto' ? detectFormat(source) : options.format;
	const componentsModule = options.componentsModule ?? 'opsbook/components';
	const marked = markContainers(source, { mkdocs: format === 'mkdocs' });
	const tree = markdownToMdast(marked.text) as unknown as Root;
	const report: ImportNote[] = [];
	const assets: string[] = [];
	const used = { aside: false, tabs: false };
	const stem = (options.file.split(/[\\/]/).pop() ?? 'page').replace(/\.(md|markdown|mdx)$/i, '');

	const lineOf = (node: { position?: { start: { line: number } } } | undefined, fallback = 1) => {
		const at = node?.position?.start.line;
		return at === undefined ? fallback : (marked.lines[at - 1] ?? fallback);
	};
	const note = (
		line: number,
		kind: ImportNote['kind'],
		message: string,
		about: NoteAbout = 'other',
	) => report.push({ line, kind, about, message });
	const comment = (line: number, messages: string[]): RootContent => ({
		type: 'mdxFlowExpression',
		value: `/* opsbook import, review (source line ${line}): ${messages.join('; ').replace(/\*\//g, '* /')} */`,
	});

	// Frontmatter: the title and description are Starlight's; anything else is MkDocs'.
	let frontmatter: Record<string, unknown> = {};
	const first = tree.children[0];
	if (first?.type === 'yaml') {
		try {
			frontmatter = (parseYaml(first.value) as Record<string, unknown>) ?? {};
		} catch (error) {
			note(
				1,
				'not-converted',
				`the frontmatter is not valid YAML and was left out: ${(error as Error).message}`,
			);
		}
		tree.children.shift();
		const left = Object.keys(frontmatter).filter((k) => k !== 'title' && k !== 'description');
		if (left.length > 0) {
			note(
				1,
				'not-converted',
				`frontmatter ${left.join(', ')} left out: Starlight pages take title and description`,
			);
		}
	}
	let title = typeof frontmatter.title === 'string' ? frontmatter.title : undefined;
	const lead = tree.children[0];
	if (lead?.type === 'heading' && lead.depth === 1) {
		const text = plainText(lead);
		if (title === undefined || title === text) {
			title = text;
			tree.children.shift();
		}
	}
	title ??= stem.replace(/[-_]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

	// Every command block gets an id from the page, its section and its program
	// (`backup.restore-db.pg-restore`), numbered only when its section runs the same program
	// earlier: a block added elsewhere on the page leaves the other ids as they were. A section is
	// named by its heading path, not its anchor, which the slugger numbers by how often the heading
	// came before: a subsection by its nearest h1/h2 ancestor and its own heading
	// (`osd-down-solution`), so a "Symptoms"/"Solution" pair added above leaves the others'
	// names alone. Only a path that repeats is numbered, from its second use. A long heading
	// gives its first words.
	const page = idPart(slugify(options.page ?? stem)) || 'page';
	let section = 'top';
	let heading: string | undefined;
	/** The headings the current one stands under, outermost first. */
	const outline: Array<{ depth: number; name: string }> = [];
	const sections = new Map<string, number>();
	const enterSection = (depth: number, text: string) => {
		while (outline.length > 0 && outline[outline.length - 1]!.depth >= depth) outline.pop();
		const outer = outline.findLast((h) => h.depth <= 2 && h.name !== '');
		const name = shortened(idPart(slugify(text)));
		outline.push({ depth, name });
		if (name === '') return;
		const path = outer ? `${outer.name}-${name}` : name;
		const n = (sections.get(path) ?? 0) + 1;
		sections.set(path, n);
		section = n === 1 ? path : `${path}-${n}`;
	};
	const perId = new Map<string, number>();
	let commandBlocks = 0;
	const blockId = (name: string) => {
		const base = `${page}.${section}.${name}`;
		const n = (perId.get(base) ?? 0) + 1;
		perId.set(base, n);
		return { id: n === 1 ? base : `${base}-${n}`, suffixed: n > 1 };
	};

	// A heading's own anchor (`## Document exporter {#exporter}`) is left out, as Starlight makes
	// the anchor from the text: links to it on this page follow to the anchor the heading gets.
	const anchors = new Map<string, string>();
	{
		const slugs = new GithubSlugger();
		const visit = (node: Nodes) => {
			if (node.type === 'heading') {
				const text = plainText(node, { html: false });
				const attrs = HEADING_ATTRIBUTES.exec(text);
				const slug = slugs.slug(attrs ? text.slice(0, attrs.index) : text);
				const own = attrs && /(?:^|\s)#([^\s}]+)/.exec(attrs[1]!)?.[1];
				if (own && own !== slug) anchors.set(own, slug);
			}
			if ('children' in node) for (const child of node.children as Nodes[]) visit(child);
		};
		visit(tree);
	}

	const containerNode = (container: Container, children: RootContent[]): RootContent => {
		const attribute = (name: string, value: string | null) => ({
			type: 'mdxJsxAttribute' as const,
			name,
			value,
		});
		switch (container.kind) {
			case 'aside':
				used.aside = true;
				return {
					type: 'mdxJsxFlowElement',
					name: 'Aside',
					attributes: [
						attribute('type', container.type),
						...(container.title !== undefined ? [attribute('title', container.title)] : []),
					],
					children: children as never,
				};
			case 'details':
				return {
					type: 'mdxJsxFlowElement',
					name: 'details',
					attributes: container.open ? [attribute('open', null)] : [],
					children: [
						{
							type: 'mdxJsxFlowElement',
							name: 'summary',
							attributes: [],
							children: [{ type: 'text', value: container.summary }] as never,
						},
						...children,
					] as never,
				};
			case 'tabs':
				used.tabs = true;
				return {
					type: 'mdxJsxFlowElement',
					name: 'Tabs',
					attributes: [],
					children: children as never,
				};
			case 'tab':
				return {
					type: 'mdxJsxFlowElement',
					name: 'TabItem',
					attributes: [attribute('label', container.label)],
					children: children as never,
				};
		}
	};

	/** The container an `html` node opens, if it is a marker or a `<details>` line. */
	const opens = (node: RootContent): { id: string; container: Container } | undefined => {
		if (node.type !== 'html') return undefined;
		const marker = MARKER.exec(node.value.trim());
		if (marker?.[1] === 'open') {
			const container = marked.containers.get(Number(marker[2]));
			return container && { id: marker[2]!, container };
		}
		const details =
			/^<details(\s+open(?:="[^"]*")?)?\s*>\s*(?:<summary>([\s\S]*?)<\/summary>)?\s*$/i.exec(
				node.value.trim(),
			);
		if (details) {
			return {
				id: 'details',
				container: {
					kind: 'details',
					open: details[1] !== undefined,
					summary: details[2]?.trim() ?? '',
					line: lineOf(node),
				},
			};
		}
		return undefined;
	};
	const closes = (node: RootContent): string | undefined => {
		if (node.type !== 'html') return undefined;
		const marker = MARKER.exec(node.value.trim());
		if (marker?.[1] === 'close') return marker[2];
		return /^<\/details>$/i.test(node.value.trim()) ? 'details' : undefined;
	};

	/** Folds the nodes between a container's markers into it, in one list of siblings. */
	const fold = (children: RootContent[]): RootContent[] => {
		const result: RootContent[] = [];
		const stack: Array<{
			id: string;
			container: Container;
			items: RootContent[];
			at: RootContent;
		}> = [];
		const target = () => stack[stack.length - 1]?.items ?? result;
		for (const child of children) {
			const open = opens(child);
			if (open) {
				stack.push({ ...open, items: [], at: child });
				continue;
			}
			const close = closes(child);
			if (close !== undefined && stack.some((s) => s.id === close)) {
				while (stack.length > 0) {
					const top = stack.pop()!;
					let items = top.items;
					if (top.container.kind === 'details' && !top.container.summary) {
						// `<details>` then `<summary>…</summary>` on a line of its own.
						const summary = items[0];
						const text =
							summary?.type === 'html' &&
							/^<summary>([\s\S]*)<\/summary>$/i.exec(summary.value.trim());
						if (text) {
							top.container.summary = text[1]!.trim();
							items = items.slice(1);
						} else top.container.summary = 'Details';
					}
					target().push(containerNode(top.container, items));
					if (top.id === close) break;
				}
				continue;
			}
			target().push(child);
		}
		// A container whose end is in another list of siblings: its contents stay where they are.
		while (stack.length > 0) {
			const top = stack.shift()!;
			note(
				lineOf(top.at),
				'not-converted',
				`a ${top.container.kind} whose end could not be found: its contents are kept without it`,
			);
			const index = result.length;
			result.splice(index, 0, ...top.items);
		}
		return result;
	};

	const transformChildren = (parent: Parent): void => {
		const children = fold(parent.children as RootContent[]);
		const out: RootContent[] = [];
		for (const child of children) out.push(...transform(child, parent));
		(parent as { children: RootContent[] }).children = out;
	};

	const transform = (node: RootContent, parent: Parent): RootContent[] => {
		switch (node.type) {
			case 'heading': {
				const last = node.children[node.children.length - 1];
				if (last?.type === 'text') {
					const attrs = HEADING_ATTRIBUTES.exec(last.value);
					if (attrs) {
						last.value = last.value.slice(0, attrs.index);
						note(
							lineOf(node),
							'not-converted',
							`heading attributes ${attrs[0].trim()} left out: Starlight makes the anchor from the text`,
						);
					}
				}
				heading = plainText(node, { html: false }).trim() || heading;
				enterSection(node.depth, plainText(node, { html: false }));
				transformChildren(node);
				return [node];
			}
			case 'code': {
				const line = lineOf(node);
				const converted = convertFence(
					{ lang: node.lang ?? '', meta: node.meta ?? '', value: node.value, line },
					{
						blockId,
						...(heading !== undefined ? { heading } : {}),
						...(options.defaultTarget !== undefined
							? { defaultTarget: options.defaultTarget }
							: {}),
					},
				);
				for (const message of converted.notConverted) note(line, 'not-converted', message);
				// A step of a console session is reported at its own line: the block's lines follow
				// the fence's line one for one.
				const start = node.position?.start.line;
				const lineOfStep = (at: number | undefined) =>
					at === undefined || start === undefined ? line : (marked.lines[start + at] ?? line);
				const nodes: RootContent[] = [];
				for (const fence of converted.fences) {
					if (fence.kind === 'command') commandBlocks++;
					const at = lineOfStep(fence.line);
					for (const n of fence.notes) note(at, n.kind ?? 'inferred', n.message, n.about);
					const messages = [...fence.notes.map((n) => n.message), ...converted.notConverted];
					if (messages.length > 0) nodes.push(comment(at, messages));
					nodes.push({
						type: 'code',
						lang: fence.lang || null,
						meta: fence.meta || null,
						value: fence.value,
					});
				}
				return nodes;
			}
			case 'blockquote': {
				const paragraph = node.children[0];
				const text = paragraph?.type === 'paragraph' ? paragraph.children[0] : undefined;
				const alert = text?.type === 'text' ? GITHUB_ALERT.exec(text.value) : null;
				if (alert && text?.type === 'text' && paragraph?.type === 'paragraph') {
					text.value = text.value.slice(alert[0].length);
					if (text.value === '') paragraph.children.shift();
					if (paragraph.children.length === 0) node.children.shift();
					const container = asideFor(alert[1]!, undefined, lineOf(node), { github: true });
					const element = containerNode(container, node.children as RootContent[]);
					transformChildren(element as Parent);
					return [element];
				}
				transformChildren(node);
				return [node];
			}
			case 'html':
				return convertHtml(node, parent);
			case 'text': {
				for (const [pattern, message] of LEFTOVERS) {
					if (pattern.test(node.value)) note(lineOf(node), 'not-converted', message);
				}
				return [node];
			}
			case 'link': {
				const anchor = node.url.startsWith('#') ? anchors.get(node.url.slice(1)) : undefined;
				if (anchor !== undefined) {
					note(
						lineOf(node),
						'inferred',
						`link ${node.url} rewritten to #${anchor}, the anchor its heading gets without its {${node.url}}`,
					);
					node.url = `#${anchor}`;
				}
				const rewritten = pageLink(node.url);
				if (rewritten !== undefined) {
					note(
						lineOf(node),
						'inferred',
						`link ${node.url} rewritten to ${rewritten}, the page it becomes when imported beside this one`,
					);
					node.url = rewritten;
				}
				transformChildren(node);
				return [node];
			}
			case 'image': {
				if (/^(?:[a-z]+:|\/|#|data:)/i.test(node.url)) return [node];
				const path = decodeURI(node.url.split(/[?#]/)[0]!);
				if (options.hasAsset && !options.hasAsset(path)) {
					note(
						lineOf(node),
						'not-converted',
						`image ${node.url} was not found beside the source: kept as a link`,
					);
					return [
						{
							type: 'link',
							url: node.url,
							children: [{ type: 'text', value: node.alt || node.url }],
						},
					];
				}
				assets.push(path);
				return [node];
			}
			default:
				if ('children' in node) transformChildren(node as Parent);
				return [node];
		}
	};

	/** Raw HTML: comments become MDX comments, HTML that MDX reads stays, the rest is shown as text. */
	const convertHtml = (
		node: Extract<RootContent, { type: 'html' }>,
		parent: Parent,
	): RootContent[] => {
		const value = node.value.trim();
		const flow =
			parent.type !== 'paragraph' &&
			parent.type !== 'heading' &&
			parent.type !== 'tableCell' &&
			!['emphasis', 'strong', 'link', 'delete', 'linkReference'].includes(parent.type);
		const htmlComment = /^<!--([\s\S]*?)-->$/.exec(value);
		if (htmlComment) {
			const body = `/*${htmlComment[1]!.replace(/\*\//g, '* /')}*/`;
			return [
				flow
					? { type: 'mdxFlowExpression', value: body }
					: ({ type: 'mdxTextExpression', value: body } as never),
			];
		}
		if (VOID_HTML.test(value))
			return [{ type: 'html', value: `<${VOID_HTML.exec(value)![1]!.toLowerCase()} />` }];
		if (flow) {
			const fixed = value.replace(/<(img|br|hr|input)\b([^>]*?)\s*\/?>/gi, '<$1$2 />');
			if (parsesAsMdx(fixed)) return [{ type: 'html', value: fixed }];
			note(
				lineOf(node),
				'not-converted',
				`raw HTML that MDX cannot read is shown as text: ${value.slice(0, 60)}`,
			);
			return [
				comment(lineOf(node), ['raw HTML kept as text']),
				{ type: 'paragraph', children: [{ type: 'text', value: node.value }] },
			];
		}
		note(lineOf(node), 'not-converted', `inline HTML ${value.slice(0, 40)} is shown as text`);
		return [{ type: 'text', value: node.value }];
	};

	transformChildren(tree);

	const imports: string[] = [];
	if (used.aside) imports.push("import { Aside } from '@astrojs/starlight/components';");
	if (used.tabs) imports.push(`import { Tabs, TabItem } from '${componentsModule}';`);
	if (imports.length > 0)
		tree.children.unshift({ type: 'mdxjsEsm', value: imports.join('\n') } as never);
	const body = toMarkdown(tree, {
		extensions: [gfmToMarkdown(), mdxToMarkdown()],
		bullet: '-',
		emphasis: '_',
		fences: true,
		resourceLink: true,
		rule: '-',
		listItemIndent: 'one',
	});
	const matter: Record<string, unknown> = { title };
	if (typeof frontmatter.description === 'string') matter.description = frontmatter.description;
	const mdx = `---\n${stringifyYaml(matter).trimEnd()}\n---\n\n${body}`;
	try {
		mdxToMdast(mdx);
	} catch (error) {
		note(
			1,
			'not-converted',
			`the page written does not parse as MDX, which is a bug in the importer: ${(error as Error).message}`,
		);
	}
	report.sort((a, b) => a.line - b.line);
	return { mdx, report, format, title, assets, commandBlocks };
}

/** A part of a block id: lowercase letters, digits, `_` and `-` (the model's id grammar). */
function idPart(text: string): string {
	return text
		.normalize('NFKD')
		.replace(/\p{M}+/gu, '')
		.toLowerCase()
		.replace(/[^a-z0-9_-]+/g, '-')
		.replace(/^[-_]+|-+$/g, '');
}

/** A heading's part of an id, at most 40 characters, cut at a word. */
function shortened(name: string): string {
	if (name.length <= 40) return name;
	const cut = name.slice(0, 41).replace(/-[^-]*$/, '');
	return cut === '' ? name.slice(0, 40) : cut;
}

/** A node's text; with `html: false`, without its raw HTML tags (as a heading's anchor has it). */
function plainText(node: Nodes, { html = true }: { html?: boolean } = {}): string {
	if (node.type === 'html' && !html) return '';
	if ('value' in node && typeof node.value === 'string') return node.value;
	if ('children' in node)
		return (node.children as Nodes[]).map((child) => plainText(child, { html })).join('');
	return '';
}

function parsesAsMdx(text: string): boolean {
	try {
		mdxToMdast(text);
		return true;
	} catch {
		return false;
	}
}

/**
 * The link to another imported page: `db.md#kill` → `../db/#kill`, `index.md` → `../`, the way
 * Starlight routes pages imported side by side. Links elsewhere are left alone.
 */
function pageLink(url: string): string | undefined {
	if (/^(?:[a-z]+:|\/|#)/i.test(url)) return undefined;
	const match = /^([^?#]*?)\.md(#.*)?$/i.exec(url);
	if (!match) return undefined;
	const path = match[1]!.replace(/(^|\/)(index|README)$/i, '$1');
	const page = path === '' || path.endsWith('/') ? path : `${path}/`;
	return `../${page}${match[2] ?? ''}`;
}

/** How many notes of each sort a page's report has: what `formatReport` lists and counts. */
export interface ReportCounts {
	notConverted: number;
	risk: number;
	target: number;
	parameter: number;
	check: number;
	other: number;
	id: number;
	read: number;
	routine: number;
}

/** Counts a page's notes by what they are about, as the report lists them. */
export function countReport(report: readonly ImportNote[]): ReportCounts {
	const counts: ReportCounts = {
		notConverted: 0,
		risk: 0,
		target: 0,
		parameter: 0,
		check: 0,
		other: 0,
		id: 0,
		read: 0,
		routine: 0,
	};
	for (const n of report) {
		if (n.kind === 'not-converted') counts.notConverted++;
		else counts[n.about]++;
	}
	return counts;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The counts in a sentence, the first line of a page's report and of its summary. */
export function summarizeReport(report: readonly ImportNote[]): string {
	const c = countReport(report);
	return (
		[
			plural(c.notConverted, 'not converted', 'not converted'),
			plural(c.risk, 'risk guess', 'risk guesses'),
			plural(c.target, 'block on its default target', 'blocks on their default target'),
			plural(c.parameter, 'parameter'),
			plural(c.check, 'check'),
			plural(c.other, 'other note'),
		].join(', ') +
		`; ${plural(c.id, 'id')}, ${plural(c.read, 'read guess', 'read guesses')} and ${plural(c.routine, 'routine conversion')} counted`
	);
}

/**
 * The report as lines an author reads, what needs a human most first: what was not converted,
 * the risk guesses (destructive and change), where the blocks run, the parameters, the checks
 * and the other guesses, one `file:line: [kind] message` each; then, one line each, how many
 * blocks run on their default target and how many ids, read guesses and routine conversions
 * the page marks (each block's own is in its review comment).
 */
export function formatReport(file: string, report: readonly ImportNote[]): string {
	const listed = (n: ImportNote) => `${file}:${n.line}: [${n.kind}] ${n.message}`;
	const of = (about: NoteAbout) => report.filter((n) => n.kind === 'inferred' && n.about === about);
	const lines = report.filter((n) => n.kind === 'not-converted').map(listed);
	lines.push(...of('risk').map(listed));
	const targets = of('target');
	if (targets.length > 0) {
		const where = /^runs on (this machine \(target=local\)|\S+)/.exec(targets[0]!.message)?.[1];
		lines.push(
			`${file}: [inferred] ${plural(targets.length, 'command block runs', 'command blocks run')} on ${where ?? 'the default target'}, as a Markdown runbook does not say where: for those that belong to a server, add it to targets in opsbook.config.ts ({ NAME: { kind: 'ssh', host: '…' } }) and set target=NAME on the block, or opsbook: { target: NAME } in the page's frontmatter`,
		);
	}
	lines.push(
		...of('parameter').map(listed),
		...of('check').map(listed),
		...of('other').map(listed),
	);
	const ids = of('id');
	if (ids.length > 0) {
		const numbered = ids.filter((n) => /\(numbered/.test(n.message)).length;
		lines.push(
			`${file}: [inferred] ${plural(ids.length, 'id')} and titles from the page, the section and the command${numbered > 0 ? ` (${numbered} numbered: a program a section runs again)` : ''}, each in its block's review comment`,
		);
	}
	const reads = of('read');
	if (reads.length > 0) {
		lines.push(
			`${file}: [inferred] ${plural(reads.length, 'block')} guessed risk=read as no word in ${reads.length === 1 ? 'it changes' : 'them changes'} anything, each in its block's review comment`,
		);
	}
	const routine = of('routine');
	if (routine.length > 0) {
		lines.push(
			`${file}: [inferred] ${plural(routine.length, 'routine conversion')} of console blocks (prompts taken off, the output shown as expected output), each in the page's review comment`,
		);
	}
	return lines.join('\n');
}

export type { Container } from './containers.ts';
export type { NoteAbout } from './fences.ts';
