/**
 * The Astro side of Opsbook, added by the `opsbook()` Starlight plugin (`src/index.ts`): refuses to
 * build a site with a malformed command block, adds the page script of command blocks and the
 * incident timeline page, and emits the registry of every block.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { AstroError } from 'astro/errors';
import {
	formatProblems,
	loadRunbooks,
	toRegistry,
	type ProjectPaths,
} from '../runbook/runbooks-fs.ts';
import { packageFile } from './package-fs.ts';

/** Where the build writes the registry, inside the output folder. */
export const REGISTRY_PATH = 'opsbook/registry.json';

export function opsbookIntegration(project: Required<ProjectPaths>): AstroIntegration {
	return {
		name: 'opsbook',
		hooks: {
			'astro:config:setup': async ({ command, injectRoute, injectScript, logger }) => {
				const loaded = await loadRunbooks(project);
				if (loaded.problems.length > 0) {
					const message = formatProblems(loaded.problems);
					if (command === 'build') {
						throw new AstroError(
							message,
							'Each line names the file, line and column of a command block and what to change. Run `npx opsbook check` to check again without building.',
						);
					}
					logger.error(message);
				} else {
					logger.info(`${loaded.blocks.length} command blocks in ${loaded.runbooks.length} pages`);
				}
				injectRoute({
					pattern: '/incident',
					entrypoint: packageFile('src/routes/incident.astro'),
				});
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
			},
		},
	};
}
