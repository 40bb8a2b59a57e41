/**
 * The project a site build is for: its root, runbook folder and config file, as the `opsbook()`
 * plugin was given them.
 *
 * The plugin runs where Astro loads `astro.config.mjs`; the Expressive Code plugin, the header and
 * the pages that read runbooks run in Vite's module graph, with their own copies of every module.
 * A slot on `globalThis` is what both share in one build process, as `starlight-links-validator`
 * shares its options with its middleware (`libs/store.ts`). Outside a build (the bridge, the CLI,
 * the tests) nothing sets it and `projectPaths()` reads the working directory and environment.
 */
import { projectPaths, type ProjectPaths } from '../runbook/runbooks-fs.ts';

declare global {
	// eslint-disable-next-line no-var
	var __opsbookProject: Required<ProjectPaths> | undefined;
}

/** Called by the plugin when Astro sets up the site. */
export function setSiteProject(paths: Required<ProjectPaths>): void {
	globalThis.__opsbookProject = paths;
}

/** The project of the running build, or of the working directory outside one. */
export function siteProject(): Required<ProjectPaths> {
	return globalThis.__opsbookProject ?? projectPaths();
}
