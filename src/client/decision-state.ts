/**
 * Where a responder stands in a decision tree, kept in the browser's localStorage so it survives
 * reloads, other pages and a trip to a runbook and back, with no server.
 *
 * ```json
 * opsbook-tree:diagnosis → {
 *   "version": 1,
 *   "startedAt": 1718000000000,
 *   "verdicts": { "diagnosis.docker": { "block": …, "run": …, "outcome": "pass", "reason": "exit 0", "at": … } },
 *   "decisions": { "step-2-is-docker-running": { "step": …, "outcome": 0, "label": "Yes", "how": "check", "at": …, "verdicts": [ … ] } }
 * }
 * ```
 *
 * Every answer goes through {@link decide}, which stores a {@link DecisionRecord} and announces it
 * as an `opsbook:decision` event: the one place a later incident timeline needs to listen to.
 * The newest answer of a step wins, whichever way it came; "Start over" forgets everything, and
 * verdicts of runs started before it.
 */
import type { CheckVerdict, DecisionRecord, TreeStep } from '../runbook/tree.ts';
import { bridgeMode, MODE_EVENT, modeScope } from './mode.ts';

export const DECISION_EVENT = 'opsbook:decision';
/** Announced after Start over, with the tree's page slug. */
export const RESET_EVENT = 'opsbook:tree-reset';

export interface TreeState {
	version: 1;
	/** Runs that started before this (a Start over) decide nothing. 0: every run counts. */
	startedAt: number;
	/** The newest verdict of each check, by block id. */
	verdicts: Record<string, CheckVerdict>;
	/** The answer of each step, by step id. */
	decisions: Record<string, DecisionRecord>;
}

/**
 * The tree's storage key. A drill keeps its answers under its own incident
 * (`opsbook-tree:drill:<incident>:<tree>`): a new drill starts at step 1, and practice or a real
 * incident never sees what a trainee answered in one.
 */
const key = (tree: string) => {
	const scope = modeScope(bridgeMode.mode);
	return `opsbook-tree:${scope ? `${scope}:` : ''}${tree}`;
};

const empty = (startedAt = 0): TreeState => ({
	version: 1,
	startedAt,
	verdicts: {},
	decisions: {},
});

/** The stored state of a tree; a fresh one when there is none, or it cannot be read. */
export function loadState(tree: string): TreeState {
	try {
		const stored = JSON.parse(localStorage.getItem(key(tree)) ?? 'null') as TreeState | null;
		if (stored?.version === 1 && stored.decisions && stored.verdicts) return stored;
	} catch {
		// Storage refused (private mode, a full quota) or garbled: start from nothing.
	}
	return empty();
}

function saveState(tree: string, state: TreeState) {
	try {
		localStorage.setItem(key(tree), JSON.stringify(state));
	} catch {
		// The answer still shows on this page; it just will not survive a reload.
	}
}

/**
 * Answers `step` of `tree` with its `outcome`, by the verdicts of its checks or by hand, and
 * announces the record. Returns it.
 */
export function decide(
	tree: string,
	step: TreeStep,
	outcome: number,
	how: DecisionRecord['how'],
	{ at = Date.now(), verdicts }: { at?: number; verdicts?: CheckVerdict[] } = {},
): DecisionRecord {
	const record: DecisionRecord = {
		tree,
		step: step.id,
		outcome,
		label: step.outcomes[outcome]?.label ?? '',
		how,
		at,
		...(verdicts ? { verdicts } : {}),
	};
	const state = loadState(tree);
	state.decisions[step.id] = record;
	saveState(tree, state);
	document.dispatchEvent(new CustomEvent<DecisionRecord>(DECISION_EVENT, { detail: record }));
	return record;
}

/**
 * Keeps the verdict of a check's run, if it is newer than the one kept and the run started after
 * the last Start over. Returns the state with it, or undefined when it changed nothing (a run
 * heard again after a reload, or an old one).
 */
export function recordVerdict(tree: string, verdict: CheckVerdict, startedAt: number) {
	const state = loadState(tree);
	if (startedAt < state.startedAt) return undefined;
	const kept = state.verdicts[verdict.block];
	if (kept && (kept.run === verdict.run || kept.at >= verdict.at)) return undefined;
	state.verdicts[verdict.block] = verdict;
	saveState(tree, state);
	return state;
}

/** Forgets every answer and verdict of `tree`: the next incident starts at step 1. */
export function startOver(tree: string) {
	saveState(tree, empty(Date.now()));
	document.dispatchEvent(new CustomEvent<string>(RESET_EVENT, { detail: tree }));
}

/**
 * Calls `listener` when another tab of this browser changes the tree's state, or when a drill
 * starts or ends here and the state in scope is another.
 */
export function onOtherTab(tree: string, listener: () => void) {
	addEventListener('storage', (event) => {
		if (event.key === key(tree) || event.key === null) listener();
	});
	let scope = modeScope(bridgeMode.mode);
	bridgeMode.addEventListener(MODE_EVENT, () => {
		if (modeScope(bridgeMode.mode) === scope) return;
		scope = modeScope(bridgeMode.mode);
		listener();
	});
}

/**
 * Whether a run may answer a step in the mode the page is in: a drill's simulated runs only in
 * that drill, real runs only outside one.
 */
export function runCounts(run: { simulated?: true; blockTarget?: string }): boolean {
	// A read step run on another machine than its own says nothing about its own target (as for
	// gates, `gateResult`): a check run on this laptop must not answer a step about the server.
	if (run.blockTarget !== undefined) return false;
	return Boolean(run.simulated) === (bridgeMode.mode?.kind === 'drill');
}
