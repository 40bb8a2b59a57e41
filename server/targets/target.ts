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
 * exit marker). `exitCode` is set once the marker has been seen.
 */
export interface OutputFilter {
	push(chunk: Uint8Array): Uint8Array;
	/** Whatever was held back waiting for more bytes, at the end of the stream. */
	flush(): Uint8Array;
	/** The exit code the command reported in band, once seen. */
	readonly exitCode: number | undefined;
}

export interface PreparedRun {
	spawn: SpawnSpec;
	/** Present when the pty's own exit code is not the command's (ssh folds everything into 255). */
	filter?: OutputFilter;
}

/** A failure to reach a target, shown to the responder as `message`. */
export class TargetError extends Error {
	override name = 'TargetError';
}

export interface TargetDriver {
	readonly name: string;
	readonly target: Target;
	/**
	 * Makes the target ready and returns what to spawn for `command` (already rendered and quoted
	 * for a POSIX shell). Rejects with a `TargetError` when the target cannot be reached; the
	 * `signal` aborts a slow connect when the responder presses Stop.
	 */
	prepare(
		command: string,
		options: { runId: string; lang: string; signal: AbortSignal },
	): Promise<PreparedRun>;
	/** Closes what `prepare` opened (ssh masters). Called when the bridge shuts down. */
	close(): Promise<void>;
}
