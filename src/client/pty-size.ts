/**
 * The size a run's terminal starts at, in cells: what `terminal.ts` gives a new terminal, and what
 * the page asks the bridge for when it starts a run before that terminal has loaded. No xterm
 * here, and nothing else: the page loads this with its run panels, and terminal code only on a
 * first Run.
 */

/** Starlight's breakpoint for its sidebar: below it, a phone or a narrow window. */
export const WIDE = '(min-width: 50rem)';

/** The fewest columns on a wide screen (`TerminalPlace.wide`), where tools' tables fit. */
export const WIDE_COLS = 120;
/** The fewest columns on a narrower screen: what programs assume when they cannot tell. */
export const NARROW_COLS = 80;
/** Rows before any output: a few lines, enough for a prompt and its answer. */
export const MIN_ROWS = 8;

/**
 * The size a new terminal takes (`terminal.ts`), known before it has loaded: its fewest columns
 * and rows. A run starts at this size while its terminal loads, and the pty is resized if the
 * terminal turns out otherwise. It rarely does: at its font size, 120 columns are wider than
 * Starlight's content column and 80 wider than a phone, so a new terminal keeps its minimum and
 * scrolls sideways.
 */
export function firstSize(): { cols: number; rows: number } {
	return { cols: matchMedia(WIDE).matches ? WIDE_COLS : NARROW_COLS, rows: MIN_ROWS };
}
