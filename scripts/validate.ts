/**
 * Checks every runbook under `content/` and prints each problem as `file:line:column: message`.
 * Exit code 1 when there is any. `npm run validate`.
 */
import { formatProblems, loadRunbooks } from '../src/runbook/runbooks-fs.ts';

const root = process.cwd();
const loaded = await loadRunbooks({ root, contentDir: process.env.OPSBOOK_CONTENT_DIR });
if (loaded.problems.length > 0) {
	console.error(formatProblems(loaded.problems));
	process.exit(1);
}
console.log(`${loaded.blocks.length} command blocks in ${loaded.runbooks.length} pages: all valid.`);
