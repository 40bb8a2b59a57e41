/**
 * A drill's debrief: how the trainee's timeline compares with the route the scenario expects.
 *
 * TODO: a stand-in of part P (the page) until part S's `debrief.ts` lands; the merge takes S's.
 * It keeps the contract's signatures (`debrief(scenario, events)`, `renderDebrief(d, scenario)`)
 * and only what the page shows: times to diagnosis and fix, the route, wrong turns, risky steps.
 *
 * Browser-safe: no DOM, no node built-ins.
 */
import type { DrillScenario } from '../runbook/drill.ts';
import type { EventOf, TimelineEvent } from './schema.ts';

export interface DebriefTurn {
	at: string;
	/** What was done: a tree step answered, or a block run on a page off the route. */
	what: string;
}

export interface Debrief {
	title: string;
	detectedAt: string;
	/** ms from detection; undefined when it never happened. */
	toDiagnosis?: number | undefined;
	toFix?: number | undefined;
	/** The tree's steps as answered, in order. */
	route: Array<{
		step: string;
		title: string;
		outcome: string;
		how: 'hand' | 'check';
		onRoute: boolean;
	}>;
	wrongTurns: DebriefTurn[];
	risky: DebriefTurn[];
	skipped: DebriefTurn[];
}

function choicesOf(scenario: DrillScenario): Readonly<Record<string, string>> {
	return (scenario.route as { choices?: Record<string, string> }).choices ?? {};
}

export function debrief(
	scenario: DrillScenario,
	events: readonly TimelineEvent[],
	_options: { tree?: unknown } = {},
): Debrief {
	const ordered = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
	const declared = ordered.find((e): e is EventOf<'declared'> => e.kind === 'declared');
	const detected = Date.parse(declared?.detectedAt ?? ordered[0]?.at ?? new Date(0).toISOString());
	const since = (at: string) => Date.parse(at) - detected;
	const choices = choicesOf(scenario);
	const { route } = scenario;
	const pages = new Set([route.tree, ...((route as { via?: string[] }).via ?? []), route.runbook]);
	const result: Debrief = {
		title: scenario.title,
		detectedAt: new Date(detected).toISOString(),
		route: [],
		wrongTurns: [],
		risky: [],
		skipped: [],
	};
	const fix = new Set(route.fix);
	const worse = new Map(scenario.worse.map((w) => [w.block, w.why]));
	const started = new Map<string, EventOf<'run-started'>>();
	for (const event of ordered) {
		// Once fixed, the tree's checks pass again: that is verifying, not a turn.
		if (event.kind === 'decision' && event.page === route.tree && result.toFix === undefined) {
			const expected = choices[event.step];
			const onRoute =
				route.steps.includes(event.step) && (expected === undefined || expected === event.outcome);
			result.route.push({
				step: event.step,
				title: event.stepTitle,
				outcome: event.outcome,
				how: event.how,
				onRoute,
			});
			if (!onRoute) {
				result.wrongTurns.push({
					at: event.at,
					what: `${event.stepTitle}: answered “${event.outcome}”${expected ? `, where the route answers “${expected}”` : ', a step off the route'}`,
				});
			} else if (event.how === 'hand') {
				result.skipped.push({
					at: event.at,
					what: `${event.stepTitle}: answered by hand, not by its checks`,
				});
			}
			if (onRoute && event.step === route.steps.at(-1)) result.toDiagnosis ??= since(event.at);
		}
		if (event.kind === 'run-started') {
			started.set(`${event.bridge}\u0000${event.run}`, event);
			if (event.blockPage === route.runbook) result.toDiagnosis ??= since(event.at);
			if (!pages.has(event.blockPage)) {
				result.wrongTurns.push({
					at: event.at,
					what: `Ran “${event.title}” on ${event.blockPage}, off the route`,
				});
			}
			const why = worse.get(event.block);
			if (why !== undefined || event.risk === 'destructive') {
				result.risky.push({
					at: event.at,
					what: `“${event.title}” (${event.block}): ${why ?? 'a destructive step'}`,
				});
			}
		}
		if (
			event.kind === 'run-ended' &&
			fix.has(event.block) &&
			event.end === 'exited' &&
			event.exitCode === 0
		) {
			result.toFix ??= since(event.at);
		}
	}
	return result;
}

const minutes = (ms: number | undefined) =>
	ms === undefined ? 'not reached' : `${Math.max(0, Math.round(ms / 60_000))} min`;
const clock = (at: string) => `${at.slice(11, 16)}`;

export function renderDebrief(d: Debrief, scenario: DrillScenario): string {
	const lines = [
		`# Debrief: DRILL ${scenario.title}`,
		'',
		`**Scenario**: \`${scenario.name}\`, SEV-${scenario.severity}`,
		`**Time to diagnosis**: ${minutes(d.toDiagnosis)}`,
		`**Time to fix**: ${minutes(d.toFix)}`,
		'',
		'## Route',
		'',
		'| Step | Answer | On the route |',
		'|------|--------|--------------|',
		...d.route.map(
			(r) =>
				`| ${r.title.replaceAll('|', '\\|')} | ${r.outcome.replaceAll('|', '\\|')} | ${r.onRoute ? 'yes' : '**no**'} |`,
		),
		'',
		`Expected: ${scenario.route.steps.map((s) => `\`${s}\``).join(' → ')} → \`${scenario.route.runbook}\`, fixed by ${scenario.route.fix.map((f) => `\`${f}\``).join(', ')}.`,
		'',
		'## Wrong turns',
		'',
		...(d.wrongTurns.length === 0
			? ['None.']
			: d.wrongTurns.map((t) => `- ${clock(t.at)} ${t.what}`)),
		'',
		'## Risky steps attempted',
		'',
		...(d.risky.length === 0 ? ['None.'] : d.risky.map((t) => `- ${clock(t.at)} ${t.what}`)),
		'',
		'## Checks skipped',
		'',
		...(d.skipped.length === 0 ? ['None.'] : d.skipped.map((t) => `- ${clock(t.at)} ${t.what}`)),
	];
	if (scenario.explanation) lines.push('', '## What happened', '', scenario.explanation.trim());
	return `${lines.join('\n')}\n`;
}
