/**
 * The runbook model as the site build sees it: the project's config and pages, read once and
 * re-read when a page changes (so `astro dev` shows edits).
 */
import { stat, readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import type { OpsbookConfig } from '../runbook/config.ts';
import type { DrillScenario } from '../runbook/drill.ts';
import { siteIncidentContent, type IncidentContent } from '../runbook/incident-content.ts';
import { blockKey, parseRunbook, type ParsedRunbook } from '../runbook/parse.ts';
import { findPages, loadConfig, loadRunbooks, sitePages } from '../runbook/runbooks-fs.ts';
import type { CommandBlock } from '../runbook/schema.ts';
import { resolveTreeLinks, type DecisionTreeModel } from '../runbook/tree.ts';
import type { WalkthroughModel } from '../runbook/walkthrough.ts';
import { siteProject } from './project-fs.ts';

let config: Promise<OpsbookConfig> | undefined;
export function projectConfig(): Promise<OpsbookConfig> {
	config ??= loadConfig(siteProject());
	return config;
}

const pages = new Map<string, { mtimeMs: number; parsed: ParsedRunbook }>();

async function page(file: string): Promise<ParsedRunbook> {
	const { mtimeMs } = await stat(file);
	const cached = pages.get(file);
	if (cached && cached.mtimeMs === mtimeMs) return cached.parsed;
	const { root, contentDir } = siteProject();
	const parsed = parseRunbook(await readFile(file, 'utf8'), {
		file: relative(root, file).split(sep).join('/'),
		contentPath: relative(resolve(root, contentDir), file).split(sep).join('/'),
		config: await projectConfig(),
	});
	pages.set(file, { mtimeMs, parsed });
	return parsed;
}

/**
 * The command block a rendered code block stands for, found by its page, meta and code.
 * Undefined for a block the model did not accept (the build has reported it already).
 */
export async function blockForCode(
	file: string,
	meta: string,
	code: string,
): Promise<CommandBlock | undefined> {
	const parsed = await page(file);
	const key = blockKey(meta, code);
	const matches = parsed.blocks.filter((b) => blockKey(b.meta, b.block.template) === key);
	if (matches.length > 1) {
		throw new Error(
			`${parsed.file}: two command blocks have the same options and command (${matches.map((m) => `line ${m.block.source.line}`).join(', ')}); give each an id=`,
		);
	}
	return matches[0]?.block;
}

/**
 * The decision tree of the page at `file` (relative to the root), its outcome links resolved
 * against every page of the site. Undefined when the page has none.
 */
export async function treeOfPage(file: string): Promise<DecisionTreeModel | undefined> {
	const { root, contentDir } = siteProject();
	const all = await Promise.all((await findPages(resolve(root, contentDir))).map(page));
	// Problems were reported by the build's own check of the runbooks; here only the links count.
	resolveTreeLinks(sitePages(all), () => {});
	return all.find((p) => p.file === relative(root, resolve(root, file)).split(sep).join('/'))?.tree;
}

/** The walkthrough of the page at `file` (relative to the root), if it is one. */
export async function walkthroughOfPage(file: string): Promise<WalkthroughModel | undefined> {
	return (await page(resolve(siteProject().root, file))).walkthrough;
}

/** The headings and the walkthrough of the page at `file` (relative to the root). */
export async function outlineOfPage(
	file: string,
): Promise<Pick<ParsedRunbook, 'headings' | 'walkthrough'>> {
	const { headings, walkthrough } = await page(resolve(siteProject().root, file));
	return { headings, ...(walkthrough && { walkthrough }) };
}

/** Every walkthrough of the site, in page path order: what the onboarding overview lists. */
export async function siteWalkthroughs(): Promise<WalkthroughModel[]> {
	const { root, contentDir } = siteProject();
	const all = await Promise.all((await findPages(resolve(root, contentDir))).map(page));
	return all.flatMap((p) => (p.walkthrough ? [p.walkthrough] : []));
}

let site: Promise<Map<string, CommandBlock>> | undefined;
let loaded: ReturnType<typeof loadRunbooks> | undefined;
/** Every page, read once per build, for what needs the whole site. */
const whole = () => (loaded ??= loadRunbooks(siteProject()));

/**
 * A block of any page, by id: what a gate names may stand on another page. Read once per build;
 * `astro dev` shows a renamed title of another page after a restart.
 */
export async function siteBlock(id: string): Promise<CommandBlock | undefined> {
	site ??= whole().then((loaded) => new Map(loaded.blocks.map(({ block }) => [block.id, block])));
	return (await site).get(id);
}

/**
 * What an incident reads from the site: the severity levels and escalation rules every page's
 * incident bar needs, and the report template of the incident page. Read from the same cached
 * pages as the rest, so `astro dev` shows an edited table or template on the next page load.
 * Problems were reported by the build's own check of the runbooks.
 */
export async function incidentContent(): Promise<IncidentContent> {
	const { root, contentDir } = siteProject();
	const all = await Promise.all((await findPages(resolve(root, contentDir))).map(page));
	return siteIncidentContent(all, () => {});
}

/**
 * The drills' scenarios (`<contentDir>/drills/`), each with its route's decision tree, for the
 * incident page's Debrief. Read once per build; their problems fail the build's own check of the
 * runbooks.
 */
export async function drillScenarios(): Promise<
	Array<{ scenario: DrillScenario; tree: DecisionTreeModel | undefined }>
> {
	const { drills = [], runbooks } = await whole();
	return drills.map((scenario) => ({
		scenario,
		tree: runbooks.find((page) => page.tree?.page === scenario.route.tree)?.tree,
	}));
}

/**
 * `content` as the text of a `<script type="application/json">`: a `<` in a definition or the
 * template cannot close the element early.
 */
export function jsonForScript(content: unknown): string {
	return JSON.stringify(content).replace(/</g, '\\u003c');
}
