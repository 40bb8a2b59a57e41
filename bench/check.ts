/**
 * `npm run bench` (part 4): `opsbook check` on this repository's runbooks (the Orion runbook),
 * the whole process as a user or a CI job waits for it, against Node starting and exiting on its
 * own, measured in the same run on the same machine. Target (issue 12): well under a second.
 * Printed, never asserted.
 */
import { spawnSync } from 'node:child_process';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);

/** This repository's own runbooks and config, whatever the shell points at. */
const env = { ...process.env };
delete env.OPSBOOK_CONTENT_DIR;
delete env.OPSBOOK_CONFIG;

function timed(args: string[]): number {
	const started = performance.now();
	const result = spawnSync(process.execPath, args, { stdio: 'ignore', env });
	if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
	return performance.now() - started;
}

const check: number[] = [];
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
	// Alternate, so neither always runs on a warmer machine.
	bare.push(timed(['--eval', '']));
	check.push(timed(['bin/opsbook.ts', 'check']));
}
const best = (xs: number[]) => Math.min(...xs);
console.log(`\nopsbook check on the Orion runbooks, best of ${RUNS}\n`);
console.log(
	`check          ${best(check).toFixed(0)} ms vs node alone ${best(bare).toFixed(0)} ms   ${(best(check) / best(bare)).toFixed(2)}×  (target: well under 1000 ms)`,
);
