/**
 * What a terminal reads of where it is shown (its font, colours, the window, its box's height):
 * read from the run panel's box in the page, by the page's own terminal and by the page for a
 * terminal in its frame (`framed-terminal.ts`), which cannot see the page. No xterm here: the
 * page side of a framed terminal loads none.
 */
import type { ITheme } from '@xterm/xterm';
import { WIDE } from './pty-size.ts';

/**
 * ANSI colours readable on a light background (xterm's defaults assume a dark one: yellow and
 * white vanish on white). A palette costs nothing per cell, unlike `minimumContrastRatio`, which
 * slowed a flood of coloured output by a fifth here.
 */
const LIGHT_PALETTE: ITheme = {
	black: '#24292f',
	red: '#cf222e',
	green: '#116329',
	yellow: '#4d2d00',
	blue: '#0969da',
	magenta: '#8250df',
	cyan: '#1b7c83',
	white: '#6e7781',
	brightBlack: '#57606a',
	brightRed: '#a40e26',
	brightGreen: '#1a7f37',
	brightYellow: '#633c01',
	brightBlue: '#218bff',
	brightMagenta: '#a475f9',
	brightCyan: '#3192aa',
	brightWhite: '#8c959f',
};

/**
 * A CSS colour as `rgba(…)`, which xterm.js reads: it takes hex and `rgb()` only, and refuses a
 * see-through colour in any other form, such as the `color-mix()` of `--ob-term-selection`
 * (it then fell back to its own, white at 30 %, which cannot be seen on the light theme).
 */
function rgba(css: string): string | undefined {
	if (!css || !CSS.supports('color', css)) return undefined;
	const canvas = document.createElement('canvas');
	canvas.width = canvas.height = 1;
	const context = canvas.getContext('2d', { willReadFrequently: true });
	if (!context) return undefined;
	context.fillStyle = css;
	context.fillRect(0, 0, 1, 1);
	const [r = 0, g = 0, b = 0, a = 0] = context.getImageData(0, 0, 1, 1).data;
	return `rgba(${r}, ${g}, ${b}, ${(a / 255).toFixed(3)})`;
}

/** The terminal's colours from its element's CSS (Starlight's light or dark theme). */
function themeOf(element: HTMLElement): ITheme {
	const style = getComputedStyle(element);
	return {
		...(document.documentElement.dataset.theme === 'light' ? LIGHT_PALETTE : {}),
		background: style.backgroundColor,
		foreground: style.color,
		cursor: style.color,
		cursorAccent: style.backgroundColor,
		selectionBackground: rgba(style.getPropertyValue('--ob-term-selection').trim()),
	};
}

/**
 * What a terminal reads of where it is shown: the run panel's box in the page (`boxPlace`), or,
 * in the terminal's own frame (`terminal-frame.ts`), what the page tells it of that box.
 */
export interface TerminalPlace {
	/** The box's font. */
	readonly fontFamily: string;
	/** The terminal's colours, from the box's (Starlight's light or dark theme). */
	theme(): ITheme;
	/** Whether the window is wide (Starlight's sidebar shows): 120 columns at least (`terminal.ts`). */
	wide(): boolean;
	/** The window's height in CSS pixels: growth stops at a share of it (`terminal.ts`). */
	windowHeight(): number;
	/** Whether the box has a height of its own (its corner was dragged), which the rows then fit. */
	sized(): boolean;
	/** The height the rows fit in, CSS pixels: read only when `sized()` (it may lay out). */
	innerHeight(): number;
	/** Calls `size` when the box's size changes and `theme` when its colours do; returns a stop. */
	watch(changed: { size(): void; theme(): void }): () => void;
}

/** The run panel's box in the page, `container`, as the terminal's place. */
export function boxPlace(container: HTMLElement): TerminalPlace {
	return {
		fontFamily: getComputedStyle(container).fontFamily,
		theme: () => themeOf(container),
		wide: () => matchMedia(WIDE).matches,
		windowHeight: () => window.innerHeight,
		sized: () => container.style.height !== '',
		innerHeight: () => {
			// Inside the padding and any sideways scrollbar, which the fit addon counts as rows.
			const style = getComputedStyle(container);
			return (
				container.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
			);
		},
		watch(changed) {
			let frame = 0;
			const resized = new ResizeObserver(() => {
				cancelAnimationFrame(frame);
				frame = requestAnimationFrame(() => changed.size());
			});
			resized.observe(container);
			const themed = new MutationObserver(() => changed.theme());
			themed.observe(document.documentElement, {
				attributes: true,
				attributeFilter: ['data-theme'],
			});
			return () => {
				cancelAnimationFrame(frame);
				resized.disconnect();
				themed.disconnect();
			};
		},
	};
}
