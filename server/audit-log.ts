/**
 * The audit log: one JSON line per run event, appended to a file in the user's state directory
 * (`$XDG_STATE_HOME/opsbook/audit.jsonl`, by default `~/.local/state/opsbook/audit.jsonl`).
 *
 * A `start` line is written before the process starts and an `end` line is synced to disk before
 * any page hears that the run finished, so a bridge killed at any moment leaves every finished run
 * on record, and a run that started but has no `end` is visibly one that was cut off.
 * Secret parameter values never reach it: commands are logged redacted. The file is the user's
 * alone (0600): a looser one is tightened, one of another user refused (`private-files.ts`).
 */
import { closeSync, constants, mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GateOverride } from '../src/runbook/gates.ts';
import type { Verdict } from '../src/runbook/verdict.ts';
import { openPrivateFile } from './private-files.ts';

export interface AuditStart {
	event: 'start';
	time: string;
	run: string;
	target: string;
	/** The target the block names, when a read step was run elsewhere by choice. */
	blockTarget?: string;
	block: string;
	/** The page the block is on, and the page it was run from. */
	blockPage: string;
	page?: string;
	/** The resolved command with secrets as `'***'`. */
	command: string;
	/** Its `needs` had not passed: the responder ran it anyway, for this reason. */
	override?: GateOverride;
	/** A drill's run (the scenario's name): answered from the scenario, nothing was executed. */
	drill?: string;
}

export interface AuditEnd {
	event: 'end';
	time: string;
	run: string;
	target: string;
	block: string;
	end: string;
	exitCode?: number;
	signal?: string;
	durationMs: number;
	outputBytes: number;
	message?: string;
	/** For a check: pass, warn or fail, and why. */
	verdict?: Verdict;
	/** A drill's run (the scenario's name): answered from the scenario, nothing was executed. */
	drill?: string;
}

/** A target armed or disarmed for the bridge session: from then on steps may (or may not) reach it. */
export interface AuditArm {
	event: 'arm' | 'disarm';
	time: string;
	target: string;
	/**
	 * From a page, `--arm` at start-up, an `opsbook run`/`opsbook test` on the command line, or
	 * `drill-end` for the drill's own arming, disarmed as the drill ended.
	 */
	by: 'page' | 'start-up' | 'cli' | 'drill-end';
	/** Armed in a drill (the scenario's name): practice only, nothing can reach the target. */
	drill?: string;
}

/** A drill started or ended: the runs between are answered from its scenario. */
export interface AuditDrill {
	event: 'drill-start' | 'drill-end';
	time: string;
	/** The scenario's name, and the incident its timeline is kept as. */
	drill: string;
	incident: string;
}

export type AuditEntry = AuditStart | AuditEnd | AuditArm | AuditDrill;

/** Where the audit log lives unless configured. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
	return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'opsbook');
}

export class AuditLog {
	readonly path: string;
	#file: Promise<FileHandle> | undefined;
	#queue: Promise<void> = Promise.resolve();

	/** Checks an existing log at once, so a bridge refuses to start rather than fail its first run. */
	constructor(path: string) {
		this.path = path;
		let fd: number | undefined;
		try {
			fd = openPrivateFile(path, constants.O_WRONLY | constants.O_APPEND, 'the audit log');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
		if (fd !== undefined) closeSync(fd);
	}

	/** Appends one entry and resolves once it is on disk. Entries are written in call order. */
	append(entry: AuditEntry): Promise<void> {
		const line = `${JSON.stringify(entry)}\n`;
		const write = this.#queue.then(async () => {
			this.#file ??= this.#open();
			const file = await this.#file;
			await file.appendFile(line);
			await file.datasync();
		});
		// One failed write must not stop the ones after it; the caller sees its own failure.
		this.#queue = write.catch(() => {});
		return write;
	}

	async #open(): Promise<FileHandle> {
		mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
		// Made, or checked again (ours, 0600, no symlink), before the handle that writes it.
		const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
		closeSync(openPrivateFile(this.path, flags, 'the audit log'));
		return open(this.path, flags | constants.O_NOFOLLOW, 0o600);
	}

	async close() {
		await this.#queue;
		const file = this.#file;
		this.#file = undefined;
		if (file) await (await file).close();
	}
}
