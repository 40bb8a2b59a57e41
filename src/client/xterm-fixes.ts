/**
 * Work-arounds for xterm.js behaviour that costs Opsbook's terminal, each until xterm.js fixes it
 * upstream. Each reaches into xterm's internals, so each checks that what it changes is there and
 * otherwise leaves xterm as it is; a browser test fails if one no longer applies.
 */
import type { Terminal } from '@xterm/xterm';

type Selection = [number, number] | undefined;

/** The part of xterm's (internal) render service the fix below changes. */
interface RenderService {
	handleSelectionChanged(start: Selection, end: Selection, columnSelectMode: boolean): void;
	_selectionState: { start: Selection; end: Selection; columnSelectMode: boolean };
}

/**
 * xterm.js tells its renderer of a selection change on every scroll, with nothing selected before
 * or after, and the DOM renderer then redraws every row ([xtermjs/xterm.js#4633], open). While
 * output scrolls, every frame drew all its rows twice, and drawing held by synchronized output
 * (DEC mode 2026, which `RunTerminal` uses in a flood) was drawn anyway. A change from no
 * selection to none (or to the empty one a click leaves) is now only recorded: there is nothing to
 * draw.
 *
 * [xtermjs/xterm.js#4633]: https://github.com/xtermjs/xterm.js/issues/4633
 */
export function skipEmptySelectionRedraws(term: Terminal) {
	const core = (term as unknown as { _core?: { _renderService?: Partial<RenderService> } })._core;
	const service = core?._renderService;
	const state = service?._selectionState;
	const handle = service?.handleSelectionChanged;
	if (!service || typeof handle !== 'function' || typeof state !== 'object') return;
	service.handleSelectionChanged = function (start, end, columnSelectMode) {
		// A click leaves a selection that starts and ends at one cell: nothing is selected.
		const selected = (s: Selection, e: Selection) =>
			s !== undefined && e !== undefined && (s[0] !== e[0] || s[1] !== e[1]);
		if (selected(state.start, state.end) || selected(start, end)) {
			return handle.call(this, start, end, columnSelectMode);
		}
		state.start = start;
		state.end = end;
		state.columnSelectMode = columnSelectMode;
	};
}
