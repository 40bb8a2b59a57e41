/**
 * `npm start`: builds the site, then serves it and the bridge on 127.0.0.1, one URL to open.
 * Options after `npm start --` are the bridge's (`--max-risk read`, `--port 8080`…); see server/cli.ts.
 * `npm start -- --help` prints them without building first.
 */
import { spawnSync } from 'node:child_process';
import { runCli } from '../server/cli.ts';

const args = process.argv.slice(2);
if (!args.some((arg) => arg === '--help' || arg === '-h')) {
	const build = spawnSync(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build'], {
		stdio: 'inherit',
	});
	if (build.status !== 0) process.exit(build.status ?? 1);
}
await runCli(['serve', ...args]);
