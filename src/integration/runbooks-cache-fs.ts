/**
 * The runbook model as the site build sees it: the project's config and pages, read once and
 * re-read when a page changes (so `astro dev` shows edits).
 */
import { stat, readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import type { OpsbookConfig } from '../runbook/config.ts';
import { blockKey, parseRunbook, type ParsedRunbook } from '../runbook/parse.ts';
import {
	findPages,
	loadConfig,
	loadRunbooks,
	projectPaths,
	sitePages,
} from '../runbook/runbooks-fs.ts';
import type { CommandBlock } from '../runbook/schema.ts';
import type { IncidentContent } from '../runbook/incident-content.ts';
import { resolveTreeLinks, type DecisionTreeModel } from '../runbook/tree.ts';

export { projectPaths };

let config: Promise<OpsbookConfig> | undefined;
export function projectConfig(): Promise<OpsbookConfig> {
	config ??= loadConfig(projectPaths());
	return config;
}

const pages = new Map<string, { mtimeMs: number; parsed: ParsedRunbook }>();

async function page(file: string): Promise<ParsedRunbook> {
	const { mtimeMs } = await stat(file);
	const cached = pages.get(file);
	if (cached && cached.mtimeMs === mtimeMs) return cached.parsed;
	const { root, contentDir } = projectPaths();
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
export async function blockForCode(file: string, meta: string, code: string): Promise<CommandBlock | undefined> {
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
	const { root, contentDir } = projectPaths();
	const all = await Promise.all((await findPages(resolve(root, contentDir))).map(page));
	// Problems were reported by the build's own check of the runbooks; here only the links count.
	resolveTreeLinks(sitePages(all), () => {});
	return all.find((p) => p.file === relative(root, resolve(root, file)).split(sep).join('/'))?.tree;
}

let site: Promise<Map<string, CommandBlock>> | undefined;

/**
 * A block of any page, by id: what a gate names may stand on another page. Read once per build;
 * `astro dev` shows a renamed title of another page after a restart.
 */
export async function siteBlock(id: string): Promise<CommandBlock | undefined> {
	site ??= loadRunbooks(projectPaths()).then(
		(loaded) => new Map(loaded.blocks.map(({ block }) => [block.id, block])),
	);
	return (await site).get(id);
}

let incident: Promise<IncidentContent> | undefined;

/**
 * What an incident reads from the site: its severity levels, escalation rules and report
 * template. Read once per build.
 *
 * STUB by part D (page): part A's version reads these through the runbook model with build-time
 * validation; this one only scans the pages' text so the incident page and bar run before A lands.
 */
export function incidentContent(): Promise<IncidentContent> {
	incident ??= (async () => {
		const { root, contentDir } = projectPaths();
		const content: IncidentContent = { levels: [], escalation: [] };
		for (const file of await findPages(resolve(root, contentDir))) {
			const text = await readFile(file, 'utf8');
			const slug = relative(resolve(root, contentDir), file)
				.split(sep)
				.join('/')
				.replace(/\.mdx?$/, '')
				.replace(/(^|\/)index$/, '');
			const lines = text.split('\n');
			let header: string[] | undefined;
			for (const line of lines) {
				if (!line.startsWith('|')) {
					header = undefined;
					continue;
				}
				const cells = line.split('|').slice(1, -1).map((c) => c.trim());
				if (!header) {
					header = cells.map((c) => c.toLowerCase());
					continue;
				}
				const level = /<Severity level=\{(\d)\} \/>/.exec(cells[0] ?? '')?.[1];
				if (!level) continue;
				const at = (name: string) => cells[header!.indexOf(name)];
				const response = (at('response time') ?? '').replace('&lt;', '<');
				const match = /^<\s*(\d+)\s*(min|minutes?|hours?)$/.exec(response);
				if (!match) continue;
				content.severityPage = slug;
				content.levels.push({
					level: Number(level),
					definition: at('definition') ?? '',
					...(at('examples') ? { examples: at('examples')! } : {}),
					responseTime: response,
					responseMinutes: Number(match[1]) * (match[2]!.startsWith('h') ? 60 : 1),
					...(at('notification') ? { notification: at('notification')! } : {}),
				});
			}
			for (const m of text.matchAll(
				/<Escalate from=\{(\d)\} to=\{(\d)\} (?:after="(\d+) (minutes?|hours?)"|when="([^"]+)") \/>/g,
			)) {
				const [, from, to, amount, unit, when] = m;
				content.escalation.push(
					when === undefined
						? {
								from: Number(from),
								to: Number(to),
								afterMinutes: Number(amount) * (unit!.startsWith('h') ? 60 : 1),
								text: `If a SEV-${from} is not resolved within ${amount} ${unit}, escalate to SEV-${to}.`,
							}
						: { from: Number(from), to: Number(to), when, text: `If a SEV-${from} ${when}, escalate to SEV-${to}.` },
				);
			}
			const fence = /^```md report-template\n([\s\S]*?)\n```$/m.exec(text);
			if (fence) {
				content.template = {
					markdown: `${fence[1]}\n`,
					file: relative(root, file).split(sep).join('/'),
					line: text.slice(0, fence.index).split('\n').length + 1,
					page: slug,
				};
			}
		}
		content.levels.sort((a, b) => a.level - b.level);
		return content;
	})();
	return incident;
}
