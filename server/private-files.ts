/**
 * The bridge's private files: the state folder, the pairing token and the audit log. Whoever can
 * read the token can run every block; whoever can write the log can rewrite the record. So each
 * must be ours and closed to others: loose modes (group or others may read or write) are
 * tightened, with a line on stderr saying so, and a file or folder owned by another user is
 * refused, as we cannot know who else has read it.
 */
import {
	closeSync,
	constants,
	fchmodSync,
	fstatSync,
	mkdirSync,
	openSync,
	statSync,
	type Stats,
} from 'node:fs';

export class PermissionError extends Error {
	override name = 'PermissionError';
}

type Warn = (line: string) => void;
const stderr: Warn = (line) => console.error(line);
const mode = (info: Stats) => (info.mode & 0o777).toString(8).padStart(4, '0');

function checkOwner(path: string, info: Stats, what: string) {
	const uid = process.getuid?.();
	if (uid !== undefined && info.uid !== uid) {
		throw new PermissionError(
			`opsbook: ${what} ${path} belongs to another user (uid ${info.uid}), so others may have read or changed it. Remove it, or point Opsbook elsewhere (XDG_STATE_HOME, --audit-log).`,
		);
	}
}

/** Makes `dir` (and its parents) if needed; it must be a folder of ours, mode 0700. */
export function privateDir(dir: string, warn: Warn = stderr): void {
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const info = statSync(dir);
	if (!info.isDirectory()) throw new PermissionError(`opsbook: ${dir} is not a folder.`);
	checkOwner(dir, info, 'the state folder');
	if (info.mode & 0o077) {
		// Through a descriptor of the folder just checked, so a swap in between changes nothing.
		const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
		try {
			fchmodSync(fd, 0o700);
		} finally {
			closeQuietly(fd);
		}
		warn(`opsbook: ${dir} was open to other users (mode ${mode(info)}); it is now 0700.`);
	}
}

/**
 * Opens a private file with `flags` (never through a symlink) and makes sure it is ours and
 * 0600; returns the descriptor. `what` names it in messages.
 */
export function openPrivateFile(path: string, flags: number, what: string, warn = stderr): number {
	let fd: number;
	try {
		fd = openSync(path, flags | constants.O_NOFOLLOW, 0o600);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ELOOP')
			throw new PermissionError(
				`opsbook: ${what} ${path} is a symbolic link; Opsbook keeps it as a plain file.`,
			);
		throw error;
	}
	try {
		const info = fstatSync(fd);
		if (!info.isFile()) throw new PermissionError(`opsbook: ${what} ${path} is not a plain file.`);
		checkOwner(path, info, what);
		if (info.mode & 0o077) {
			fchmodSync(fd, 0o600);
			warn(
				`opsbook: ${what} ${path} was open to other users (mode ${mode(info)}); it is now 0600.`,
			);
		}
		return fd;
	} catch (error) {
		closeQuietly(fd);
		throw error;
	}
}

function closeQuietly(fd: number) {
	try {
		closeSync(fd);
	} catch {
		// Already closed.
	}
}
