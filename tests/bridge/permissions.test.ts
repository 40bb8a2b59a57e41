/**
 * The state folder, the pairing token and the audit log are the user's alone: loose modes are
 * tightened (and said so on stderr), files of another user or behind a symlink are refused.
 */
import assert from 'node:assert/strict';
import {
	chmod,
	chown,
	mkdir,
	mkdtemp,
	readFile,
	rm,
	stat,
	symlink,
	writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AuditLog } from '../../server/audit-log.ts';
import { PermissionError } from '../../server/private-files.ts';
import { pairingToken } from '../../server/start.ts';

const TOKEN = 'A'.repeat(43);
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
const isRoot = process.getuid?.() === 0;

/** Runs `fn` with stderr captured. */
function capture<T>(fn: () => T): { result: T; stderr: string } {
	const lines: string[] = [];
	const original = console.error;
	console.error = (line: unknown) => void lines.push(String(line));
	try {
		return { result: fn(), stderr: lines.join('\n') };
	} finally {
		console.error = original;
	}
}

describe('private files', () => {
	let root: string;
	let state: string;
	beforeEach(async () => {
		root = await mkdtemp(join(tmpdir(), 'opsbook-perm-'));
		state = join(root, 'opsbook');
	});
	afterEach(() => rm(root, { recursive: true, force: true }));

	it('makes a new state folder 0700 and a new token 0600', async () => {
		const { result, stderr } = capture(() => pairingToken(state));
		assert.match(result, /^[A-Za-z0-9_-]{43}$/);
		assert.equal(await modeOf(state), 0o700);
		assert.equal(await modeOf(join(state, 'bridge-token')), 0o600);
		assert.equal(stderr, '');
	});

	it('tightens a loose state folder and token, keeping the token, and says so', async () => {
		await mkdir(state, { mode: 0o755 });
		await chmod(state, 0o755);
		await writeFile(join(state, 'bridge-token'), `${TOKEN}\n`);
		await chmod(join(state, 'bridge-token'), 0o644);
		const { result, stderr } = capture(() => pairingToken(state));
		assert.equal(result, TOKEN);
		assert.equal(await modeOf(state), 0o700);
		assert.equal(await modeOf(join(state, 'bridge-token')), 0o600);
		assert.match(stderr, /opsbook\/? was open to other users \(mode 0755\); it is now 0700/);
		assert.match(stderr, /bridge-token was open to other users \(mode 0644\); it is now 0600/);
	});

	it('tightens a loose token file it replaces (--new-token)', async () => {
		await mkdir(state, { mode: 0o700 });
		await writeFile(join(state, 'bridge-token'), `${TOKEN}\n`, { mode: 0o666 });
		await chmod(join(state, 'bridge-token'), 0o666);
		const { result } = capture(() => pairingToken(state, true));
		assert.notEqual(result, TOKEN);
		assert.equal(await modeOf(join(state, 'bridge-token')), 0o600);
		assert.equal((await readFile(join(state, 'bridge-token'), 'utf8')).trim(), result);
	});

	it('refuses a token file that is a symlink', async () => {
		await mkdir(state, { mode: 0o700 });
		await writeFile(join(root, 'elsewhere'), `${TOKEN}\n`);
		await symlink(join(root, 'elsewhere'), join(state, 'bridge-token'));
		assert.throws(() => pairingToken(state), PermissionError);
		assert.throws(() => pairingToken(state, true), /is a symbolic link/);
		assert.equal((await readFile(join(root, 'elsewhere'), 'utf8')).trim(), TOKEN);
	});

	it(
		'refuses a state folder or token of another user',
		{ skip: !isRoot && 'needs root to chown' },
		async () => {
			await mkdir(state, { mode: 0o700 });
			await writeFile(join(state, 'bridge-token'), `${TOKEN}\n`, { mode: 0o600 });
			await chown(join(state, 'bridge-token'), 65534, 65534);
			assert.throws(
				() => capture(() => pairingToken(state)),
				/belongs to another user \(uid 65534\)/,
			);
			// Not overwritten either.
			assert.throws(() => capture(() => pairingToken(state, true)), PermissionError);
			assert.equal((await readFile(join(state, 'bridge-token'), 'utf8')).trim(), TOKEN);
			await chown(state, 65534, 65534);
			assert.throws(
				() => capture(() => pairingToken(state)),
				/the state folder .* belongs to another user/,
			);
		},
	);

	it('tightens a loose audit log, and refuses one of another user or behind a symlink', async () => {
		const file = join(root, 'audit.jsonl');
		await writeFile(file, '', { mode: 0o644 });
		await chmod(file, 0o644);
		const { stderr } = capture(() => new AuditLog(file));
		assert.equal(await modeOf(file), 0o600);
		assert.match(stderr, /audit log .* was open to other users \(mode 0644\); it is now 0600/);

		const fresh = new AuditLog(join(root, 'new', 'audit.jsonl'));
		await fresh.append({
			event: 'start',
			time: new Date().toISOString(),
			run: 'r',
			target: 'local',
			block: 'b',
			blockPage: 'p',
			command: 'true',
		});
		await fresh.close();
		assert.equal(await modeOf(join(root, 'new', 'audit.jsonl')), 0o600);

		await symlink(file, join(root, 'linked.jsonl'));
		assert.throws(() => new AuditLog(join(root, 'linked.jsonl')), /is a symbolic link/);
		if (isRoot) {
			await chown(file, 65534, 65534);
			assert.throws(() => new AuditLog(file), /belongs to another user/);
		}
	});
});
