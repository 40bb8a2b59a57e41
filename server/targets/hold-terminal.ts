/**
 * Holds a run's terminal open until its command is dead.
 *
 * node-pty closes the pty master as soon as a read of it fails with EIO, which Linux reports once
 * no process has the terminal open any more. A command that closes its own standard streams before
 * it exits (coreutils' `close_stdout`: `touch`, `mkdir`, `cp`…) makes that happen while it is
 * still exiting; closing the master then hangs the terminal up, and the kernel's SIGHUP kills the
 * command before its exit status is set. The run was reported "killed by SIGHUP", no exit code,
 * for about one `touch` in three on a busy machine (the kernel's `si_code=SI_KERNEL`, seen with
 * strace).
 *
 * The bridge opens the terminal's other side itself (`O_NOCTTY`, never read) right after the spawn,
 * so the master cannot see EIO, and lets go once the command's process is gone: then the hangup
 * reaches nothing of the command's own, and node-pty ends the run as before.
 *
 * HACK: node-pty has no option to keep the master open until the child has been reaped
 * (microsoft/node-pty `UnixTerminal`'s socket 'error' handler).
 */
import { closeSync, constants, openSync } from 'node:fs';

/** How often the command's process is looked for while it runs. */
const POLL_MS = 20;

/**
 * Opens `ptsName` for as long as process `pid` exists. Returns the function that lets go at once
 * (idempotent), for a run that ends another way. Where the terminal cannot be opened it does
 * nothing: the run goes on as before.
 */
export function holdTerminal(ptsName: string | undefined, pid: number): () => void {
	if (!ptsName) return () => {};
	let fd: number | undefined;
	try {
		fd = openSync(ptsName, constants.O_RDWR | constants.O_NOCTTY);
	} catch {
		return () => {};
	}
	const release = () => {
		clearInterval(timer);
		if (fd === undefined) return;
		try {
			closeSync(fd);
		} catch {
			// Closed already.
		}
		fd = undefined;
	};
	const timer = setInterval(() => {
		try {
			// Until node-pty has reaped it: a zombie still answers, a reaped process does not.
			process.kill(pid, 0);
		} catch {
			release();
		}
	}, POLL_MS);
	timer.unref();
	return release;
}
