/**
 * The Opsbook Astro integration: refuses to build a site with a malformed command block, adds
 * the page script of command blocks, and emits the registry of every block.
 *
 * ```js
 * // astro.config.mjs
 * integrations: [starlight({ … }), opsbook()]
 * ```
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { AstroError } from 'astro/errors';
import { formatProblems, loadRunbooks, toRegistry } from '../runbook/runbooks-fs.ts';
import { projectPaths } from './runbooks-cache-fs.ts';

/** Where the build writes the registry, inside the output folder. */
export const REGISTRY_PATH = 'opsbook/registry.json';

export default function opsbook(): AstroIntegration {
	return {
		name: 'opsbook',
		hooks: {
			'astro:config:setup': async ({ command, injectScript, logger }) => {
				const loaded = await loadRunbooks(projectPaths());
				if (loaded.problems.length > 0) {
					const message = formatProblems(loaded.problems);
					if (command === 'build') {
						throw new AstroError(
							message,
							'Each line names the file, line and column of a command block and what to change. Run `npm run validate` to check again without building.',
						);
					}
					logger.error(message);
				} else {
					logger.info(`${loaded.blocks.length} command blocks in ${loaded.runbooks.length} pages`);
				}
				const client = fileURLToPath(new URL('../client/command-block.ts', import.meta.url));
				injectScript('page', `import ${JSON.stringify(client)};`);
			},
			'astro:build:done': async ({ dir, logger }) => {
				const loaded = await loadRunbooks(projectPaths());
				const file = new URL(REGISTRY_PATH, dir);
				await mkdir(new URL('./', file), { recursive: true });
				await writeFile(file, `${JSON.stringify(toRegistry(loaded), null, '\t')}\n`);
				logger.info(`registry of ${loaded.blocks.length} command blocks: ${fileURLToPath(file)}`);
			},
		},
	};
}
