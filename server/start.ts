/**
 * Puts a bridge together: the runbooks (through the model), the targets, the pairing token, the
 * audit log and the HTTP server. `npm start`, `npm run bridge` and the tests all start one here.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, ftruncateSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectPaths } from '../src/runbook/runbooks-fs.ts';
import type { Risk } from '../src/runbook/schema.ts';
import { AuditLog, defaultStateDir } from './audit-log.ts';
import { makeBridge, type Bridge, type BridgeLimits } from './bridge.ts';
import { startBridgeServer, type BridgeServer } from './http.ts';
import { openPrivateFile, privateDir } from './private-files.ts';
import { loadExecutableRegistry, type ExecutableRegistry } from './registry.ts';
import { pairingLink, recordRunning } from './running.ts';
import { localTarget, runEnvironment } from './targets/local.ts';
import { Timeline } from './timeline.ts';
import type { TargetDriver } from './targets/target.ts';

export interface StartOptions {
	project: ProjectPaths;
	/** A built site to serve on the bridge's port. */
	siteRoot?: string | undefined;
	/** The URL of a site published elsewhere; its origin may connect. */
	siteUrl?: string | undefined;
	host?: string;
	port?: number;
	allowedOrigins?: string[];
	maxRisk?: Risk;
	/** A practice bridge: read steps only (whatever `maxRisk` says), and drills from the page. */
	practice?: boolean;
	/** Start in a drill on this scenario (`--drill NAME`); implies `practice`. */
	drill?: string | undefined;
	/**
	 * Targets to arm from the start (`--arm`). Every block runs on its own target; a target other
	 * than `local` is out of reach until armed, here or from a page.
	 */
	arm?: readonly string[];
	/**
	 * Holds the pairing token, the bridge's id, the incident timelines (`incidents/`) and, unless
	 * `auditLog` says otherwise, the audit log.
	 */
	stateDir?: string;
	auditLog?: string;
	/** An ssh client config (`ssh -F`) for the ssh targets; tests point it at their sshd. */
	sshConfig?: string | undefined;
	/** Make a new pairing token even when one is kept. */
	newToken?: boolean;
	limits?: Partial<BridgeLimits>;
}

export interface RunningBridge extends BridgeServer {
	/** The URL to open: the site with the pairing token in its fragment. */
	pairingUrl: string;
	token: string;
	auditLog: string;
	/** The incident open on this bridge's timeline when it started, to say so at start-up. */
	openIncident?: { id: string; title: string; severity: number; detectedAt: string; file: string };
	/** The bridge's own copy of the runbooks. */
	registry: ExecutableRegistry;
	/** The bridge's logic: its mode, and drills started or ended without a page. */
	bridge: Bridge;
}

/**
 * The pairing token: random, made at the first start and kept (mode 0600, in a 0700 folder) in
 * the state directory so open pages reconnect after the bridge restarts; `newToken` replaces it.
 * A kept token others could read is tightened and said so; one of another user is refused.
 */
export function pairingToken(stateDir: string, renew = false): string {
	privateDir(stateDir);
	const file = join(stateDir, 'bridge-token');
	const what = 'the pairing token file';
	const kept = renew ? undefined : keptToken(stateDir);
	if (kept) return kept;
	const token = randomBytes(32).toString('base64url');
	// Truncated only once it is known to be ours.
	const fd = openPrivateFile(file, constants.O_WRONLY | constants.O_CREAT, what);
	try {
		ftruncateSync(fd, 0);
		writeFileSync(fd, `${token}\n`);
	} finally {
		closeSync(fd);
	}
	return token;
}

/** The pairing token kept in `stateDir`, if there is a valid one; never makes one. */
export function keptToken(stateDir: string): string | undefined {
	let fd: number;
	try {
		fd = openPrivateFile(
			join(stateDir, 'bridge-token'),
			constants.O_RDONLY,
			'the pairing token file',
		);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
	try {
		const kept = readFileSync(fd, 'utf8').trim();
		return /^[A-Za-z0-9_-]{43,}$/.test(kept) ? kept : undefined;
	} finally {
		closeSync(fd);
	}
}

/** A start-up option a responder can fix; the CLI prints its message without a stack trace. */
export class UsageError extends Error {
	override name = 'UsageError';
}

/** A bridge's logic with everything it runs through, but no HTTP server: see `openBridge`. */
export interface OpenBridge {
	bridge: Bridge;
	registry: ExecutableRegistry;
	token: string;
	auditLog: string;
	timeline: Timeline;
	stateDir: string;
}

export type OpenOptions = Omit<
	StartOptions,
	'siteRoot' | 'siteUrl' | 'host' | 'port' | 'allowedOrigins'
> & {
	/**
	 * A bridge inside one CLI command (`opsbook run`, `opsbook test`), reached through an in-memory
	 * socket: its token is its own and never kept, and it leaves the timeline's housekeeping to
	 * the long-running bridge (see `BridgeOptions.embedded`).
	 */
	embedded?: boolean;
};

/**
 * Puts the bridge's logic together: the runbooks, a driver per target, the audit log, the
 * timeline and arming. `startBridge` serves it over HTTP; the CLI talks to it through an in-memory
 * socket (`cli/session.ts`), so a run from a page and a run from a terminal go through the same
 * `resolveRun`, `Run`, targets, audit log, verdicts and gates.
 */
export async function openBridge(options: OpenOptions): Promise<OpenBridge> {
	const registry = await loadExecutableRegistry(options.project);
	const { config } = registry;
	for (const name of options.arm ?? []) {
		if (!(name in config.targets)) {
			throw new UsageError(
				`--arm ${name}: no such target; the targets are ${Object.keys(config.targets).join(', ')}`,
			);
		}
	}
	if (options.drill !== undefined && !registry.drills.has(options.drill)) {
		const names = [...registry.drills.keys()];
		throw new UsageError(
			`--drill ${options.drill}: no such drill; ${names.length > 0 ? `the drills are ${names.join(', ')}` : 'there are no drills (drills/*.yaml in the runbooks folder)'}`,
		);
	}
	const practice = options.practice === true || options.drill !== undefined;
	const stateDir = options.stateDir ?? defaultStateDir();
	privateDir(stateDir);
	const env = runEnvironment();
	// A driver per target; an ssh driver connects only when a run on an armed target asks it to.
	const drivers = new Map<string, TargetDriver>();
	for (const [name, target] of Object.entries(config.targets)) {
		if (target.kind === 'local') drivers.set(name, localTarget(name, target, env));
		else {
			const { sshTarget } = await import('./targets/ssh.ts');
			const controlDir = join(stateDir, 'ssh');
			drivers.set(
				name,
				sshTarget(name, target, { controlDir, configFile: options.sshConfig, env }),
			);
		}
	}
	const auditLog = options.auditLog ?? join(stateDir, 'audit.jsonl');
	const token = options.embedded
		? randomBytes(32).toString('base64url')
		: pairingToken(stateDir, options.newToken);
	const audit = new AuditLog(auditLog);
	const timeline = new Timeline(stateDir);
	const arm = [...new Set(options.arm ?? [])].filter(
		(name) => config.targets[name]?.kind !== 'local',
	);
	const time = new Date().toISOString();
	for (const target of arm) await audit.append({ event: 'arm', time, target, by: 'start-up' });
	const bridge = makeBridge({
		registry,
		drivers,
		token,
		audit,
		timeline,
		maxRisk: practice ? 'read' : (options.maxRisk ?? 'destructive'),
		practice,
		armed: arm,
		...(options.embedded && { embedded: true }),
		...(options.limits && { limits: options.limits }),
	});
	if (options.drill !== undefined) {
		const refusal = await bridge.startDrill(options.drill);
		if (refusal !== undefined) {
			await bridge.close();
			throw new UsageError(`--drill ${options.drill}: ${refusal}`);
		}
	}
	return { bridge, registry, token, auditLog, timeline, stateDir };
}

export async function startBridge(options: StartOptions): Promise<RunningBridge> {
	const { bridge, registry, token, auditLog, timeline, stateDir } = await openBridge(options);
	const allowedOrigins = [...(options.allowedOrigins ?? [])];
	if (options.siteUrl) allowedOrigins.push(new URL(options.siteUrl).origin);
	const server = await startBridgeServer({
		bridge,
		token,
		siteRoot: options.siteRoot,
		host: options.host ?? '127.0.0.1',
		port: options.port ?? 0,
		allowedOrigins,
	});
	// A published site needs to be told where the bridge is; the local one is on the same origin.
	const record = {
		pid: process.pid,
		site: options.siteUrl ?? server.url,
		...(options.siteUrl !== undefined && { bridgeHost: new URL(server.url).host }),
	};
	const forget = recordRunning(stateDir, server.port, record);
	return {
		...server,
		pairingUrl: pairingLink(record, token),
		token,
		auditLog,
		...openIncident(timeline),
		registry,
		bridge,
		async close() {
			forget();
			await server.close();
		},
	};
}

function openIncident(timeline: Timeline): Pick<RunningBridge, 'openIncident'> {
	const open = timeline.open();
	if (!open?.state) return {};
	const { id, title, severity, detectedAt } = open.state;
	return { openIncident: { id, title, severity, detectedAt, file: open.file } };
}
