/**
 * Decision trees: a page whose steps end in a choice of outcomes, each tied to the verdicts of the
 * step's checks, so the page can say which way to go, and a responder can answer by hand.
 *
 * ```mdx
 * <DecisionTree>
 * <Steps>
 *
 * 1. ### Step 2: Is Docker running?
 *
 *    ```bash id=diagnosis.docker risk=read expect-exit=0
 *    sudo systemctl status docker
 *    ```
 *
 *    <Decision>
 *
 *    - **Yes** <When pass /> — proceed to [Step 3](#step-3-are-the-containers-running).
 *    - **No** <When fail /> — go to [Runbook 7](../runbooks/restart/).
 *
 *    </Decision>
 *
 * </Steps>
 * </DecisionTree>
 * ```
 *
 * Each item of the tree's ordered list is a step; its `<Decision>` holds the outcome list, which
 * stays a Markdown list that reads without JavaScript. An outcome starts with its answer in bold
 * and says when it applies with `<When …/>`: `pass`, `warn`, `fail` about all the step's checks
 * together (`pass`: every check passed; `fail`: one failed; `warn`: all ran, none failed, one
 * warned), or about named ones (`<When pass="a.one" fail="a.two" />`). The first outcome whose
 * condition holds applies. A step with no check says `<Decision by="hand">`.
 *
 * This module reads that structure from a page's Markdown tree (problems with their line, like
 * `parse.ts`), checks the outcomes' links against the site, and decides an outcome from verdicts.
 * The browser reads the model and {@link outcomeFor}; nothing else re-implements them.
 *
 * Browser-safe except {@link readDecisionTree}'s caller, which hands it the parsed page.
 */
import GithubSlugger from 'github-slugger';
import type { MdastNode } from 'satteri';
import { attributes, children, descendants, isJsx, textOf, where, type Problem } from './mdast.ts';
import { OUTCOMES, type Outcome } from './verdict.ts';

/** When an outcome applies. */
export interface Condition {
	/** A verdict about all the step's checks together: `<When pass />`. */
	all?: Outcome;
	/** Verdicts of named checks, all of which must hold: `<When pass="a b" fail="c" />`. */
	each: Array<{ block: string; outcome: Outcome }>;
}

/** Where an outcome sends the responder. */
export interface OutcomeLink {
	/** As written: the page resolves it the same way the outcome's own link does. */
	href: string;
	/** The link's text. */
	text: string;
	/** A step of this tree, another part of the site, or elsewhere. */
	kind: 'step' | 'site' | 'external';
	/** The step's id, for `kind: 'step'`. */
	step?: string;
	/** The slug of the page it leads to, for `kind: 'step'` and `'site'` (set by `resolveTreeLinks`). */
	page?: string;
	/** What the page says when the outcome applies: `Next: Step 3: …`, `Go to 2. Database issues`. */
	forward: string;
	line: number;
	column: number;
}

export interface TreeOutcome {
	/** The answer, in bold at the start of the item: `Yes`, `All healthy`. */
	label: string;
	/** When a check decides it; none for an outcome only a responder chooses. */
	when?: Condition;
	links: OutcomeLink[];
	line: number;
}

export interface TreeStep {
	/** Stable across edits elsewhere: the anchor of the step's heading, like `step-2-is-docker-running`. */
	id: string;
	/** The heading: `Step 2: Is Docker running?`. */
	title: string;
	/** Whether checks decide it, or only the responder (`<Decision by="hand">`). */
	by: 'check' | 'hand';
	/** The ids of the step's checks, in page order. */
	checks: string[];
	outcomes: TreeOutcome[];
	line: number;
}

export interface DecisionTreeModel {
	/** The page's slug: the tree's name, and where its position is kept. */
	page: string;
	steps: TreeStep[];
}

/** A heading of a page and its anchor. */
export interface PageHeading {
	text: string;
	slug: string;
	/** 1 for `#`, 2 for `##`… */
	depth: number;
	line: number;
}

/**
 * One decision of the responder: the record a step's answer leaves, in the page's storage now and
 * in the incident timeline later.
 */
export interface DecisionRecord {
	/** The tree (its page slug). */
	tree: string;
	/** The step's id. */
	step: string;
	/** The outcome's position in the step's list, and its answer. */
	outcome: number;
	label: string;
	/** Decided by the verdicts of the step's checks, or answered by hand. */
	how: 'check' | 'hand';
	/** When, in ms since the epoch: the end of the deciding run, or the click. */
	at: number;
	/** For `how: 'check'`: the verdicts that decided it. */
	verdicts?: CheckVerdict[];
}

/** The verdict of one run of a check, as the tree keeps it. */
export interface CheckVerdict {
	block: string;
	run: string;
	outcome: Outcome;
	reason: string;
	/** When the run ended, in ms since the epoch. */
	at: number;
}

/** Whether `condition` holds for a step with `checks`, given the latest verdict of each. */
export function holds(
	condition: Condition,
	checks: readonly string[],
	verdicts: Readonly<Record<string, Outcome | undefined>>,
): boolean {
	const known = checks.map((id) => verdicts[id]);
	let all = true;
	if (condition.all === 'pass') all = known.every((v) => v === 'pass');
	else if (condition.all === 'fail') all = known.includes('fail');
	else if (condition.all === 'warn') {
		all = known.every((v) => v !== undefined && v !== 'fail') && known.includes('warn');
	}
	return all && condition.each.every(({ block, outcome }) => verdicts[block] === outcome);
}

/** The outcome the step's verdicts choose: the first whose condition holds, if any. */
export function outcomeFor(
	step: Pick<TreeStep, 'checks' | 'outcomes'>,
	verdicts: Readonly<Record<string, Outcome | undefined>>,
): number | undefined {
	const index = step.outcomes.findIndex(
		(outcome) => outcome.when && holds(outcome.when, step.checks, verdicts),
	);
	return index === -1 ? undefined : index;
}

/**
 * The decision tree of a page, read from its Markdown tree, and its headings (every anchor a link
 * may name). `checkAt` gives the id of the check whose fence opens at a line (undefined for a
 * block that is no check). Problems are reported, never thrown.
 */
export function readDecisionTree(
	root: MdastNode,
	{
		page,
		checkAt,
		problem,
	}: { page: string; checkAt: (line: number) => string | undefined; problem: Problem },
): { tree?: DecisionTreeModel; headings: PageHeading[] } {
	const slugger = new GithubSlugger();
	const headingSlugs = new Map<MdastNode, PageHeading>();
	const headings: PageHeading[] = [];
	for (const node of descendants(root)) {
		if (node.type !== 'heading') continue;
		const text = textOf(node).trim();
		const depth = 'depth' in node && typeof node.depth === 'number' ? node.depth : 1;
		const heading = { text, slug: slugger.slug(text), depth, line: where(node).line };
		headingSlugs.set(node, heading);
		headings.push(heading);
	}

	const trees = [...descendants(root)].filter((n) => isJsx(n, 'DecisionTree'));
	const at = (node: MdastNode, message: string) => {
		const { line, column } = where(node);
		problem(line, column, message);
	};
	for (const extra of trees.slice(1)) {
		at(extra, `a page holds one <DecisionTree>; the first is at line ${where(trees[0]!).line}`);
	}
	const treeNode = trees[0];
	const accepted = new Set<MdastNode>();
	let tree: DecisionTreeModel | undefined;
	if (treeNode) {
		const list = [...descendants(treeNode)].find(
			(n) => n.type === 'list' && 'ordered' in n && n.ordered,
		);
		if (!list) {
			at(
				treeNode,
				'<DecisionTree> holds no numbered list of steps; put its steps in <Steps> as 1. 2. 3.',
			);
		} else {
			const steps: TreeStep[] = [];
			children(list).forEach((item, index) => {
				const step = readStep(item, index, { headingSlugs, checkAt, at, accepted });
				if (step) steps.push(step);
			});
			tree = { page, steps };
		}
	}
	// A <Decision> or <When> the tree did not take would silently decide nothing.
	for (const node of descendants(root)) {
		if ((isJsx(node, 'Decision') || isJsx(node, 'When')) && !accepted.has(node)) {
			const name = 'name' in node ? String(node.name) : '';
			at(
				node,
				name === 'Decision'
					? '<Decision> stands outside a step: put it in an item of the numbered list inside <DecisionTree>'
					: '<When> stands outside an outcome: put it right after the bold answer of an item of a <Decision> list, like - **Yes** <When pass /> — …',
			);
		}
	}
	return { ...(tree ? { tree } : {}), headings };
}

function readStep(
	item: MdastNode,
	index: number,
	{
		headingSlugs,
		checkAt,
		at,
		accepted,
	}: {
		headingSlugs: Map<MdastNode, PageHeading>;
		checkAt: (line: number) => string | undefined;
		at: (node: MdastNode, message: string) => void;
		accepted: Set<MdastNode>;
	},
): TreeStep | undefined {
	const heading = [...descendants(item)].find((n) => n.type === 'heading');
	const named = heading ? headingSlugs.get(heading) : undefined;
	const title = named?.text ?? `Step ${index + 1}`;
	const decisions = [...descendants(item)].filter((n) => isJsx(n, 'Decision'));
	if (decisions.length === 0) {
		at(
			item,
			`${title} has no <Decision>: wrap its list of outcomes in <Decision>…</Decision> so a responder can answer it`,
		);
		return undefined;
	}
	for (const extra of decisions.slice(1)) {
		accepted.add(extra);
		at(
			extra,
			`${title} has a <Decision> already, at line ${where(decisions[0]!).line}; a step has one`,
		);
	}
	const decision = decisions[0]!;
	accepted.add(decision);
	const checks = [...descendants(item, (n) => n === decision)]
		.filter((n) => n.type === 'code')
		.map((n) => checkAt(where(n).line))
		.filter((id): id is string => id !== undefined);

	let by: TreeStep['by'] = 'check';
	for (const attribute of attributes(decision)) {
		if (attribute.name === 'by' && (attribute.value === 'check' || attribute.value === 'hand')) {
			by = attribute.value;
		} else if (attribute.name === 'by') {
			at(decision, `<Decision by="${attribute.value}">: by is check (the default) or hand`);
		} else {
			at(
				decision,
				`<Decision> takes no "${attribute.name}"; it takes by="hand" for a step no check decides`,
			);
		}
	}

	const lists = children(decision).filter((n) => n.type === 'list');
	if (lists.length !== 1) {
		at(
			decision,
			`${title}: <Decision> holds ${lists.length === 0 ? 'no list' : `${lists.length} lists`}; it holds one list of outcomes, like - **Yes** <When pass /> — proceed to [Step 3](#step-3)`,
		);
		return undefined;
	}
	const outcomes: TreeOutcome[] = [];
	for (const entry of children(lists[0]!)) {
		const outcome = readOutcome(entry, { title, checks, by, at, accepted });
		if (outcome) outcomes.push(outcome);
	}
	if (by === 'check' && checks.length === 0) {
		at(
			decision,
			`${title} has no check to decide it: give its block expect-exit= or expect-output=, or write <Decision by="hand"> for a step the responder answers`,
		);
	} else if (by === 'check' && outcomes.length > 0 && !outcomes.some((o) => o.when)) {
		at(
			decision,
			`${title}: no outcome says when its checks choose it; add <When pass /> or <When fail /> after an answer, or write <Decision by="hand">`,
		);
	}
	return {
		id: named?.slug ?? `step-${index + 1}`,
		title,
		by,
		checks,
		outcomes,
		line: where(item).line,
	};
}

function readOutcome(
	entry: MdastNode,
	{
		title,
		checks,
		by,
		at,
		accepted,
	}: {
		title: string;
		checks: string[];
		by: TreeStep['by'];
		at: (node: MdastNode, message: string) => void;
		accepted: Set<MdastNode>;
	},
): TreeOutcome | undefined {
	const lead = children(entry)[0];
	const first = lead?.type === 'paragraph' ? children(lead)[0] : undefined;
	if (!lead || first?.type !== 'strong') {
		at(
			entry,
			`${title}: an outcome starts with its answer in bold, like - **Yes** <When pass /> — proceed to [Step 3](#step-3)`,
		);
		return undefined;
	}
	const label = textOf(first).trim();
	let when: Condition | undefined;
	const whens = children(lead).filter((n) => isJsx(n, 'When'));
	for (const node of whens) accepted.add(node);
	for (const extra of whens.slice(1)) at(extra, `${title}, **${label}**: one <When> per outcome`);
	const marker = whens[0];
	if (marker && by === 'hand') {
		at(
			marker,
			`${title} is answered by hand (<Decision by="hand">), so no check can choose **${label}**: remove <When>, or give the step a check`,
		);
	} else if (marker) {
		when = { each: [] };
		const names = new Set<string>();
		let wrong = false;
		for (const { name, value } of attributes(marker)) {
			if (!(OUTCOMES as readonly string[]).includes(name)) {
				at(marker, `<When ${name}>: "${name}" is no verdict; a verdict is ${OUTCOMES.join(', ')}`);
				wrong = true;
				continue;
			}
			const outcome = name as Outcome;
			if (names.has(name)) at(marker, `<When> names ${name} twice`);
			names.add(name);
			if (value === null) {
				if (when.all)
					at(
						marker,
						`<When ${when.all} ${name} />: all the checks cannot both ${when.all} and ${name}`,
					);
				when.all = outcome;
				continue;
			}
			const ids = value.split(/\s+/).filter(Boolean);
			if (ids.length === 0)
				at(marker, `<When ${name}="">: name the checks, like ${name}="${checks[0] ?? 'db.ready'}"`);
			for (const block of ids) {
				if (!checks.includes(block)) {
					wrong = true;
					at(
						marker,
						`<When ${name}="${value}">: ${block} is no check of ${title}${checks.length > 0 ? ` (its checks: ${checks.join(', ')})` : ''}`,
					);
				} else when.each.push({ block, outcome });
			}
		}
		if (!when.all && when.each.length === 0) {
			if (!wrong)
				at(marker, '<When /> says nothing; write <When pass />, <When fail /> or <When warn />');
			when = undefined;
		}
	}
	// Resolved against the site by `resolveTreeLinks`, which needs every page.
	const links = [...descendants(entry, (n) => n.type === 'code')]
		.filter((n) => n.type === 'link')
		.map((n): OutcomeLink => ({
			href: 'url' in n ? String(n.url) : '',
			text: textOf(n).trim(),
			kind: 'external',
			forward: `Open ${textOf(n).trim()}`,
			...where(n),
		}));
	return { label, ...(when ? { when } : {}), links, line: where(entry).line };
}

/** A page as `resolveTreeLinks` needs it. */
export interface SitePage {
	file: string;
	slug: string;
	title: string;
	headings: PageHeading[];
	/** Ids of the page's command blocks: each has the anchor `cmd-<id>`. */
	blocks: string[];
	tree?: DecisionTreeModel;
}

/** The URL path of a page: `index` → `/`, `runbooks/api` → `/runbooks/api/`. */
const pathOf = (slug: string) => (slug === 'index' || slug === '' ? '/' : `/${slug}/`);

/**
 * Resolves every outcome link of every tree against the site: what it points at, what the page
 * says when it applies, and a problem for a link to a page or anchor that does not exist.
 */
export function resolveTreeLinks(
	pages: readonly SitePage[],
	problem: (file: string, line: number, column: number, message: string) => void,
) {
	const bySlug = new Map(pages.map((p) => [p.slug === '' ? 'index' : p.slug, p]));
	const origin = 'https://opsbook.invalid';
	for (const page of pages) {
		for (const step of page.tree?.steps ?? []) {
			for (const outcome of step.outcomes) {
				for (const link of outcome.links) {
					const { line, column } = link;
					let url: URL;
					try {
						url = new URL(link.href, `${origin}${pathOf(page.slug)}`);
					} catch {
						problem(
							page.file,
							line,
							column,
							`${step.title}, **${outcome.label}**: "${link.href}" is no valid link`,
						);
						continue;
					}
					if (url.origin !== origin) {
						link.kind = 'external';
						link.forward = `Open ${link.text}`;
						continue;
					}
					const slug = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '') || 'index';
					const target = bySlug.get(slug);
					if (!target) {
						problem(
							page.file,
							line,
							column,
							`${step.title}, **${outcome.label}**: the link to "${link.href}" leads nowhere: no page is at ${url.pathname} (write the path from this page, ${pathOf(page.slug)}, like ../runbooks/api/)`,
						);
						continue;
					}
					const anchor = decodeURIComponent(url.hash.slice(1));
					const heading = target.headings.find((h) => h.slug === anchor);
					const isBlock = anchor.startsWith('cmd-') && target.blocks.includes(anchor.slice(4));
					if (anchor !== '' && anchor !== '_top' && !heading && !isBlock) {
						problem(
							page.file,
							line,
							column,
							`${step.title}, **${outcome.label}**: the link to "${link.href}" leads nowhere: ${target.file} has no heading with the anchor #${anchor}${target.headings.length > 0 ? ` (its anchors: ${target.headings.map((h) => `#${h.slug}`).join(', ')})` : ''}`,
						);
						continue;
					}
					link.page = target.slug === '' ? 'index' : target.slug;
					const toStep =
						target === page ? page.tree?.steps.find((s) => s.id === anchor) : undefined;
					if (toStep) {
						link.kind = 'step';
						link.step = toStep.id;
						link.forward = `Next: ${toStep.title}`;
					} else {
						link.kind = 'site';
						link.forward =
							target === page
								? `Go to ${heading?.text ?? link.text}`
								: `Go to ${target.title}${heading ? ` — ${heading.text}` : ''}`;
					}
				}
			}
		}
	}
}
