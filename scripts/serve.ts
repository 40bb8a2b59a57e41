/**
 * `npm start` (after the build): the site and the bridge on 127.0.0.1, one URL to open.
 * Options after `npm start --` are the bridge's (`--max-risk read`, `--port 8080`…); see server/cli.ts.
 */
import { runCli } from '../server/cli.ts';

await runCli(['serve', ...process.argv.slice(2)]);
