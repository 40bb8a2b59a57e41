/**
 * Drills: a scenario a trainee plays on the real runbook pages, with every Run answered from the
 * scenario instead of executed ("Wheel of Misfortune", Google SRE book ch. 28).
 *
 * One YAML file per drill under the content folder's `drills/` (`content/drills/database-down.yaml`),
 * validated at build with `file:line` like command blocks:
 *
 * ```yaml
 * title: The database is down after a host reboot
 * severity: 1
 * alert: |
 *   [FIRING] OrionAPIDown — https://api.example.com/health has failed for 5 minutes
 * detected: 6            # minutes before the drill starts that the alert fired
 * answers:
 *   diagnosis.health-local:
 *     - exit: 7
 *       output: |
 *         curl: (7) Failed to connect to localhost port 8000: Connection refused
 *     - after: [db.start, api.restart]
 *       exit: 0
 *       output: '{"status": "ok"}'
 *   db.ready:
 *     - exit: 2
 *       output: /var/run/postgresql:5432 - no response
 *     - after: [db.start]
 *       exit: 0
 *       output: /var/run/postgresql:5432 - accepting connections
 * route:
 *   steps: [step-1-can-you-reach-the-server, step-2-is-docker-running, …]   # the tree's step ids, in order
 *   runbook: runbooks/database                                              # the page the tree leads to
 *   fix: [db.start]                                                        # the blocks that fix it
 * worse:
 *   - block: restore.database
 *     why: Restoring a backup loses every write since it was taken; the data was never lost.
 * ```
 *
 * A block's answers are tried from the last to the first: the last whose `after` blocks have all
 * been run with exit 0 in this drill answers (an answer without `after` always matches). So the
 * answers change once the fix has run. A block with no answers is answered plainly that the drill
 * has no output for it.
 *
 * Browser-safe types; the reader (`readDrill`) takes the file's text.
 */
import {
	isMap,
	isNode,
	isScalar,
	isSeq,
	LineCounter,
	parseDocument,
	type Scalar,
	type YAMLMap,
} from 'yaml';

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
	title: string;
	/** The severity the trainee starts from (a level of the severity table). */
	severity: number;
	/** The alert text the trainee starts from. */
	alert: string;
	/** Minutes before the drill starts that the problem was detected. */
	detectedMinutesAgo: number;
	/** For the debrief: what really happened (optional prose). */
	explanation?: string;
	answers: ReadonlyMap<string, readonly DrillAnswer[]>;
	route: {
		/** The decision tree's page and the ids of its steps, in the order the route takes them. */
		tree: string;
		steps: string[];
		/** The runbook page the route leads to (slug). */
		runbook: string;
		/** The blocks that fix it. */
		fix: string[];
	};
	/** Blocks that would make things worse here, and why. */
	worse: Array<{ block: string; why: string }>;
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

/**
 * The answer a block gives: the last of its answers whose `after` blocks have all succeeded.
 *
 * TODO: a stand-in of part B (the bridge) until part S's reader lands; the merge takes S's.
 */
export const answerFor: AnswerFor = (scenario, block, succeeded) => {
	const answers = scenario.answers.get(block) ?? [];
	for (let i = answers.length - 1; i >= 0; i--) {
		const answer = answers[i]!;
		if (answer.after.every((id) => succeeded.has(id))) return answer;
	}
	return undefined;
};

/** What the drill says of a block it has no answer for; the bridge prints it as the run's output. */
export function noAnswerMessage(block: string): string {
	return `The drill has no output for ${block}: in this scenario, nothing to see here.`;
}

export interface DrillProblem {
	file: string;
	line: number;
	column: number;
	message: string;
}

/**
 * Reads one scenario file; problems are returned with their line, never thrown.
 *
 * TODO: a stand-in of part B (the bridge), which needs scenarios to answer runs, until part S's
 * reader (with the site checks, `checkDrills`) lands; the merge takes S's. It reads the shape
 * documented above and refuses what it cannot use; it does not check the names against the site.
 */
export function readDrill(
	text: string,
	{ file, name }: { file: string; name: string },
): { scenario?: DrillScenario; problems: DrillProblem[] } {
	const lines = new LineCounter();
	const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
	const problems: DrillProblem[] = [];
	const at = (node: unknown, message: string) => {
		const offset = isNode(node) && node.range ? node.range[0] : 0;
		const { line, col } = lines.linePos(offset);
		problems.push({ file, line, column: col, message: `drill ${name}: ${message}` });
	};
	for (const error of doc.errors) at(undefined, error.message);
	if (problems.length > 0) return { problems };
	const root = doc.contents;
	if (!isMap(root)) {
		at(root, 'a scenario is a YAML mapping (title, severity, alert, answers, route…)');
		return { problems };
	}
	const get = (map: YAMLMap, key: string) => map.get(key, true) as unknown;
	const text_ = (map: YAMLMap, key: string, where = key): string | undefined => {
		const node = get(map, key);
		if (isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '')
			return node.value;
		at(node ?? map, `${where} must be a non-empty text`);
		return undefined;
	};
	const int = (map: YAMLMap, key: string, min: number, max: number, where = key) => {
		const node = get(map, key);
		if (
			isScalar(node) &&
			Number.isInteger(node.value) &&
			Number(node.value) >= min &&
			Number(node.value) <= max
		)
			return Number(node.value);
		at(node ?? map, `${where} must be a whole number from ${min} to ${max}`);
		return undefined;
	};
	const ids = (node: unknown, where: string): string[] => {
		if (node === undefined) return [];
		if (isSeq(node) && node.items.every((i) => isScalar(i) && typeof i.value === 'string'))
			return node.items.map((i) => String((i as Scalar).value));
		at(node, `${where} must be a list of block or step ids`);
		return [];
	};
	const title = text_(root, 'title');
	const severity = int(root, 'severity', 1, 9);
	const alert = text_(root, 'alert');
	const detected = int(root, 'detected', 0, 24 * 60);
	const explanationNode = get(root, 'explanation');
	const answers = new Map<string, DrillAnswer[]>();
	const answersNode = get(root, 'answers');
	if (!isMap(answersNode)) at(answersNode ?? root, 'answers must map block ids to their answers');
	else
		for (const pair of answersNode.items) {
			const block = isScalar(pair.key) ? String(pair.key.value) : '';
			if (!isSeq(pair.value)) {
				at(pair.value ?? pair.key, `answers.${block} must be a list of answers`);
				continue;
			}
			const list: DrillAnswer[] = [];
			for (const item of pair.value.items) {
				if (!isMap(item)) {
					at(item, `answers.${block}: each answer has an exit and an output`);
					continue;
				}
				const exit = int(item, 'exit', 0, 255, `answers.${block}: exit`);
				const outputNode = get(item, 'output');
				const output =
					isScalar(outputNode) && outputNode.value != null ? String(outputNode.value) : '';
				const durationNode = get(item, 'duration');
				const durationMs =
					durationNode === undefined
						? undefined
						: int(item, 'duration', 0, 600_000, `answers.${block}: duration (ms)`);
				const line = lines.linePos(item.range?.[0] ?? 0).line;
				if (exit !== undefined)
					list.push({
						after: ids(get(item, 'after'), `answers.${block}: after`),
						exit,
						output,
						...(durationMs !== undefined && { durationMs }),
						line,
					});
			}
			answers.set(block, list);
		}
	const routeNode = get(root, 'route');
	let route: DrillScenario['route'] | undefined;
	if (!isMap(routeNode))
		at(routeNode ?? root, 'route must say the tree, its steps, the runbook and the fix');
	else {
		const tree = text_(routeNode, 'tree', 'route.tree');
		const runbook = text_(routeNode, 'runbook', 'route.runbook');
		if (tree !== undefined && runbook !== undefined)
			route = {
				tree,
				steps: ids(get(routeNode, 'steps'), 'route.steps'),
				runbook,
				fix: ids(get(routeNode, 'fix'), 'route.fix'),
			};
	}
	const worse: DrillScenario['worse'] = [];
	const worseNode = get(root, 'worse');
	if (worseNode !== undefined && !isSeq(worseNode))
		at(worseNode, 'worse must be a list of {block, why}');
	else if (isSeq(worseNode))
		for (const item of worseNode.items) {
			if (!isMap(item)) {
				at(item, 'worse: each entry has a block and a why');
				continue;
			}
			const block = text_(item, 'block', 'worse: block');
			const why = text_(item, 'why', 'worse: why');
			if (block && why) worse.push({ block, why });
		}
	if (problems.length > 0 || !title || !severity || !alert || detected === undefined || !route)
		return { problems };
	return {
		scenario: {
			name,
			file,
			title,
			severity,
			alert,
			detectedMinutesAgo: detected,
			...(isScalar(explanationNode) &&
				typeof explanationNode.value === 'string' && { explanation: explanationNode.value }),
			answers,
			route,
			worse,
		},
		problems,
	};
}
