/**
 * The bridge's own copy of the runbooks, and the one place a run request becomes a command.
 *
 * A page names a block id, parameter values and, for destructive blocks, a confirmation word.
 * `resolveRun` looks the block up here, checks the values with the model's schemas, renders the
 * command with the model's renderer and applies the bridge's policy. Nothing a page sends is
 * ever executed as text.
 */
import type { OpsbookConfig } from '../src/runbook/config.ts';
import type { DrillScenario } from '../src/runbook/drill.ts';
import type { IncidentContent } from '../src/runbook/incident-content.ts';
import { loadValidRunbooks, type ProjectPaths } from '../src/runbook/runbooks-fs.ts';
import { unmetNeeds, type GateOverride } from '../src/runbook/gates.ts';
import { isSecret } from '../src/runbook/params.ts';
import { RISKS, type CommandBlock, type Risk } from '../src/runbook/schema.ts';
import { renderTemplate } from '../src/runbook/template.ts';
import type { ErrorCode, RunRequest } from '../src/protocol.ts';

export interface ExecutableRegistry {
	config: OpsbookConfig;
	blocks: ReadonlyMap<string, CommandBlock>;
	/** The severity levels and escalation rules its reminders follow, and the report template. */
	incident: IncidentContent;
	/** The drills this bridge can play, by name (`--drill NAME`, or started from a practice page). */
	drills: ReadonlyMap<string, DrillScenario>;
}

/** Loads and validates every runbook of a project; throws a `RunbookError` listing problems. */
export async function loadExecutableRegistry(paths: ProjectPaths): Promise<ExecutableRegistry> {
	const loaded = await loadValidRunbooks(paths);
	return {
		config: loaded.config,
		blocks: new Map(loaded.blocks.map(({ block }) => [block.id, block])),
		incident: loaded.incident,
		drills: new Map(loaded.drills.map((drill) => [drill.name, drill])),
	};
}

export interface RunPolicy {
	/** The highest risk the bridge accepts. */
	maxRisk: Risk;
	/**
	 * A practice bridge (`--practice`): read steps only, and a step above that is refused with a
	 * sentence a new hire understands (`practice`), not the responder's `risk-ceiling`.
	 */
	practice?: boolean;
	/** The targets the bridge knows, by name. */
	targets: ReadonlySet<string>;
	/** The targets this bridge session may reach: `local`, and those the responder armed. */
	armed: ReadonlySet<string>;
	/** Whether a block's newest run in this bridge session passed (see `gates.ts`). */
	passed(block: string): boolean;
}

export type Resolution =
	| {
			ok: true;
			block: CommandBlock;
			/** Where it runs: the block's own target, or another the responder chose for a read block. */
			target: string;
			/**
			 * The command to execute: every secret value stands as a reference to an environment
			 * variable, so the value is on no command line (`ps`, `/proc/PID/cmdline`).
			 */
			command: string;
			/** The command with secret values as `'***'`. */
			redacted: string;
			/** The values of those variables, handed to the target apart from the command. */
			secrets: Record<string, string>;
			/** The parameters' values as given, secret ones left out: what a drill's answer may name. */
			values: Record<string, string>;
			/** The block's gate was closed and the responder ran it anyway: why, and what had not passed. */
			override?: GateOverride;
	  }
	| { ok: false; code: ErrorCode; message: string };

function refuse(code: ErrorCode, message: string): Resolution {
	return { ok: false, code, message };
}

/** Why a practice bridge will not run `block`; the page shows it where Run would be, too. */
export function practiceRefusal(block: Pick<CommandBlock, 'title' | 'risk'>): string {
	return `This is a practice bridge: it runs read steps only, so nothing can change by mistake. "${block.title}" is a ${block.risk} step: read what it does and why; during a real incident a bridge started without --practice runs it. In a drill, it is answered from the scenario.`;
}

/**
 * Decides whether a run request may run, and renders its command.
 *
 * A block runs on its own target. Running it elsewhere is an explicit choice (`on`) that only a
 * `read` block accepts: a step that changes something runs where its runbook says, or not at all.
 * A target other than `local` must have been armed for this bridge session first. A block whose
 * `needs` have not passed runs only with an override that says why: last, so that a refused gate
 * means nothing else stood in the way.
 */
export function resolveRun(
	registry: ExecutableRegistry,
	request: Pick<RunRequest, 'block' | 'params' | 'confirm' | 'command' | 'on' | 'override'>,
	policy: RunPolicy,
): Resolution {
	const block = registry.blocks.get(request.block);
	if (!block) {
		return refuse(
			'unknown-block',
			`This bridge has no block "${request.block}". If the runbooks changed, restart the bridge and reload the page.`,
		);
	}
	if (policy.practice && block.risk !== 'read') {
		return refuse('practice', practiceRefusal(block));
	}
	if (RISKS.indexOf(block.risk) > RISKS.indexOf(policy.maxRisk)) {
		return refuse(
			'risk-ceiling',
			`This bridge runs ${policy.maxRisk} blocks at most (--max-risk ${policy.maxRisk}); "${block.title}" is ${block.risk}. Copy the command instead, or restart the bridge with a higher --max-risk.`,
		);
	}
	const target = request.on ?? block.target;
	if (target !== block.target && block.risk !== 'read') {
		return refuse(
			'wrong-target',
			`"${block.title}" is a ${block.risk} step: it runs on its own target, ${block.target}, or not at all. Only read steps can run elsewhere.`,
		);
	}
	if (!policy.targets.has(target)) {
		return refuse('unknown-target', `This bridge has no target "${target}".`);
	}
	if (!policy.armed.has(target)) {
		return refuse(
			'target-not-armed',
			`${target} is not armed: nothing reaches it until you arm it for this bridge (from the bridge menu in the header, or by starting the bridge with --arm ${target}).`,
		);
	}
	const rendered = renderTemplate(
		{ segments: block.segments, params: block.params },
		request.params,
	);
	if (!rendered.ok) {
		return refuse('invalid-params', rendered.errors.map((e) => e.message).join('; '));
	}
	if (request.command !== rendered.command) {
		return refuse(
			'stale-page',
			`This page shows another command for "${block.title}" than the bridge would run: the page and the bridge were built from different runbooks. Reload the page; if that does not help, restart the bridge.`,
		);
	}
	if (block.risk === 'destructive') {
		const word = block.confirm ?? target;
		if (request.confirm !== word) {
			return refuse(
				'confirm-required',
				`"${block.title}" is destructive: type "${word}" to confirm before it runs on ${target}.`,
			);
		}
	}
	const unmet = unmetNeeds(block.needs, policy.passed);
	const reason = request.override?.reason.trim();
	if (unmet.length > 0 && !reason) {
		const titles = unmet.map((need) =>
			need
				.split('|')
				.map((id) => `"${registry.blocks.get(id)?.title ?? id}"`)
				.join(' or '),
		);
		return refuse(
			'gate-closed',
			`"${block.title}" waits for ${titles.join(' and ')} to pass first, which has not happened in this bridge session. Run ${titles.length === 1 ? 'it' : 'them'} first, or run this step anyway and say why.`,
		);
	}
	return {
		ok: true,
		block,
		target,
		command: rendered.exec.command,
		redacted: rendered.redacted,
		secrets: rendered.exec.env,
		values: Object.fromEntries(
			block.params
				.filter((p) => !isSecret(p) && Object.hasOwn(request.params, p.name))
				.map((p) => [p.name, request.params[p.name]!]),
		),
		// An override of an open gate is no override: nothing was skipped.
		...(unmet.length > 0 && reason && { override: { reason, needs: unmet } }),
	};
}
