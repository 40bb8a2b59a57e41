/**
 * Loads the configuration and every runbook of a project from disk: the one way the site build,
 * the bridge, the CLI and the tests read runbooks.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigSchema, type OpsbookConfig } from './config.ts';
import { checkDrills, readDrill, type DrillScenario } from './drill.ts';
import { checkNeeds } from './gates.ts';
import { siteIncidentContent, type IncidentContent } from './incident-content.ts';
import { parseRunbook, type FoundBlock, type ParsedRunbook, type RunbookProblem } from './parse.ts';
import type { Registry } from './schema.ts';
import { resolveTreeLinks } from './tree.ts';

export interface ProjectPaths {
	/** The project root (holds `opsbook.config.ts`). */
	root: string;
	/** The runbooks folder, relative to the root (default: `defaultContentDir(root)`). */
	contentDir?: string;
	/** The config file, relative to the root. */
	configFile?: string;
}

export const DEFAULT_CONTENT_DIR = 'content';
export const DEFAULT_CONFIG_FILE = 'opsbook.config.ts';
/** Where Starlight's `docsLoader()` reads pages; it has no option to read elsewhere. */
export const STARLIGHT_DOCS_DIR = 'src/content/docs';

/**
 * The runbook folder of a project that names none: Starlight's `src/content/docs` when the project
 * has one (every Starlight site on `docsLoader()` does), else `content/` (a site that loads its
 * collection from there, as this repository does). The `opsbook()` plugin and the CLI both start
 * from here, so a site and its bridge agree without being told twice.
 */
export function defaultContentDir(root: string): string {
	return existsSync(join(root, STARLIGHT_DOCS_DIR)) ? STARLIGHT_DOCS_DIR : DEFAULT_CONTENT_DIR;
}

/**
 * The project in the working directory. `OPSBOOK_CONTENT_DIR` and `OPSBOOK_CONFIG` point the site
 * build, the bridge and `opsbook check` alike at another runbook folder and config (tests do).
 */
export function projectPaths(
	env: NodeJS.ProcessEnv = process.env,
	root = process.cwd(),
): Required<ProjectPaths> {
	return {
		root,
		contentDir: env.OPSBOOK_CONTENT_DIR ?? defaultContentDir(root),
		configFile: env.OPSBOOK_CONFIG ?? DEFAULT_CONFIG_FILE,
	};
}

export class RunbookError extends Error {
	readonly problems: RunbookProblem[];
	constructor(problems: RunbookProblem[]) {
		super(formatProblems(problems));
		this.name = 'RunbookError';
		this.problems = problems;
	}
}

/** The project cannot be read at all (no runbooks folder): a configuration error. */
export class ProjectError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ProjectError';
	}
}

/** `content/a.mdx:12:3: message`, one problem a line, in file and line order. */
export function formatProblems(problems: readonly RunbookProblem[]): string {
	const sorted = [...problems].sort((a, b) =>
		a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1,
	);
	const count = `${sorted.length} problem${sorted.length === 1 ? '' : 's'} in the runbooks:`;
	return [count, ...sorted.map((p) => `  ${p.file}:${p.line}:${p.column}: ${p.message}`)].join(
		'\n',
	);
}

/** Loads and validates `opsbook.config.ts`. A missing file means an empty config (local only). */
export async function loadConfig({
	root,
	configFile = DEFAULT_CONFIG_FILE,
}: ProjectPaths): Promise<OpsbookConfig> {
	const path = resolve(root, configFile);
	let raw: unknown;
	if (!existsSync(path)) {
		// A site needs no config of its own; one named (OPSBOOK_CONFIG, the plugin's configFile)
		// must be there.
		if (configFile === DEFAULT_CONFIG_FILE) return ConfigSchema.parse({});
		throw new ProjectError(
			`There is no config at ${configFile} (${path}): check OPSBOOK_CONFIG, or the plugin's configFile.`,
		);
	}
	try {
		// Read at run time from the project, never bundled (Vite would warn it cannot follow it).
		raw = ((await import(/* @vite-ignore */ pathToFileURL(path).href)) as { default: unknown })
			.default;
	} catch (error) {
		// A config that cannot load (a syntax error, an import it cannot find) is not an empty one:
		// read as one, every variable and target it defines would be reported unknown.
		throw new ProjectError(
			`${configFile} could not be loaded: ${(error as Error).message.split('\n')[0]}`,
		);
	}
	const parsed = ConfigSchema.safeParse(raw);
	if (!parsed.success) {
		throw new RunbookError(
			parsed.error.issues.map((issue) => ({
				file: configFile,
				line: 1,
				column: 1,
				message: `${issue.path.join('.') || 'config'}: ${issue.message}`,
			})),
		);
	}
	return parsed.data;
}

/** The runbook pages under `dir`, in path order; files starting with `_` are not pages. */
export async function findPages(dir: string): Promise<string[]> {
	const entries = await readdir(dir, { recursive: true, withFileTypes: true });
	return entries
		.filter((e) => e.isFile() && /\.mdx?$/.test(e.name) && !e.name.startsWith('_'))
		.map((e) => join(e.parentPath, e.name))
		.sort();
}

export interface LoadedRunbooks {
	config: OpsbookConfig;
	runbooks: ParsedRunbook[];
	/** Every block of the site, in page and document order. */
	blocks: FoundBlock[];
	problems: RunbookProblem[];
	/** What an incident reads from the site: severity levels, escalation rules, report template. */
	incident: IncidentContent;
	/** The drills of `<contentDir>/drills/*.yaml` that have no problem, in name order. */
	drills: DrillScenario[];
}

/** The folder of drill scenarios, inside the content folder. */
export const DRILLS_DIR = 'drills';

/**
 * The scenarios under `<dir>/drills/`, read one by one (see `drill.ts`); not yet checked against
 * the site. A missing folder means no drills.
 */
export async function readDrills(
	root: string,
	dir: string,
): Promise<{ drills: DrillScenario[]; problems: RunbookProblem[] }> {
	const folder = join(dir, DRILLS_DIR);
	let names: string[];
	try {
		names = (await readdir(folder, { withFileTypes: true }))
			.filter((e) => e.isFile() && !e.name.startsWith('_'))
			.map((e) => e.name)
			.sort();
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { drills: [], problems: [] };
		throw error;
	}
	const drills: DrillScenario[] = [];
	const problems: RunbookProblem[] = [];
	for (const name of names) {
		const path = join(folder, name);
		const file = relative(root, path).split(sep).join('/');
		if (name.endsWith('.yml')) {
			problems.push({
				file,
				line: 1,
				column: 1,
				message: `name drills .yaml: rename it ${name.slice(0, -4)}.yaml`,
			});
			continue;
		}
		if (!name.endsWith('.yaml')) continue;
		const read = readDrill(await readFile(path, 'utf8'), { file, name: name.slice(0, -5) });
		problems.push(...read.problems);
		if (read.scenario) drills.push(read.scenario);
	}
	return { drills, problems };
}

/** Reads every runbook under the content folder. Problems are returned, not thrown. */
export async function loadRunbooks(
	paths: ProjectPaths,
	config?: OpsbookConfig,
): Promise<LoadedRunbooks> {
	const { root, contentDir = defaultContentDir(root) } = paths;
	const resolvedConfig = config ?? (await loadConfig(paths));
	// A folder given as an absolute path (OPSBOOK_CONTENT_DIR=/srv/runbooks) is that folder.
	const dir = resolve(root, contentDir);
	if (!existsSync(dir)) {
		throw new ProjectError(
			`There is no runbooks folder at ${contentDir} (${dir}): run it in the site's folder, or name the folder with OPSBOOK_CONTENT_DIR.`,
		);
	}
	const runbooks: ParsedRunbook[] = [];
	for (const path of await findPages(dir)) {
		const source = await readFile(path, 'utf8');
		runbooks.push(
			parseRunbook(source, {
				file: relative(root, path).split(sep).join('/'),
				contentPath: relative(dir, path).split(sep).join('/'),
				config: resolvedConfig,
			}),
		);
	}
	const blocks = runbooks.flatMap((r) => r.blocks);
	const problems = runbooks.flatMap((r) => r.problems);
	problems.push(...duplicateIds(runbooks));
	const byId = new Map<string, FoundBlock>();
	for (const found of blocks) if (!byId.has(found.block.id)) byId.set(found.block.id, found);
	resolveTreeLinks(sitePages(runbooks), (file, line, column, message) =>
		problems.push({ file, line, column, message }),
	);
	// Only now are all the site's blocks known: a gate may name a block of any page.
	problems.push(
		...checkNeeds(
			[...byId.values()].map((found) => ({
				id: found.block.id,
				needs: found.block.needs,
				at: found.needsAt ?? found.block.source,
			})),
			runbooks.flatMap((r) => r.rejected.map((b) => b.id)),
		),
	);
	const incident = siteIncidentContent(runbooks, (file, line, column, message) =>
		problems.push({ file, line, column, message }),
	);
	const read = await readDrills(root, dir);
	problems.push(...read.problems);
	const drillProblems = checkDrills(read.drills, {
		pages: runbooks.map((r) => ({ ...r, blocks: r.blocks.map((b) => b.block) })),
		levels: incident.levels.map((l) => l.level),
	});
	problems.push(...drillProblems);
	const failed = new Set(drillProblems.map((p) => p.file));
	const drills = read.drills.filter((d) => !failed.has(d.file));
	return { config: resolvedConfig, runbooks, blocks, problems, incident, drills };
}

/**
 * Every id used twice, reported at its second use with where the first is: pages in path order
 * (the order `opsbook check` and the build read them), blocks in document order, blocks with
 * problems of their own included.
 */
export function duplicateIds(runbooks: readonly ParsedRunbook[]): RunbookProblem[] {
	const problems: RunbookProblem[] = [];
	const first = new Map<string, { file: string; line: number; column: number }>();
	for (const page of runbooks) {
		const all = [
			...page.blocks.map((b) => ({ id: b.block.id, source: b.block.source })),
			...page.rejected,
		].sort((a, b) => a.source.line - b.source.line || a.source.column - b.source.column);
		for (const { id, source } of all) {
			const earlier = first.get(id);
			if (!earlier) {
				first.set(id, source);
				continue;
			}
			problems.push({
				...source,
				message: `duplicate id "${id}": also defined at ${earlier.file}:${earlier.line}:${earlier.column}; ids must be unique across the site, so give this block another id=`,
			});
		}
	}
	return problems;
}

/** The pages as decision trees see them: what an outcome's link may point at. */
export function sitePages(runbooks: readonly ParsedRunbook[]) {
	return runbooks.map((r) => ({
		...r,
		blocks: [...r.blocks.map((b) => b.block.id), ...r.rejected.map((b) => b.id)],
	}));
}

/** Like `loadRunbooks`, but throws a `RunbookError` listing every problem. */
export async function loadValidRunbooks(paths: ProjectPaths): Promise<LoadedRunbooks> {
	const loaded = await loadRunbooks(paths);
	if (loaded.problems.length > 0) throw new RunbookError(loaded.problems);
	return loaded;
}

/** The registry the build emits: every block, in page and document order. */
export function toRegistry(loaded: LoadedRunbooks): Registry {
	return { version: 1, blocks: loaded.blocks.map((b) => b.block) };
}
