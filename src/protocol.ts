/**
 * The bridge protocol: every message between a page and the local bridge, shared by
 * `src/client/` and `server/`.
 *
 * One WebSocket per page. The page opens it on {@link BRIDGE_PATH}, then proves it was handed the
 * pairing token by sending `hello` first. The bridge answers `welcome`, or closes with a
 * {@link CloseCode}. Control messages are JSON text frames; run output travels in binary frames
 * (see {@link encodeOutput}) so terminal bytes are never JSON-escaped.
 *
 * A page never sends a command. It names a block id and parameter values; the bridge renders the
 * command from its own copy of the runbooks.
 *
 * Browser-safe, and free of zod: every page's header script imports it.
 */

import type { IncidentSummary } from './incident/timeline.ts';
import type { GateOverride } from './runbook/gates.ts';
import type { Verdict } from './runbook/verdict.ts';
import type { TimelineEvent } from './incident/schema.ts';

/** Bumped when a message changes shape; `hello` and `welcome` carry it. */
export const PROTOCOL_VERSION = 4;

/** Where the bridge accepts WebSocket upgrades. */
export const BRIDGE_PATH = '/_opsbook/bridge';

/** The largest frame the bridge accepts from a page. Keystrokes and parameter values are small. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/**
 * Why a connection was closed, in the style of graphql-ws `CloseCode`. 4xxx codes mirror the HTTP
 * status of the same meaning. A page reconnects after `GoingAway` and network drops, never after
 * a refusal: retrying a wrong token only repeats the refusal.
 */
export const CloseCode = {
	/** The bridge is shutting down; reconnect when it is back. */
	GoingAway: 1001,
	/** A frame larger than {@link MAX_CLIENT_FRAME_BYTES} (sent by `ws` itself). */
	MessageTooBig: 1009,
	/** A frame that is not JSON, or not a message of this protocol. */
	BadRequest: 4400,
	/** `hello` was missing its token, or the token was wrong. */
	Unauthorized: 4401,
	/** The page's origin is not allowed. Normally refused before the upgrade with HTTP 403. */
	Forbidden: 4403,
	/** No `hello` arrived in time. */
	HelloTimeout: 4408,
	/** A second `hello` on the same connection. */
	DuplicateHello: 4409,
	/** The page speaks another protocol version: reload it. */
	UnsupportedVersion: 4426,
	/** Too many connections are open. */
	TooManyConnections: 4429,
	/** The bridge failed in a way it did not expect; its log has the details. */
	InternalError: 4500,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Why a run was refused or failed to start, stable across versions. The connection stays open:
 * the page shows the message next to the block.
 */
export const ERROR_CODES = [
	/** The block id is not in the bridge's runbooks (a stale page, or a forged request). */
	'unknown-block',
	/** A parameter value failed its type. */
	'invalid-params',
	/** The block's risk is above the bridge's `--max-risk`. */
	'risk-ceiling',
	/** A destructive block was sent without its confirmation word. */
	'confirm-required',
	/** Too many runs at once, on this page or on the bridge. */
	'too-many-runs',
	/** The block's target is not configured on this bridge. */
	'unknown-target',
	/** The target could not be reached (ssh refused, timed out, host key unknown…). */
	'target-unreachable',
	/** No run with that id (it ended long ago, or never existed). */
	'unknown-run',
	/** The process could not be started. */
	'spawn-failed',
	/** The page shows another command than the bridge would run: they come from different runbooks. */
	'stale-page',
	/** The block's target has not been armed for this bridge session. */
	'target-not-armed',
	/** Asked to run a block elsewhere than its own target, which only `read` blocks may. */
	'wrong-target',
	/** The audit log could not record the action, so it was not done. */
	'audit-failed',
	/**
	 * The block names blocks that must pass first (`needs=`), and they have not in this bridge
	 * session; a request with `override: { reason }` runs it anyway, on record.
	 */
	'gate-closed',
	/** Declaring an incident while another is open on this bridge: resolve that one first. */
	'incident-open',
	/** Timeline events for an incident this bridge has no record of, and no declaration with them. */
	'unknown-incident',
	/** Timeline events a page may not add (a run record outside a merge, or of this bridge itself). */
	'invalid-event',
	/** The timeline could not be written to disk, so nothing was added (or the run did not start). */
	'timeline-failed',
	/** A practice bridge runs read steps only; this one changes things (the page says why). */
	'practice',
	/** A drill was asked of a bridge not in practice mode, or names no scenario it has. */
	'drill-refused',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const RISK_LEVELS = ['read', 'change', 'destructive'] as const;

export type { Outcome, Verdict } from './runbook/verdict.ts';
export type { GateOverride } from './runbook/gates.ts';

// Page → bridge: the messages are defined by their schemas in `protocol-schema.ts`, which the
// bridge validates every frame with. This module stays free of zod, so any page can import it.
export type {
	AckMessage,
	ArmMessage,
	AttachMessage,
	ClientMessage,
	DetachMessage,
	DisarmMessage,
	HelloMessage,
	InputMessage,
	ResizeMessage,
	RunRequest,
	StopMessage,
	TimelineAppendMessage,
	TimelineRequestMessage,
	DrillStartMessage,
	DrillEndMessage,
} from './protocol-schema.ts';
export type { TimelineEvent } from './incident/schema.ts';

// Bridge → page

/** A target as the page shows it. */
export interface TargetInfo {
	name: string;
	label: string;
	kind: 'local' | 'ssh';
	production: boolean;
	/**
	 * Whether this bridge session may reach the target. `local` always may; any other target only
	 * once the responder has armed it (from the page, or with `--arm` at start-up).
	 */
	armed: boolean;
	/**
	 * Whether the responder may arm it now: false for every target but `local` on a practice bridge
	 * outside a drill (practice reaches no other machine), so the page offers no "Arm…". Bridges
	 * older than this field do not send it: treat a missing one as true.
	 */
	armable?: boolean;
}

export type RunState = 'starting' | 'running' | 'exited';

/** How a run ended. */
export type RunEnd =
	/** The command exited by itself; `exitCode` says how. */
	| 'exited'
	/** A responder pressed Stop. */
	| 'stopped'
	/** The block's timeout passed. */
	| 'timeout'
	/** It never ran: the target was unreachable or the process could not start. */
	| 'failed';

/** What the bridge tells every page about a run. Secret parameters are already redacted. */
export interface RunInfo {
	id: string;
	block: string;
	title: string;
	/** The page the block is on (its slug), and the page the run was started from. */
	blockPage: string;
	page?: string;
	/** Where it runs. */
	target: string;
	/** The target the block names, when the responder chose to run a `read` block elsewhere. */
	blockTarget?: string;
	/** The command as run, secrets shown as `'***'`. */
	command: string;
	state: RunState;
	/** ms since the epoch */
	startedAt: number;
	end?: RunEnd;
	exitCode?: number;
	signal?: string;
	durationMs?: number;
	/** Bytes of output so far, and the first byte the ring buffer still holds. */
	outputBytes: number;
	bufferStart: number;
	/** Why it failed, for `end: 'failed'`, as a sentence. */
	message?: string;
	/** For a check (a block with an expected result), once the run ended: pass, warn or fail, and why. */
	verdict?: Verdict;
	/** Its gate had not opened: the responder ran it anyway, and said why. */
	override?: GateOverride;
	/** Answered from a drill's scenario: nothing was executed. */
	simulated?: true;
}

export interface WelcomeMessage {
	type: 'welcome';
	version: number;
	bridge: {
		/** The highest risk this bridge runs. */
		maxRisk: (typeof RISK_LEVELS)[number];
		/** The targets of the runbooks, and whether each is armed. A block runs on its own target. */
		targets: TargetInfo[];
	};
	/** Running and recent runs, newest first. */
	runs: RunInfo[];
	/**
	 * The blocks whose newest run in this bridge session passed: the gates they open (`needs=`).
	 * From here on the page follows them in `run` messages, with `gateResult`.
	 */
	passed: string[];
	/**
	 * The bridge's incident: the open one, else the most recently resolved, with its whole
	 * timeline; none when this bridge has recorded no incident. New events follow in `timeline`.
	 */
	incident?: {
		id: string;
		events: TimelineEvent[];
		/** Lines of its file the bridge could not read (a crash mid-write), as sentences. */
		dropped?: string[];
	};
	/**
	 * Every incident the bridge keeps a timeline of (drills too), newest declaration first, at
	 * most `INCIDENT_LIST_MAX`: the timeline page lists the earlier ones and asks for one's whole
	 * timeline with `timeline-get`.
	 */
	incidents: IncidentSummary[];
	/** The bridge's own id, as its run events carry it (`bridge`). */
	bridgeId: string;
	/** Live, practice or drill, and the drills a practice bridge can start. */
	mode: BridgeMode;
}

export type { IncidentSummary };

/** How many incidents a welcome lists. */
export const INCIDENT_LIST_MAX = 200;

/** A drill a practice bridge offers, as the page lists it. */
export interface DrillInfo {
	name: string;
	title: string;
	severity: number;
}

/**
 * What kind of bridge this is. `live`: it runs blocks on their targets. `practice` (`--practice`):
 * read steps only, on this machine's targets, and drills can be started from the page. `drill`
 * (`--drill NAME`, or started from a practice page): it executes nothing; every Run is answered
 * from the scenario through the same streaming, verdicts, gates and confirmations.
 */
export type BridgeMode =
	| { kind: 'live' }
	| { kind: 'practice'; drills: DrillInfo[] }
	| {
			kind: 'drill';
			drills: DrillInfo[];
			drill: DrillInfo & {
				/** The alert text the trainee starts from. */
				alert: string;
				/** The incident the drill was declared as (its timeline holds the drill). */
				incident: string;
			};
	  };

/**
 * The bridge's mode changed (a drill started or ended): every page learns it, and the page that
 * asked hears its `ref`. Targets armed in a drill are the drill's alone, so a `targets` message
 * follows.
 */
export interface ModeMessage {
	type: 'mode';
	/** The `drill-start` or `drill-end` this answers, on the page that sent it. */
	ref?: string;
	mode: BridgeMode;
	/** The riskiest blocks the bridge runs now: every risk in a drill (nothing is executed). */
	maxRisk: (typeof RISK_LEVELS)[number];
	/** The blocks that passed in this mode: a drill's gates are its own, and start closed. */
	passed: string[];
	/**
	 * The bridge's runs now, newest first, as in `welcome`: a drill starts and ends with its
	 * finished runs forgotten, so the page replaces its Runs list (and forgets the output and
	 * verdicts of runs not in it).
	 */
	runs: RunInfo[];
}

/** A run request was accepted; output follows in binary frames. */
export interface StartedMessage {
	type: 'started';
	ref: string;
	run: RunInfo;
}

/** A run request, or an attach/input/stop, was refused; nothing ran. */
export interface RefusedMessage {
	type: 'refused';
	ref?: string;
	run?: string;
	code: ErrorCode;
	message: string;
}

/** A run changed state (started, ended). Sent to every page, for the Runs panel. */
export interface RunUpdateMessage {
	type: 'run';
	run: RunInfo;
}

/** A target was armed or disarmed: every page learns the new states. */
export interface TargetsMessage {
	type: 'targets';
	targets: TargetInfo[];
}

/** The answer to `attach`, sent before the replayed output: where it starts, and whether bytes were dropped. */
export interface AttachedMessage {
	type: 'attached';
	run: string;
	/** The first byte that will follow. */
	from: number;
	/** Output before `from` is gone. */
	truncated: boolean;
}

/**
 * Events added to an incident's timeline, sent to every page (with `ref` to the page that asked,
 * and then also listing events it sent that were already there), or the answer to `timeline-get`
 * with the whole timeline (`complete`).
 */
export interface TimelineMessage {
	type: 'timeline';
	ref?: string;
	incident: string;
	events: TimelineEvent[];
	/** The events are the incident's whole timeline, not just new ones. */
	complete?: boolean;
	/** Lines of the file the bridge could not read (a crash mid-write), as sentences. */
	dropped?: string[];
}

export type ServerMessage =
	| WelcomeMessage
	| ModeMessage
	| TimelineMessage
	| StartedMessage
	| RefusedMessage
	| RunUpdateMessage
	| AttachedMessage
	| TargetsMessage;

/**
 * Output frames are binary: one byte giving the run id's length, the id in ASCII, the offset of
 * the first data byte as a 64-bit float, then the data. The offset lets a page resume after a
 * reload and acknowledge exactly what it has processed.
 */
export function encodeOutput(run: string, offset: number, data: Uint8Array): Uint8Array {
	const { frame, data: body } = outputFrame(run, offset, data.length);
	body.set(data);
	return frame;
}

/**
 * An output frame with its header written and room for `length` bytes of data, for a sender
 * that copies its output straight into place (one allocation per frame).
 */
export function outputFrame(
	run: string,
	offset: number,
	length: number,
): { frame: Uint8Array; data: Uint8Array } {
	const header = 1 + run.length + 8;
	const frame = new Uint8Array(header + length);
	frame[0] = run.length;
	for (let i = 0; i < run.length; i++) frame[1 + i] = run.charCodeAt(i);
	new DataView(frame.buffer, frame.byteOffset).setFloat64(1 + run.length, offset);
	return { frame, data: frame.subarray(header) };
}

export function decodeOutput(frame: Uint8Array): { run: string; offset: number; data: Uint8Array } {
	const length = frame[0] ?? 0;
	const run = String.fromCharCode(...frame.subarray(1, 1 + length));
	const offset = new DataView(frame.buffer, frame.byteOffset).getFloat64(1 + length);
	return { run, offset, data: frame.subarray(1 + length + 8) };
}

/**
 * The pairing data a bridge hands the page in the URL fragment: `#opsbook=<token>` for the bridge
 * serving the page, `#opsbook=<token>@<host:port>` for a standalone one. The host is always
 * `127.0.0.1`, `localhost` or `[::1]`: a page pairs with no bridge on another computer.
 */
export const FRAGMENT_KEY = 'opsbook';

/**
 * On a bridge that serves the site itself: a same-origin POST of `{ token }` here answers with
 * the bridge's HttpOnly pairing cookie, which later tabs present instead of the token.
 */
export const PAIR_PATH = '/_opsbook/pair';

/** On a bridge that serves the site itself: `{ paired }`, whether this browser holds its cookie. */
export const STATUS_PATH = '/_opsbook/status';
