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
 * - **Route taken**: the tree's decisions in order (a step decided again the same way, as each check
 *   run re-decides it, is one leg), the pages visited through runs (each page once, at its first
 *   run), the fix blocks as they succeed, and each verify check: passed after the fix, or not.
 * - **Wrong turns**, before the fix: a decision at a step off the route, a route step answered
 *   otherwise than the route does, a decision on another tree, a run on a page off the route; each
 *   says what the route expected there. After the fix the trainee is checking that it holds (a
 *   tree walked again now says Yes where it said No), so nothing after it is a wrong turn.
 * - **Risky blocks attempted**: every run of a block the scenario says makes things worse, with
 *   its why, and of any destructive block that is not part of the fix.
 * - **Checks skipped**: a step answered by hand though its checks could decide it (when the tree is
 *   given), a gated block run anyway, a fix run before any verify check had looked, and a fix no
 *   verify check confirmed afterwards; and **route steps never decided** before the fix.
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
	kind: 'step' | 'page' | 'fix' | 'verify';
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
	/** For a verify check taken: passed after the fix, ran after it without passing, or not run after it. */
	result?: 'passed' | 'failed' | 'not run';
}

/** A route step not decided before the fix. */
export interface MissedStep {
	step: string;
	/** A sentence, plain text. */
	text: string;
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
	/** Route steps not decided before the fix, in route order. */
	missed: MissedStep[];
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
		...route.verify.map((block): RouteLeg => ({ kind: 'verify', name: block, onRoute: true })),
	];
	const stepLabel = (id: string) => `“${stepTitles.get(id) ?? id}”`;

	const taken: RouteLeg[] = [];
	const wrongTurns: Debrief['wrongTurns'] = [];
	const skipped: Debrief['skipped'] = [];
	const risky: RiskyAttempt[] = [];
	const visited = new Set<string>([route.tree]);
	const wrong = (at: string, text: string) => wrongTurns.push({ at, afterMs: since(at), text });
	const skip = (at: string, text: string) => skipped.push({ at, afterMs: since(at), text });
	let verifyRun = false;
	let fixStarted = false;
	// Progress along the route before the fix: what it expects next, for a wrong turn to name.
	const decidedOnRoute = new Set<string>();
	const decidedBeforeFix = new Set<string>();
	const expectedHere = () => {
		const step = route.steps.find((id) => !decidedOnRoute.has(id));
		if (step) return `${stepLabel(step)} → ${route.choices[step]}`;
		const page = [...route.via, route.runbook].find((slug) => !visited.has(slug));
		if (page) return `a run on ${page}`;
		return `the fix, ${route.fix.join(', ')}`;
	};
	// Each check run re-decides its step: the same answer again in the same phase is not a new leg.
	const lastOutcome = new Map<string, string>();
	const verified = new Set<string>();
	for (const event of state.events) {
		if (event.kind === 'decision') {
			const choice = event.page === route.tree ? route.choices[event.step] : undefined;
			const onRoute = choice !== undefined && event.outcome === choice;
			const afterFix = !beforeFix(event.at);
			const key = `${afterFix}\u0000${event.page}\u0000${event.step}`;
			if (lastOutcome.get(key) === event.outcome) continue;
			lastOutcome.set(key, event.outcome);
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
				const said =
					event.how === 'check'
						? `its checks said ${event.outcome}`
						: `answered ${event.outcome} by hand`;
				wrong(
					event.at,
					event.page !== route.tree
						? `“${event.stepTitle}” on ${event.page}: ${said}; the route follows the tree of ${route.tree}, which expected ${expectedHere()} here`
						: choice === undefined
							? `“${event.stepTitle}”: ${said}; that step is not on the route, which expected ${expectedHere()} here`
							: `“${event.stepTitle}”: ${said}; the route expects ${choice} there`,
				);
			}
			if (event.page === route.tree && !afterFix) {
				decidedBeforeFix.add(event.step);
				if (onRoute) decidedOnRoute.add(event.step);
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
		if (
			event.kind === 'run-ended' &&
			verify.has(event.block) &&
			!verified.has(event.block) &&
			fixAt !== undefined &&
			Date.parse(event.at) >= Date.parse(fixAt)
		) {
			const run = runOf(event);
			if (run?.ended?.verdict?.outcome === 'pass') {
				verified.add(event.block);
				taken.push({
					kind: 'verify',
					name: event.block,
					...(run.started && { title: run.started.title }),
					at: event.at,
					result: 'passed',
					onRoute: true,
				});
			}
			continue;
		}
		if (event.kind !== 'run-started') continue;
		const afterFix = !beforeFix(event.at);
		if (!visited.has(event.blockPage)) {
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
					`Went to ${event.blockPage} (ran ${event.block}): that page is not on the route, which expected ${expectedHere()} here`,
				);
			}
			visited.add(event.blockPage);
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

	// A verify check that did not pass after the fix: in the route taken all the same, saying so.
	for (const block of route.verify) {
		if (verified.has(block)) continue;
		const last = state.runs
			.filter(
				(r) =>
					r.block === block &&
					r.ended &&
					fixAt !== undefined &&
					Date.parse(r.ended.at) >= Date.parse(fixAt),
			)
			.at(-1);
		taken.push({
			kind: 'verify',
			name: block,
			...(last?.started && { title: last.started.title }),
			...(last?.ended && { at: last.ended.at }),
			result: last ? 'failed' : 'not run',
			onRoute: true,
		});
	}
	// Stable: legs with a time in time order, the verify checks never run after the fix last.
	taken.sort((a, b) =>
		a.at === undefined || b.at === undefined
			? Number(a.at === undefined) - Number(b.at === undefined)
			: Date.parse(a.at) - Date.parse(b.at),
	);

	const missed: MissedStep[] = route.steps
		.filter((id) => !decidedBeforeFix.has(id))
		.map((id) => {
			const step = tree?.steps.find((s) => s.id === id);
			const checks =
				step?.by === 'check' && step.checks.length > 0
					? `; its ${step.checks.length === 1 ? 'check' : 'checks'} ${step.checks.join(', ')} ${step.checks.length === 1 ? 'decides' : 'decide'} it`
					: '';
			const later = state.decisions.some((d) => d.page === route.tree && d.step === id);
			return {
				step: id,
				text: `${stepLabel(id)} was ${later ? 'not decided before the fix' : 'never decided'} (the route answers ${route.choices[id]}${checks})`,
			};
		});

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
		missed,
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
	const checks = scenario.route.verify.map(code).join(', ');
	// The drill starts at its declaration; the alert fired the scenario's minutes before it.
	const lead = Math.max(0, Date.parse(d.declaredAt) - Date.parse(d.detectedAt));
	const both = (afterMs: number) =>
		`${took(afterMs)} from detection, ${took(Math.max(0, afterMs - lead))} from the drill’s start`;
	const out: string[] = [];
	out.push(
		`# Drill debrief: ${inline(d.title)}`,
		'',
		`- **Drill**: ${inline(d.drill)}: a practice incident, answered from its scenario; nothing was run`,
		`- **Severity**: SEV-${d.severity}`,
		`- **Date**: ${d.detectedAt.slice(0, 10)}`,
		`- **Drill started**: ${clock(d.declaredAt)} UTC, ${took(lead)} after the alert fired (${clock(d.detectedAt)} UTC); times “from detection” and the “+” times below count from the alert`,
		`- **Time to diagnosis**: ${
			d.diagnosis
				? `${both(d.diagnosis.afterMs)} (to ${d.diagnosis.how === 'runbook' ? `the first run on ${code(scenario.route.runbook)}` : 'the answer to the tree’s last step on the route'})`
				: `not reached (the route leads to ${code(scenario.route.runbook)})`
		}`,
		`- **Time to fix**: ${
			d.fix
				? `${both(d.fix.afterMs)} (until ${fixes} ${scenario.route.fix.length === 1 ? 'had' : 'had all'} exited 0)`
				: `not fixed (the fix is ${fixes})`
		}`,
		`- **Ended**: ${d.endedAt ? `${clock(d.endedAt)} UTC` : 'still running'}`,
		`- **Wrong turns**: ${d.wrongTurns.length}`,
		`- **Risky blocks attempted**: ${d.risky.length}`,
		`- **Checks skipped**: ${d.skipped.length + d.missed.length}`,
		'',
		'## The alert',
		'',
		fence(scenario.alert.trimEnd()),
		'',
		'## Route',
		'',
		'Expected:',
		'',
		...[
			...d.expected.filter((l) => l.kind === 'step' || l.kind === 'page').map(legText),
			`Fix: run ${fixes}, each exiting 0`,
			`Verify: ${checks} ${scenario.route.verify.length === 1 ? 'passes' : 'pass'}`,
		].map((text, i) => `${i + 1}. ${text}`),
		'',
	);
	if (!d.taken.some((l) => l.at))
		out.push('Taken: nothing; no step was answered and no block was run.');
	else {
		out.push(
			'| Time (UTC) | Taken | Against the route |',
			'|------------|-------|-------------------|',
		);
		for (const leg of d.taken) {
			const mark =
				leg.kind === 'fix'
					? 'the fix'
					: leg.kind === 'verify'
						? leg.result === 'passed'
							? 'confirms the fix'
							: '**not confirmed**'
						: leg.afterFix
							? 'checking the fix'
							: leg.onRoute
								? 'on the route'
								: '**wrong turn**';
			out.push(`| ${leg.at ? clock(leg.at) : '—'} | ${takenText(leg)} | ${mark} |`);
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
	if (d.skipped.length === 0 && d.missed.length === 0) out.push('None.');
	for (const m of d.missed) out.push(`- Never decided: ${inline(m.text)}.`);
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
		return `${inline(leg.title ?? leg.name)} → **${inline(leg.answer ?? '')}**`;
	return `Go to ${code(leg.name)}`;
}

/** Text as a fenced block, fenced by more backticks than any run of them in it. */
function fence(text: string): string {
	const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
	const ticks = '`'.repeat(longest + 1);
	return `${ticks}text\n${text}\n${ticks}`;
}

function takenText(leg: RouteLeg): string {
	if (leg.kind === 'step') {
		return `${cell(leg.title ?? leg.name)} → **${cell(leg.answer ?? '')}** (${leg.how === 'hand' ? 'by hand' : 'by its checks'})`;
	}
	if (leg.kind === 'verify') {
		const title = leg.title ? ` “${cell(leg.title)}”` : '';
		if (leg.result === 'passed') return `Verified: ${code(leg.name)}${title} passed`;
		if (leg.result === 'failed')
			return `Verify: ${code(leg.name)}${title} ran after the fix and did not pass`;
		return `Verify: ${code(leg.name)} was not run after the fix`;
	}
	if (leg.kind === 'page') return `Went to ${code(leg.name)} (ran ${code(leg.block ?? '')})`;
	return `Fixed: ${code(leg.name)}${leg.title ? ` “${cell(leg.title)}”` : ''} exited 0`;
}

/** A duration: `45 s` under a minute, `7 min 42 s` (or `7 min`) under an hour, else `1 h 5 min`. */
function took(ms: number): string {
	const s = Math.floor(ms / 1000);
	if (s < 60) return `${s} s`;
	if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
	return formatMinutes(Math.floor(s / 60));
}

/** Plain text outside a table: on one line, backticks escaped. */
function inline(text: string): string {
	return text.replace(/\s+/g, ' ').trim().replace(/[\\`]/g, '\\$&');
}
