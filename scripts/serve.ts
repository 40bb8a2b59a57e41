/**
 * `npm start` (after the build): serves the site on 127.0.0.1 and prints the URL to open.
 * PORT and HOST change where; the default port is 4321, or a free one when it is taken.
 */
import { resolve } from 'node:path';
import { serveStatic } from '../server/static.ts';

const host = process.env.HOST ?? '127.0.0.1';
const wanted = Number(process.env.PORT ?? 4321);
const root = resolve(process.env.OPSBOOK_OUT_DIR ?? 'dist');

let site;
try {
	site = await serveStatic({ root, host, port: wanted });
} catch (error) {
	if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || process.env.PORT) throw error;
	site = await serveStatic({ root, host, port: 0 });
}
console.log(`\n  Opsbook is serving the runbooks at ${site.url}\n  Open it in your browser; Ctrl-C stops.\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => void site.close().then(() => process.exit(0)));
}
