/**
 * `npm run bench`: every benchmark, each against a baseline measured in the same run. Ratios and
 * targets are printed; nothing is asserted (timings belong here, not in tests).
 *
 *   node bench/run.ts [site|bridge|terminal|check]…   (all of them by default)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const ALL = ['site', 'bridge', 'terminal', 'check'];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
let failed = false;
for (const name of chosen) {
	const file = `bench/${name}.ts`;
	if (!existsSync(file)) {
		console.error(`no benchmark "${name}"; choose from ${ALL.join(', ')}`);
		process.exit(2);
	}
	const result = spawnSync(process.execPath, [file], { stdio: 'inherit' });
	failed ||= result.status !== 0;
}
process.exit(failed ? 1 : 0);
