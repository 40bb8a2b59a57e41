/**
 * Keeps every process the bridge starts from inheriting descriptors that are not its own.
 *
 * node-pty 1.1.0 starts a run with forkpty(3) then execvp(3) (`PtyFork` in
 * node_modules/node-pty/src/unix/pty.cc) and never marks the pty master it keeps (the terminal's
 * `_fd`, which a `tty.ReadStream` reads) close-on-exec; Node has no fcntl to mark it afterwards.
 * So every later run inherited every earlier run's master: it could type into their terminals,
 * and, holding them open, kept their commands from getting the hangup a dead bridge gives. The
 * same goes for anything the bridge itself inherited without close-on-exec.
 *
 * The fix closes them in the child, before the real program starts: the argv runs under a shell
 * that closes every descriptor above 2 (a pty child's 0–2 are its own terminal) and `exec`s the
 * real argv, so the pid, the session and the process group are the program's as before. It
 * needs a shell that takes descriptors above 9 in a redirection: bash or zsh, not dash.
 *
 * TODO: drop this once node-pty closes inherited descriptors itself (microsoft/node-pty#657,
 * fixed by microsoft/node-pty#867 in 1.2.0, not in a stable release yet).
 */
import { existsSync } from 'node:fs';

const CLOSE_ABOVE_2 = [
	'for f in /dev/fd/*; do',
	// The glob's own descriptor is listed too, already closed by then: closing it again is harmless.
	'case ${f##*/} in [012]) ;; *) eval "exec ${f##*/}>&-" ;; esac',
	'done',
	'exec "$@"',
].join('\n');

const SHELLS = [
	['/bin/bash', '--norc', '--noprofile'],
	['/usr/bin/bash', '--norc', '--noprofile'],
	['/bin/zsh', '-f'],
	['/usr/bin/zsh', '-f'],
] as const;

let closer: readonly string[] | null | undefined;

/**
 * The argv that runs `file` with `args` holding no descriptor above 2. Where neither bash nor
 * zsh exists it is the argv itself (a leak, not a failure).
 */
export function ownDescriptorsOnly(file: string, args: string[]): { file: string; args: string[] } {
	closer ??= SHELLS.find(([shell]) => existsSync(shell)) ?? null;
	if (!closer) return { file, args };
	const [shell, ...flags] = closer;
	return { file: shell!, args: [...flags, '-c', CLOSE_ABOVE_2, 'opsbook', file, ...args] };
}
