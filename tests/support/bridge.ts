/**
 * A bridge for tests: the fixture runbooks of `tests/fixtures/bridge`, a throwaway state folder
 * (token, audit log), a free loopback port, and a small client that speaks the protocol.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import {
	BRIDGE_PATH,
	decodeOutput,
	PROTOCOL_VERSION,
	type RunInfo,
	type ServerMessage,
} from '../../src/protocol.ts';
import { loadExecutableRegistry, type ExecutableRegistry } from '../../server/registry.ts';
import { startBridge, type RunningBridge, type StartOptions } from '../../server/start.ts';
import { renderTemplate } from '../../src/runbook/template.ts';
import { until } from './processes.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURE = {
	root: ROOT,
	contentDir: 'tests/fixtures/bridge/content',
	configFile: 'tests/fixtures/bridge/opsbook.config.ts',
};

export interface TestBridge extends RunningBridge {
	stateDir: string;
	origin: string;
	wsUrl: string;
	dispose(): Promise<void>;
	readAudit(): Promise<Array<Record<string, unknown>>>;
}

export async function startTestBridge(options: Partial<StartOptions> = {}): Promise<TestBridge> {
	const stateDir = await mkdtemp(join(tmpdir(), 'opsbook-bridge-'));
	const bridge = await startBridge({ project: FIXTURE, stateDir, siteRoot: stateDir, ...options });
	const origin = bridge.url.replace(/\/$/, '');
	return {
		...bridge,
		stateDir,
		origin,
		wsUrl: `${origin.replace('http', 'ws')}${BRIDGE_PATH}`,
		async dispose() {
			await bridge.close();
			await rm(stateDir, { recursive: true, force: true });
		},
		readAudit: () => readAudit(bridge.auditLog),
	};
}

/** The entries of an audit log, in order; none when it does not exist yet. */
export async function readAudit(file: string): Promise<Array<Record<string, unknown>>> {
	const text = await readFile(file, 'utf8').catch(() => '');
	return text
		.split('\n')
		.filter(Boolean)
		.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A bridge in a process of its own, as `npm start` runs it, for tests that kill it or weigh it. */
export interface BridgeProcess extends Pick<TestBridge, 'stateDir' | 'origin' | 'wsUrl' | 'token'> {
	child: ChildProcess;
	/** Where its audit log is (in `stateDir`, its XDG state home). */
	auditLog: string;
	/** What it has printed so far. */
	printed(): string;
	/** Stops it (SIGTERM, as Ctrl-C would) and removes its state. */
	dispose(): Promise<void>;
}

/** The Node flags `npm start` gives the bridge (package.json's `start`), to weigh it as users run it. */
export async function startNodeFlags(): Promise<string[]> {
	const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
		scripts: { start: string };
	};
	return /node (--\S+ )*scripts\/serve\.ts/.exec(scripts.start)![0].split(' ').slice(1, -1);
}

/**
 * Starts `server/cli.ts serve` on the fixture runbooks, on a free port, with a state folder of
 * its own, and waits for the pairing URL it prints.
 */
export async function spawnTestBridge(
	options: {
		args?: string[];
		nodeFlags?: string[];
		/** The state folder of an earlier bridge, to start again on; left in place by `dispose`. */
		stateDir?: string;
		/** A built site to serve; by default a page of its own (these tests need none). */
		site?: string;
	} = {},
): Promise<BridgeProcess> {
	const kept = options.stateDir;
	const stateDir = kept ?? (await mkdtemp(join(tmpdir(), 'opsbook-bridge-process-')));
	const { args = [], nodeFlags = [] } = options;
	// A built site's folder, as `opsbook serve` wants one; most tests need no pages.
	const site = options.site ?? join(stateDir, 'site');
	if (!options.site) {
		await mkdir(site, { recursive: true });
		await writeFile(join(site, 'index.html'), '<!doctype html><title>Runbooks</title>\n');
	}
	const child = spawn(
		process.execPath,
		[...nodeFlags, 'server/cli.ts', 'serve', site, '--port', '0', ...args],
		{
			cwd: ROOT,
			env: {
				...process.env,
				XDG_STATE_HOME: stateDir,
				OPSBOOK_CONTENT_DIR: FIXTURE.contentDir,
				OPSBOOK_CONFIG: FIXTURE.configFile,
			},
			stdio: ['ignore', 'pipe', 'inherit'],
		},
	);
	const exited = new Promise((resolve) => child.once('exit', resolve));
	const dispose = async () => {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
		await exited;
		if (kept === undefined) await rm(stateDir, { recursive: true, force: true });
	};
	let printed = '';
	child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
	try {
		const [, origin = '', token = ''] = await until(
			() => /(http:\/\/[^/\s]+)\/#opsbook=(\S+)/.exec(printed) ?? undefined,
			`the bridge to print its URL (it printed: ${printed})`,
			20_000,
		);
		return {
			child,
			stateDir,
			origin,
			token,
			wsUrl: `${origin.replace('http', 'ws')}${BRIDGE_PATH}`,
			auditLog: join(stateDir, 'opsbook', 'audit.jsonl'),
			printed: () => printed,
			dispose,
		};
	} catch (error) {
		await dispose();
		throw error;
	}
}

let fixtureRegistry: Promise<ExecutableRegistry> | undefined;

/**
 * The command a page of the fixture site shows for `block` with `params`, as the page sends it
 * with a run request; empty when the block or the values are not valid (the bridge refuses those
 * before it compares commands).
 */
export async function fixtureCommand(
	block: string,
	params: Record<string, string>,
): Promise<string> {
	fixtureRegistry ??= loadExecutableRegistry(FIXTURE);
	const found = (await fixtureRegistry).blocks.get(block);
	const rendered = found && renderTemplate(found, params);
	return rendered?.ok ? rendered.command : '';
}

/** A page's side of the protocol, recording everything it receives. */
export class TestClient {
	readonly ws: WebSocket;
	readonly messages: ServerMessage[] = [];
	/** Output per run id, decoded as text, in offset order. */
	readonly output = new Map<string, string>();
	readonly bytes = new Map<string, number>();
	closed: Promise<{ code: number; reason: string }>;
	opened: Promise<void>;
	/** Whether to acknowledge output as it arrives (a page whose terminal keeps up). */
	autoAck = true;
	#waiters: Array<() => void> = [];

	constructor(url: string, headers: { origin?: string; host?: string; cookie?: string } = {}) {
		this.ws = new WebSocket(url, {
			...(headers.origin !== undefined && { origin: headers.origin }),
			headers: {
				...(headers.host !== undefined && { host: headers.host }),
				...(headers.cookie !== undefined && { cookie: headers.cookie }),
			},
		});
		this.opened = new Promise((resolve, reject) => {
			this.ws.once('open', () => resolve());
			this.ws.once('unexpected-response', (_req, res) =>
				reject(new Error(`HTTP ${res.statusCode}`)),
			);
			this.ws.once('error', reject);
		});
		this.closed = new Promise((resolve) => {
			this.ws.on('close', (code, reason) => {
				resolve({ code, reason: reason.toString() });
				this.#wake();
			});
		});
		this.ws.on('message', (data: Buffer, isBinary) => {
			if (isBinary) {
				const { run, offset, data: bytes } = decodeOutput(new Uint8Array(data));
				const seen = this.bytes.get(run) ?? 0;
				if (offset + bytes.length > seen) {
					const fresh = bytes.subarray(Math.max(0, seen - offset));
					this.output.set(run, (this.output.get(run) ?? '') + Buffer.from(fresh).toString());
					this.bytes.set(run, offset + bytes.length);
					if (this.autoAck) this.send({ type: 'ack', run, bytes: offset + bytes.length });
				}
			} else {
				this.messages.push(JSON.parse(data.toString()) as ServerMessage);
			}
			this.#wake();
		});
	}

	static async connect(
		bridge: Pick<TestBridge, 'wsUrl' | 'origin' | 'token'>,
		token = bridge.token,
	): Promise<TestClient> {
		const client = new TestClient(bridge.wsUrl, { origin: bridge.origin });
		await client.opened;
		client.send({ type: 'hello', version: PROTOCOL_VERSION, token });
		await client.waitFor((m) => m.type === 'welcome');
		return client;
	}

	send(message: unknown) {
		if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
	}

	#wake() {
		for (const waiter of this.#waiters.splice(0)) waiter();
	}

	/** Resolves once `check` holds, re-checking on every frame; fails after `timeoutMs`. */
	async until<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const result = check();
			if (result !== undefined && result !== false) return result;
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`timed out waiting for ${what}`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, Math.min(left, 200));
				this.#waiters.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	}

	waitFor<M extends ServerMessage>(
		match: (m: ServerMessage) => m is M,
		timeoutMs?: number,
	): Promise<M>;
	waitFor(match: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
	waitFor(match: (m: ServerMessage) => boolean, timeoutMs = 10_000): Promise<ServerMessage> {
		return this.until(() => this.messages.find(match), 'a message', timeoutMs);
	}

	/**
	 * Sends a run request, with the command a page built from the fixture runbooks would show, and
	 * resolves with the run it started, or the refusal.
	 */
	async run(
		block: string,
		params: Record<string, string> = {},
		extra: Record<string, unknown> = {},
	) {
		const ref = Math.random().toString(36).slice(2);
		const command = await fixtureCommand(block, params);
		this.send({ type: 'run', ref, block, params, command, cols: 80, rows: 24, ...extra });
		const answer = await this.waitFor(
			(m) => (m.type === 'started' || m.type === 'refused') && m.ref === ref,
		);
		if (answer.type === 'refused') return { refused: answer } as const;
		if (answer.type !== 'started') throw new Error('unreachable');
		return { run: answer.run } as const;
	}

	/**
	 * Sends timeline events (a batch, as a page does) and resolves with the bridge's answer to it:
	 * the `timeline` messages with its ref (one per incident), or the refusal.
	 */
	async append(events: unknown[], merge?: boolean) {
		const ref = Math.random().toString(36).slice(2);
		this.send({ type: 'timeline', ref, events, ...(merge !== undefined && { merge }) });
		const answer = await this.waitFor(
			(m) => (m.type === 'timeline' || m.type === 'refused') && m.ref === ref,
		);
		if (answer.type === 'refused') return { refused: answer } as const;
		// Several incidents in one batch are answered one message each, sent together.
		await new Promise((resolve) => setTimeout(resolve, 20));
		const answers = this.messages.filter((m) => m.type === 'timeline' && m.ref === ref);
		return {
			events: answers.flatMap((m) => (m.type === 'timeline' ? m.events : [])),
		} as const;
	}

	/** Resolves with the run's final state. */
	async ended(id: string, timeoutMs = 15_000): Promise<RunInfo> {
		const message = await this.waitFor(
			(m) => m.type === 'run' && m.run.id === id && m.run.state === 'exited',
			timeoutMs,
		);
		if (message.type !== 'run') throw new Error('unreachable');
		return message.run;
	}

	close() {
		this.ws.close();
	}
}
