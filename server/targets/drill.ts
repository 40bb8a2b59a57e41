/**
 * The drill's stand-in for every target. While a drill runs, the bridge hands each run this
 * driver instead of `local` or `ssh`: it answers a block from the scenario (`answerFor`) and
 * never names anything to spawn, so a drill cannot start a process, open a connection or touch a
 * file, whatever the block's command says. Everything else about the run (validation,
 * confirmation, gates, arming, streaming, the ring buffer, verdict, audit log, timeline) is the
 * real run's, in `run.ts` and `bridge.ts`.
 *
 * A block the scenario has no answer for ends `failed` (it never ran, and the verdict of a check
 * says "never ran") with no exit code, rather than a made-up exit status such as 127 that a tree
 * would read as a real failure. Its message says so, once: the page shows a failed run's message
 * under its terminal, so the terminal stays empty rather than repeating it. The same goes for a
 * read step run on another target than its own ("Run on this machine"): the scenario answers
 * blocks on their own targets, and what the server prints is not what this machine would.
 */
import type { Target } from '../../src/runbook/config.ts';
import {
	answerFor,
	answerOutput,
	noAnswerMessage,
	otherTargetMessage,
	type DrillScenario,
} from '../../src/runbook/drill.ts';
import type { Playback, SimulatedDriver } from './target.ts';

/** How long an answer "runs" when the scenario does not say: long enough to be seen streaming. */
export const DEFAULT_ANSWER_MS = 600;
/** How long the drill takes to say it has no answer. */
const NO_ANSWER_MS = 150;

const encoder = new TextEncoder();

/** Output as a pty shows it: a trailing newline, and `\r\n` line ends (the terminal's onlcr). */
export function terminalText(text: string): Uint8Array {
	const ended = text.endsWith('\n') || text === '' ? text : `${text}\n`;
	return encoder.encode(ended.replace(/\r?\n/g, '\r\n'));
}

/** What the drill's driver needs of the running drill. */
export interface DrillPlay {
	scenario: DrillScenario;
	/** The blocks that have run with exit 0 in this drill so far: the answers depend on them. */
	succeeded: ReadonlySet<string>;
}

export function drillTarget(name: string, target: Target, drill: DrillPlay): SimulatedDriver {
	return {
		name,
		target,
		simulated: true,
		play(block, blockTarget, values): Playback {
			const answer =
				blockTarget === name ? answerFor(drill.scenario, block, drill.succeeded) : undefined;
			if (!answer) {
				return {
					output: new Uint8Array(),
					durationMs: NO_ANSWER_MS,
					exitCode: undefined,
					message:
						blockTarget === name
							? noAnswerMessage(block, blockTarget)
							: otherTargetMessage(block, blockTarget, name),
				};
			}
			return {
				output: terminalText(answerOutput(answer, values)),
				durationMs: answer.durationMs ?? DEFAULT_ANSWER_MS,
				exitCode: answer.exit,
			};
		},
	};
}
