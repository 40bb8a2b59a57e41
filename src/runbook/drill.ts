/**
 * Drills: a scenario a trainee plays on the real runbook pages, with every Run answered from the
 * scenario instead of executed ("Wheel of Misfortune", Google SRE book ch. 28).
 *
 * One YAML file per drill under the content folder's `drills/` (`content/drills/database-down.yaml`),
 * validated at build with `file:line` like command blocks:
 *
 * ```yaml
 * title: 'API health check failing: customers see errors'   # the symptom, never the cause
 * severity: 1
 * alert: |
 *   [FIRING] OrionAPIDown — https://api.example.com/health has failed for 5 minutes
 * detected: 6            # minutes before the drill starts that the alert fired
 * explanation: |         # the cause: only the debrief shows it
 *   The database container was stopped by hand and never started again.
 * answers:
 *   diagnosis.health-local:
 *     - exit: 1                       # curl -s prints nothing; json.tool has nothing to read
 *       output: 'Expecting value: line 1 column 1 (char 0)'
 *     - after: [db.start, db.restart-app]
 *       exit: 0
 *       output: '{"status": "ok"}'
 *   db.ready:
 *     - exit: 2
 *       output: /var/run/postgresql:5432 - no response
 *     - after: [db.start]
 *       exit: 0
 *       output: /var/run/postgresql:5432 - accepting connections
 * route:
 *   tree: diagnosis                              # the decision tree's page
 *   steps:                                       # its steps in order, each with the answer taken
 *     - step-1-can-you-reach-the-server: Yes
 *     - step-2-is-docker-running: Yes
 *     - step-3-are-the-containers-running: Some down
 *   via: []                                      # pages between the tree and the runbook, if any
 *   runbook: runbooks/database                   # the page the tree leads to
 *   fix: [db.start]                              # the blocks that fix it
 *   verify: [db.ready]                           # the checks that pass once it is fixed
 * worse:
 *   - block: restore.database
 *     why: Restoring a backup loses every write since it was taken; the data was never lost.
 * ```
 *
 * The `title` is what the trainee sees before and during the drill (the drills menu, the incident
 * bar, the timeline): write it as the symptom or the alert a responder would be paged with ("API
 * health check failing: customers see errors"), never the cause, or the drill gives its answer
 * away. The cause goes in `explanation`, which only the debrief shows.
 *
 * A block's answers are tried from the last to the first: the last whose `after` blocks have all
 * been run with exit 0 in this drill answers (an answer without `after` always matches). So the
 * answers change once the fix has run. A block with no answers is answered plainly that the drill
 * has no output for it. An answer may also say how long it takes: `duration: 3s`. Its output may
 * name a parameter of its block as `{{name}}`: the value the trainee gave stands there, so a
 * restore names the backup they chose (a secret parameter cannot be named).
 *
 * {@link readDrill} reads a file on its own; {@link checkDrills} checks the scenarios against the
 * site (every block named exists, the route follows the tree, the fix changes something), and plays
 * each route through the same verdicts and tree logic the page uses, so a scenario that cannot be
 * solved by following the site fails the build.
 *
 * Browser-safe: `yaml` is plain JavaScript, the rest are types and pure functions.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { At } from './mdast.ts';
import type { RunbookProblem } from './parse.ts';
import { isSecret } from './params.ts';
import { BlockIdSchema, type CommandBlock } from './schema.ts';
import { outcomeFor, type DecisionTreeModel, type TreeStep } from './tree.ts';
import { isCheck, judge, OutputMatcher, type Outcome, type Verdict } from './verdict.ts';

/** What a block prints and how it exits, in this scenario, as the real command would. */
export interface DrillAnswer {
	/** Only once all of these blocks have run with exit 0 in this drill. */
	after: string[];
	exit: number;
	/** The output, exactly as the real command would print it (a trailing newline is added if missing). */
	output: string;
	/** How long the answer takes to "run", in ms (streams over that time); default a short pause. */
	durationMs?: number;
	/** Where it is written, for problems. */
	line: number;
}

export interface DrillScenario {
	/** The file's name without `.yaml`: what `--drill NAME` takes. */
	name: string;
	/** Relative to the project root. */
	file: string;
	/**
	 * What the trainee sees before and during the drill: the symptom or alert, never the cause
	 * (that is `explanation`, shown in the debrief only).
	 */
	title: string;
	/** The severity the trainee starts from (a level of the severity table). */
	severity: number;
	/** The alert text the trainee starts from. */
	alert: string;
	/** Minutes before the drill starts that the problem was detected. */
	detectedMinutesAgo: number;
	/** For the debrief only: what really happened, the cause the title must not give away. */
	explanation?: string;
	answers: ReadonlyMap<string, readonly DrillAnswer[]>;
	route: {
		/** The decision tree's page and the ids of its steps, in the order the route takes them. */
		tree: string;
		steps: string[];
		/** The answer (an outcome's bold label) the route gives at each of its steps, by step id. */
		choices: Readonly<Record<string, string>>;
		/** Pages the route passes through between the tree and the runbook, in order (slugs). */
		via: string[];
		/** The runbook page the route leads to (slug). */
		runbook: string;
		/** The blocks that fix it. */
		fix: string[];
		/** The checks that do not pass before the fix and pass after it: how a trainee knows it worked. */
		verify: string[];
	};
	/** Blocks that would make things worse here, and why. */
	worse: Array<{ block: string; why: string }>;
	/**
	 * Where each part is written, for problems: keyed by its path in the file joined by spaces,
	 * like `severity`, `route steps 2`, `answers db.ready 1 after 0`, `worse 0 block`.
	 */
	where: Readonly<Record<string, At>>;
}

/**
 * The answer a block gives in this scenario, given the blocks that have run with exit 0 so far in
 * this drill; undefined when the scenario has none for it.
 */
export type AnswerFor = (
	scenario: DrillScenario,
	block: string,
	succeeded: ReadonlySet<string>,
) => DrillAnswer | undefined;

/** The last answer of the block whose `after` blocks have all succeeded (see the module's doc). */
export const answerFor: AnswerFor = (scenario, block, succeeded) => {
	const answers = scenario.answers.get(block) ?? [];
	for (let i = answers.length - 1; i >= 0; i--) {
		if (answers[i]!.after.every((id) => succeeded.has(id))) return answers[i];
	}
	return undefined;
};

/** `{{name}}` in an answer's output: a parameter of its block. */
const ANSWER_PARAM = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/** An answer's output with the values the run was given in place of its `{{name}}`s. */
export function answerOutput(
	answer: DrillAnswer,
	values: Readonly<Record<string, string>>,
): string {
	return answer.output.replace(ANSWER_PARAM, (whole, name: string) =>
		Object.hasOwn(values, name) ? values[name]! : whole,
	);
}

/**
 * What the drill says of a block it has no answer for, as the run's message: plainly, that nothing
 * ran, and that a real run would show the real output.
 */
export function noAnswerMessage(block: string, target: string): string {
	return `This drill has no scripted output for ${block}: nothing ran, and a real run on ${target} would show what it shows.`;
}

/**
 * What the drill says of a read step run on another target than its own ("Run on this machine"):
 * the scenario answers blocks where their runbook runs them, and this machine would print
 * something else (a `curl localhost` on a laptop is refused).
 */
export function otherTargetMessage(block: string, blockTarget: string, on: string): string {
	return `This drill answers ${block} only on its own target, ${blockTarget}: nothing ran on ${on}. Run it on ${blockTarget} to see what it prints in this scenario.`;
}

/** The verdict a check's run gets when the drill answers it: the same `judge` as a real run. */
export function verdictOf(
	expect: CommandBlock['expect'],
	answer: DrillAnswer,
): Verdict | undefined {
	if (!isCheck(expect)) return undefined;
	let matched = false;
	if (expect.output !== undefined) {
		const matcher = new OutputMatcher(expect.output);
		matcher.push(new TextEncoder().encode(answer.output));
		matched = matcher.end();
	}
	return judge(expect, { end: 'exited', exitCode: answer.exit, matched });
}

/** A drill's name is what `--drill NAME` takes: lowercase words joined by `-`. */
const NAME = /^[a-z0-9][a-z0-9-]{0,127}$/;
/** How long an answer may take to "run": `500ms`, `3s`, `1m`, at most ten minutes. */
const DURATION = /^(\d+)(ms|s|m)$/;
const DURATION_MS = { ms: 1, s: 1000, m: 60_000 } as const;
const MAX_DURATION_MS = 600_000;

const KEYS = ['title', 'severity', 'alert', 'detected', 'explanation', 'answers', 'route', 'worse'];
const ROUTE_KEYS = ['tree', 'steps', 'via', 'runbook', 'fix', 'verify'];
const ANSWER_KEYS = ['after', 'exit', 'output', 'duration'];
const WORSE_KEYS = ['block', 'why'];

/**
 * Reads one scenario file. `file` is its path relative to the project root, `name` its file name
 * without `.yaml`. Problems are reported with their line, never thrown; the scenario is returned
 * only when it has none.
 */
export function readDrill(
	text: string,
	{ file, name }: { file: string; name: string },
): { scenario?: DrillScenario; problems: RunbookProblem[] } {
	const problems: RunbookProblem[] = [];
	const lineCounter = new LineCounter();
	const doc = parseDocument(text, { lineCounter, prettyErrors: false });
	const atOffset = (offset: number): At => {
		const { line, col } = lineCounter.linePos(offset);
		return { line, column: col };
	};
	const problemAt = (at: At, message: string) => problems.push({ file, ...at, message });
	const start: At = { line: 1, column: 1 };
	for (const error of doc.errors) {
		problemAt(atOffset(error.pos[0]), `the drill is not valid YAML: ${error.message}`);
	}
	if (problems.length > 0) return { problems };

	const where: Record<string, At> = {};
	const at = (node: unknown, fallback = start): At => {
		const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
		return range ? atOffset(range[0]) : fallback;
	};
	const problem = (node: unknown, message: string) => problemAt(at(node), message);

	if (!NAME.test(name)) {
		problemAt(
			start,
			`"${name}" is no drill name: name the file in lowercase words joined by -, like database-down.yaml (the name is what --drill takes)`,
		);
	}
	const root = doc.contents;
	if (!isMap(root)) {
		problem(
			root,
			'a drill is a YAML mapping with title, severity, alert, detected, answers, route and worse (see content/drills/ for examples)',
		);
		return { problems };
	}

	/** The pairs of a mapping by key; unknown keys are refused, required ones asked for. */
	const fields = (
		map: Node,
		known: readonly string[],
		required: readonly string[],
		what: string,
	): Map<string, Pair<Node, Node | null>> => {
		const found = new Map<string, Pair<Node, Node | null>>();
		if (!isMap(map)) return found;
		for (const pair of map.items as Array<Pair<Node, Node | null>>) {
			const key = isScalar(pair.key) ? String(pair.key.value) : '';
			if (!known.includes(key)) {
				problem(pair.key, `${what} takes ${known.join(', ')}; not "${key}"`);
			} else found.set(key, pair);
		}
		for (const key of required) {
			if (!found.has(key)) problem(map, `${what} has no ${key}`);
		}
		return found;
	};

	const text_ = (node: Node | null | undefined, label: string, max: number): string | undefined => {
		if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') {
			problem(node, `${label} is words${max < 1000 ? ` (at most ${max} characters)` : ''}`);
			return undefined;
		}
		const value = node.value.trim();
		if (value.length > max) {
			problem(node, `${label} is ${value.length} characters long; at most ${max}`);
			return undefined;
		}
		return value;
	};
	const integer = (
		node: Node | null | undefined,
		label: string,
		min: number,
		max: number,
	): number | undefined => {
		const value = isScalar(node) ? node.value : undefined;
		if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
			problem(
				node,
				`${label} is a whole number from ${min} to ${max}${isScalar(node) ? `, not ${JSON.stringify(node.value)}` : ''}`,
			);
			return undefined;
		}
		return value;
	};
	/** A block id, with where it is written kept under `path`. */
	const blockId = (
		node: Node | null | undefined,
		label: string,
		path: string,
	): string | undefined => {
		const value = isScalar(node) ? node.value : undefined;
		if (typeof value !== 'string' || !BlockIdSchema.safeParse(value).success) {
			problem(
				node,
				`${label} is the id of a block, like db.ready, not ${JSON.stringify(value ?? null)}`,
			);
			return undefined;
		}
		where[path] = at(node);
		return value;
	};
	/** A list of block ids; a single id is a list of one. */
	const blockIds = (node: Node | null | undefined, label: string, path: string): string[] => {
		if (isScalar(node)) {
			const id = blockId(node, label, `${path} 0`);
			return id ? [id] : [];
		}
		if (!isSeq(node)) {
			problem(node, `${label} is a list of block ids, like [db.start]`);
			return [];
		}
		return (node.items as Node[])
			.map((item, i) => blockId(item, label, `${path} ${i}`))
			.filter((id): id is string => id !== undefined);
	};
	const slug = (node: Node | null | undefined, label: string, path: string): string | undefined => {
		const value = isScalar(node) ? node.value : undefined;
		if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9/_-]*$/.test(value)) {
			problem(
				node,
				`${label} is a page's path in the site without slashes around it, like runbooks/database, not ${JSON.stringify(value ?? null)}`,
			);
			return undefined;
		}
		where[path] = at(node);
		return value;
	};

	const top = fields(
		root,
		KEYS,
		['title', 'severity', 'alert', 'detected', 'answers', 'route'],
		'a drill',
	);
	const title = top.has('title') ? text_(top.get('title')!.value, 'title', 200) : undefined;
	const severity = top.has('severity')
		? integer(top.get('severity')!.value, 'severity', 1, 9)
		: undefined;
	if (severity !== undefined) where.severity = at(top.get('severity')!.value);
	const alert = top.has('alert') ? text_(top.get('alert')!.value, 'alert', 4000) : undefined;
	const detected = top.has('detected')
		? integer(top.get('detected')!.value, 'detected (minutes before the drill starts)', 0, 1440)
		: undefined;
	const explanation = top.has('explanation')
		? text_(top.get('explanation')!.value, 'explanation', 4000)
		: undefined;

	// Answers: block id → a list of answers.
	const answers = new Map<string, DrillAnswer[]>();
	const answersNode = top.get('answers')?.value;
	if (answersNode && !isMap(answersNode)) {
		problem(
			answersNode,
			'answers maps block ids to what they print, like db.ready: [{ exit: 0, output: … }]',
		);
	} else if (answersNode) {
		for (const pair of answersNode.items as Array<Pair<Node, Node | null>>) {
			const id = blockId(
				pair.key,
				'a key of answers',
				`answers ${String((pair.key as { value?: unknown })?.value)}`,
			);
			if (!id) continue;
			const list = isSeq(pair.value)
				? (pair.value.items as Node[])
				: isMap(pair.value)
					? [pair.value]
					: undefined;
			if (!list || list.length === 0) {
				problem(
					pair.value ?? pair.key,
					`${id}: give a list of answers, like - exit: 0 with output: …`,
				);
				continue;
			}
			const read: DrillAnswer[] = [];
			list.forEach((node, i) => {
				const answer = readAnswer(node, `${id}, answer ${i + 1}`, `answers ${id} ${i}`);
				if (answer) read.push(answer);
			});
			answers.set(id, read);
		}
	}

	function readAnswer(node: Node, label: string, path: string): DrillAnswer | undefined {
		if (!isMap(node)) {
			problem(
				node,
				`${label} is a mapping with exit, output and, if it changes after a fix, after`,
			);
			return undefined;
		}
		const before = problems.length;
		const keys = fields(node, ANSWER_KEYS, ['exit'], label);
		const exit = keys.has('exit')
			? integer(keys.get('exit')!.value, `${label}: exit`, 0, 255)
			: undefined;
		const outputNode = keys.get('output')?.value;
		let output = '';
		if (outputNode !== undefined) {
			const value = isScalar(outputNode) ? outputNode.value : undefined;
			if (value === null || value === undefined) output = '';
			else if (typeof value === 'string' || typeof value === 'number') output = String(value);
			else problem(outputNode, `${label}: output is the text the command prints`);
		}
		if (output !== '' && !output.endsWith('\n')) output += '\n';
		const after = keys.has('after')
			? blockIds(keys.get('after')!.value, `${label}: after`, `${path} after`)
			: [];
		let durationMs: number | undefined;
		const durationNode = keys.get('duration')?.value;
		if (durationNode !== undefined) {
			const match = DURATION.exec(isScalar(durationNode) ? String(durationNode.value) : '');
			durationMs = match
				? Number(match[1]) * DURATION_MS[match[2] as keyof typeof DURATION_MS]
				: undefined;
			if (durationMs === undefined || durationMs > MAX_DURATION_MS) {
				problem(
					durationNode,
					`${label}: duration is how long it takes, like 500ms, 3s or 1m, at most 10m`,
				);
				durationMs = undefined;
			}
		}
		if (problems.length > before || exit === undefined) return undefined;
		where[path] = at(node);
		return {
			after,
			exit,
			output,
			...(durationMs !== undefined && { durationMs }),
			line: at(node).line,
		};
	}

	// An answer is never given when a later one matches whenever it does (answers are tried last first).
	for (const [id, list] of answers) {
		list.forEach((answer, i) => {
			const shadow = list
				.slice(i + 1)
				.find((later) => later.after.every((b) => answer.after.includes(b)));
			if (shadow) {
				problemAt(
					where[`answers ${id} ${i}`] ?? { line: answer.line, column: 1 },
					`${id}: this answer is never given: the one at line ${shadow.line} comes later and applies whenever this one does (answers are tried from the last; put the one with fewer "after" blocks first)`,
				);
			}
		});
	}
	const succeedsSometime = (id: string) => answers.get(id)?.some((a) => a.exit === 0) ?? false;
	for (const [id, list] of answers) {
		list.forEach((answer, i) => {
			answer.after.forEach((b, j) => {
				if (!succeedsSometime(b)) {
					problemAt(
						where[`answers ${id} ${i} after ${j}`] ?? start,
						`${id}: "after: ${b}" can never be met: the drill gives ${b} no answer that exits 0`,
					);
				}
			});
		});
	}

	// The route.
	const routeNode = top.get('route')?.value;
	let route: DrillScenario['route'] | undefined;
	if (routeNode && !isMap(routeNode)) {
		problem(routeNode, `route is a mapping with ${ROUTE_KEYS.join(', ')}`);
	} else if (routeNode) {
		const keys = fields(
			routeNode,
			ROUTE_KEYS,
			['tree', 'steps', 'runbook', 'fix', 'verify'],
			'route',
		);
		const tree = keys.has('tree')
			? slug(keys.get('tree')!.value, 'route.tree', 'route tree')
			: undefined;
		const runbook = keys.has('runbook')
			? slug(keys.get('runbook')!.value, 'route.runbook', 'route runbook')
			: undefined;
		const via: string[] = [];
		const viaNode = keys.get('via')?.value;
		if (viaNode && !isSeq(viaNode))
			problem(viaNode, 'route.via is a list of pages, like [runbooks/database]');
		else if (viaNode) {
			(viaNode.items as Node[]).forEach((node, i) => {
				const page = slug(node, 'an entry of route.via', `route via ${i}`);
				if (page) via.push(page);
			});
		}
		const steps: string[] = [];
		const choices: Record<string, string> = {};
		const stepsNode = keys.get('steps')?.value;
		const stepShape =
			'each step of route.steps is its id and the answer the route takes there, like - step-2-is-docker-running: Yes';
		if (stepsNode && (!isSeq(stepsNode) || stepsNode.items.length === 0))
			problem(stepsNode, `route.steps lists the tree's steps in order; ${stepShape}`);
		else if (stepsNode) {
			(stepsNode.items as Node[]).forEach((node, i) => {
				const pair =
					isMap(node) && node.items.length === 1
						? (node.items[0] as Pair<Node, Node | null>)
						: undefined;
				const id = pair && isScalar(pair.key) ? pair.key.value : undefined;
				const choice = pair && isScalar(pair.value) ? pair.value.value : undefined;
				if (
					typeof id !== 'string' ||
					id === '' ||
					(typeof choice !== 'string' && typeof choice !== 'number') ||
					String(choice).trim() === ''
				) {
					problem(node, stepShape);
					return;
				}
				if (steps.includes(id)) {
					problem(node, `route.steps names ${id} twice; a route takes each step once`);
					return;
				}
				where[`route steps ${i}`] = at(node);
				where[`route steps ${i} answer`] = at(pair!.value);
				steps.push(id);
				choices[id] = String(choice).trim();
			});
		}
		const fix = keys.has('fix') ? blockIds(keys.get('fix')!.value, 'route.fix', 'route fix') : [];
		const verify = keys.has('verify')
			? blockIds(keys.get('verify')!.value, 'route.verify', 'route verify')
			: [];
		if (keys.has('fix') && fix.length === 0)
			problem(keys.get('fix')!.value, 'route.fix names the blocks that fix it: at least one');
		if (keys.has('verify') && verify.length === 0)
			problem(
				keys.get('verify')!.value,
				'route.verify names the checks that pass once it is fixed: at least one',
			);
		for (const [list, what] of [
			[fix, 'fix'],
			[verify, 'verify'],
		] as const) {
			list.forEach((id, i) => {
				if (!answers.has(id)) {
					problemAt(
						where[`route ${what} ${i}`] ?? start,
						`route.${what} names ${id}, which the drill does not answer: give it answers, or a trainee could never ${what === 'fix' ? 'fix it' : 'see it fixed'}`,
					);
				}
			});
		}
		if (tree && runbook && steps.length > 0 && fix.length > 0 && verify.length > 0) {
			route = { tree, steps, choices, via, runbook, fix, verify };
		}
	}

	// What makes things worse.
	const worse: DrillScenario['worse'] = [];
	const worseNode = top.get('worse')?.value;
	if (worseNode && !isSeq(worseNode)) {
		problem(worseNode, 'worse is a list of - block: … why: …');
	} else if (worseNode) {
		(worseNode.items as Node[]).forEach((node, i) => {
			const keys = fields(node, WORSE_KEYS, WORSE_KEYS, `worse, entry ${i + 1}`);
			if (!isMap(node)) {
				problem(node, 'each entry of worse is - block: … why: …');
				return;
			}
			const block = keys.has('block')
				? blockId(keys.get('block')!.value, 'worse: block', `worse ${i} block`)
				: undefined;
			const why = keys.has('why') ? text_(keys.get('why')!.value, 'worse: why', 1000) : undefined;
			if (block && why) worse.push({ block, why });
		});
	}

	if (
		problems.length > 0 ||
		!title ||
		severity === undefined ||
		!alert ||
		detected === undefined ||
		!route
	) {
		return { problems };
	}
	return {
		scenario: {
			name,
			file,
			title,
			severity,
			alert,
			detectedMinutesAgo: detected,
			...(explanation !== undefined && { explanation }),
			answers,
			route,
			worse,
			where,
		},
		problems,
	};
}

// ---------------------------------------------------------------------------------------------
// Checking scenarios against the site

/** The site as {@link checkDrills} reads it. */
export interface DrillSite {
	pages: ReadonlyArray<{
		slug: string;
		file: string;
		tree?: DecisionTreeModel | undefined;
		blocks: readonly CommandBlock[];
	}>;
	/** The levels of the severity table (1 is SEV-1); empty when the site has none. */
	levels: readonly number[];
}

/** One step of a route as played by {@link playRoute}. */
export interface PlayedStep {
	step: TreeStep;
	/** The verdict of each of its checks, from the scenario's answers before the fix. */
	verdicts: Record<string, Verdict>;
	/** The outcome its checks choose (for a step decided by its checks). */
	chosen?: number | undefined;
}

/**
 * Checks each scenario against the site: every block it names exists, the route's steps are steps
 * of its tree in page order whose chosen answers lead from one to the next and on to the runbook,
 * the severity is a level of the severity table, the fix blocks change something, the verify
 * blocks are checks; then plays the route (see {@link playRoute}).
 */
export function checkDrills(
	scenarios: readonly DrillScenario[],
	site: DrillSite,
): RunbookProblem[] {
	const problems: RunbookProblem[] = [];
	const blocks = new Map(site.pages.flatMap((p) => p.blocks.map((b) => [b.id, b] as const)));
	const pages = new Map(site.pages.map((p) => [p.slug, p]));
	for (const scenario of scenarios) {
		const before = problems.length;
		const problem = (path: string, message: string) =>
			problems.push({
				file: scenario.file,
				...(scenario.where[path] ?? { line: 1, column: 1 }),
				message,
			});

		const named: Array<[string, string]> = [];
		for (const [id, list] of scenario.answers) {
			named.push([`answers ${id}`, id]);
			list.forEach((a, i) =>
				a.after.forEach((b, j) => named.push([`answers ${id} ${i} after ${j}`, b])),
			);
		}
		scenario.route.fix.forEach((id, i) => named.push([`route fix ${i}`, id]));
		scenario.route.verify.forEach((id, i) => named.push([`route verify ${i}`, id]));
		scenario.worse.forEach(({ block }, i) => named.push([`worse ${i} block`, block]));
		for (const [path, id] of named) {
			if (!blocks.has(id))
				problem(path, `${id} is no block of the site; name a block by its id= (like db.ready)`);
		}

		if (site.levels.length === 0) {
			problem(
				'severity',
				'the drill has a severity, and the site has no severity table (<SeverityTable>) to say what it means',
			);
		} else if (!site.levels.includes(scenario.severity)) {
			problem(
				'severity',
				`SEV-${scenario.severity} is no level of the severity table; its levels are ${site.levels.map((l) => `SEV-${l}`).join(', ')}`,
			);
		}

		for (const [id, list] of scenario.answers) {
			const block = blocks.get(id);
			if (!block) continue;
			list.forEach((answer, i) => {
				for (const [, name] of answer.output.matchAll(ANSWER_PARAM)) {
					const param = block.params.find((p) => p.name === name);
					if (!param || isSecret(param)) {
						const named = block.params.filter((p) => !isSecret(p)).map((p) => `{{${p.name}}}`);
						problem(
							`answers ${id} ${i}`,
							`the output names {{${name}}}, which is ${param ? 'a secret parameter: it is never shown' : `no parameter of ${id}`}; ${named.length > 0 ? `it can name ${named.join(', ')}` : `${id} has none to name`}`,
						);
					}
				}
			});
		}

		scenario.route.fix.forEach((id, i) => {
			const block = blocks.get(id);
			if (block?.risk === 'read') {
				problem(
					`route fix ${i}`,
					`${id} is a read step: it changes nothing, so it cannot be the fix (a fix is a change or destructive block)`,
				);
			}
		});
		scenario.worse.forEach(({ block }, i) => {
			if (scenario.route.fix.includes(block)) {
				problem(
					`worse ${i} block`,
					`${block} is the fix (route.fix) and in worse: it cannot be both`,
				);
			}
		});
		scenario.route.verify.forEach((id, i) => {
			const block = blocks.get(id);
			if (block && !isCheck(block.expect)) {
				problem(
					`route verify ${i}`,
					`${id} is no check: nothing says whether it passed; give route.verify blocks with expect-exit= or expect-output=`,
				);
			}
		});

		const treePage = pages.get(scenario.route.tree);
		const tree = treePage?.tree;
		if (!treePage)
			problem(
				'route tree',
				`no page is at ${scenario.route.tree}; route.tree is the page of the decision tree, like diagnosis`,
			);
		else if (!tree)
			problem(
				'route tree',
				`${treePage.file} has no <DecisionTree>; route.tree is the page of one`,
			);
		const legs = [...scenario.route.via, scenario.route.runbook];
		scenario.route.via.forEach((slug, i) => {
			if (!pages.has(slug)) problem(`route via ${i}`, `no page is at ${slug}`);
		});
		if (!pages.has(scenario.route.runbook))
			problem(
				'route runbook',
				`no page is at ${scenario.route.runbook}; route.runbook is the slug of the runbook page, like runbooks/database`,
			);
		if (!tree) continue;

		let last = -1;
		scenario.route.steps.forEach((id, i) => {
			const index = tree.steps.findIndex((s) => s.id === id);
			if (index === -1) {
				problem(
					`route steps ${i}`,
					`${id} is no step of ${treePage!.file} (its steps: ${tree.steps.map((s) => s.id).join(', ')})`,
				);
				return;
			}
			if (index <= last)
				problem(
					`route steps ${i}`,
					`${id} comes before ${tree.steps[last]!.id} in the tree; list the route's steps in the tree's order`,
				);
			last = index;
			const step = tree.steps[index]!;
			const choice = scenario.route.choices[id]!;
			const outcome = step.outcomes.find((o) => o.label === choice);
			if (!outcome) {
				problem(
					`route steps ${i} answer`,
					`${step.title} has no answer "${choice}"; its answers are ${step.outcomes.map((o) => `"${o.label}"`).join(', ')}`,
				);
				return;
			}
			const next = scenario.route.steps[i + 1];
			const leads = next
				? outcome.links.some((l) => l.kind === 'step' && l.step === next)
				: outcome.links.some((l) => l.page === legs[0] && l.kind === 'site');
			if (!leads) {
				problem(
					`route steps ${i} answer`,
					`${step.title}, **${choice}** does not lead to ${next ?? legs[0]}: the route goes where the page sends the trainee (its links: ${outcome.links.map((l) => l.href).join(', ') || 'none'})`,
				);
			}
		});
		if (problems.length === before) problems.push(...playRoute(scenario, site).problems);
	}
	return problems;
}

/**
 * Plays a scenario's route as a trainee would follow the page, in pure code: at each route step
 * the step's checks are answered from the scenario (blocks answered so far with exit 0 count for
 * `after`), judged as a real run would be, and {@link outcomeFor} must choose the route's answer
 * (a step answered by hand must show the trainee an answer to read); then the fix blocks, run in
 * order, must each exit 0, and afterwards every verify check must pass, though before the fix one
 * did not. Expects a scenario {@link checkDrills} found no other problem in.
 */
export function playRoute(
	scenario: DrillScenario,
	site: DrillSite,
): { played: PlayedStep[]; problems: RunbookProblem[] } {
	const problems: RunbookProblem[] = [];
	const problem = (path: string, message: string) =>
		problems.push({
			file: scenario.file,
			...(scenario.where[path] ?? { line: 1, column: 1 }),
			message,
		});
	const blocks = new Map(site.pages.flatMap((p) => p.blocks.map((b) => [b.id, b] as const)));
	const page = site.pages.find((p) => p.slug === scenario.route.tree);
	const succeeded = new Set<string>();
	const run = (id: string) => {
		const answer = answerFor(scenario, id, succeeded);
		if (answer?.exit === 0) succeeded.add(id);
		return answer;
	};
	const played: PlayedStep[] = [];
	scenario.route.steps.forEach((id, i) => {
		const step = page?.tree?.steps.find((s) => s.id === id);
		if (!step) return;
		const choice = scenario.route.choices[id]!;
		if (step.by === 'hand') {
			// What the trainee reads to answer: the blocks under the step's heading.
			const shown = page!.blocks.filter((b) => b.heading?.slug === id).map((b) => b.id);
			if (!shown.some((b) => scenario.answers.has(b))) {
				problem(
					`route steps ${i}`,
					`${step.title} is answered by hand from what its blocks print, and the drill answers none of them (${shown.join(', ') || 'it has none'})`,
				);
			}
			for (const b of shown) run(b);
			played.push({ step, verdicts: {} });
			return;
		}
		const verdicts: Record<string, Verdict> = {};
		for (const check of step.checks) {
			const answer = run(check);
			const verdict = answer ? verdictOf(blocks.get(check)?.expect, answer) : undefined;
			if (!verdict) {
				problem(
					`route steps ${i}`,
					`${step.title} is decided by its checks, and the drill does not answer ${check}`,
				);
				continue;
			}
			verdicts[check] = verdict;
		}
		const outcomes = Object.fromEntries(
			Object.entries(verdicts).map(([b, v]) => [b, v.outcome]),
		) as Record<string, Outcome>;
		const chosen = outcomeFor(step, outcomes);
		played.push({ step, verdicts, chosen });
		if (
			Object.keys(verdicts).length === step.checks.length &&
			step.outcomes[chosen ?? -1]?.label !== choice
		) {
			const said = Object.entries(verdicts)
				.map(([b, v]) => `${b}: ${v.outcome}, ${v.reason}`)
				.join('; ');
			problem(
				`route steps ${i} answer`,
				`${step.title}: with the drill's answers (${said}) the checks choose ${chosen === undefined ? 'no answer' : `"${step.outcomes[chosen]!.label}"`}, not "${choice}"`,
			);
		}
	});

	const failingBefore = scenario.route.verify.filter((id) => {
		const answer = answerFor(scenario, id, succeeded);
		return !answer || verdictOf(blocks.get(id)?.expect, answer)?.outcome !== 'pass';
	});
	if (failingBefore.length === 0) {
		problem(
			'route verify 0',
			`every verify check passes before the fix (${scenario.route.verify.join(', ')}): nothing in this drill is broken; give them failing answers, and passing ones after: [the fix]`,
		);
	}
	scenario.route.fix.forEach((id, i) => {
		const answer = run(id);
		if (answer?.exit !== 0) {
			problem(
				`route fix ${i}`,
				`${id} ${answer ? `exits ${answer.exit}` : 'has no answer'} when run after the route${i > 0 ? ` and ${scenario.route.fix.slice(0, i).join(', ')}` : ''}: the fix must exit 0`,
			);
		}
	});
	scenario.route.verify.forEach((id, i) => {
		const answer = answerFor(scenario, id, succeeded);
		const verdict = answer ? verdictOf(blocks.get(id)?.expect, answer) : undefined;
		if (verdict?.outcome !== 'pass') {
			problem(
				`route verify ${i}`,
				`${id} does not pass after the fix (${verdict ? `${verdict.outcome}, ${verdict.reason}` : 'no answer'}): give it an answer with after: [${scenario.route.fix.join(', ')}] that passes`,
			);
		}
	});
	return { played, problems };
}
