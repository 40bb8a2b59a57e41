/**
 * Debian's Chromium, as the browser tests and the benchmarks start it: Playwright never downloads
 * a browser here, and without the background-networking flags Chromium tries hosts this machine
 * cannot reach.
 */
export const CHROMIUM = process.env.OPSBOOK_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
];
