/**
 * What every `opsbook` command shares: its exit codes, its option parsing and the project it
 * reads (see `projectPaths`).
 *
 * Options are parsed with `node:util`'s `parseArgs`, strict: an unknown option or a missing value
 * is a usage error (exit 2), never silently ignored. It needs no dependency in an installed bin,
 * it is what the bridge's options already used, and each command here is a handful of flags;
 * subcommands are a `switch` on the first word, and the help texts are written out by hand so
 * they can carry examples and read the way a responder needs them.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../start.ts';

/** 0 ok, 1 a failure of what was asked (a failing check, a block that failed), 2 usage or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const EXIT_CODES_HELP = `Exit codes: 0 ok, 1 a failure of what was asked, 2 a usage or configuration error.`;

export interface Command {
	name: string;
	/** One line for `opsbook --help`. */
	summary: string;
	/** The whole of `opsbook NAME --help`: usage, options, examples, exit codes. */
	help: string;
	/** The options it takes, as `parseArgs` reads them (besides `--help`): each is in `help`. */
	options: NonNullable<ParseArgsConfig['options']>;
	/** Runs the command; resolves with the exit code. */
	run(argv: string[]): Promise<number>;
}

/** `parseArgs` in strict mode, with `--help` on every command. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
	argv: string[],
	options: O,
	positionals = true,
) {
	return parseArgs({
		args: argv,
		allowPositionals: positionals,
		strict: true,
		options: { ...options, help: { type: 'boolean', short: 'h' } },
	});
}

/** `--param k=v` values, as a record; a value may hold `=`. */
export function paramValues(raw: readonly string[] | undefined): Record<string, string> {
	const values: Record<string, string> = {};
	for (const item of raw ?? []) {
		const at = item.indexOf('=');
		if (at <= 0) throw new UsageError(`--param takes NAME=VALUE, not "${item}"`);
		values[item.slice(0, at)] = item.slice(at + 1);
	}
	return values;
}

export { UsageError };
