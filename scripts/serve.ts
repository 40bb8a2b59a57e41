/**
 * `npm start` (after the build): the site and the bridge on 127.0.0.1, one URL to open.
 * Options after `npm start --` are the bridge's (`--max-risk read`, `--port 8080`…); see server/cli.ts.
 */
import { main, UsageError } from '../server/cli.ts';
import { RunbookError } from '../src/runbook/runbooks-fs.ts';

try {
	await main(['serve', ...process.argv.slice(2)]);
} catch (error) {
	if (error instanceof RunbookError || error instanceof UsageError) {
		console.error(error.message);
		process.exit(2);
	}
	throw error;
}
