/**
 * Gates: a block can name the blocks that must have passed before it runs.
 *
 * ```md
 * ```bash id=db.restart-app risk=change needs=db.ready|db.start
 * ```
 *
 * holds "Restart the API" until `db.ready` or `db.start` has passed; `needs=a,b` needs both. A
 * block has passed when its newest run in this bridge session, on its own target, passed: a
 * check's verdict is `pass`, any other block exited 0. A responder may still run a gated block
 * anyway, but only with a reason, which the audit log keeps.
 *
 * The rule lives here so the bridge (which enforces it) and the page (which shows it) agree.
 * Browser-safe: no imports.
 */

/** What a gate reads of a run (a `RunInfo`). */
export interface GateRun {
	block: string;
	state: 'starting' | 'running' | 'exited';
	end?: 'exited' | 'stopped' | 'timeout' | 'failed' | undefined;
	exitCode?: number | undefined;
	verdict?: { outcome: 'pass' | 'warn' | 'fail' } | undefined;
	/** Set when a read step was run elsewhere than its own target. */
	blockTarget?: string | undefined;
}

/**
 * What a run says about its block's gate: `true` it passed, `false` it did not (or has not ended
 * yet, so the newest run is not a pass), `undefined` it does not count: a read step run on
 * another machine by choice proves nothing about its own target.
 */
export function gateResult(run: GateRun): boolean | undefined {
	if (run.blockTarget !== undefined) return undefined;
	if (run.state !== 'exited') return false;
	if (run.verdict) return run.verdict.outcome === 'pass';
	return run.end === 'exited' && run.exitCode === 0;
}

/** The entries of `needs` that no passed block meets, each written as in `needs=` (`a|b`). */
export function unmetNeeds(
	needs: readonly (readonly string[])[] | undefined,
	passed: ReadonlySet<string> | ((block: string) => boolean),
): string[] {
	const has = typeof passed === 'function' ? passed : (id: string) => passed.has(id);
	return (needs ?? []).filter((group) => !group.some(has)).map((group) => group.join('|'));
}

/** The longest reason a "run anyway" may give: a sentence or two, not a document. */
export const MAX_OVERRIDE_REASON = 500;

/** A gated block run anyway: why, and which of its needs had not passed. */
export interface GateOverride {
	reason: string;
	/** The unmet entries of its `needs`, as written there (`db.ready|db.start`). */
	needs: string[];
}

/** A block as the site-wide check of `needs` sees it. */
export interface GatedBlock {
	id: string;
	needs?: readonly (readonly string[])[] | undefined;
	/** Where its `needs=` option is written. */
	at: { file: string; line: number; column: number };
}

export interface GateProblem {
	file: string;
	line: number;
	column: number;
	message: string;
}

/**
 * Checks every `needs` of the site: each names a block that exists, and no block needs itself,
 * directly or through others (it could never run without an override). `alsoKnown` are the ids of
 * blocks that exist but have problems of their own, reported where they stand.
 */
export function checkNeeds(
	blocks: readonly GatedBlock[],
	alsoKnown: Iterable<string> = [],
): GateProblem[] {
	const problems: GateProblem[] = [];
	const byId = new Map(blocks.map((b) => [b.id, b]));
	const known = new Set([...byId.keys(), ...alsoKnown]);
	for (const block of blocks) {
		for (const id of new Set(block.needs?.flat())) {
			if (!known.has(id)) {
				problems.push({
					...block.at,
					message: `needs names "${id}", which is no block of the site; give the id of a block (like needs=db.ready)`,
				});
			}
		}
	}
	// Depth-first search; each cycle is reported once, at the block where it was entered.
	const state = new Map<string, 'open' | 'done'>();
	const path: string[] = [];
	const visit = (id: string) => {
		state.set(id, 'open');
		path.push(id);
		for (const next of new Set(byId.get(id)?.needs?.flat())) {
			if (!byId.has(next)) continue;
			if (state.get(next) === 'open') {
				const cycle = [...path.slice(path.indexOf(next)), next];
				problems.push({
					...byId.get(next)!.at,
					message:
						cycle.length === 2
							? `needs names the block itself ("${next}"): it could never run`
							: `needs makes a cycle: ${cycle.join(' → ')}; none of these could ever run`,
				});
			} else if (!state.has(next)) visit(next);
		}
		path.pop();
		state.set(id, 'done');
	};
	for (const block of blocks) if (block.needs && !state.has(block.id)) visit(block.id);
	return problems;
}
