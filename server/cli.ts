/**
 * `opsbook` on the command line.
 *
 *   opsbook serve  [dist]   serve the built site and the bridge on one loopback port (`npm start`)
 *   opsbook bridge          the bridge alone, for a site published elsewhere (`--site URL`)
 *   opsbook pair            the pairing link of the bridges running, again
 *
 * serve and bridge print the one URL to open: it carries the pairing token in its fragment.
 *
 * package.json starts it with `--max-semi-space-size=2`: a pty is read in reads of a few KiB,
 * each holding a 64 KiB buffer until V8's young generation is next collected, and a small young
 * generation keeps a flood from inflating the bridge's memory (a 30 s `yes` flood: +10 MiB
 * instead of +40 MiB, at the same speed; `npm run bench`).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RISKS, type Risk } from '../src/runbook/schema.ts';
import { ProjectError, projectPaths, RunbookError } from '../src/runbook/runbooks-fs.ts';
import { PermissionError } from './private-files.ts';
import { defaultStateDir } from './audit-log.ts';
import { pairingLink, runningBridges } from './running.ts';
import { keptToken, startBridge, UsageError, type RunningBridge } from './start.ts';

const EXIT_CODES = `Exit codes: 0 stopped with Ctrl-C, 2 a usage or configuration error (a port asked for
that is taken, no built site, a malformed runbook).`;

/** The options `serve` and `bridge` share; each help adds its own `--port` default. */
const BRIDGE_OPTIONS = `  --host ADDR           address to listen on (default 127.0.0.1; keep it on loopback)
  --max-risk LEVEL      the riskiest blocks this bridge runs: read, change or destructive (default)
  --practice            a practice bridge, for learning: read steps only (the pages say so), and
                        drills can be started from the page
  --drill NAME          play the drill NAME (drills/NAME.yaml in the runbooks folder): nothing is
                        executed, every Run is answered from the scenario; implies --practice
  --arm TARGET          let steps reach TARGET from the start (repeatable). Every step runs on
                        its own target; one other than local is out of reach until armed, here
                        or from the page (a production target asks for its name to be typed)
  --allow-origin URL    also accept pages from this origin (repeatable)
  --audit-log FILE      where runs are logged (default: ~/.local/state/opsbook/audit.jsonl)
  --ssh-config FILE     ssh client config for ssh targets (default: ssh's own, ~/.ssh/config)
  --new-token           pair anew: pages paired before must open the new URL`;

/** What `serve` and `bridge` take (`--site` is `bridge`'s; `serve` takes it only to say so). */
export const BRIDGE_PARSE_OPTIONS = {
	port: { type: 'string' },
	host: { type: 'string', default: '127.0.0.1' },
	site: { type: 'string' },
	'max-risk': { type: 'string' },
	practice: { type: 'boolean', default: false },
	drill: { type: 'string' },
	arm: { type: 'string', multiple: true, default: [] },
	'allow-origin': { type: 'string', multiple: true, default: [] },
	'audit-log': { type: 'string' },
	'ssh-config': { type: 'string' },
	'new-token': { type: 'boolean', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** `opsbook serve|bridge|pair --help`, each with its own options and examples. */
export const HELP = {
	serve: `Usage: opsbook serve [SITE_DIR] [options]

Serves the built site in SITE_DIR (default: dist, or OPSBOOK_OUT_DIR) and the bridge together on
127.0.0.1, and prints the one link to open: it carries the pairing token in its fragment. Build
the site first; in the Opsbook repository, npm start builds it and then does this.

Options:
  --port N              port to listen on (default 4321, or a free port, said loudly above the
                        link, when 4321 is taken; a port asked for that is taken is an error)
${BRIDGE_OPTIONS}

Examples:
  npx astro build && npx opsbook serve       then open the link it prints
  npx opsbook serve build/site --port 8080
  npx opsbook serve --arm staging            steps on staging can run from the start
  npx opsbook serve --max-risk read          a bridge that runs read steps only
  npx opsbook serve --practice               read steps only, and drills to start from the page
  npx opsbook serve --drill db-down          play drills/db-down.yaml: nothing is executed

${EXIT_CODES}`,
	bridge: `Usage: opsbook bridge --site URL [options]

Runs the bridge alone, for runbooks published at URL (a site built with Opsbook and deployed
elsewhere), and prints the link to open: the site's address with the pairing token in its
fragment. The pages run their steps through this bridge, on this machine.

Options:
  --site URL            the address of the published runbooks (required), like
                        https://runbooks.example.com/; pages from that origin are accepted
  --port N              port to listen on (default 4322, or a free port, said loudly above the
                        link, when 4322 is taken; a port asked for that is taken is an error)
${BRIDGE_OPTIONS}

Examples:
  npx opsbook bridge --site https://runbooks.example.com/
  npx opsbook bridge --site https://runbooks.example.com/ --arm staging
  npx opsbook bridge --site https://runbooks.example.com/ --audit-log ~/incident-audit.jsonl

${EXIT_CODES}`,
	pair: `Usage: opsbook pair

Prints the pairing link of every Opsbook bridge running for you (opsbook serve or opsbook
bridge), so a new tab, or one that lost its pairing, can be paired again without restarting the
bridge and stopping its runs. It takes no options; the link carries the token: keep it to yourself.

Examples:
  npx opsbook pair
  npm run pair          the same, in the Opsbook repository

Exit codes: 0 printed, 2 no bridge is running for you.`,
} as const;

export async function main(argv: string[]): Promise<RunningBridge | undefined> {
	const { values, positionals } = parseArgs({
		args: argv,
		allowPositionals: true,
		options: { ...BRIDGE_PARSE_OPTIONS, help: { type: 'boolean', short: 'h', default: false } },
	});
	const [command = 'serve', siteDir, ...extra] = positionals;
	if (!isBridgeCommand(command)) {
		throw new UsageError(`Unknown command "${command}": serve, bridge or pair.\n\n${HELP.serve}`);
	}
	if (values.help) {
		console.log(HELP[command]);
		return undefined;
	}
	if (command === 'pair') {
		printPairingLinks();
		return undefined;
	}
	if (extra.length > 0 || (command === 'bridge' && siteDir !== undefined)) {
		throw new UsageError(
			command === 'serve'
				? `one site folder to serve, not ${[siteDir, ...extra].join(' ')}`
				: `a folder is for opsbook serve; this bridge is for the site at --site URL (given: ${[siteDir, ...extra].join(' ')})`,
		);
	}
	const practice = values.practice || values.drill !== undefined;
	const maxRisk = values['max-risk'] ?? (practice ? 'read' : 'destructive');
	if (!(RISKS as readonly string[]).includes(maxRisk)) {
		throw new UsageError(`--max-risk must be one of ${RISKS.join(', ')}, not "${maxRisk}"`);
	}
	if (practice && maxRisk !== 'read') {
		throw new UsageError(
			`--${values.drill !== undefined ? 'drill' : 'practice'} runs read steps only; it cannot be combined with --max-risk ${maxRisk}`,
		);
	}
	const remote = values.arm.filter((name) => name !== 'local');
	if (practice && remote.length > 0) {
		throw new UsageError(
			`--${values.drill !== undefined ? 'drill' : 'practice'} runs steps on this machine only, so it arms nothing else; leave out --arm ${remote.join(' --arm ')}`,
		);
	}
	if (command === 'bridge' && !values.site) {
		throw new UsageError('--site URL is needed: the address of the published runbooks');
	}
	if (values.site !== undefined) {
		if (command === 'serve') {
			throw new UsageError(
				`give the built site's folder as it is (opsbook serve ${values.site}); --site URL is for opsbook bridge, with a site published elsewhere`,
			);
		}
		if (!/^https?:\/\/[^/]/.test(values.site) || !URL.canParse(values.site)) {
			throw new UsageError(
				`--site must be the address of the published runbooks, like https://runbooks.example.com/, not "${values.site}"`,
			);
		}
	}
	const wanted = values.port ?? process.env.PORT;
	const common = {
		project: projectPaths(),
		host: values.host,
		maxRisk: maxRisk as Risk,
		practice,
		drill: values.drill,
		arm: values.arm,
		allowedOrigins: values['allow-origin'],
		auditLog: values['audit-log'],
		sshConfig: values['ssh-config'],
		newToken: values['new-token'],
		siteRoot:
			command === 'serve' ? resolve(siteDir ?? process.env.OPSBOOK_OUT_DIR ?? 'dist') : undefined,
		siteUrl: values.site,
	};
	const defaultPort = command === 'serve' ? 4321 : 4322;
	let bridge: RunningBridge;
	// Said above the link when the usual port was taken: a responder who opens a bookmark or an
	// old tab on the usual port would otherwise reach whatever holds it, not this bridge.
	let portNote: string[] = [];
	try {
		bridge = await startBridge({ ...common, port: Number(wanted ?? defaultPort) });
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
		// A port asked for is a port needed (a firewall rule, a proxy): better stopped than elsewhere.
		if (wanted) {
			throw new UsageError(
				`Port ${wanted} on ${values.host} is in use (another Opsbook?). Stop what holds it, or start with another --port, or with none to take a free one.`,
			);
		}
		// No port asked for: at 3 a.m. a working Opsbook on another port beats an error.
		bridge = await startBridge({ ...common, port: 0 });
		portNote = [
			'',
			`  ! Port ${defaultPort} is in use (another Opsbook?); serving on ${bridge.port} instead.`,
			`    Pages on port ${defaultPort} are not this Opsbook: open the link below.`,
		];
	}
	// Checked once everything else was (a wrong --drill says so first): serving a folder with no
	// site answers every page with a 404 behind a link that looks as if all is well.
	if (common.siteRoot !== undefined && !existsSync(join(common.siteRoot, 'index.html'))) {
		await bridge.close();
		throw new UsageError(
			`There is no built site in ${common.siteRoot}: build it first (npx astro build), or name the folder it was built into (opsbook serve DIR).`,
		);
	}
	const armed = values.arm.filter((name) => name !== 'local');
	const where = `each step runs on its own target; armed: local${armed.map((n) => `, ${n}`).join('')}`;
	console.log(
		[
			...portNote,
			'',
			command === 'serve'
				? '  Opsbook is serving the runbooks. Open:'
				: `  The Opsbook bridge is running. Open the runbooks at ${values.site} through this link:`,
			'',
			`    ${bridge.pairingUrl}`,
			'',
			`  Bridge: ${where}; risk up to ${maxRisk}. Audit log: ${bridge.auditLog}`,
			...modeLines(bridge),
			// A drill started with --drill has just declared its own incident: the DRILL lines say so.
			...(bridge.openIncident && !isDrillIncident(bridge)
				? [
						`  Incident still open: “${bridge.openIncident.title}”, SEV-${bridge.openIncident.severity}, detected ${bridge.openIncident.detectedAt.slice(0, 16).replace('T', ' ')} UTC.`,
						`  Its timeline goes on in ${bridge.openIncident.file}`,
					]
				: []),
			'  The link pairs this browser tab with the bridge; keep it to yourself. Ctrl-C stops.',
			'',
		].join('\n'),
	);
	let closing = false;
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.on(signal, () => {
			if (closing) process.exit(1);
			closing = true;
			console.log('\n  Stopping runs and closing the bridge…');
			void bridge.close().then(() => process.exit(0));
		});
	}
	return bridge;
}

export { UsageError };

function isBridgeCommand(name: string): name is keyof typeof HELP {
	return Object.hasOwn(HELP, name);
}

/** Whether the incident open at start-up is the one of the drill the bridge is running. */
function isDrillIncident({ bridge, openIncident }: RunningBridge): boolean {
	const mode = bridge.mode();
	return mode.kind === 'drill' && mode.drill.incident === openIncident?.id;
}

/** What a practice or drill bridge says under its link, loudly: nobody should mistake it. */
function modeLines({ bridge }: RunningBridge): string[] {
	const mode = bridge.mode();
	if (mode.kind === 'live') return [];
	const drills = mode.drills.map((d) => d.name).join(', ') || 'none';
	if (mode.kind === 'practice') {
		return [
			'',
			'  PRACTICE: read steps only, so nothing can change by mistake; the pages say so.',
			`  Drills to start from the page: ${drills}.`,
		];
	}
	return [
		'',
		`  DRILL: ${mode.drill.title} (SEV-${mode.drill.severity}), incident ${mode.drill.incident}.`,
		'  Nothing runs: every Run is answered from the scenario. End it from the page.',
		...mode.drill.alert
			.trimEnd()
			.split('\n')
			.map((line) => `    ${line}`),
	];
}

/**
 * Prints the link of every bridge running for this user, so a tab can be paired again without
 * restarting a bridge and stopping its runs.
 */
export function printPairingLinks() {
	const stateDir = defaultStateDir();
	const running = runningBridges(stateDir);
	const token = keptToken(stateDir);
	if (running.length === 0 || !token) {
		throw new UsageError(
			'No Opsbook bridge is running for you: start one with  npx opsbook serve  (npm start in the Opsbook repository; it prints the link).',
		);
	}
	console.log(
		[
			'',
			'  Open this link in the tab to pair it with the running bridge:',
			'',
			...running.map((record) => `    ${pairingLink(record, token)}`),
			'',
			'  It carries the pairing token: keep it to yourself.',
			'',
		].join('\n'),
	);
}

/**
 * Runs `main`, turning the errors a responder can fix (a malformed runbook, a wrong option) into
 * their message and exit code 2 instead of a stack trace.
 */
export async function runCli(argv: string[]): Promise<void> {
	try {
		await main(argv);
	} catch (error) {
		const badOption = (error as NodeJS.ErrnoException | undefined)?.code?.startsWith(
			'ERR_PARSE_ARGS',
		);
		if (
			error instanceof RunbookError ||
			error instanceof ProjectError ||
			error instanceof UsageError ||
			error instanceof PermissionError ||
			badOption
		) {
			console.error((error as Error).message);
			process.exit(2);
		}
		throw error;
	}
}

if (import.meta.main) await runCli(process.argv.slice(2));
