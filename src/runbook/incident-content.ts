/**
 * What an incident needs from the runbooks' own pages: the severity levels with their response
 * times, the escalation rules, and the post-incident report template. Read from the content, so a
 * team that edits its severity table or its template changes what Opsbook does.
 *
 * ```mdx
 * <SeverityTable>
 *
 * | Level | Definition | Response Time |
 * |---|---|---|
 * | <Severity level={1} /> | Platform down, all users affected | &lt; 15 min |
 * | <Severity level={2} /> | Feature broken, subset of users affected | &lt; 1 hour |
 *
 * </SeverityTable>
 *
 * <Escalate from={2} to={1} after="2 hours" />
 *
 * ```md report-template
 * # Post-Incident Report: [Brief Title]
 * …
 * ```
 * ```
 *
 * Read here from a page's Markdown tree, with problems at their line like `parse.ts` and
 * `tree.ts`, then combined across the site by {@link siteIncidentContent}: a site has at most one
 * severity table and one template, and its escalation rules name levels of that table.
 *
 * Browser-safe: the types, {@link parseDuration} and {@link escalationText} are what the page and
 * the bridge share; the readers take an already parsed tree (Sätteri is imported for its types only).
 */
import type { MdastNode } from 'satteri';
import { children, descendants, isJsx, textOf, where, type At, type Problem } from './mdast.ts';

/** One row of the severity table. */
export interface SeverityLevel {
	/** 1 is SEV-1, the worst. */
	level: number;
	/** `Platform down, all users affected`. */
	definition: string;
	/** `API unreachable, database down, server unresponsive`, when the table has the column. */
	examples?: string;
	/** The response time as written: `< 15 min`. */
	responseTime: string;
	/** The same in minutes: 15. */
	responseMinutes: number;
	/** `Immediate page`, when the table has the column. */
	notification?: string;
}

/** An escalation rule: `<Escalate from={2} to={1} after="2 hours" />`. */
export interface EscalationRule {
	from: number;
	to: number;
	/** For a rule on time: escalate if the incident is not resolved this many minutes after detection. */
	afterMinutes?: number;
	/** For a rule on judgement, the words after the level: `trends toward impacting users`. */
	when?: string;
	/** The sentence the page shows: `If a SEV-2 is not resolved within 2 hours, escalate to SEV-1.` */
	text: string;
}

/** The post-incident report template: the Markdown of a ```` ```md report-template ```` fence. */
export interface ReportTemplate {
	markdown: string;
	/** Where it is written (relative to the project root), and the page's slug. */
	file: string;
	line: number;
	page: string;
}

/** Everything an incident reads from the site, as the build and the bridge load it. */
export interface IncidentContent {
	/** The slug of the page holding the severity table, when the site has one. */
	severityPage?: string;
	levels: SeverityLevel[];
	escalation: EscalationRule[];
	template?: ReportTemplate;
}

/** Units a duration may be written in, and their length in minutes. */
const UNITS: Readonly<Record<string, number>> = {
	min: 1,
	mins: 1,
	minute: 1,
	minutes: 1,
	hour: 60,
	hours: 60,
	day: 1440,
	days: 1440,
};

/** The forms a duration is written in, for problem messages. */
export const DURATION_FORMS = '15 min, 90 minutes, 1 hour, 4 hours, 1 day';

/**
 * Minutes in a duration written `15 min`, `90 minutes`, `1 hour`, `4 hours`, `1 day`: a whole
 * number and a unit, nothing else. Undefined for anything else: a response time is a promise, so
 * a cell the reader would have to guess at (`ASAP`, `15-30 min`, `next business day`) is refused.
 */
export function parseDuration(text: string): number | undefined {
	const match = /^(\d{1,5})\s+([a-z]+)$/.exec(text.trim());
	const unit = match ? UNITS[match[2]!] : undefined;
	if (!match || unit === undefined) return undefined;
	const minutes = Number(match[1]) * unit;
	return minutes > 0 ? minutes : undefined;
}

/** Minutes in a response time written `< 15 min`, `< 1 hour`, `< 90 minutes`; see {@link parseDuration}. */
export function parseResponseTime(text: string): number | undefined {
	const match = /^<\s*(.*)$/.exec(text.trim());
	return match ? parseDuration(match[1]!) : undefined;
}

/** How an `<Escalate>` is written. */
export interface EscalateProps {
	from: number;
	to: number;
	after?: string;
	when?: string;
}

/**
 * The sentence an `<Escalate>` shows and the bar repeats, one function for both so they cannot
 * drift apart: `If a SEV-2 is not resolved within 2 hours, escalate to SEV-1.` or
 * `If a SEV-3 trends toward impacting users, escalate to SEV-2.`
 */
export function escalationText({ from, to, after, when }: EscalateProps): string {
	const condition = after !== undefined ? `is not resolved within ${after.trim()}` : when?.trim();
	return `If a SEV-${from} ${condition}, escalate to SEV-${to}.`;
}

// ---------------------------------------------------------------------------------------------
// Reading a page

/** Where something is written on its page. */
/** What one page holds for incidents, before the site's pages are put together. */
export interface PageIncidentContent {
	/**
	 * The page's `<SeverityTable>`, when it has one: its levels in level order, or none when the
	 * table has problems (reported already).
	 */
	table?: { levels?: SeverityLevel[] } & At;
	/** Every further `<SeverityTable>` of the page: a problem for the site. */
	extraTables: At[];
	/** The page's `<Escalate>` rules, in page order; their levels are checked against the site's table. */
	escalation: Array<{ rule: EscalationRule } & At>;
	/** The page's ```` ```md report-template ```` fences. */
	templates: ReportTemplate[];
}

/** A JSX attribute as written: a string, an expression's source (`{2}` → `2`), or null for a flag. */
interface JsxAttribute {
	name: string;
	value: string | null;
	expression: boolean;
}

function attributes(node: MdastNode): JsxAttribute[] {
	const list = 'attributes' in node && Array.isArray(node.attributes) ? node.attributes : [];
	return (list as Array<{ type: string; name?: string; value?: unknown }>).map((a) => {
		if (a.type !== 'mdxJsxAttribute') return { name: '{…}', value: null, expression: true };
		const value = a.value as string | null | { value?: unknown } | undefined;
		if (value && typeof value === 'object') {
			return { name: String(a.name), value: String(value.value ?? ''), expression: true };
		}
		return { name: String(a.name), value: value ?? null, expression: false };
	});
}

/** A level written `{2}`: a whole number from 1 to 9 (a timeline event's level is one digit). */
function levelOf(attribute: JsxAttribute | undefined): number | undefined {
	if (!attribute?.expression || !/^\s*[1-9]\s*$/.test(attribute.value ?? '')) return undefined;
	return Number(attribute.value);
}

/** The columns of a severity table, by the header's words. */
const COLUMNS = {
	definition: 'Definition',
	responseTime: 'Response Time',
	examples: 'Examples',
	notification: 'Notification',
} as const;
const REQUIRED: ReadonlyArray<keyof typeof COLUMNS> = ['definition', 'responseTime'];

/** Words that mark a fence as the report template: ```` ```md report-template ````. */
export const REPORT_TEMPLATE_META = 'report-template';

/** What a reader of a page's incident content is handed. */
interface ReadContext {
	/** The page's file, relative to the project root, and its slug. */
	file: string;
	page: string;
	/** Sätteri's Markdown parser, for the template's fence. */
	parseMarkdown: (markdown: string) => MdastNode;
	problem: Problem;
}

/**
 * What a page holds for incidents: its `<SeverityTable>`, `<Escalate>` rules and report template.
 * `parseMarkdown` reads the template's Markdown (Sätteri's, passed in so this module stays
 * browser-safe). Problems are reported with their line, never thrown.
 */
export function readIncidentContent(
	root: MdastNode,
	{ file, page, parseMarkdown, problem }: ReadContext,
): PageIncidentContent {
	const at = (node: MdastNode, message: string) => {
		const { line, column } = where(node);
		problem(line, column, message);
	};
	const content: PageIncidentContent = { extraTables: [], escalation: [], templates: [] };
	for (const node of descendants(root)) {
		if (isJsx(node, 'SeverityTable')) {
			if (content.table) {
				content.extraTables.push(where(node));
				continue;
			}
			const levels = readSeverityTable(node, at);
			content.table = { ...(levels && { levels }), ...where(node) };
		} else if (isJsx(node, 'Escalate')) {
			const rule = readEscalate(node, at);
			if (rule) content.escalation.push({ rule, ...where(node) });
		} else if (node.type === 'code') {
			const meta = 'meta' in node && typeof node.meta === 'string' ? node.meta : '';
			if (!meta.split(/\s+/).includes(REPORT_TEMPLATE_META)) continue;
			const template = readTemplate(node, { file, page, parseMarkdown, problem });
			if (template) content.templates.push(template);
		}
	}
	return content;
}

function readSeverityTable(
	node: MdastNode,
	at: (node: MdastNode, message: string) => void,
): SeverityLevel[] | undefined {
	const tables = children(node).filter((n) => n.type === 'table');
	const shape =
		'<SeverityTable> holds one Markdown table (with a blank line after <SeverityTable> and before </SeverityTable>), like | Level | Definition | Response Time | … with rows | <Severity level={1} /> | Platform down | &lt; 15 min |';
	if (tables.length !== 1) {
		at(node, `${shape}; this one holds ${tables.length === 0 ? 'none' : tables.length}`);
		return undefined;
	}
	const table = tables[0]!;
	const [header, ...rows] = children(table);
	const names = header ? children(header).map((cell) => textOf(cell).trim().toLowerCase()) : [];
	const index = Object.fromEntries(
		Object.entries(COLUMNS).map(([key, name]) => [key, names.indexOf(name.toLowerCase())]),
	) as Record<keyof typeof COLUMNS, number>;
	const missing = REQUIRED.filter((key) => index[key] === -1);
	if (missing.length > 0) {
		at(
			table,
			`the severity table has no ${missing.map((key) => `"${COLUMNS[key]}"`).join(' or ')} column; its header names the columns ${REQUIRED.map((key) => COLUMNS[key]).join(' and ')} (required), ${COLUMNS.examples} and ${COLUMNS.notification} (if you like)`,
		);
		return undefined;
	}

	const levels: Array<SeverityLevel & { row: MdastNode }> = [];
	let rowsRefused = 0;
	for (const row of rows) {
		const cells = children(row);
		const text = (column: number) => {
			const cell = cells[column];
			return cell ? textOf(cell).trim() : '';
		};
		const first = cells[0];
		const marks = first
			? children(first).filter((n) => !(n.type === 'text' && textOf(n).trim() === ''))
			: [];
		const mark = marks.length === 1 && isJsx(marks[0]!, 'Severity') ? marks[0]! : undefined;
		const level = mark ? levelOf(attributes(mark).find((a) => a.name === 'level')) : undefined;
		if (level === undefined) {
			at(
				first ?? row,
				`each row of the severity table starts with its level, like | <Severity level={1} /> | …, a whole number from 1 (the worst) to 9`,
			);
			rowsRefused++;
			continue;
		}
		const same = levels.find((l) => l.level === level);
		if (same) {
			at(first!, `SEV-${level} is in the severity table already, at line ${where(same.row).line}`);
			rowsRefused++;
			continue;
		}
		const definition = text(index.definition);
		if (definition === '') at(row, `SEV-${level} has no definition`);
		const responseTime = text(index.responseTime);
		const responseMinutes = parseResponseTime(responseTime);
		if (responseMinutes === undefined) {
			const cell = cells[index.responseTime] ?? row;
			at(
				cell,
				`SEV-${level}'s response time "${responseTime}" is not one Opsbook can time: write &lt; and a duration, like &lt; 15 min, &lt; 90 minutes, &lt; 1 hour, &lt; 4 hours or &lt; 1 day`,
			);
		}
		if (definition === '' || responseMinutes === undefined) {
			rowsRefused++;
			continue;
		}
		const examples = index.examples === -1 ? '' : text(index.examples);
		const notification = index.notification === -1 ? '' : text(index.notification);
		levels.push({
			level,
			definition,
			...(examples && { examples }),
			responseTime,
			responseMinutes,
			...(notification && { notification }),
			row,
		});
	}
	if (rowsRefused > 0) return undefined;
	levels.sort((a, b) => a.level - b.level);
	// A gap would leave the bar no level to escalate through; report it once, at the table.
	const gap = levels.findIndex((l, i) => l.level !== i + 1);
	if (gap !== -1 || levels.length === 0) {
		at(
			table,
			levels.length === 0
				? 'the severity table has no level; give it rows like | <Severity level={1} /> | … |'
				: `the severity table's levels are SEV-1 to SEV-${levels.length} without a gap; SEV-${gap + 1} is missing`,
		);
		return undefined;
	}
	return levels.map(({ row: _, ...level }) => level);
}

function readEscalate(
	node: MdastNode,
	at: (node: MdastNode, message: string) => void,
): EscalationRule | undefined {
	const example =
		'like <Escalate from={2} to={1} after="2 hours" /> or <Escalate from={3} to={2} when="trends toward impacting users" />';
	let ok = true;
	const fail = (message: string) => {
		at(node, message);
		ok = false;
	};
	const list = attributes(node);
	for (const attribute of list) {
		if (!['from', 'to', 'after', 'when'].includes(attribute.name)) {
			fail(`<Escalate> takes from, to, and after or when; not "${attribute.name}"`);
		}
	}
	const level = (name: 'from' | 'to') => {
		const attribute = list.find((a) => a.name === name);
		const value = levelOf(attribute);
		if (value === undefined) {
			fail(
				`<Escalate ${name}=…> is a level written in braces, like ${name}={${name === 'from' ? 2 : 1}}${attribute ? `, not ${attribute.expression ? `{${attribute.value}}` : JSON.stringify(attribute.value)}` : ''}`,
			);
		}
		return value;
	};
	const from = level('from');
	const to = level('to');
	if (from !== undefined && to !== undefined && to >= from) {
		fail(
			`<Escalate from={${from}} to={${to}}>: escalating goes to a worse level, a smaller number (SEV-1 is the worst)`,
		);
	}
	const text = (name: 'after' | 'when') => {
		const attribute = list.find((a) => a.name === name);
		if (!attribute) return undefined;
		if (attribute.expression || !attribute.value?.trim()) {
			fail(`<Escalate ${name}="…"> is words in quotes, ${example}`);
			return undefined;
		}
		return attribute.value.trim();
	};
	const after = text('after');
	const when = text('when');
	const hasAfter = list.some((a) => a.name === 'after');
	const hasWhen = list.some((a) => a.name === 'when');
	if (hasAfter === hasWhen) {
		fail(
			`<Escalate> takes either after="…" (a time) or when="…" (a judgement), ${hasAfter ? 'not both' : 'one of them'}: ${example}`,
		);
	}
	const afterMinutes = after === undefined ? undefined : parseDuration(after);
	if (after !== undefined && afterMinutes === undefined) {
		fail(`<Escalate after="${after}">: write a duration, like ${DURATION_FORMS}`);
	}
	if (!ok || from === undefined || to === undefined) return undefined;
	return {
		from,
		to,
		...(afterMinutes !== undefined && { afterMinutes }),
		...(when !== undefined && { when }),
		text: escalationText({ from, to, ...(after !== undefined ? { after } : { when }) }),
	};
}

function readTemplate(
	node: MdastNode,
	{ file, page, parseMarkdown, problem }: ReadContext,
): ReportTemplate | undefined {
	const { line, column } = where(node);
	const lang = 'lang' in node && typeof node.lang === 'string' ? node.lang : '';
	const markdown = 'value' in node && typeof node.value === 'string' ? node.value : '';
	if (lang !== 'md' && lang !== 'markdown') {
		problem(
			line,
			column,
			`the report template is Markdown: open its fence with \`\`\`md ${REPORT_TEMPLATE_META}${lang ? `, not \`\`\`${lang}` : ''}`,
		);
		return undefined;
	}
	let tree: MdastNode;
	try {
		tree = parseMarkdown(markdown);
	} catch (error) {
		problem(line, column, `the report template cannot be read: ${(error as Error).message}`);
		return undefined;
	}
	// The template's first line is the line after the fence.
	const inTemplate = (node: MdastNode | undefined, message: string) => {
		const at = node ? where(node) : { line: 0, column: 1 };
		problem(line + at.line, column + at.column - 1, message);
	};
	const blocks = children(tree);
	const heading = (depth?: number, words?: string) =>
		blocks.findIndex(
			(n) =>
				n.type === 'heading' &&
				(depth === undefined || ('depth' in n && n.depth === depth)) &&
				(words === undefined || textOf(n).toLowerCase().includes(words)),
		);
	let ok = true;
	if (heading(1) === -1) {
		inTemplate(
			undefined,
			'the report template has no title: start it with a # heading, like # Post-Incident Report: [Brief Title]',
		);
		ok = false;
	}
	const timeline = heading(undefined, 'timeline');
	if (timeline === -1) {
		inTemplate(
			undefined,
			'the report template has no timeline: give it a heading with the word Timeline, followed by a table like | Time | Event |, which the report fills',
		);
		ok = false;
	} else {
		const next = blocks.findIndex((n, i) => i > timeline && n.type === 'heading');
		const section = blocks.slice(timeline + 1, next === -1 ? undefined : next);
		if (!section.some((n) => n.type === 'table')) {
			inTemplate(
				blocks[timeline],
				`"${textOf(blocks[timeline]!).trim()}" is followed by no table; put a table like | Time | Event | under it, which the report fills`,
			);
			ok = false;
		}
	}
	return ok ? { markdown, file, line, page } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Putting the site together

/** A page as {@link siteIncidentContent} needs it. */
export interface IncidentPage {
	file: string;
	slug: string;
	incident?: PageIncidentContent;
}

/**
 * The site's incident content: its one severity table, the escalation rules of every page (whose
 * levels must be rows of that table) and its one report template.
 */
export function siteIncidentContent(
	pages: readonly IncidentPage[],
	problem: (file: string, line: number, column: number, message: string) => void,
): IncidentContent {
	const content: IncidentContent = { levels: [], escalation: [] };
	let table: { file: string; line: number } | undefined;
	let template: ReportTemplate | undefined;
	// A table with problems has them reported; the rules naming its levels are not blamed too.
	let tableRefused = false;
	for (const page of pages) {
		const incident = page.incident;
		if (!incident) continue;
		const tables = [...(incident.table ? [incident.table] : []), ...incident.extraTables];
		for (const at of tables) {
			if (table) {
				problem(
					page.file,
					at.line,
					at.column,
					`a site has one <SeverityTable>; the first is at ${table.file}:${table.line}`,
				);
			} else {
				table = { file: page.file, line: at.line };
				if (incident.table === at && incident.table.levels) {
					content.severityPage = page.slug;
					content.levels = incident.table.levels;
				} else tableRefused = true;
			}
		}
		for (const found of incident.templates) {
			if (template) {
				problem(
					page.file,
					found.line,
					1,
					`a site has one report template; the first is at ${template.file}:${template.line}`,
				);
			} else template = found;
		}
	}
	if (template) content.template = template;
	const levels = new Set(content.levels.map((l) => l.level));
	for (const page of pages) {
		for (const { rule, line, column } of page.incident?.escalation ?? []) {
			const unknown = [rule.from, rule.to].filter((level) => !levels.has(level));
			if (unknown.length > 0 && tableRefused) continue;
			if (unknown.length > 0) {
				problem(
					page.file,
					line,
					column,
					table
						? `<Escalate> names SEV-${unknown[0]}, which the severity table (${table.file}:${table.line}) does not have; its levels are ${content.levels.map((l) => `SEV-${l.level}`).join(', ') || 'none'}`
						: '<Escalate> names levels of the severity table, and the site has none: wrap the table of levels in <SeverityTable>',
				);
				continue;
			}
			const same = content.escalation.find(
				(r) =>
					r.from === rule.from &&
					r.to === rule.to &&
					r.afterMinutes === rule.afterMinutes &&
					r.when === rule.when,
			);
			if (same) {
				problem(page.file, line, column, `this rule is given twice: ${rule.text}`);
				continue;
			}
			content.escalation.push(rule);
		}
	}
	return content;
}
