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
