/**
 * `opsbook run ID`: one block from a terminal, with the guarantees of the page. The run goes
 * through a bridge session of its own (`session.ts`), so the same validation, quoting, targets,
 * ssh, audit log, verdict and gates apply; the output streams to the terminal, keystrokes go to
 * the block, and the process exits with the block's exit code (a check's: 0 pass or warn, 1 fail).
 *
 * Reaching a target other than `local` is a choice made on the command line, as arming it is on
 * the page: `--target NAME` or `--arm NAME`. A production target is armed only once its name has
 * been typed: at the prompt, or written out as `--arm-production NAME` in a script.
 */
import { constants } from 'node:os';
import { checkParamValue } from '../../src/runbook/params.ts';
import { renderTemplate } from '../../src/runbook/template.ts';
import { runDuration } from '../../src/incident/duration.ts';
import type { RunInfo } from '../../src/protocol.ts';
import type { CommandBlock } from '../../src/runbook/schema.ts';
import { defaultStateDir } from '../audit-log.ts';
import { projectPaths } from '../../src/runbook/runbooks-fs.ts';
import { EXIT, paramValues, parse, UsageError, type Command } from './common.ts';
import { ask, askParam, interactive } from './prompt.ts';
import { openSession, type Session } from './session.ts';

/** The options `run` and `test` share: where things run, and what is logged where. */
export const TARGET_OPTIONS = {
	target: { type: 'string' },
	arm: { type: 'string', multiple: true },
	'arm-production': { type: 'string', multiple: true },
	param: { type: 'string', multiple: true },
	yes: { type: 'boolean' },
	'audit-log': { type: 'string' },
	'ssh-config': { type: 'string' },
} as const;

export const TARGET_HELP = `  --target NAME          run on NAME: a read block anywhere, any other on its own target only.
                         Naming a target arms it for this command
  --arm NAME             let blocks reach NAME (repeatable); only local is armed otherwise
  --arm-production NAME  arm the production target NAME without a prompt: its name written
                         out is the confirmation (scripts, CI). At a terminal, --arm or
                         --target asks you to type it
  --param NAME=VALUE     a parameter's value, checked against its type (repeatable)
  --yes                  confirm destructive blocks, on targets not marked production
  --audit-log FILE       where runs are logged (default: ~/.local/state/opsbook/audit.jsonl)
  --ssh-config FILE      ssh client config for ssh targets (default: ssh's own)`;

export interface TargetValues {
	target?: string | undefined;
	arm?: string[] | undefined;
	'arm-production'?: string[] | undefined;
	'audit-log'?: string | undefined;
	'ssh-config'?: string | undefined;
}

/** Opens a bridge session on the project and arms what the command line names. */
export async function openArmed(values: TargetValues): Promise<Session> {
	const session = await openSession({
		project: projectPaths(),
		stateDir: defaultStateDir(),
		...(values['audit-log'] !== undefined && { auditLog: values['audit-log'] }),
		sshConfig: values['ssh-config'],
	});
	try {
		const production = new Set(values['arm-production'] ?? []);
		const names = [
			...new Set([
				...(values.target !== undefined ? [values.target] : []),
				...(values.arm ?? []),
				...production,
			]),
		];
		for (const name of names) {
			const target = session.targets().find((t) => t.name === name);
			if (!target) {
				const known = session
					.targets()
					.map((t) => t.name)
					.join(', ');
				throw new UsageError(`No target "${name}": the targets are ${known}.`);
			}
			if (target.kind === 'local') continue;
			let confirm: string | undefined;
			if (target.production) {
				if (production.has(name)) confirm = name;
				else if (interactive()) {
					confirm = await ask(`${name} is a production target: type its name to arm it: `);
				} else {
					throw new UsageError(
						`${name} is a production target: type its name at a terminal, or write it out with --arm-production ${name}.`,
					);
				}
			}
			const refused = await session.arm(name, confirm);
			if (refused) throw new UsageError(refused.message);
		}
		return session;
	} catch (error) {
		await session.close();
		throw error;
	}
}

/** What a run's end makes the process exit with. */
export function exitCodeOf(info: RunInfo): number {
	if (info.verdict) return info.verdict.outcome === 'fail' ? EXIT.failed : EXIT.ok;
	if (info.end !== 'exited') return EXIT.failed;
	if (info.exitCode !== undefined) return info.exitCode;
	const signal = info.signal ? constants.signals[info.signal as NodeJS.Signals] : undefined;
	return signal ? 128 + signal : EXIT.failed;
}

/** `exit 3 after 240 ms`, `check fail: no line matched /^up$/`… */
export function describeEnd(info: RunInfo): string {
	const took = info.durationMs !== undefined ? ` after ${runDuration(info.durationMs)}` : '';
	const how =
		info.end === 'exited'
			? info.exitCode !== undefined
				? `exit ${info.exitCode}`
				: `killed by ${info.signal}`
			: info.end === 'timeout'
				? 'timed out'
				: (info.end ?? 'ended');
	const verdict = info.verdict ? `check ${info.verdict.outcome}: ${info.verdict.reason}; ` : '';
	// A timeout's message only says the timeout again ("Stopped after the block's timeout of 1 s").
	const message = info.end === 'timeout' ? undefined : info.message;
	return `${verdict}${how}${took}${message ? `. ${message}` : ''}`;
}

/** The parameter values for `block`: given, else asked at a terminal, else a usage error. */
async function valuesFor(block: CommandBlock, given: Record<string, string>) {
	for (const name of Object.keys(given)) {
		if (!block.params.some((p) => p.name === name)) {
			throw new UsageError(`${block.id} has no parameter "${name}"`);
		}
	}
	const params: Record<string, string> = {};
	const missing: string[] = [];
	for (const spec of block.params) {
		const raw = given[spec.name];
		if (raw !== undefined) {
			const checked = checkParamValue(spec, raw);
			if (checked.ok) params[spec.name] = raw;
			else if (interactive()) params[spec.name] = await askParam(spec, checked.message);
			else throw new UsageError(checked.message);
		} else if (spec.default === undefined) {
			if (interactive()) params[spec.name] = await askParam(spec);
			else missing.push(spec.name);
		}
	}
	if (missing.length > 0) {
		throw new UsageError(
			`${block.id} needs ${missing.map((m) => `--param ${m}=VALUE`).join(' ')} (no terminal to ask at).`,
		);
	}
	return params;
}

/**
 * The confirmation word of a destructive block: typed, or `--yes` off production. Asked below
 * what the page's dialog shows: the command that will run (secrets as '***') and its target.
 */
async function confirmationFor(
	block: CommandBlock,
	params: Record<string, string>,
	target: { name: string; label?: string; production?: boolean | undefined },
	yes: boolean,
): Promise<string | undefined> {
	if (block.risk !== 'destructive') return undefined;
	const word = block.confirm ?? target.name;
	if (yes && !target.production) return word;
	const why = yes ? ` --yes does not confirm on ${target.name}, a production target.` : '';
	if (!interactive()) {
		throw new UsageError(
			`"${block.title}" is destructive: type "${word}" at a terminal to run it on ${target.name}, or add --yes (not on production).${why}`,
		);
	}
	if (why) process.stderr.write(`${why.trim()}\n`);
	const rendered = renderTemplate(block, params);
	if (!rendered.ok) throw new UsageError(rendered.errors.map((e) => e.message).join('\n'));
	const label = target.label ?? target.name;
	const on = `${label}${target.production ? ' (production)' : ''}`;
	process.stderr.write(
		`"${block.title}" is destructive. It will run this command on ${on}:\n\n${rendered.redacted
			.split('\n')
			.map((line) => `    ${line}`)
			.join('\n')}\n\n`,
	);
	const typed = await ask(`Confirm: type "${word}" to run it on ${target.name}: `);
	if (typed !== word) throw new UsageError(`Not confirmed: "${block.title}" did not run.`);
	return word;
}

const RUN_OPTIONS = { ...TARGET_OPTIONS, override: { type: 'string' } } as const;

export const run: Command = {
	name: 'run',
	options: RUN_OPTIONS,
	summary: 'run a block, streaming to the terminal, with the guarantees of the page',
	help: `Usage: opsbook run ID [--target NAME] [--param NAME=VALUE…] [--yes] [--override REASON]

Runs one block the way Run on its page does: the same checks of its parameters, quoting, risk,
target arming, confirmation, gates, audit log and verdict. Its output streams here, and what you
type goes to it. At a terminal it asks for the parameters it lacks; in a script it refuses.
Without a terminal, what is piped in is typed into the block (and echoed, as a terminal does),
then the end of input; a confirmation word is never read from a pipe: use --yes (not on
production). While an incident is open (~/.local/state/opsbook/incidents/), the run is recorded
in its timeline, as a run from the page is.

Options:
${TARGET_HELP}
  --override REASON      run a block whose needs=… have not passed in this command, saying why
                         (the audit log keeps the reason)

Examples:
  opsbook run db.status
  opsbook run app.restart --target staging --param service=api
  opsbook run cache.flush --yes                       a destructive block, not on production
  echo yes | opsbook run app.migrate                  answers the block's own question
  opsbook run db.failover --arm-production db-prod    asks for the confirmation word

Exit codes: the block's own exit code; for a check, 0 pass or warn and 1 fail; 1 when it could
not start, timed out or was stopped; 2 a usage or configuration error, or a run the bridge
refused (the message says why).`,
	async run(argv) {
		const { values, positionals } = parse(argv, RUN_OPTIONS);
		const [id, ...extra] = positionals;
		if (id === undefined || extra.length > 0)
			throw new UsageError('opsbook run takes one block id');
		const given = paramValues(values.param);
		const session = await openArmed(values);
		try {
			const block = session.registry.blocks.get(id);
			if (!block) throw new UsageError(`No block "${id}": opsbook list shows the ids.`);
			const where = values.target ?? block.target;
			const target = session.targets().find((t) => t.name === where) ?? { name: where };
			const params = await valuesFor(block, given);
			const confirm = await confirmationFor(block, params, target, values.yes === true);
			const tty = process.stdout.isTTY === true;
			const started = await session.run({
				block,
				params,
				on: values.target,
				confirm,
				override: values.override,
				cols: tty ? process.stdout.columns : 120,
				rows: tty ? process.stdout.rows : 40,
				output: (data) => process.stdout.write(data),
			});
			if ('ok' in started) {
				const hint =
					started.code === 'gate-closed'
						? ' Add --override "REASON" to run it anyway.'
						: started.code === 'target-not-armed'
							? ` Name it with --target ${where} or --arm ${where}.`
							: '';
				console.error(`opsbook: ${started.message}${hint}`);
				return EXIT.usage;
			}
			const { info } = await stream(started);
			console.error(`\nopsbook: ${block.id}: ${describeEnd(info)}`);
			const incident = session.recordedIn(info.id);
			if (incident) {
				console.error(
					`opsbook: recorded in the timeline of the open incident “${incident.title}” (${incident.file})`,
				);
			}
			return exitCodeOf(info);
		} finally {
			await session.close();
		}
	},
};

/**
 * Follows a started run to its end: at a terminal, keystrokes (Ctrl-C included) go to the block
 * and its terminal follows ours in size; Ctrl-C twice within a second stops it as Stop does
 * (Ctrl-C, then SIGTERM and SIGKILL to its process group). Without a terminal, SIGINT stops it,
 * and what is piped in (`echo yes | opsbook run …`) is typed into the block once it runs, then
 * Ctrl-D, so a block that reads to the end of its input ends too.
 */
async function stream(
	started: NonNullable<Exclude<Awaited<ReturnType<Session['run']>>, { ok: false }>>,
) {
	const stdin = process.stdin;
	const raw = stdin.isTTY === true;
	let lastInterrupt = 0;
	const onData = (data: Buffer) => {
		const text = data.toString('utf8');
		if (text.includes('\x03')) {
			if (performance.now() - lastInterrupt < 1000) started.stop();
			lastInterrupt = performance.now();
		}
		started.input(text);
	};
	const onResize = () => started.resize(process.stdout.columns, process.stdout.rows);
	const onSignal = () => started.stop();
	// The block's terminal reads lines (canonical mode): Ctrl-D at the start of a line ends its
	// input; after a last line without a newline, a first Ctrl-D ends that line.
	let endsLine = true;
	const onPiped = (text: string) => {
		if (text.length > 0) endsLine = text.endsWith('\n');
		started.input(text);
	};
	const onPipeEnd = () => started.input(endsLine ? '\x04' : '\x04\x04');
	process.stdout.on('resize', onResize);
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		if (raw) {
			stdin.setRawMode(true);
			stdin.on('data', onData);
			stdin.resume();
		} else {
			// Typed before the command runs, it would be lost.
			await started.running;
			stdin.setEncoding('utf8');
			stdin.on('data', onPiped);
			stdin.once('end', onPipeEnd);
			stdin.resume();
		}
		return await started.ended;
	} finally {
		if (raw) {
			stdin.off('data', onData);
			stdin.setRawMode(false);
		} else {
			stdin.off('data', onPiped);
			stdin.off('end', onPipeEnd);
		}
		stdin.pause();
		process.stdout.off('resize', onResize);
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	}
}
