#!/usr/bin/env -S node --max-semi-space-size=2
/**
 * `opsbook`, the command an installed package puts on the PATH (`npx opsbook …`): see
 * `server/cli/index.ts` for the commands, and `opsbook --help`.
 *
 * The flag in the first line is the bridge's (see `server/cli.ts`); `env -S` splits it off.
 * Exit codes: 0 ok, 1 a failure of what was asked, 2 a usage or configuration error.
 */
import { main } from '../server/cli/index.ts';

const code = await main(process.argv.slice(2));
if (code >= 0) {
	process.exitCode = code;
	// Whatever a run's target left open (an ssh master closing) must not hold the answer back;
	// the exit waits for stdout to drain, which `process.exit` at once would cut short.
	process.stdout.write('', () => setTimeout(() => process.exit(code), 1000).unref());
}
