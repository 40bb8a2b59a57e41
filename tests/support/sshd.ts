/**
 * A throwaway OpenSSH server on a free 127.0.0.1 port, running as the current user, with keys made
 * for it alone, and an ssh client config whose aliases reach it in the ways tests need:
 *
 * - `opsbook-test`: the server, its host key known, the client key authorized.
 * - `opsbook-test-unknown`: the same server, but an empty known_hosts (first connection).
 * - `opsbook-test-changed`: the same server, but known_hosts holds another key (a changed host).
 * - `opsbook-test-denied`: the same server, with a client key it does not authorize.
 * - `opsbook-test-closed`: a loopback port nothing listens on.
 *
 * Nothing of the user's own ssh setup is used: no agent, no ~/.ssh, no global known_hosts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, quietPort } from './processes.ts';

export const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';

export interface Sshd {
	port: number;
	/** The alias of the server in `configFile`. */
	host: string;
	/** An ssh client config (`ssh -F`) defining `host` and the other aliases above. */
	configFile: string;
	/** The temporary directory holding keys, configs and `sshd.log`. */
	dir: string;
	close(): Promise<void>;
}

function keygen(file: string): string {
	const result = spawnSync(
		SSH_KEYGEN,
		['-q', '-t', 'ed25519', '-N', '', '-C', 'opsbook-test', '-f', file],
		{
			encoding: 'utf8',
		},
	);
	if (result.status !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
	return readFileSync(`${file}.pub`, 'utf8').trim();
}

function accepts(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ host: '127.0.0.1', port });
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** Every process below `root`, read from /proc: sshd puts each connection in its own session. */
function descendants(root: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			// The command name may hold spaces and parentheses; the fields after the last ')' do not.
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
		} catch {
			// The process ended while we were reading.
		}
	}
	const found: number[] = [];
	const walk = (pid: number) => {
		for (const child of children.get(pid) ?? []) {
			found.push(child);
			walk(child);
		}
	};
	walk(root);
	return found;
}

export async function startSshd(): Promise<Sshd> {
	if (!existsSync(SSHD)) {
		throw new Error(
			'the ssh tests need sshd: install it with  sudo apt-get install -y openssh-server',
		);
	}
	// sshd refuses to start without its privilege-separation directory (made when the system's
	// sshd service starts, which a container never does).
	try {
		mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
	} catch {
		throw new Error('the ssh tests need /run/sshd: create it with  sudo mkdir -p /run/sshd');
	}

	const dir = await mkdtemp(join(tmpdir(), 'opsbook-sshd-'));
	try {
		const hostKey = keygen(join(dir, 'host_ed25519'));
		const otherHostKey = keygen(join(dir, 'other_host_ed25519'));
		const clientKey = join(dir, 'client_ed25519');
		writeFileSync(join(dir, 'authorized_keys'), `${keygen(clientKey)}\n`);
		const strangerKey = join(dir, 'stranger_ed25519');
		keygen(strangerKey);

		const closedPort = await quietPort();
		// Another process may take the free port before sshd binds it: try a few.
		for (let attempt = 1; ; attempt++) {
			const port = await freePort();
			try {
				const child = await launch(dir, port);
				const user = userInfo().username;
				const known = (key: string) =>
					`[127.0.0.1]:${port} ${key.split(' ').slice(0, 2).join(' ')}\n`;
				writeFileSync(join(dir, 'known_hosts'), known(hostKey));
				writeFileSync(join(dir, 'known_hosts_empty'), '');
				writeFileSync(join(dir, 'known_hosts_changed'), known(otherHostKey));
				const alias = (name: string, lines: Record<string, string | number>) =>
					[`Host ${name}`, ...Object.entries(lines).map(([k, v]) => `\t${k} ${v}`), ''].join('\n');
				const base = {
					HostName: '127.0.0.1',
					Port: port,
					User: user,
					IdentityFile: clientKey,
					IdentitiesOnly: 'yes',
					IdentityAgent: 'none',
					UserKnownHostsFile: join(dir, 'known_hosts'),
					GlobalKnownHostsFile: '/dev/null',
					StrictHostKeyChecking: 'yes',
					UpdateHostKeys: 'no',
					PasswordAuthentication: 'no',
					KbdInteractiveAuthentication: 'no',
				};
				const configFile = join(dir, 'ssh_config');
				writeFileSync(
					configFile,
					[
						alias('opsbook-test', base),
						alias('opsbook-test-unknown', {
							...base,
							UserKnownHostsFile: join(dir, 'known_hosts_empty'),
						}),
						alias('opsbook-test-changed', {
							...base,
							UserKnownHostsFile: join(dir, 'known_hosts_changed'),
						}),
						alias('opsbook-test-denied', { ...base, IdentityFile: strangerKey }),
						alias('opsbook-test-closed', { ...base, Port: closedPort }),
					].join('\n'),
				);
				const close = async () => {
					if (child.pid !== undefined) {
						for (const pid of [child.pid, ...descendants(child.pid)]) {
							try {
								process.kill(pid, 'SIGKILL');
							} catch {
								// Already gone.
							}
						}
					}
					if (child.exitCode === null && child.signalCode === null) {
						await new Promise((resolve) => child.once('exit', resolve));
					}
					await rm(dir, { recursive: true, force: true });
				};
				return { port, host: 'opsbook-test', configFile, dir, close };
			} catch (error) {
				if (attempt >= 3) throw error;
			}
		}
	} catch (error) {
		await rm(dir, { recursive: true, force: true });
		throw error;
	}
}

async function launch(dir: string, port: number): Promise<ChildProcess> {
	const config = join(dir, 'sshd_config');
	const log = join(dir, 'sshd.log');
	writeFileSync(
		config,
		[
			'ListenAddress 127.0.0.1',
			`Port ${port}`,
			`HostKey ${join(dir, 'host_ed25519')}`,
			`AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
			`PidFile ${join(dir, 'sshd.pid')}`,
			// Tests run as root here and in CI; keys only, as the default allows.
			'PermitRootLogin prohibit-password',
			'PubkeyAuthentication yes',
			'PasswordAuthentication no',
			'KbdInteractiveAuthentication no',
			'UsePAM no',
			// The temp dir belongs to whoever runs the tests, not necessarily in a shape sshd likes.
			'StrictModes no',
			'PrintMotd no',
			'PrintLastLog no',
			'X11Forwarding no',
			'LogLevel VERBOSE',
			'',
		].join('\n'),
	);
	const child = spawn(SSHD, ['-D', '-f', config, '-E', log], { stdio: 'ignore' });
	const exited = new Promise<string>((resolve) => {
		child.once('exit', (code, signal) => resolve(`sshd exited (${signal ?? code})`));
		child.once('error', (error) => resolve(`sshd did not start: ${error.message}`));
	});
	let gone: string | undefined;
	void exited.then((why) => (gone = why));
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		if (gone !== undefined) break;
		if (await accepts(port)) return child;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	child.kill('SIGKILL');
	const logText = existsSync(log) ? readFileSync(log, 'utf8').trim() : '';
	throw new Error(`${gone ?? 'sshd did not listen within 10 s'} on 127.0.0.1:${port}\n${logText}`);
}
