#!/usr/bin/env -S node --max-semi-space-size=2
/**
 * `opsbook`, the command an installed package puts on the PATH (`npx opsbook …`).
 *
 * For now it hands `serve`, `bridge` and `pair` to `server/cli.ts`, the code behind `npm start` and
 * `npm run bridge`; the other commands of issue 12 come with the full CLI. The flag in the first
 * line is the one `npm start` passes (see `server/cli.ts`); `env -S` splits it off.
 *
 * Exit codes: 0 ok, 2 a usage or configuration error.
 */
import { runCli } from '../server/cli.ts';

const HELP = `Usage: opsbook <command> [options]

Commands:
  serve [SITE_DIR]   serve the built site (default: dist) and the bridge on 127.0.0.1
  bridge --site URL  the bridge alone, for the site published at URL
  pair               print the pairing link of the bridges running for you

Run from the site's folder: the runbooks are read from src/content/docs (or content/, or
OPSBOOK_CONTENT_DIR) and the targets from opsbook.config.ts (or OPSBOOK_CONFIG).
\`opsbook <command> --help\` lists a command's options.

Examples:
  npx opsbook serve                        after \`astro build\`: open the link it prints
  npx opsbook bridge --site https://runbooks.example.com/
`;

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
	console.log(HELP);
} else if (command === 'serve' || command === 'bridge' || command === 'pair') {
	await runCli([command, ...rest]);
} else {
	console.error(`opsbook: unknown command "${command}"\n\n${HELP}`);
	process.exit(2);
}
