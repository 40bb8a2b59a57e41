/**
 * What tests look for on this machine: processes (the test sshd runs here, so "remote" ones are
 * in the same process table), open file descriptors, free loopback ports, and a condition to
 * become true.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';

/** The pids of processes for which `matches` holds; processes that end meanwhile are skipped. */
async function processesWhere(matches: (pid: string) => Promise<boolean>): Promise<number[]> {
	const found: number[] = [];
	for (const entry of await readdir('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			if (await matches(entry)) found.push(Number(entry));
		} catch {
			// Gone, or not ours to read.
		}
	}
	return found;
}

/** Processes whose argv `match` accepts. */
export function processes(match: (argv: string[]) => boolean): Promise<number[]> {
	return processesWhere(async (pid) =>
		match((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').slice(0, -1)),
	);
}

/** Processes whose command line is exactly `argv`. */
export function processesRunning(argv: string[]): Promise<number[]> {
	return processes((found) => found.join('\0') === argv.join('\0'));
}

/** The processes a bridge run started: they carry `OPSBOOK_RUN=<id>` in their environment. */
export function processesOfRun(runId: string): Promise<number[]> {
	return processesWhere(async (pid) =>
		(await readFile(`/proc/${pid}/environ`, 'latin1')).split('\0').includes(`OPSBOOK_RUN=${runId}`),
	);
}

/** Every process's command line, as `ps` would show it (arguments joined by spaces). */
export async function commandLines(): Promise<string[]> {
	const lines: string[] = [];
	await processesWhere(async (pid) => {
		lines.push((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' '));
		return false;
	});
	return lines;
}

/** What each open descriptor of process `pid` refers to (`/dev/pts/3`, `/dev/ptmx`, `pipe:[…]`). */
export async function descriptorsOf(pid: number): Promise<Map<number, string>> {
	const found = new Map<number, string>();
	for (const fd of await readdir(`/proc/${pid}/fd`)) {
		try {
			found.set(Number(fd), await readlink(`/proc/${pid}/fd/${fd}`));
		} catch {
			// Closed while we were reading.
		}
	}
	return found;
}

/** The file descriptors this process has open. */
export async function openDescriptors(): Promise<number> {
	return (await readdir('/proc/self/fd')).length;
}

/** A loopback port free right now. */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

/**
 * A loopback port nothing listens on, and that no other test will take: below Linux's ephemeral
 * range (32768 and up), where every `listen(0)` of the test run gets its port, so the sshd started
 * next or a bridge in a parallel test file cannot land on it and answer where a refusal is meant.
 */
export async function quietPort(): Promise<number> {
	for (;;) {
		const port = 20_000 + Math.floor(Math.random() * 10_000);
		const free = await new Promise<boolean>((resolve) => {
			const server = createServer();
			server.once('error', () => resolve(false));
			server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
		});
		if (free) return port;
	}
}

/** Polls `check` until it gives a value other than `undefined` or `false`; fails after `ms`. */
export async function until<T>(
	check: () => Promise<T | undefined | false> | T | undefined | false,
	what: string,
	ms = 10_000,
): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await check();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}
