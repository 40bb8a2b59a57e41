/**
 * The bridges running for this user, so that `npm run pair` can print a running bridge's link
 * again without restarting it (which would stop its runs). Each bridge keeps a small record in
 * the private state folder while it runs: its process, and where its site and socket are. The
 * token itself stays in its own file; the link is put together when it is asked for.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRAGMENT_KEY } from '../src/protocol.ts';

export interface RunningRecord {
	pid: number;
	/** The site's URL: the bridge's own, or the published one it serves pages of. */
	site: string;
	/** For a standalone bridge, the `host:port` the page must be told. */
	bridgeHost?: string;
}

/** The link that pairs a tab: the site with the token (and a standalone bridge's address) in its fragment. */
export function pairingLink(record: Omit<RunningRecord, 'pid'>, token: string): string {
	const url = new URL(record.site);
	url.hash =
		record.bridgeHost === undefined
			? `${FRAGMENT_KEY}=${token}`
			: `${FRAGMENT_KEY}=${token}@${record.bridgeHost}`;
	return url.href;
}

const folder = (stateDir: string) => join(stateDir, 'running');

/** Records a running bridge on `port`; returns what removes the record when it stops. */
export function recordRunning(stateDir: string, port: number, record: RunningRecord): () => void {
	mkdirSync(folder(stateDir), { recursive: true, mode: 0o700 });
	const file = join(folder(stateDir), `${port}.json`);
	writeFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
	return () => rmSync(file, { force: true });
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** The bridges whose process still runs, by port; records of bridges that died are removed. */
export function runningBridges(stateDir: string): Array<RunningRecord & { port: number }> {
	let names: string[];
	try {
		names = readdirSync(folder(stateDir));
	} catch {
		return [];
	}
	const found: Array<RunningRecord & { port: number }> = [];
	for (const name of names.filter((n) => /^\d+\.json$/.test(n)).sort()) {
		const file = join(folder(stateDir), name);
		try {
			const record = JSON.parse(readFileSync(file, 'utf8')) as RunningRecord;
			if (alive(record.pid)) found.push({ ...record, port: Number.parseInt(name, 10) });
			else rmSync(file, { force: true });
		} catch {
			rmSync(file, { force: true });
		}
	}
	return found;
}
