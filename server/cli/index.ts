/**
 * `opsbook <command>`: the dispatcher. Each command is a `Command` (`common.ts`) with its own
 * `--help`; errors a user can fix (a wrong option, a malformed runbook, a refused run) end with
 * their message and exit code 2, never a stack trace.
 */
import { ProjectError, RunbookError } from '../../src/runbook/runbooks-fs.ts';
import {
	BRIDGE_PARSE_OPTIONS,
	main as bridgeMain,
	HELP as BRIDGE_HELP,
	printPairingLinks,
} from '../cli.ts';
import { PermissionError } from '../private-files.ts';
import { EXIT, EXIT_CODES_HELP, parse, UsageError, type Command } from './common.ts';
import { check, importCommand, list, report, show } from './read.ts';
import { run } from './run.ts';
import { test } from './test.ts';

/** `serve` and `bridge` are the long-running bridge of `server/cli.ts`. */
function bridgeCommand(name: 'serve' | 'bridge', summary: string): Command {
	const { site, ...options } = BRIDGE_PARSE_OPTIONS;
	return {
		name,
		summary,
		help: BRIDGE_HELP[name],
		// serve reads --site only to point at bridge.
		options: name === 'bridge' ? { site, ...options } : options,
		async run(argv) {
			const running = await bridgeMain([name, ...argv]);
			// A bridge keeps the process alive until Ctrl-C.
			return running ? -1 : EXIT.ok;
		},
	};
}

const pair: Command = {
	name: 'pair',
	summary: 'print the pairing link of the running bridge',
	help: BRIDGE_HELP.pair,
	options: {},
	async run(argv) {
		parse(argv, {}, false);
		printPairingLinks();
		return EXIT.ok;
	},
};

export const COMMANDS: readonly Command[] = [
	list,
	show,
	run,
	check,
	test,
	bridgeCommand(
		'serve',
		'serve the built site and the bridge on 127.0.0.1 (npm start in this repository)',
	),
	bridgeCommand('bridge', 'the bridge alone, for a site published elsewhere'),
	pair,
	report,
	importCommand,
];

export const HELP = `Usage: opsbook <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`).join('\n')}

Run it in the site's folder: the runbooks are read from src/content/docs (or content/, or
OPSBOOK_CONTENT_DIR) and the targets from opsbook.config.ts (or OPSBOOK_CONFIG).
\`opsbook <command> --help\` gives a command's options and examples. Without a command, this
help goes to stderr and the exit code is 2.

Examples:
  npx opsbook check                          what the build would refuse, as file:line:column
  npx opsbook list --risk read
  npx opsbook run db.status                  asks for what it needs, streams the output
  npx opsbook test --junit runbooks.xml      every check block, as a JUnit report
  npx astro build && npx opsbook serve       the site and the bridge; open the link it prints

${EXIT_CODES_HELP}`;

/** Runs `argv`; resolves with the exit code, or -1 when a server keeps running. */
export async function main(argv: string[]): Promise<number> {
	const [name, ...rest] = argv;
	// No command is a usage error, as in git or npm: a script that forgot its command must not
	// pass. Asking for the help is not.
	if (name === undefined) {
		console.error(`opsbook: no command given\n\n${HELP}`);
		return EXIT.usage;
	}
	if (name === '--help' || name === '-h' || name === 'help') {
		const topic = name === 'help' ? rest[0] : undefined;
		const about = topic === undefined ? undefined : COMMANDS.find((c) => c.name === topic);
		if (topic !== undefined && !about) {
			console.error(`opsbook: unknown command "${topic}"\n\n${HELP}`);
			return EXIT.usage;
		}
		console.log(about?.help ?? HELP);
		return EXIT.ok;
	}
	const command = COMMANDS.find((c) => c.name === name);
	if (!command) {
		console.error(`opsbook: unknown command "${name}"\n\n${HELP}`);
		return EXIT.usage;
	}
	if (rest.includes('--help') || rest.includes('-h')) {
		console.log(command.help);
		return EXIT.ok;
	}
	try {
		return await command.run(rest);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException | undefined)?.code;
		if (code?.startsWith('ERR_PARSE_ARGS')) {
			console.error(
				`opsbook ${name}: ${(error as Error).message}\n\`opsbook ${name} --help\` lists its options.`,
			);
			return EXIT.usage;
		}
		if (error instanceof RunbookError) {
			console.error(`${error.message}\n\nFix these first (npx opsbook check lists them).`);
			return EXIT.usage;
		}
		if (
			error instanceof UsageError ||
			error instanceof PermissionError ||
			error instanceof ProjectError
		) {
			console.error(`opsbook ${name}: ${error.message}`);
			return EXIT.usage;
		}
		throw error;
	}
}
