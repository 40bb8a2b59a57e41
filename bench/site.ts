/**
 * `npm run bench` (part 1): what typed command blocks cost a runbook page, against the same pages with
 * plain code blocks and no Opsbook, built in the same run on the same machine.
 *
 * - build time: `astro build` of each, best of RUNS;
 * - page JS: bytes of the scripts each runbook page loads (module scripts and inline ones),
 *   raw and gzipped.
 *
 * Targets (issue 2): JS ≤ 1.15×, build ≤ 1.3×. Printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SHELL_LANGS } from '../src/runbook/parse.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const work = resolve('tests/.tmp/bench');
const astro = resolve('node_modules/astro/bin/astro.mjs');

/**
 * Every build clears Astro's content cache (`--force`): the two sites read different content
 * folders, and a cache left by the plain one breaks the next ordinary build of the project.
 */
function build(outDir: string, env: Record<string, string>): number {
	const started = performance.now();
	const result = spawnSync(process.execPath, [astro, 'build', '--force'], {
		stdio: 'ignore',
		env: { ...process.env, ...env, OPSBOOK_OUT_DIR: outDir },
	});
	if (result.status !== 0) throw new Error(`astro build failed for ${outDir}`);
	return performance.now() - started;
}

/** The same runbooks with every command block turned into a plain code block. */
async function plainContent(dir: string) {
	await rm(dir, { recursive: true, force: true });
	await cp('content', dir, { recursive: true });
	const fence = new RegExp(`^(\\s*\`\`\`(?:${[...SHELL_LANGS].join('|')}))\\b.*$`, 'gm');
	for (const entry of await readdir(dir, { recursive: true })) {
		if (!entry.endsWith('.mdx')) continue;
		const path = join(dir, entry);
		await writeFile(path, (await readFile(path, 'utf8')).replace(fence, '$1 static'));
	}
}

/** Bytes of script a page loads before any interaction: its scripts and their static imports. */
async function pageJs(site: string, slug: string) {
	const html = await readFile(join(site, slug, 'index.html'), 'utf8');
	const seen = new Set<string>();
	let raw = 0;
	let gzip = 0;
	const add = (code: Buffer) => {
		raw += code.length;
		gzip += gzipSync(code).length;
	};
	const addModule = async (path: string) => {
		if (seen.has(path)) return;
		seen.add(path);
		const code = await readFile(join(site, path));
		add(code);
		// Static imports load with the page; `import()` waits for an interaction.
		for (const [, spec = ''] of code
			.toString()
			.matchAll(
				/(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]*from\s*)?["'](\.{1,2}\/[^"']+)["']/g,
			)) {
			await addModule(posix.join(posix.dirname(path), spec));
		}
	};
	for (const [, attrs = '', body = ''] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
		if (/type="application\/(ld\+)?json"/.test(attrs)) continue;
		const src = /src="([^"]+)"/.exec(attrs)?.[1];
		if (src) await addModule(src);
		else add(Buffer.from(body));
	}
	return { raw, gzip };
}

await mkdir(work, { recursive: true });
// At the root, beside content/, so the pages' relative imports resolve the same.
const plainDir = resolve('.bench-content');
await plainContent(plainDir);
const opsbookOut = join(work, 'opsbook');
const plainOut = join(work, 'plain');
const times = { opsbook: [] as number[], plain: [] as number[] };
for (let i = 0; i < RUNS; i++) {
	// Alternate, so neither build always runs on a warmer machine.
	times.plain.push(build(plainOut, { OPSBOOK_CONTENT_DIR: plainDir, OPSBOOK_PLAIN: '1' }));
	times.opsbook.push(build(opsbookOut, {}));
}
const best = (xs: number[]) => Math.min(...xs);

const slugs = (await readdir('content/runbooks'))
	.filter((f) => f.endsWith('.mdx'))
	.map((f) => `runbooks/${f.replace(/\.mdx$/, '')}`);
let opsbookJs = { raw: 0, gzip: 0 };
let plainJs = { raw: 0, gzip: 0 };
for (const slug of slugs) {
	const a = await pageJs(opsbookOut, slug);
	const b = await pageJs(plainOut, slug);
	opsbookJs = { raw: opsbookJs.raw + a.raw, gzip: opsbookJs.gzip + a.gzip };
	plainJs = { raw: plainJs.raw + b.raw, gzip: plainJs.gzip + b.gzip };
}
await rm(plainDir, { recursive: true, force: true });
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(
	`\nOpsbook vs plain Starlight code blocks, ${slugs.length} runbook pages, best of ${RUNS} builds\n`,
);
console.log(
	`build time     ${(best(times.opsbook) / 1000).toFixed(2)} s vs ${(best(times.plain) / 1000).toFixed(2)} s   ${ratio(best(times.opsbook), best(times.plain))}  (target ≤ 1.30×)`,
);
console.log(
	`JS per page    ${kib(opsbookJs.raw / slugs.length)} vs ${kib(plainJs.raw / slugs.length)}   ${ratio(opsbookJs.raw, plainJs.raw)}  (target ≤ 1.15×)`,
);
console.log(
	`  gzipped      ${kib(opsbookJs.gzip / slugs.length)} vs ${kib(plainJs.gzip / slugs.length)}   ${ratio(opsbookJs.gzip, plainJs.gzip)}`,
);
