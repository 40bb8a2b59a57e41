/**
 * A target is where a command runs. Each kind turns a rendered command into the argv of a
 * process to start in a pty, and may need to prepare a connection first (ssh opens its master).
 */
import type { Target } from '../../src/runbook/config.ts';

/** What to start in the pty. argv arrays only: nothing is ever joined into a shell string here. */
export interface SpawnSpec {
	file: string;
	args: string[];
	env: Record<string, string>;
	cwd: string;
}

/**
 * Reads a run's output as it streams and takes out what the target added to it (ssh's in-band
 * markers). `exitCode` is set once the exit marker has been seen.
 */
export interface OutputFilter {
	push(chunk: Uint8Array): Uint8Array;
	/** Whatever was held back waiting for more bytes, at the end of the stream. */
	flush(): Uint8Array;
	/** The exit code the command reported in band, once seen. */
	readonly exitCode: number | undefined;
	/**
	 * What the target asked, in band, to be typed into the pty (ssh: the secrets, once the remote
	 * side has turned its echo off). Given out once; the bridge writes it before anything else.
	 */
	takeInput?(): Uint8Array | undefined;
	/** True while the target waits for that input: a keystroke now would be read as a secret. */
	readonly waitingForInput?: boolean;
}

/** How many processes of a group there were, and how many were still there after the last signal. */
export interface ReapResult {
	found: number;
	left: number;
}

/**
 * The command's process group where the bridge cannot signal it itself (ssh: on the remote host,
 * where a remote command that traps signals outlives its session's hangup).
 */
export interface RemoteGroup {
	/**
	 * Sends each signal in turn to the whole group, waiting up to `graceMs` after each for it to
	 * be gone. Rejects with a `TargetError` when the group could not be checked (host unreachable,
	 * the remote side did not report its group).
	 */
	reap(signals: ('HUP' | 'TERM' | 'KILL')[], graceMs: number): Promise<ReapResult>;
}

export interface PreparedRun {
	spawn: SpawnSpec;
	/** Present when the pty's own exit code is not the command's (ssh folds everything into 255). */
	filter?: OutputFilter;
	/** Present when the command's processes are not in the pty's process group. */
	group?: RemoteGroup;
}

/** A failure to reach a target, shown to the responder as `message`. */
export class TargetError extends Error {
	override name = 'TargetError';
}

export interface PrepareOptions {
	runId: string;
	lang: string;
	signal: AbortSignal;
	/**
	 * Environment variables (name → value) the command needs and whose values must never appear
	 * on a command line: not in the argv of anything the bridge starts, here or on the target.
	 */
	secrets: Readonly<Record<string, string>>;
}

/** Names a shell can export, and values an environment can hold. */
export function checkSecrets(secrets: Readonly<Record<string, string>>) {
	for (const [name, value] of Object.entries(secrets)) {
		if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
			throw new TargetError(
				`The secret variable name ${JSON.stringify(name)} is not a valid environment variable name.`,
			);
		}
		if (value.includes('\0')) {
			throw new TargetError(
				`The value of ${name} holds a NUL byte, which no environment variable can.`,
			);
		}
	}
}

/**
 * What a drill plays instead of starting a process (`drill.ts`): the scenario's answer, as the
 * real command would print it, streamed over `durationMs`.
 */
export interface Playback {
	/** The output as a terminal shows it (`\r\n` line ends). */
	output: Uint8Array;
	durationMs: number;
	/** How it exits; undefined when the scenario has no answer (the run then ends `failed`). */
	exitCode: number | undefined;
	/** Said with the run's end (the scenario has no answer for this block). */
	message?: string;
}

/**
 * Stands in for a target during a drill: it is asked for the scenario's answer to a block, and
 * never for anything to spawn. A run on it goes through everything a real run does but the process.
 */
export interface SimulatedDriver {
	readonly name: string;
	readonly target: Target;
	readonly simulated: true;
	/**
	 * The scenario's answer to `block` now (it changes once the fix has run). `blockTarget` is
	 * the target the block names: a read step run elsewhere ("Run on this machine") is not answered.
	 * `values` are the run's parameter values (no secrets), which the answer may name.
	 */
	play(block: string, blockTarget: string, values: Readonly<Record<string, string>>): Playback;
}

export interface TargetDriver {
	readonly name: string;
	readonly target: Target;
	/**
	 * Makes the target ready and returns what to spawn for `command` (already rendered and quoted
	 * for a POSIX shell). Rejects with a `TargetError` when the target cannot be reached; the
	 * `signal` aborts a slow connect when the responder presses Stop.
	 */
	prepare(command: string, options: PrepareOptions): Promise<PreparedRun>;
	/** Closes what `prepare` opened (ssh masters). Called when the bridge shuts down. */
	close(): Promise<void>;
}
