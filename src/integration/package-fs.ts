/**
 * Files of the Opsbook package that a site's Vite build compiles itself: components, the page
 * scripts, the stylesheet. They ship as sources (`.astro`, `.ts`, `.css`), as Starlight's own
 * components do, while this module runs compiled (`lib/`) once the package is installed; so they
 * are found from the package root, which is the same in a checkout and in `node_modules/opsbook`.
 *
 * Absolute paths, not `opsbook/…` specifiers: Starlight and Vite resolve both, but a specifier
 * names the package from inside itself, which this repository's own site would need too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
	let dir = dirname(fileURLToPath(import.meta.url));
	for (;;) {
		const manifest = join(dir, 'package.json');
		if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'opsbook') {
			return dir;
		}
		const parent = dirname(dir);
		if (parent === dir)
			throw new Error('Opsbook: cannot find the package root of the opsbook plugin');
		dir = parent;
	}
}

let root: string | undefined;

/** `src/components/Header.astro` → its absolute path in this checkout or install. */
export function packageFile(path: string): string {
	root ??= findRoot();
	return join(root, path);
}
