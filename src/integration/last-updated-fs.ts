/**
 * Starlight route middleware: the “Last updated” date of a page under the top-level `content/`.
 *
 * With `lastUpdated: true`, Starlight reads the dates of a build from the git history of
 * `src/content/docs` only (`getAllNewestCommitDate(rootPath, docsPath)`), so a site whose
 * collection is loaded from elsewhere silently shows none. This asks git once for every file of
 * the content folder and gives each page the date of the newest commit that touched it.
 *
 * A page never committed, or a checkout without git (an archive), shows no date, as Starlight
 * does; a shallow clone dates every page at the commit it holds.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { defineRouteMiddleware } from '@astrojs/starlight/route-data';
import { siteProject } from './project-fs.ts';

let newest: Map<string, Date> | undefined;

/** Absolute path → the date of the newest commit that touched it. */
function commitDates(folder: string): Map<string, Date> {
	const dates = new Map<string, Date>();
	const git = (args: string[], cwd: string) =>
		spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
	const top = git(['rev-parse', '--show-toplevel'], folder);
	if (top.status !== 0) return dates;
	const repo = top.stdout.trim();
	// Newest commits first: the first date seen for a file is its newest.
	const log = git(['log', '--format=t:%ct', '--name-only', '--', folder], repo);
	if (log.status !== 0) return dates;
	let date: Date | undefined;
	for (const line of log.stdout.split('\n')) {
		if (line.startsWith('t:')) date = new Date(Number(line.slice(2)) * 1000);
		else if (line && date) {
			const file = resolve(repo, line);
			if (!dates.has(file)) dates.set(file, date);
		}
	}
	return dates;
}

export const onRequest = defineRouteMiddleware((context) => {
	const route = context.locals.starlightRoute;
	// A date in the frontmatter, `lastUpdated: false`, or one Starlight found itself (`astro dev`).
	if (route.lastUpdated || route.entry.data.lastUpdated === false || !route.entry.filePath) return;
	const { root, contentDir } = siteProject();
	newest ??= commitDates(resolve(root, contentDir));
	route.lastUpdated = newest.get(resolve(root, route.entry.filePath));
});
