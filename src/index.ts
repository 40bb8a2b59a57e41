/**
 * Opsbook as a Starlight plugin: typed command blocks, the bridge's status in the header, the
 * incident timeline page, and a build that refuses a malformed block and emits the registry.
 *
 * ```js
 * // astro.config.mjs
 * import starlight from '@astrojs/starlight';
 * import opsbook from 'opsbook';
 *
 * export default defineConfig({
 * 	integrations: [starlight({ title: 'Runbooks', plugins: [opsbook()] })],
 * });
 * ```
 *
 * One thing it cannot add: a site whose `ec.config.mjs` lists Expressive Code `plugins` replaces
 * the list Opsbook adds (Expressive Code merges that file over the Starlight config, arrays
 * whole), so that file must list `pluginOpsbookCommands()` from `opsbook/expressive-code` itself;
 * the build says so when it is missing.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StarlightPlugin } from '@astrojs/starlight/types';
import { AstroError } from 'astro/errors';
import { z } from 'zod';
import { projectPaths } from './runbook/runbooks-fs.ts';
import { pluginOpsbookCommands } from './integration/ec-plugin.ts';
import { NO_SCRIPT_THEME_PATH } from './integration/no-script-theme.ts';
import { opsbookIntegration } from './integration/index.ts';
import { OpsbookOptionsSchema, type OpsbookUserOptions } from './integration/options.ts';
import { packageFile } from './integration/package-fs.ts';
import { setSiteProject } from './integration/project-fs.ts';

export type { OpsbookOptions, OpsbookUserOptions } from './integration/options.ts';
export { OpsbookOptionsSchema } from './integration/options.ts';

export default function opsbook(userOptions?: OpsbookUserOptions): StarlightPlugin {
	const parsed = OpsbookOptionsSchema.safeParse(userOptions ?? {});
	if (!parsed.success) {
		throw new AstroError(
			`Invalid options passed to the opsbook plugin:\n${z.prettifyError(parsed.error)}`,
			'The options are contentDir and configFile, both paths from the project root (README: "Add Opsbook to your Starlight site").',
		);
	}
	const options = parsed.data;

	return {
		name: 'opsbook',
		hooks: {
			async 'config:setup'({
				astroConfig,
				config,
				updateConfig,
				addIntegration,
				addRouteMiddleware,
				logger,
			}) {
				const root = fileURLToPath(astroConfig.root);
				const fallback = projectPaths(process.env, root);
				const project = {
					root,
					contentDir: options.contentDir ?? fallback.contentDir,
					configFile: options.configFile ?? fallback.configFile,
				};
				const contentPath = resolve(root, project.contentDir);
				if (!existsSync(contentPath)) {
					throw new AstroError(
						`Opsbook found no runbook folder at ${project.contentDir} (${contentPath}).`,
						`Pass the folder of your runbooks, from the project root: opsbook({ contentDir: 'src/content/docs' }).`,
					);
				}
				setSiteProject(project);

				if (config.expressiveCode === false) {
					throw new AstroError(
						'Opsbook renders command blocks with Expressive Code, which `expressiveCode: false` turns off.',
						'Remove `expressiveCode: false` from the Starlight config.',
					);
				}
				await checkEcConfigFile(root);
				const expressiveCode =
					typeof config.expressiveCode === 'object' ? config.expressiveCode : {};

				const docsPath = resolve(fileURLToPath(astroConfig.srcDir), 'content/docs');
				const outsideDocs = !isInside(contentPath, docsPath);
				const header = packageFile('src/components/Header.astro');
				const ownHeader = config.components?.Header;
				if (ownHeader && ownHeader !== header) {
					logger.warn(
						`Your Header override (${ownHeader}) is kept. Render Opsbook's header in it, in place of Starlight's: import Header from 'opsbook/components/Header.astro'. Without it the page shows no bridge status, Runs or Declare incident.`,
					);
				}

				updateConfig({
					expressiveCode: {
						...expressiveCode,
						plugins: [...(expressiveCode.plugins ?? []), pluginOpsbookCommands()],
					},
					components: { ...config.components, Header: ownHeader ?? header },
					// The reader's light theme without JavaScript (Starlight's pages say "dark" until
					// its script runs): a stylesheet the build writes, which only such readers load.
					head: [
						...(config.head ?? []),
						{
							tag: 'noscript',
							attrs: {},
							content: `<link rel="stylesheet" href="${astroConfig.base.replace(/\/?$/, '/')}${NO_SCRIPT_THEME_PATH}">`,
						},
					],
					customCss: [packageFile('src/styles/opsbook.css'), ...(config.customCss ?? [])],
					// Starlight applies asides and heading links only under src/content/docs and the
					// folders named here.
					...(outsideDocs && {
						markdown: {
							...config.markdown,
							processedDirs: [...(config.markdown?.processedDirs ?? []), project.contentDir],
						},
					}),
				});
				// Starlight dates pages from git under src/content/docs only.
				if (outsideDocs && config.lastUpdated) {
					addRouteMiddleware({ entrypoint: packageFile('src/integration/last-updated-fs.ts') });
				}
				// Walkthrough steps are headings Markdown does not see: added to "On this page".
				addRouteMiddleware({ entrypoint: packageFile('src/integration/walkthrough-toc-fs.ts') });
				addIntegration(opsbookIntegration(project));
			},
		},
	};
}

export { pluginOpsbookCommands };

function isInside(path: string, dir: string): boolean {
	const rel = relative(dir, path);
	return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

/**
 * Expressive Code merges `ec.config.mjs` over the options Starlight passes it, and a `plugins`
 * array there replaces ours: say so at once rather than build pages of plain code blocks.
 */
async function checkEcConfigFile(root: string): Promise<void> {
	const file = join(root, 'ec.config.mjs');
	if (!existsSync(file)) return;
	let plugins: unknown;
	try {
		plugins = ((await import(pathToFileURL(file).href)) as { default?: { plugins?: unknown } })
			.default?.plugins;
	} catch {
		// Expressive Code loads the file too, and reports why it cannot.
		return;
	}
	if (!Array.isArray(plugins)) return;
	if (
		plugins.flat().some((p) => (p as { name?: unknown } | undefined)?.name === 'opsbook-commands')
	) {
		return;
	}
	throw new AstroError(
		'ec.config.mjs lists Expressive Code plugins, and that list replaces the one the opsbook plugin adds: command blocks would render as plain code.',
		"Add Opsbook's to the list in ec.config.mjs: import { pluginOpsbookCommands } from 'opsbook/expressive-code'; then plugins: [pluginOpsbookCommands(), …].",
	);
}
