/**
 * How far a reader got in each walkthrough, kept in the browser's localStorage: no server, no
 * bridge, and it survives reloads, other pages and a closed browser.
 *
 * ```json
 * opsbook-walk:onboarding/first-on-call → {
 *   "version": 1,
 *   "startedAt": 1718000000000,
 *   "path": "/onboarding/first-on-call/", "title": "Your first on-call", "total": 9,
 *   "done": { "read-the-severity-levels": { "how": "hand", "at": … },
 *             "check-your-ssh-client": { "how": "check", "at": …, "run": "r7", "reason": "exit 0" } },
 *   "checks": { "onboarding.ssh-client": { "run": "r7", "outcome": "pass", "reason": "exit 0", "at": … } }
 * }
 * ```
 *
 * `path`, `title` and `total` are what the sidebar badge of another page needs to say "3/9"
 * without the walkthrough's model. Every change is announced as `opsbook:walk` on `document`.
 */
import type { Outcome } from '../runbook/verdict.ts';
import { WALK_PREFIX } from './storage-keys.ts';
import type { WalkthroughModel } from '../runbook/walkthrough.ts';

export const WALK_EVENT = 'opsbook:walk';

export interface StepDone {
	how: 'check' | 'hand';
	/** When, in ms since the epoch: the end of the passing run, or the click. */
	at: number;
	/** For `how: 'check'`: the run that passed, and its verdict's reason. */
	run?: string;
	reason?: string;
}

/** The newest verdict heard of a step's check. */
export interface CheckHeard {
	run: string;
	outcome: Outcome;
	reason: string;
	at: number;
}

export interface WalkState {
	version: 1;
	/** Runs that started before this (a Reset) mark nothing done. 0: every run counts. */
	startedAt: number;
	/** The page's path, title and number of steps, as last seen on the page. */
	path: string;
	title: string;
	total: number;
	done: Record<string, StepDone>;
	checks: Record<string, CheckHeard>;
}

const key = (page: string) => `${WALK_PREFIX}${page}`;

const empty = (startedAt = 0): WalkState => ({
	version: 1,
	startedAt,
	path: '',
	title: '',
	total: 0,
	done: {},
	checks: {},
});

function parse(text: string | null): WalkState | undefined {
	try {
		const stored = JSON.parse(text ?? 'null') as WalkState | null;
		if (stored?.version === 1 && stored.done && stored.checks) return stored;
	} catch {
		// Garbled: as if nothing were stored.
	}
	return undefined;
}

/** The stored progress of a walkthrough; a fresh one when there is none, or it cannot be read. */
export function loadWalk(page: string): WalkState {
	try {
		return parse(localStorage.getItem(key(page))) ?? empty();
	} catch {
		// Storage refused (private mode): start from nothing.
		return empty();
	}
}

function save(page: string, state: WalkState) {
	try {
		localStorage.setItem(key(page), JSON.stringify(state));
	} catch {
		// The progress still shows on this page; it just will not survive a reload.
	}
	document.dispatchEvent(new CustomEvent<string>(WALK_EVENT, { detail: page }));
}

/** Every walkthrough this browser has progress for, by page slug. */
export function allWalks(): Map<string, WalkState> {
	const walks = new Map<string, WalkState>();
	try {
		for (let i = 0; i < localStorage.length; i++) {
			const name = localStorage.key(i);
			if (!name?.startsWith(WALK_PREFIX)) continue;
			const state = parse(localStorage.getItem(name));
			if (state) walks.set(name.slice(WALK_PREFIX.length), state);
		}
	} catch {
		// No storage: no progress to show.
	}
	return walks;
}

/** The steps of `walk` done, of those it has now (a step renamed since is not counted). */
export const doneSteps = (walk: Pick<WalkthroughModel, 'steps'>, state: WalkState) =>
	walk.steps.filter((step) => state.done[step.id]);

/** Notes where the walkthrough is and how long it is, for the badges of other pages. */
export function visit(walk: WalkthroughModel, path: string) {
	const state = loadWalk(walk.page);
	const total = walk.steps.length;
	if (state.path === path && state.title === walk.title && state.total === total) return;
	// Steps the page no longer has would count towards a total that no longer holds them.
	const ids = new Set(walk.steps.map((s) => s.id));
	const done = Object.fromEntries(Object.entries(state.done).filter(([id]) => ids.has(id)));
	save(walk.page, { ...state, path, title: walk.title, total, done });
}

export function markDone(page: string, step: string, done: StepDone) {
	const state = loadWalk(page);
	state.done[step] = done;
	save(page, state);
}

export function markNotDone(page: string, step: string) {
	const state = loadWalk(page);
	delete state.done[step];
	save(page, state);
}

/**
 * Keeps the verdict of a run of `step`'s check, and marks the step done when it passed. Returns
 * false when it changed nothing: a run heard again (the bridge lists recent runs on connecting),
 * or one started before the last Reset.
 */
export function heardCheck(
	page: string,
	step: string,
	block: string,
	heard: CheckHeard,
	startedAt: number,
): boolean {
	const state = loadWalk(page);
	if (startedAt < state.startedAt) return false;
	const kept = state.checks[block];
	if (kept && (kept.run === heard.run || kept.at > heard.at)) return false;
	state.checks[block] = heard;
	if (heard.outcome === 'pass' && !state.done[step]) {
		state.done[step] = { how: 'check', at: heard.at, run: heard.run, reason: heard.reason };
	}
	save(page, state);
	return true;
}

/** Forgets the walkthrough's progress; runs that started before now mark nothing done. */
export function resetWalk(page: string) {
	const state = loadWalk(page);
	save(page, { ...empty(Date.now()), path: state.path, title: state.title, total: state.total });
}

/** Calls `listener` when another tab of this browser changes a walkthrough's progress. */
export function onOtherTab(listener: () => void) {
	addEventListener('storage', (event) => {
		if (event.key === null || event.key.startsWith(WALK_PREFIX)) listener();
	});
}
