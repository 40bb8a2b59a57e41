/**
 * The `ssh` target: commands run on a remote host through the system OpenSSH client, so the
 * responder's `~/.ssh/config`, agent and known_hosts apply exactly as on their command line.
 *
 * One master connection per target (`ControlMaster`), started outside any pty and reused by every
 * run: a run is a multiplexed session, `ssh -tt` in the run's pty, so Ctrl-C and the interactive
 * terminal reach the remote command and closing the session hangs it up.
 *
 * ssh exits 255 on any failure of its own and folds a remote signal into 255 too, so the remote
 * side prints the command's real exit status in band, after the command, as an OSC sequence
 * carrying a per-run nonce; {@link markerFilter} takes it and the other markers out of the output:
 *
 *     ESC ] opsbook-pgid ; <nonce> ; <pgid> BEL     first: the remote process group (0: unknown)
 *     ESC ] opsbook-ready ; <nonce> ; 0 BEL         echo is off: send the secrets
 *     ESC ] opsbook-exit ; <nonce> ; <status> BEL   last: the command's exit status
 *
 * Each marker counts the first time only, and the first two come before the command starts, so a
 * command that reads the nonce cannot forge them.
 *
 * The remote command's process group is the wrapper's: the login shell `exec`s it, so it leads
 * the session sshd made. A remote command that ignores the hangup of a closing session would
 * outlive it; the bridge ends that group through a session of its own over the master
 * ({@link REAP_SCRIPT}), on Stop and after every run, for whatever the command left behind.
 *
 * Secrets never go on a command line, here or there, and SendEnv/AcceptEnv cannot be counted on:
 * the wrapper turns the remote terminal's echo off, says it is ready, reads one line per secret
 * (escaped into printable ASCII, so no byte of it is a terminal control character), exports
 * them, turns echo back on, and only then starts the command. Locally, echo is off before ssh
 * starts, so the secrets cannot echo before ssh puts the terminal in raw mode either.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import type { SshTargetSchema } from '../../src/runbook/config.ts';
import { shellQuote } from '../../src/runbook/shell.ts';
import {
	checkSecrets,
	TargetError,
	type OutputFilter,
	type PreparedRun,
	type RemoteGroup,
	type TargetDriver,
} from './target.ts';

export type SshTarget = z.output<typeof SshTargetSchema>;

export interface SshOptions {
	/** Where control sockets live; private to the bridge (0700). Created when missing. */
	controlDir: string;
	/** An ssh client config to use instead of `~/.ssh/config` (`ssh -F`). */
	configFile?: string;
	/** How long ssh waits for the host to answer, in seconds. Defaults to 10. */
	connectTimeoutSeconds?: number;
	/** The ssh client to run. Defaults to `ssh` on the environment's PATH. */
	ssh?: string;
	/** The environment of ssh itself and of the run's pty (HOME, SSH_AUTH_SOCK, TERM…). */
	env: Record<string, string>;
}

/** How long an idle master outlives its last run, so a crashed bridge leaves no connection behind for good. */
const CONTROL_PERSIST = '10m';
/** Unix socket paths are limited to 104–108 bytes, and ssh appends 17 while it creates the socket. */
const MAX_CONTROL_PATH = 104 - 17;
/** How much of ssh's stderr is kept for an error message. */
const MAX_STDERR = 16 * 1024;

/**
 * What the remote side runs, under the login shell sshd starts: `$1` are the shells to try in
 * order, `$2` the command, `$3` the nonce, `$4` the names of the secrets to read first. The
 * command runs in a shell of its own, so an `exit` in it ends only that shell and this one still
 * reports the status. The trap keeps this shell alive through Ctrl-C until the command has ended
 * (the command itself gets the default action); a hangup, when the session closes, ends
 * everything that does not ignore it.
 */
const REMOTE_SCRIPT = [
	'trap : INT QUIT',
	'k=$3',
	'm() { printf \'\\033]opsbook-%s;%s;%s\\007\' "$1" "$k" "$2"; }',
	// `kill -0 -PGID` finds a group only if this shell leads one.
	'if kill -0 -$$ 2>/dev/null; then m pgid $$; else m pgid 0; fi',
	'if [ -n "$4" ]; then',
	'  t=$(stty -g) && stty -echo -icanon min 1 time 0 || { echo "opsbook: could not turn off the terminal echo to pass secrets" >&2; m exit 125; exit 125; }',
	'  m ready 0',
	// `printf %b` is a builtin: the decoded value is never an argument of a program.
	'  for n in $4; do IFS= read -r v; v=$(printf \'%bx\' "$v"); export "$n=${v%x}"; done',
	'  stty "$t"',
	'fi',
	'for s in $1; do command -v "$s" >/dev/null 2>&1 && break; done',
	// bash run from sshd's session reads ~/.bashrc again (Debian's SSH_SOURCE_BASHRC), which on
	// a host with pyenv or nvm costs 100 ms a run; the login shell has already set PATH.
	'if [ "$s" = bash ]; then bash --norc -c "$2"; else "$s" -c "$2"; fi',
	'c=$?',
	'm exit "$c"',
	'exit "$c"',
].join('\n');

/**
 * Ends a remote process group, through a session of its own: `$1` the group, `$2` how many tenths
 * of a second each signal gets, then the signals in order. Prints how many live processes the
 * group had and how many are left. `ps` counts them, leaving out zombies (dead, waiting for a
 * parent to reap them, which some inits are slow to do); without `ps`, `kill -0` tells none from
 * some.
 */
export const REAP_SCRIPT = [
	'g=$1; t=$2; shift 2',
	'if ps -A -o pgid= -o stat= >/dev/null 2>&1; then',
	'  count() { ps -A -o pgid= -o stat= | awk -v g="$g" \'$1 == g && $2 !~ /^Z/ { n++ } END { print n + 0 }\'; }',
	'else',
	'  count() { if kill -0 -$g 2>/dev/null; then echo 1; else echo 0; fi; }',
	'fi',
	'f=$(count); l=$f',
	'for s; do',
	'  [ "$l" -gt 0 ] || break',
	'  kill -$s -$g 2>/dev/null; i=0',
	'  while l=$(count); [ "$l" -gt 0 ] && [ $i -lt $t ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i + 1)); done',
	'done',
	'echo "$f $l"',
].join('\n');

/** The shells to try for a block's language; `sh` exists everywhere, so it always comes last. */
function remoteShells(lang: string): string {
	if (lang === 'sh') return 'sh';
	if (lang === 'zsh') return 'zsh bash sh';
	return 'bash sh';
}

/** The one string ssh hands to the remote login shell; every part of it is quoted as a single word. */
export function remoteCommand(
	command: string,
	lang: string,
	nonce: string,
	secretNames: string[] = [],
): string {
	return [
		'exec',
		'sh',
		'-c',
		shellQuote(REMOTE_SCRIPT),
		'opsbook',
		shellQuote(remoteShells(lang)),
		shellQuote(command),
		shellQuote(nonce),
		shellQuote(secretNames.join(' ')),
	].join(' ');
}

/**
 * A secret as one line of printable ASCII that the remote `printf %b` turns back into its bytes:
 * a terminal in canonical or non-canonical mode passes it as is (no ^C, ^U, DEL…).
 */
export function secretLine(value: string): string {
	let line = '';
	for (const byte of Buffer.from(value)) {
		line +=
			byte >= 0x20 && byte < 0x7f && byte !== 0x5c
				? String.fromCharCode(byte)
				: `\\0${byte.toString(8).padStart(3, '0')}`;
	}
	return `${line}\n`;
}

const MARKER_START = '\x1b]opsbook-';
const MARKER_KINDS = ['exit', 'pgid', 'ready'] as const;
const BEL = 0x07;

export interface MarkerFilter extends OutputFilter {
	/** The remote process group, once reported; 0 when the remote side could not tell it. */
	readonly pgid: number | undefined;
}

/**
 * Takes the markers of `nonce` out of a run's output. Bytes that could be the start of a marker
 * are held back until the next chunk shows whether they are; nothing else is delayed. `input` is
 * what to type once the remote side says it is ready for it (the secrets' lines).
 */
export function markerFilter(nonce: string, input?: Uint8Array): MarkerFilter {
	const start = Buffer.from(MARKER_START);
	const prefixes = MARKER_KINDS.map((kind) => ({
		kind,
		bytes: Buffer.from(`${MARKER_START}${kind};${nonce};`),
	}));
	let held: Buffer = Buffer.alloc(0);
	let exitCode: number | undefined;
	let pgid: number | undefined;
	let reply: Uint8Array | undefined;
	let waiting = input !== undefined;

	/** The length of the longest tail of `buf` that is a proper beginning of a marker. */
	const partialTail = (buf: Buffer): number => {
		for (let k = Math.min(start.length - 1, buf.length); k > 0; k--) {
			if (
				buf[buf.length - k] === start[0] &&
				buf.subarray(buf.length - k).equals(start.subarray(0, k))
			)
				return k;
		}
		return 0;
	};

	const seen = (kind: (typeof MARKER_KINDS)[number], value: number) => {
		if (kind === 'exit') exitCode ??= value;
		else if (kind === 'pgid') pgid ??= value;
		else if (waiting && reply === undefined) reply = input;
	};

	return {
		get exitCode() {
			return exitCode;
		},
		get pgid() {
			return pgid;
		},
		get waitingForInput() {
			return waiting;
		},
		takeInput() {
			const taken = reply;
			if (taken) {
				reply = new Uint8Array(0);
				waiting = false;
			}
			return taken && taken.length > 0 ? taken : undefined;
		},
		push(chunk) {
			let buf =
				held.length > 0
					? Buffer.concat([held, chunk])
					: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
			held = Buffer.alloc(0);
			const out: Buffer[] = [];
			for (;;) {
				const at = buf.indexOf(start);
				if (at === -1) break;
				const rest = buf.subarray(at);
				const prefix = prefixes.find(
					({ bytes }) =>
						rest.length >= bytes.length && rest.subarray(0, bytes.length).equals(bytes),
				);
				if (!prefix) {
					if (prefixes.some(({ bytes }) => bytes.subarray(0, rest.length).equals(rest))) {
						// A marker so far, cut by the end of this chunk.
						out.push(buf.subarray(0, at));
						held = Buffer.from(rest);
						return Buffer.concat(out);
					}
					// Another nonce, or another name: not our marker, pass it on.
					out.push(buf.subarray(0, at + 1));
					buf = buf.subarray(at + 1);
					continue;
				}
				const digits = at + prefix.bytes.length;
				let end = digits;
				while (end < buf.length && end - digits < 10 && buf[end]! >= 0x30 && buf[end]! <= 0x39)
					end++;
				if (end === buf.length) {
					out.push(buf.subarray(0, at));
					held = Buffer.from(rest);
					return Buffer.concat(out);
				}
				if (buf[end] === BEL && end > digits) {
					seen(prefix.kind, Number(buf.subarray(digits, end).toString('latin1')));
					out.push(buf.subarray(0, at));
					buf = buf.subarray(end + 1);
				} else {
					out.push(buf.subarray(0, at + 1));
					buf = buf.subarray(at + 1);
				}
			}
			const keep = partialTail(buf);
			if (keep > 0) held = Buffer.from(buf.subarray(buf.length - keep));
			out.push(buf.subarray(0, buf.length - keep));
			return out.length === 1 ? out[0]! : Buffer.concat(out);
		},
		flush() {
			const rest = held;
			held = Buffer.alloc(0);
			return rest;
		},
	};
}

export interface SshFailureContext {
	/** The target's host as the responder knows it (often a `~/.ssh/config` alias). */
	host: string;
	connectTimeoutSeconds: number;
	/** The command that connects the way the bridge does, for the responder to run once. */
	connectCommand: string;
	/** ssh's exit code, or the signal that ended it. */
	exit: string;
}

/** A sentence for an on-call responder from why ssh could not connect, quoting ssh itself. */
export function describeSshFailure(stderr: string, context: SshFailureContext): string {
	const lines = stderr
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter((line) => line !== '' && !/^@+$/.test(line));
	const find = (pattern: RegExp) => lines.find((line) => pattern.test(line));
	const { host } = context;
	const said = (line: string | undefined) => {
		const quoted = line ?? lines.at(-1);
		return quoted ? ` (ssh: ${quoted.replace(/^ssh: /, '')})` : '';
	};

	let line: string | undefined;
	if ((line = find(/Connection refused/))) {
		const where = /connect to host (\S+) port (\d+)/.exec(line);
		const at = where ? ` (${where[1]} port ${where[2]})` : '';
		return `${host}${at} refused the connection: is sshd running there, and on that port?${said(line)}`;
	}
	if ((line = find(/timed out|Operation timed out/i))) {
		return `${host} did not answer within ${context.connectTimeoutSeconds} s (connection timed out): check that it is up and reachable from this machine (VPN, firewall).${said(line)}`;
	}
	if (
		(line = find(
			/REMOTE HOST IDENTIFICATION HAS CHANGED|has changed and you have requested strict checking/,
		))
	) {
		line = find(/has changed and you have requested strict checking/) ?? line;
		return `The host key of ${host} has changed since it was saved in known_hosts: the host may have been rebuilt, or someone may be intercepting the connection. Confirm the new key with whoever runs ${host} before replacing the old one.${said(line)}`;
	}
	if ((line = find(/host key is known for|Host key verification failed|No matching host key/))) {
		line = find(/host key is known for/) ?? line;
		return `${host} is not in known_hosts: connect once with \`${context.connectCommand}\` to check and accept its key.${said(line)}`;
	}
	if ((line = find(/Permission denied/))) {
		const who = /^(\S+)@\S+: Permission denied/.exec(line);
		const as = who ? ` as ${who[1]}` : '';
		return `${host} refused the login${as}: none of your keys (ssh agent or ~/.ssh) was accepted, and passwords are not asked for here. Check \`ssh-add -l\` and that your key is authorized on ${host}.${said(line)}`;
	}
	if ((line = find(/Could not resolve hostname|Name or service not known|nodename nor servname/))) {
		return `The host name ${host} could not be resolved: check its spelling, your ~/.ssh/config, and your DNS or VPN.${said(line)}`;
	}
	if ((line = find(/No route to host|Network is unreachable/))) {
		return `${host} cannot be reached from this machine (no route): check your VPN or network.${said(line)}`;
	}
	if ((line = find(/Connection closed by|Connection reset by|kex_exchange_identification/))) {
		return `${host} closed the connection before the login finished: its sshd may be refusing this client (MaxStartups, AllowUsers, a firewall rule).${said(line)}`;
	}
	return `ssh could not connect to ${host} (${context.exit}).${said(undefined)}`;
}

interface SshResult {
	/** `exit code N`, `ended by SIGNAL`, or why it could not start. */
	exit: string;
	ok: boolean;
	stderr: string;
	/** What it printed, when asked for. */
	stdout: string;
	/** Ended by the time limit rather than on its own. */
	timedOut: boolean;
	/** ssh could not be started at all. */
	error?: Error;
}

const sshOptions = (...settings: string[]) => settings.flatMap((setting) => ['-o', setting]);

export function sshTarget(name: string, target: SshTarget, options: SshOptions): TargetDriver {
	const ssh = options.ssh ?? 'ssh';
	const { env, configFile } = options;
	const timeout = options.connectTimeoutSeconds ?? 10;
	// Named after everything that decides where it connects, so a master left by an earlier
	// bridge with another configuration is never taken for this target's.
	const id = createHash('sha256')
		.update(JSON.stringify([name, target.host, target.user, target.port, configFile]))
		.digest('hex')
		.slice(0, 16);
	const controlPath = join(options.controlDir, id);

	const common = [
		...(configFile !== undefined ? ['-F', configFile] : []),
		...sshOptions(
			'BatchMode=yes',
			`ConnectTimeout=${timeout}`,
			'ServerAliveInterval=15',
			'ServerAliveCountMax=3',
			// Forwardings from ~/.ssh/config would be opened by every master and fail on a busy port.
			'ClearAllForwardings=yes',
			`ControlPath=${controlPath}`,
		),
		...(target.port !== undefined ? ['-p', String(target.port)] : []),
		...(target.user !== undefined ? ['-l', target.user] : []),
	];
	const connectCommand = [
		'ssh',
		...(configFile !== undefined ? ['-F', shellQuote(configFile)] : []),
		...(target.port !== undefined ? ['-p', String(target.port)] : []),
		target.user !== undefined ? `${target.user}@${target.host}` : target.host,
	].join(' ');

	/** A master being started, shared by every prepare() waiting for it. */
	let starting: { done: Promise<void>; waiters: number; abort: AbortController } | undefined;
	/** Counts masters started, so a check that raced with a start is not taken for a dead master. */
	let generation = 0;

	/** Runs ssh outside any pty and resolves with how it ended and what it said. */
	const runSsh = (
		args: string[],
		{
			signal,
			limitMs,
			background = false,
			output = false,
		}: { signal?: AbortSignal; limitMs: number; background?: boolean; output?: boolean },
	) =>
		new Promise<SshResult>((resolve) => {
			// Like any child of the bridge, ssh inherits the runs' pty masters (node-pty does not
			// mark them close-on-exec), but OpenSSH closes every descriptor above 2 first thing
			// (`closefrom` in ssh.c), so a master that outlives its run holds no run's terminal.
			const child = spawn(ssh, args, {
				env,
				// Its own process group, to be stopped whole, and never the bridge's terminal's Ctrl-C.
				detached: true,
				stdio: ['ignore', output ? 'pipe' : 'ignore', 'pipe'],
			});
			let stderr = '';
			let stdout = '';
			const errors = child.stderr!;
			errors.setEncoding('utf8');
			errors.on('data', (text: string) => {
				if (stderr.length < MAX_STDERR) stderr += text;
			});
			child.stdout?.setEncoding('utf8');
			child.stdout?.on('data', (text: string) => {
				if (stdout.length < MAX_STDERR) stdout += text;
			});
			const stop = () => {
				try {
					if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
				} catch {
					// It has ended already.
				}
			};
			let timedOut = false;
			const timer = setTimeout(() => {
				timedOut = true;
				stop();
			}, limitMs);
			signal?.addEventListener('abort', stop, { once: true });
			const finish = (result: { exit: string; ok: boolean; error?: Error }) => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', stop);
				resolve({ ...result, stderr, stdout, timedOut });
			};
			child.once('error', (error) => finish({ exit: error.message, ok: false, error }));
			child.once('exit', (code, killed) => {
				const exit = killed !== null ? `ended by ${killed}` : `exit code ${code}`;
				if (code === 0 && background) {
					// The master forked into the background; it may still hold the pipe, so do not wait for it.
					errors.destroy();
					finish({ exit, ok: true });
				} else {
					// Everything it printed has been read once its pipes have closed.
					const pipes = [errors, child.stdout].filter((pipe) => pipe !== null);
					const open = pipes.filter((pipe) => !pipe.readableEnded && !pipe.destroyed);
					let waiting = open.length;
					if (waiting === 0) return finish({ exit, ok: code === 0 });
					for (const pipe of open)
						pipe.once('close', () => --waiting === 0 && finish({ exit, ok: code === 0 }));
				}
			});
		});

	// A master listens on its control socket. Connecting to it answers in a millisecond where
	// `ssh -O check` costs a process start, and every run asks.
	const masterAlive = () =>
		new Promise<boolean>((resolve) => {
			const probe = connect(controlPath);
			probe.once('connect', () => {
				probe.destroy();
				resolve(true);
			});
			probe.once('error', () => resolve(false));
		});

	const startMaster = async (signal: AbortSignal) => {
		// A socket left by a master that died makes a new master run without one ("already exists").
		rmSync(controlPath, { force: true });
		// A generous bound for the whole login: ConnectTimeout covers only the connect and the banner.
		const limitMs = (timeout * 2 + 5) * 1000;
		const result = await runSsh(
			[
				'-M',
				'-N',
				'-f',
				...sshOptions(`ControlPersist=${CONTROL_PERSIST}`),
				...common,
				'--',
				target.host,
			],
			{ signal, limitMs, background: true },
		);
		if (signal.aborted) throw stopped();
		if (result.error) {
			const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
			throw new TargetError(
				missing
					? `Could not start ${ssh}: the OpenSSH client is not installed or not on PATH.`
					: `Could not start ${ssh}: ${result.error.message}.`,
				{ cause: result.error },
			);
		}
		if (result.timedOut) {
			throw new TargetError(
				`${target.host} did not complete the ssh login within ${limitMs / 1000} s: check that it is up, and its sshd.`,
			);
		}
		if (!result.ok) {
			throw new TargetError(
				describeSshFailure(result.stderr, {
					host: target.host,
					connectTimeoutSeconds: timeout,
					connectCommand,
					exit: result.exit,
				}),
			);
		}
		if (!(await masterAlive())) {
			throw new TargetError(
				`The ssh connection to ${target.host} was made, but its control socket ${controlPath} does not answer.`,
			);
		}
		generation++;
	};

	const stopped = () => new TargetError(`Stopped while connecting to ${target.host}.`);

	/** Waits for a shared master start, leaving it early (and ending it, if last) on `signal`. */
	const waitForMaster = async (signal: AbortSignal) => {
		if (!starting) {
			const abort = new AbortController();
			const done = startMaster(abort.signal).finally(() => {
				if (starting?.done === done) starting = undefined;
			});
			starting = { done, waiters: 0, abort };
		}
		const current = starting;
		current.waiters++;
		let onAbort = () => {};
		try {
			await Promise.race([
				current.done,
				new Promise<never>((_, reject) => {
					onAbort = () => {
						if (--current.waiters === 0) current.abort.abort();
						reject(stopped());
					};
					signal.addEventListener('abort', onAbort, { once: true });
				}),
			]);
		} finally {
			signal.removeEventListener('abort', onAbort);
			if (!signal.aborted) current.waiters--;
		}
	};

	const ensureMaster = async (signal: AbortSignal) => {
		for (;;) {
			if (starting) return waitForMaster(signal);
			const seen = generation;
			if (await masterAlive()) return;
			if (signal.aborted) throw stopped();
			// Another run started a master while this one checked: check that one instead of
			// replacing it (a new master would unlink the live one's socket).
			if (starting || generation !== seen) continue;
			return waitForMaster(signal);
		}
	};

	return {
		name,
		target,
		async prepare(command, { lang, signal, secrets }): Promise<PreparedRun> {
			if (signal.aborted) throw stopped();
			checkSecrets(secrets);
			if (Buffer.byteLength(controlPath) > MAX_CONTROL_PATH) {
				throw new TargetError(
					`The bridge's control directory ${options.controlDir} is too long a path for an ssh control socket: use a shorter one.`,
				);
			}
			mkdirSync(options.controlDir, { recursive: true, mode: 0o700 });
			await ensureMaster(signal);
			const nonce = randomBytes(16).toString('hex');
			const names = Object.keys(secrets);
			const filter = markerFilter(
				nonce,
				names.length > 0
					? Buffer.from(names.map((name) => secretLine(secrets[name]!)).join(''))
					: undefined,
			);
			const group: RemoteGroup = {
				async reap(signals, graceMs) {
					const pgid = filter.pgid;
					// The wrapper reports its group before it starts the command: none, no command.
					if (pgid === undefined) return { found: 0, left: 0 };
					if (pgid <= 1) {
						throw new TargetError(
							`${target.host} did not tell the command's process group, so what it left running there could not be checked.`,
						);
					}
					const tenths = Math.max(1, Math.ceil(graceMs / 100));
					const result = await runSsh(
						[
							...sshOptions('ControlMaster=no', 'LogLevel=ERROR'),
							...common,
							'--',
							target.host,
							[
								'exec',
								'sh',
								'-c',
								shellQuote(REAP_SCRIPT),
								'opsbook',
								String(pgid),
								String(tenths),
								...signals,
							].join(' '),
						],
						{ limitMs: (timeout + 5) * 1000 + signals.length * tenths * 100, output: true },
					);
					const counts = /^(\d+) (\d+)\s*$/.exec(result.stdout);
					if (!result.ok || !counts) {
						const said = result.stderr.trim().split('\n').at(-1);
						throw new TargetError(
							`Could not check ${target.host} for processes the command left running (ssh: ${said || result.exit}).`,
						);
					}
					return { found: Number(counts[1]), left: Number(counts[2]) };
				},
			};
			const args = [
				// A pty on the remote side even though ssh's input is a pty already: it must be
				// one for Ctrl-C and full-screen programs, and its hangup ends the command.
				'-tt',
				// No `~.` escapes: a responder's keystrokes go to the command, all of them.
				'-e',
				'none',
				// Quiet about "Shared connection closed", still loud about errors.
				...sshOptions('ControlMaster=no', 'LogLevel=ERROR'),
				...common,
				'--',
				target.host,
				remoteCommand(command, lang, nonce, names),
			];
			return {
				spawn: {
					// Echo off before ssh starts: ssh makes the terminal raw only once the session is
					// open, and a secret typed into a terminal that still echoes would show.
					...(names.length > 0
						? { file: '/bin/sh', args: ['-c', 'stty -echo && exec "$@"', 'opsbook', ssh, ...args] }
						: { file: ssh, args }),
					env,
					cwd: env.HOME ?? '/',
				},
				filter,
				group,
			};
		},
		async close() {
			if (starting) {
				starting.abort.abort();
				await starting.done.catch(() => {});
			}
			await runSsh(['-O', 'exit', ...common, '--', target.host], { limitMs: 5000 });
		},
	};
}
