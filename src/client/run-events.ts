/**
 * Runs as news for the rest of the page: the bridge client announces every run it hears of (its
 * start, its end with a check's verdict, the recent runs a bridge lists on connecting) as an
 * `opsbook:run` event on `document`, so a part that follows runs, like the decision tree, needs
 * no handle on the bridge and works the same when there is none.
 */
import type { RunInfo } from '../protocol.ts';

export const RUN_EVENT = 'opsbook:run';

export function announceRun(run: RunInfo) {
	document.dispatchEvent(new CustomEvent<RunInfo>(RUN_EVENT, { detail: run }));
}

export function onRun(listener: (run: RunInfo) => void) {
	document.addEventListener(RUN_EVENT, (event) => listener((event as CustomEvent<RunInfo>).detail));
}
