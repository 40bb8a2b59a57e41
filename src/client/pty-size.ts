/**
 * The size a run's terminal starts at, in cells: what `terminal.ts` gives a new terminal, and what
 * the page asks the bridge for when it starts a run before that terminal has loaded; and the
 * height its panel opens at. No xterm here, and nothing else: the page loads this with its run
 * panels, and terminal code only on a first Run.
 */

/** Starlight's breakpoint for its sidebar: below it, a phone or a narrow window. */
export const WIDE = '(min-width: 50rem)';

/** The fewest columns on a wide screen (`TerminalPlace.wide`), where tools' tables fit. */
export const WIDE_COLS = 120;
/** The fewest columns on a narrower screen: what programs assume when they cannot tell. */
export const NARROW_COLS = 80;
/** Rows before any output: a few lines, enough for a prompt and its answer. */
export const MIN_ROWS = 8;
/** The terminal's font size in CSS pixels: smaller than the page's code, so more columns show. */
export const FONT_SIZE = 13;

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

/** A new terminal's rows in CSS pixels: 8 rows of 13 px text, 15 px each in the usual monospace fonts. */
const FIRST_ROWS_PX = 120;

let scrollbar: number | undefined;
/**
 * The height of a sideways scrollbar here: 0 where scrollbars overlay the content (phones). Read
 * once a document: the probe lays the page out, and a page opening many panels at once (runs
 * brought back after a reload) would lay it out for each.
 */
export function scrollbarHeight(): number {
	if (scrollbar !== undefined) return scrollbar;
	const probe = document.createElement('div');
	probe.style.cssText =
		'position: absolute; top: -200px; width: 100px; height: 100px; overflow: scroll';
	document.body.append(probe);
	scrollbar = probe.offsetHeight - probe.clientHeight;
	probe.remove();
	return scrollbar;
}

/** A cell's width at the terminal's font size, by font: measured once each. */
const cellWidths = new Map<string, number>();
function cellWidth(fontFamily: string): number | undefined {
	let width = cellWidths.get(fontFamily);
	if (width === undefined) {
		const context = document.createElement('canvas').getContext('2d');
		if (!context) return undefined;
		context.font = `${FONT_SIZE}px ${fontFamily}`;
		width = context.measureText('W').width;
		cellWidths.set(fontFamily, width);
	}
	return width;
}

/**
 * The height a new terminal in `box` takes, in CSS pixels, before it has loaded: its rows, and
 * under them the sideways scrollbar when its columns are wider than the box (always, in
 * Starlight's content column; not in a window just under the wide breakpoint). The run panel
 * opens at this height, so nothing under it moves when the terminal comes.
 */
export function firstHeight(box: HTMLElement): number {
	const style = getComputedStyle(box);
	const cell = cellWidth(style.fontFamily);
	if (cell === undefined) return FIRST_ROWS_PX;
	const columns = firstSize().cols * cell;
	const inside = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
	return FIRST_ROWS_PX + (columns > inside ? scrollbarHeight() : 0);
}
