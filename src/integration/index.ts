/**
 * The Astro side of Opsbook, added by the `opsbook()` Starlight plugin (`src/index.ts`): refuses to
 * build a site with a malformed command block, adds the page script of command blocks and the
 * incident timeline page, and emits the registry of every block.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { AstroError } from 'astro/errors';
import {
	formatProblems,
	loadRunbooks,
	toRegistry,
	type ProjectPaths,
} from '../runbook/runbooks-fs.ts';
import { NO_SCRIPT_THEME_PATH, noScriptLightTheme } from './no-script-theme.ts';
import { packageFile } from './package-fs.ts';

/** Where the build writes the registry, inside the output folder. */
export const REGISTRY_PATH = 'opsbook/registry.json';

export function opsbookIntegration(project: Required<ProjectPaths>): AstroIntegration {
	return {
		name: 'opsbook',
		hooks: {
			'astro:config:setup': async ({
				command,
				injectRoute,
				injectScript,
				logger,
				updateConfig,
			}) => {
				const loaded = await loadRunbooks(project);
				if (loaded.problems.length > 0) {
					// The list as `opsbook check` prints it, one `file:line:column: message` a line.
					logger.error(formatProblems(loaded.problems));
					if (command === 'build') throw buildStopped(loaded.problems.length);
				} else {
					logger.info(`${loaded.blocks.length} command blocks in ${loaded.runbooks.length} pages`);
				}
				injectRoute({
					pattern: '/incident',
					entrypoint: packageFile('src/routes/incident.astro'),
				});
				// A run's terminal, in a sandboxed frame of its own (`src/client/framed-terminal.ts`).
				injectRoute({
					pattern: TERMINAL_ROUTE,
					entrypoint: packageFile('src/routes/terminal.astro'),
				});
				// Last, after Starlight's sitemap has written its files.
				updateConfig({ integrations: [terminalOutOfSitemap()] });
				injectScript(
					'page',
					`import ${JSON.stringify(packageFile('src/client/command-block.ts'))};`,
				);
			},
			'astro:build:done': async ({ dir, logger }) => {
				const loaded = await loadRunbooks(project);
				const file = new URL(REGISTRY_PATH, dir);
				await mkdir(new URL('./', file), { recursive: true });
				await writeFile(file, `${JSON.stringify(toRegistry(loaded), null, '\t')}\n`);
				logger.info(`registry of ${loaded.blocks.length} command blocks: ${fileURLToPath(file)}`);
				await writeFile(new URL(NO_SCRIPT_THEME_PATH, dir), await noScriptThemeOf(dir));
			},
		},
	};
}

/** The terminal's document: part of the site, but no page anyone searches for. */
const TERMINAL_ROUTE = '/opsbook/terminal';

/**
 * Takes the terminal's document out of the sitemap (Starlight's, which has no option for it): it
 * is a frame of the runbook pages, marked `noindex`, and a search engine warns about a sitemap
 * that lists a page it may not index.
 */
function terminalOutOfSitemap(): AstroIntegration {
	return {
		name: 'opsbook:sitemap',
		hooks: {
			'astro:build:done': async ({ dir }) => {
				const files = (await readdir(dir)).filter((f) => /^sitemap-\d+\.xml$/.test(f));
				for (const file of files) {
					const url = new URL(file, dir);
					const xml = await readFile(url, 'utf8');
					const kept = xml.replace(
						new RegExp(`<url><loc>[^<]*${TERMINAL_ROUTE}/</loc>(?:(?!</url>).)*</url>`, 'g'),
						'',
					);
					if (kept !== xml) await writeFile(url, kept);
				}
			},
		},
	};
}

/**
 * The light theme for readers without JavaScript (`no-script-theme.ts`), from every stylesheet
 * built: first those the home page loads, in its order (its links and inline styles), then the
 * rest, so cascade layers keep the order pages give them.
 */
async function noScriptThemeOf(dir: URL): Promise<string> {
	// Not the sheet itself, as an earlier build left it.
	const files = (await readdir(dir, { recursive: true })).filter((f) => f !== NO_SCRIPT_THEME_PATH);
	const home = files.includes('index.html')
		? await readFile(new URL('index.html', dir), 'utf8')
		: '';
	const css: string[] = [];
	const read = new Set<string>();
	for (const [, href, style] of home.matchAll(
		/<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"[^>]*>|<style\b[^>]*>([\s\S]*?)<\/style>/g,
	)) {
		if (style !== undefined) css.push(style);
		// Under the site's base path, if it has one.
		const path = href && new URL(href, 'file:///').pathname;
		const file = path && files.find((f) => path === `/${f}` || path.endsWith(`/${f}`));
		if (file && !read.has(file)) {
			read.add(file);
			css.push(await readFile(new URL(file, dir), 'utf8'));
		}
	}
	for (const file of files.filter((f) => f.endsWith('.css') && !read.has(f))) {
		css.push(await readFile(new URL(file, dir), 'utf8'));
	}
	return noScriptLightTheme(css);
}

/**
 * What fails the build once the problems are listed. Astro prints any error a hook throws after
 * "An unhandled error occurred while running the hook", with its stack; this one's stack would
 * point into Opsbook, not at the runbooks, so it has none, and its message points at the list.
 */
function buildStopped(count: number): AstroError {
	const error = new AstroError(
		`The runbooks have ${count} problem${count === 1 ? '' : 's'}, listed above as file:line:column: nothing was built.`,
		'Fix each line above. `npx opsbook check` lists them again in a second, without building.',
	);
	error.stack = '';
	return error;
}
