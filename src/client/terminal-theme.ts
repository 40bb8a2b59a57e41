/**
 * A terminal's colours, from its box's CSS: in the page for its own terminal, and sent from the
 * page to a terminal in its frame (`framed-terminal.ts`), which cannot see the page's CSS.
 */
import type { ITheme } from '@xterm/xterm';

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
export function themeOf(element: HTMLElement): ITheme {
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
