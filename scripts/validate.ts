/**
 * Checks every runbook under `content/` and prints each problem as `file:line:column: message`.
 * Exit code 1 when there is any. `npm run validate`.
 */
import { formatProblems, loadRunbooks, projectPaths } from '../src/runbook/runbooks-fs.ts';

const loaded = await loadRunbooks(projectPaths());
if (loaded.problems.length > 0) {
	console.error(formatProblems(loaded.problems));
	process.exit(1);
}
console.log(
	`${loaded.blocks.length} command blocks in ${loaded.runbooks.length} pages: all valid.`,
);
