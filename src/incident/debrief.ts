/**
 * The debrief of a drill: what the trainee did, read from the drill's timeline against the
 * scenario's expected route.
 *
 * ```text
 * 03:05 detected (the scenario's alert)                 expected: Step 1 Yes → Step 2 Yes →
 * 03:12 decision Step 1: Yes (checks)        on route             Step 3 Some down →
 * 03:14 decision Step 4: Yes (hand)          wrong turn           runbooks/database → db.start
 * 03:15 run db.status on runbooks/database   diagnosis: 10 min
 * 03:17 run db.start, exit 0                 fix: 12 min
 * 03:18 run db.ready, pass                   the fix is confirmed
 * ```
 *
 * - **Time to diagnosis**: from detection to the first run on the route's runbook page; when the
 *   trainee ran nothing there, to the decision of the route's last step with the route's answer.
 * - **Time to fix**: from detection to the moment every fix block has run with exit 0 (the moment
 *   the scenario's answers change), not the first of them: a rollback without its rebuild fixes
 *   nothing.
 * - **Route taken**: the tree's decisions in order, the pages visited through runs (each page once,
 *   at its first run), and the fix blocks as they succeed.
 * - **Wrong turns**, before the fix: a decision at a step off the route, a route step answered
 *   otherwise than the route does, a decision on another tree, a run on a page off the route.
 *   After the fix the trainee is checking that it holds (a tree walked again now says Yes where it
 *   said No), so nothing after it is a wrong turn.
 * - **Risky blocks attempted**: every run of a block the scenario says makes things worse, with
 *   its why, and of any destructive block that is not part of the fix.
 * - **Checks skipped**: a step answered by hand though its checks could decide it (when the tree is
 *   given), a gated block run anyway, a fix run before any verify check had looked, and a fix no
 *   verify check confirmed afterwards.
 *
 * {@link renderDebrief} writes it as Markdown in the style of the post-incident report: the same
 * events always give the same bytes. Browser-safe: no DOM, no node built-ins.
 */
import type { DrillScenario } from '../runbook/drill.ts';
import type { DecisionTreeModel } from '../runbook/tree.ts';
import { formatMinutes } from './escalation.ts';
import { cell, code } from './report.ts';
import type { EventOf, TimelineEvent } from './schema.ts';
import { foldIncident, type IncidentRun } from './timeline.ts';

/** One leg of a route: a tree step answered, a page visited, a fix block that succeeded. */
export interface RouteLeg {
	kind: 'step' | 'page' | 'fix';
	/** The step's id, the page's slug or the block's id. */
	name: string;
	/** The step's heading or the block's title, when known. */
	title?: string;
	/** For a step: the answer. */
	answer?: string;
	/** For a step taken: answered by its checks or by hand. */
	how?: 'check' | 'hand';
	/** For a page taken: the block whose run went there. */
	block?: string;
	/** When it was taken (taken legs only). */
	at?: string;
	/** Whether it is on the expected route (always, for an expected leg). */
	onRoute: boolean;
	/** Taken after the fix: checking that it holds. */
	afterFix?: boolean;
}

/** Something the debrief names, at its time. */
export interface DebriefItem {
	at: string;
	/** Since detection. */
	afterMs: number;
	/** A sentence, plain text. */
	text: string;
}

export interface RiskyAttempt extends DebriefItem {
	block: string;
	title: string;
	risk: 'read' | 'change' | 'destructive';
	/** The scenario's why, or why a destructive block is risky. */
	why: string;
	/** Its exit code, when it ended with one. */
	exitCode?: number;
}

export interface Debrief {
	/** The scenario's name and title. */
	drill: string;
	title: string;
	severity: number;
	incident: string;
	detectedAt: string;
	declaredAt: string;
	/** When the drill ended (its incident resolved), if it has. */
	endedAt?: string;
	diagnosis?: { at: string; afterMs: number; how: 'runbook' | 'tree' };
	fix?: { at: string; afterMs: number };
	expected: RouteLeg[];
	taken: RouteLeg[];
	wrongTurns: DebriefItem[];
	risky: RiskyAttempt[];
	skipped: DebriefItem[];
	/** How many runs the drill answered. */
	runs: number;
}

export interface DebriefOptions {
	/**
	 * The route's decision tree, when known: gives the expected steps their headings and tells a
	 * step answered by hand where checks could have decided it.
	 */
	tree?: Pick<DecisionTreeModel, 'steps'> | undefined;
}

/** The debrief of a drill from its timeline. Throws when the events hold no declaration. */
export function debrief(
	scenario: DrillScenario,
	events: readonly TimelineEvent[],
	{ tree }: DebriefOptions = {},
): Debrief {
	const state = foldIncident(events);
	if (!state) throw new Error('the drill’s timeline holds no declaration');
	const detected = Date.parse(state.detectedAt);
	const since = (at: string) => Math.max(0, Date.parse(at) - detected);
	const { route } = scenario;
	const routePages = new Set([route.tree, ...route.via, route.runbook]);
	const fixBlocks = new Set(route.fix);
	const verify = new Set(route.verify);
	const stepTitles = new Map<string, string>(tree?.steps.map((s) => [s.id, s.title]) ?? []);
	for (const d of state.decisions) if (d.page === route.tree) stepTitles.set(d.step, d.stepTitle);
	const runsById = new Map(state.runs.map((r) => [`${r.bridge}\u0000${r.run}`, r]));
	const runOf = (e: EventOf<'run-started' | 'run-ended'>) =>
		runsById.get(`${e.bridge}\u0000${e.run}`);
	const succeeded = (run: IncidentRun) => run.ended?.end === 'exited' && run.ended.exitCode === 0;

	// The fix: when the last of its blocks first succeeded.
	const firstSuccess = new Map<string, string>();
	for (const event of state.events) {
		if (event.kind !== 'run-ended' || !fixBlocks.has(event.block)) continue;
		const run = runOf(event);
		if (run && succeeded(run) && !firstSuccess.has(event.block))
			firstSuccess.set(event.block, event.at);
	}
	const fixAt =
		firstSuccess.size === fixBlocks.size
			? [...firstSuccess.values()].sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1)
			: undefined;
	const beforeFix = (at: string) => fixAt === undefined || Date.parse(at) < Date.parse(fixAt);

	const expected: RouteLeg[] = [
		...route.steps.map((id): RouteLeg => {
			const title = stepTitles.get(id);
			return {
				kind: 'step',
				name: id,
				...(title && { title }),
				answer: route.choices[id]!,
				onRoute: true,
			};
		}),
		...[...route.via, route.runbook].map((slug): RouteLeg => ({
			kind: 'page',
			name: slug,
			onRoute: true,
		})),
		...route.fix.map((block): RouteLeg => ({ kind: 'fix', name: block, onRoute: true })),
	];

	const taken: RouteLeg[] = [];
	const wrongTurns: Debrief['wrongTurns'] = [];
	const skipped: Debrief['skipped'] = [];
	const risky: RiskyAttempt[] = [];
	const visited = new Set<string>([route.tree]);
	const wrong = (at: string, text: string) => wrongTurns.push({ at, afterMs: since(at), text });
	const skip = (at: string, text: string) => skipped.push({ at, afterMs: since(at), text });
	let verifyRun = false;
	let fixStarted = false;
	for (const event of state.events) {
		if (event.kind === 'decision') {
			const choice = event.page === route.tree ? route.choices[event.step] : undefined;
			const onRoute = choice !== undefined && event.outcome === choice;
			const afterFix = !beforeFix(event.at);
			taken.push({
				kind: 'step',
				name: event.step,
				title: event.stepTitle,
				answer: event.outcome,
				how: event.how,
				at: event.at,
				onRoute: onRoute || afterFix,
				...(afterFix && { afterFix }),
			});
			if (!onRoute && !afterFix) {
				const answered = `Answered “${event.stepTitle}” with ${event.outcome}`;
				wrong(
					event.at,
					event.page !== route.tree
						? `${answered} on ${event.page}: the route follows the tree of ${route.tree}`
						: choice === undefined
							? `${answered}: that step is not on the route`
							: `${answered}; the route answers ${choice}`,
				);
			}
			const step = tree?.steps.find((s) => s.id === event.step);
			if (event.how === 'hand' && event.page === route.tree && step?.by === 'check') {
				skip(
					event.at,
					`“${event.stepTitle}” was answered by hand; its ${step.checks.length === 1 ? 'check' : 'checks'} ${step.checks.join(', ')} could have decided it`,
				);
			}
			continue;
		}
		if (
			event.kind === 'run-ended' &&
			fixBlocks.has(event.block) &&
			firstSuccess.get(event.block) === event.at
		) {
			const run = runOf(event);
			if (run && succeeded(run) && !taken.some((l) => l.kind === 'fix' && l.name === event.block)) {
				taken.push({
					kind: 'fix',
					name: event.block,
					...(run.started && { title: run.started.title }),
					at: event.at,
					onRoute: true,
				});
			}
			continue;
		}
		if (event.kind !== 'run-started') continue;
		const afterFix = !beforeFix(event.at);
		if (!visited.has(event.blockPage)) {
			visited.add(event.blockPage);
			const onRoute = routePages.has(event.blockPage);
			taken.push({
				kind: 'page',
				name: event.blockPage,
				block: event.block,
				at: event.at,
				onRoute: onRoute || afterFix,
				...(afterFix && { afterFix }),
			});
			if (!onRoute && !afterFix) {
				wrong(
					event.at,
					`Went to ${event.blockPage} (ran ${event.block}): that page is not on the route`,
				);
			}
		}
		const worse = scenario.worse.find((w) => w.block === event.block);
		if (worse || (event.risk === 'destructive' && !fixBlocks.has(event.block))) {
			const ended = runOf(event)?.ended;
			risky.push({
				at: event.at,
				afterMs: since(event.at),
				block: event.block,
				title: event.title,
				risk: event.risk,
				why:
					worse?.why ??
					'A destructive block that is not part of the fix: what it deletes does not come back.',
				...(ended?.exitCode !== undefined && { exitCode: ended.exitCode }),
				text: `Ran ${event.block} (${event.risk})`,
			});
		}
		if (event.override) {
			skip(
				event.at,
				`${event.block} was run anyway while its gate was closed (needs ${event.override.unmet.join(', ')}): “${event.override.reason}”`,
			);
		}
		if (verify.has(event.block)) verifyRun = true;
		if (fixBlocks.has(event.block) && !fixStarted) {
			fixStarted = true;
			if (!verifyRun) {
				skip(
					event.at,
					`${event.block} was run before ${route.verify.join(' or ')} had looked at the problem`,
				);
			}
		}
	}

	if (fixAt !== undefined) {
		const confirmed = state.runs.some(
			(r) =>
				verify.has(r.block) &&
				r.ended?.verdict?.outcome === 'pass' &&
				Date.parse(r.ended.at) >= Date.parse(fixAt),
		);
		if (!confirmed) {
			skip(fixAt, `Nothing confirmed the fix: ${route.verify.join(' or ')} did not pass after it`);
		}
	}

	const firstOnRunbook = state.runs.find((r) => r.started?.blockPage === route.runbook);
	const lastStep = route.steps.at(-1);
	const lastDecided = state.decisions.find(
		(d) => d.page === route.tree && d.step === lastStep && d.outcome === route.choices[lastStep!],
	);
	const diagnosis = firstOnRunbook
		? { at: firstOnRunbook.at, afterMs: since(firstOnRunbook.at), how: 'runbook' as const }
		: lastDecided
			? { at: lastDecided.at, afterMs: since(lastDecided.at), how: 'tree' as const }
			: undefined;

	return {
		drill: scenario.name,
		title: scenario.title,
		severity: state.severityHistory[0]!.severity,
		incident: state.id,
		detectedAt: state.detectedAt,
		declaredAt: state.declaredAt,
		...(state.resolvedAt && !state.open && { endedAt: state.resolvedAt }),
		...(diagnosis && { diagnosis }),
		...(fixAt !== undefined && { fix: { at: fixAt, afterMs: since(fixAt) } }),
		expected,
		taken,
		wrongTurns,
		risky,
		skipped,
		runs: state.runs.length,
	};
}

// ---------------------------------------------------------------------------------------------
// Markdown

/** The debrief as Markdown, deterministic: the same debrief always gives the same bytes. */
export function renderDebrief(d: Debrief, scenario: DrillScenario): string {
	const times = [
		d.detectedAt,
		d.declaredAt,
		...(d.endedAt ? [d.endedAt] : []),
		...d.taken.flatMap((l) => (l.at ? [l.at] : [])),
	];
	const days = new Set(times.map((t) => new Date(t).toISOString().slice(0, 10)));
	const clock = (at: string) => {
		const iso = new Date(at).toISOString();
		return days.size > 1 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
	};
	const when = (item: { at: string; afterMs: number }) =>
		`${clock(item.at)} (+${took(item.afterMs)})`;
	const fixes = scenario.route.fix.map(code).join(', ');
	const out: string[] = [];
	out.push(
		`# Drill debrief: ${inline(d.title)}`,
		'',
		`**Drill**: ${inline(d.drill)}: a practice incident, answered from its scenario; nothing was run`,
		`**Severity**: SEV-${d.severity}`,
		`**Date**: ${d.detectedAt.slice(0, 10)}`,
		`**Time to diagnosis**: ${
			d.diagnosis
				? `${took(d.diagnosis.afterMs)} (from detection to ${d.diagnosis.how === 'runbook' ? `the first run on ${code(scenario.route.runbook)}` : 'the answer to the tree’s last step on the route'})`
				: `not reached (the route leads to ${code(scenario.route.runbook)})`
		}`,
		`**Time to fix**: ${
			d.fix
				? `${took(d.fix.afterMs)} (from detection until ${fixes} ${scenario.route.fix.length === 1 ? 'had' : 'had all'} exited 0)`
				: `not fixed (the fix is ${fixes})`
		}`,
		`**Ended**: ${d.endedAt ? `${clock(d.endedAt)} UTC` : 'still running'}`,
		`**Wrong turns**: ${d.wrongTurns.length} · **Risky blocks attempted**: ${d.risky.length} · **Checks skipped**: ${d.skipped.length}`,
		'',
		'## The alert',
		'',
		fence(scenario.alert.trimEnd()),
		'',
		'## Route',
		'',
		`Expected: ${[...d.expected.filter((l) => l.kind !== 'fix').map(legText), `fix: ${fixes}`].join(' → ')}`,
		'',
	);
	if (d.taken.length === 0) out.push('Taken: nothing; no step was answered and no block was run.');
	else {
		out.push('| Time (UTC) | Taken | |', '|------------|-------|---|');
		for (const leg of d.taken) {
			const mark =
				leg.kind === 'fix'
					? 'the fix'
					: leg.afterFix
						? 'checking the fix'
						: leg.onRoute
							? 'on the route'
							: '**wrong turn**';
			out.push(`| ${clock(leg.at!)} | ${takenText(leg)} | ${mark} |`);
		}
	}
	out.push('', '## Wrong turns', '');
	if (d.wrongTurns.length === 0)
		out.push('None: every step taken before the fix was on the route.');
	d.wrongTurns.forEach((w, i) => out.push(`${i + 1}. ${when(w)}: ${inline(w.text)}.`));
	out.push('', '## Risky blocks attempted', '');
	if (d.risky.length === 0) out.push('None.');
	for (const r of d.risky) {
		const exit = r.exitCode === undefined ? '' : `, exit ${r.exitCode}`;
		out.push(
			`- ${when(r)}: ${code(r.block)} “${inline(r.title)}” (${r.risk}${exit}). ${inline(r.why)}`,
		);
	}
	out.push('', '## Checks skipped', '');
	if (d.skipped.length === 0) out.push('None.');
	for (const s of d.skipped) out.push(`- ${when(s)}: ${inline(s.text)}.`);
	if (scenario.explanation) {
		out.push(
			'',
			'## What happened',
			'',
			...scenario.explanation.split('\n').map((l) => l.trimEnd()),
		);
	}
	return `${out.join('\n').trimEnd()}\n`;
}

function legText(leg: RouteLeg): string {
	if (leg.kind === 'step')
		return `${inline(leg.title ?? leg.name)} **${inline(leg.answer ?? '')}**`;
	return code(leg.name);
}

/** Text as a fenced block, fenced by more backticks than any run of them in it. */
function fence(text: string): string {
	const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
	const ticks = '`'.repeat(longest + 1);
	return `${ticks}text\n${text}\n${ticks}`;
}

function takenText(leg: RouteLeg): string {
	if (leg.kind === 'step') {
		return `${cell(leg.title ?? leg.name)}: **${cell(leg.answer ?? '')}** (${leg.how === 'hand' ? 'by hand' : 'by its checks'})`;
	}
	if (leg.kind === 'page') return `Went to ${code(leg.name)} (ran ${code(leg.block ?? '')})`;
	return `Fixed: ${code(leg.name)}${leg.title ? ` “${cell(leg.title)}”` : ''} exited 0`;
}

/** A duration: `45 s` under a minute, else `12 min`, `1 h 5 min`. */
function took(ms: number): string {
	return ms < 60_000 ? `${Math.floor(ms / 1000)} s` : formatMinutes(Math.floor(ms / 60_000));
}

/** Plain text outside a table: on one line, backticks escaped. */
function inline(text: string): string {
	return text.replace(/\s+/g, ' ').trim().replace(/[\\`]/g, '\\$&');
}
