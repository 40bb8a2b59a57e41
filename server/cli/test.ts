/**
 * `opsbook test`: docs as tests. Every check block (a block that says what a good run looks like)
 * at or under the given risk runs, one after the other in page order, through one bridge session
 * (`session.ts`): a gate a check opens stays open for the blocks after it. Each block ends passed
 * (verdict pass or warn), failed, or skipped with the reason, and the results go out as lines for
 * a person, JUnit XML (`--junit FILE`) and TAP 13 (`--tap`).
 *
 * JUnit is written with xmlbuilder2, a maintained XML builder that escapes text and attributes and
 * replaces the characters XML 1.0 cannot hold (a command's output has them); the JUnit shape
 * itself (one `<testcase>` per block, `classname` the page, `<failure>` with expected and actual
 * and the output's tail, `<skipped message>`) is what Jenkins, GitLab and GitHub reporters read.
 * The JUnit-specific builders on npm cannot give `<skipped>` its reason. TAP 13 is written by
 * Node's own `node:test/reporters` `tap` reporter, fed one event per block: the TAP the Node test
 * runner prints, with no dependency.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { tap } from 'node:test/reporters';
import { create } from 'xmlbuilder2';
import type { RunInfo } from '../../src/protocol.ts';
import { RISKS, type CommandBlock, type Risk } from '../../src/runbook/schema.ts';
import { isCheck } from '../../src/runbook/verdict.ts';
import { EXIT, paramValues, parse, UsageError, type Command } from './common.ts';
import { describeExpect, onPage } from './read.ts';
import { describeEnd, openArmed, TARGET_HELP, TARGET_OPTIONS } from './run.ts';

export interface TestResult {
	block: CommandBlock;
	outcome: 'passed' | 'failed' | 'skipped';
	/** Why it failed or was skipped; for a pass, the verdict's reason. */
	reason: string;
	durationMs: number;
	/** A failure's expected and actual, and the last lines of its output. */
	expected?: string;
	actual?: string;
	tail?: string[];
	info?: RunInfo;
}

const pageOf = (block: CommandBlock) => block.page.slug || 'index';

/** Why `block` is not run, if it is not; its parameters otherwise. */
function plan(
	block: CommandBlock,
	options: {
		risk: Risk;
		target: string | undefined;
		given: Record<string, string>;
		yes: boolean;
		targets: Map<string, { armed: boolean; production?: boolean | undefined }>;
	},
): { skip: string } | { params: Record<string, string>; confirm?: string } {
	if (RISKS.indexOf(block.risk) > RISKS.indexOf(options.risk)) {
		return { skip: `a ${block.risk} step, above --risk ${options.risk}` };
	}
	if (block.interactive) return { skip: 'an interactive step: it does what is typed into it' };
	const where = options.target ?? block.target;
	if (where !== block.target && block.risk !== 'read') {
		return { skip: `a ${block.risk} step runs on its own target, ${block.target}, not ${where}` };
	}
	const target = options.targets.get(where);
	if (target && !target.armed) {
		return { skip: `${where} is not armed: name it with --target ${where} or --arm ${where}` };
	}
	const params: Record<string, string> = {};
	for (const spec of block.params) {
		const value = options.given[spec.name];
		if (value !== undefined) params[spec.name] = value;
		else if (spec.default === undefined) {
			return { skip: `needs a value for ${spec.name} (--param ${spec.name}=VALUE)` };
		}
	}
	if (block.risk === 'destructive') {
		if (!options.yes) return { skip: 'destructive: add --yes to run it (not on production)' };
		if (target?.production) return { skip: `destructive, on ${where}, a production target` };
		return { params, confirm: block.confirm ?? where };
	}
	return { params };
}

/** What the run did, in the terms of its expectation: `exit 1; no line matched`. */
function actualOf(info: RunInfo): string {
	const { message: _message, verdict: _verdict, durationMs: _took, ...run } = info;
	return describeEnd(run);
}

export function junit(results: readonly TestResult[], durationMs: number): string {
	const count = (outcome: TestResult['outcome'], list = results) =>
		list.filter((r) => r.outcome === outcome).length;
	const seconds = (ms: number) => (ms / 1000).toFixed(3);
	const root = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '\uFFFD' }).ele(
		'testsuites',
		{
			name: 'opsbook test',
			tests: results.length,
			failures: count('failed'),
			errors: 0,
			skipped: count('skipped'),
			time: seconds(durationMs),
		},
	);
	const pages = [...new Set(results.map((r) => pageOf(r.block)))];
	for (const page of pages) {
		const own = results.filter((r) => pageOf(r.block) === page);
		const suite = root.ele('testsuite', {
			name: page,
			tests: own.length,
			failures: count('failed', own),
			errors: 0,
			skipped: count('skipped', own),
			time: seconds(own.reduce((sum, r) => sum + r.durationMs, 0)),
		});
		for (const result of own) {
			const testcase = suite.ele('testcase', {
				classname: page,
				name: result.block.id,
				file: result.block.source.file,
				time: seconds(result.durationMs),
			});
			if (result.outcome === 'skipped') testcase.ele('skipped', { message: result.reason });
			if (result.outcome === 'failed') {
				const body = [
					`${result.block.title} (${result.block.source.file}:${result.block.source.line})`,
					`expected: ${result.expected ?? ''}`,
					`actual:   ${result.actual ?? ''}`,
					...(result.tail?.length ? ['', 'output (last lines):', ...result.tail] : []),
				].join('\n');
				testcase.ele('failure', { message: result.reason, type: 'check' }).txt(body);
			}
		}
	}
	// A text file ends with a newline (POSIX; `cat`, diffs and CI log viewers expect it).
	return `${root.end({ prettyPrint: true })}\n`;
}

/** TAP 13, through Node's own TAP reporter. */
export async function tapReport(results: readonly TestResult[]): Promise<string> {
	const events = results.map((result, i) => {
		const base = {
			name: `${result.block.id} (${pageOf(result.block)}): ${result.block.title}`,
			nesting: 0,
			testNumber: i + 1,
			details: { duration_ms: result.durationMs },
		};
		if (result.outcome === 'failed') {
			// The reporter writes an error's own fields as the test's YAML block; a stack would be ours.
			const error = Object.assign(new Error(result.reason), {
				...(result.tail?.length && { output: result.tail.join('\n') }),
			});
			// Written once by the reporter, as for an assertion; enumerable they would come twice.
			for (const [key, value] of Object.entries({
				expected: result.expected,
				actual: result.actual,
			}))
				Object.defineProperty(error, key, { value, enumerable: false });
			error.stack = '';
			return {
				type: 'test:fail',
				data: { ...base, details: { ...base.details, error } },
			};
		}
		return {
			type: 'test:pass',
			data: { ...base, ...(result.outcome === 'skipped' && { skip: result.reason }) },
		};
	});
	events.push({ type: 'test:plan', data: { nesting: 0, count: results.length } } as never);
	let text = '';
	// The reporter's input is the test runner's event stream; its types are not exported.
	for await (const chunk of tap(Readable.from(events) as never)) text += String(chunk);
	return text;
}

export function summary(results: readonly TestResult[]): string {
	const n = (outcome: TestResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
	return `${n('passed')} passed, ${n('failed')} failed, ${n('skipped')} skipped`;
}

const TEST_OPTIONS = {
	...TARGET_OPTIONS,
	risk: { type: 'string' },
	page: { type: 'string', multiple: true },
	junit: { type: 'string' },
	tap: { type: 'boolean' },
} as const;

export const test: Command = {
	name: 'test',
	options: TEST_OPTIONS,
	summary: 'docs as tests: run every check block, report JUnit or TAP',
	help: `Usage: opsbook test [--target NAME] [--risk read] [--page PAGE] [--junit FILE] [--tap]

Runs every check block (a block with expect-exit= or expect-output=) at or under the risk given,
one after the other in page order, and reports each: passed (its verdict is pass or warn),
failed (expected, actual and the output's last lines), or skipped with the reason (above the
risk, its target not armed, a parameter without a value, a gate its needs have not opened).
The blocks run through one bridge session: a check that passes opens the gates it holds for the
blocks after it. Ends with a line: N passed, N failed, N skipped.

Options:
  --risk RISK            the riskiest checks to run: read (default), change or destructive
  --page PAGE            only the checks of this page (repeatable)
  --junit FILE           also write JUnit XML: a <testcase> per block, classname the page
  --tap                  print TAP 13 instead of lines (the summary goes to stderr)
${TARGET_HELP}

Examples:
  opsbook test
  opsbook test --target staging --junit reports/runbooks.xml
  opsbook test --page runbooks/database --tap | npx tap-parser

Exit codes: 0 every check run passed, 1 a check failed, 2 a usage or configuration error.`,
	async run(argv) {
		const { values } = parse(argv, TEST_OPTIONS, false);
		const risk = (values.risk ?? 'read') as Risk;
		if (!RISKS.includes(risk)) {
			throw new UsageError(`--risk must be one of ${RISKS.join(', ')}, not "${values.risk}"`);
		}
		const given = paramValues(values.param);
		const say = (line: string) => (values.tap ? undefined : console.log(line));
		const began = performance.now();
		const session = await openArmed(values);
		const results: TestResult[] = [];
		try {
			const checks = [...session.registry.blocks.values()].filter(
				(b) => isCheck(b.expect) && (!values.page?.length || values.page.some((p) => onPage(b, p))),
			);
			if (checks.length === 0) {
				throw new UsageError(
					values.page?.length
						? `No check blocks on ${values.page.join(', ')}.`
						: 'The runbooks have no check blocks (blocks with expect-exit= or expect-output=).',
				);
			}
			for (const block of checks) {
				const targets = new Map(session.targets().map((t) => [t.name, t]));
				const planned = plan(block, {
					risk,
					target: values.target,
					given,
					yes: values.yes === true,
					targets,
				});
				let result: TestResult;
				if ('skip' in planned) {
					result = { block, outcome: 'skipped', reason: planned.skip, durationMs: 0 };
				} else {
					const started = await session.run({
						block,
						params: planned.params,
						on: values.target,
						confirm: planned.confirm,
						cols: 120,
						rows: 40,
					});
					if ('ok' in started) {
						const skip = ['gate-closed', 'target-not-armed', 'confirm-required'];
						result = {
							block,
							outcome: skip.includes(started.code) ? 'skipped' : 'failed',
							// The bridge speaks to a page; in a test run a gate opens only by a check
							// that passes earlier in the same run, so that is the remedy to say.
							reason:
								started.code === 'gate-closed'
									? `${started.message.replace(/ Run (it|them) first, or run this step anyway and say why\.$/, '')} In opsbook test, a gate opens when the check it needs passes earlier in the same run.`
									: started.message,
							durationMs: 0,
						};
					} else {
						const { info, tail } = await started.ended;
						const verdict = info.verdict;
						const passed = verdict !== undefined && verdict.outcome !== 'fail';
						result = {
							block,
							outcome: passed ? 'passed' : 'failed',
							reason: verdict ? `${verdict.outcome}: ${verdict.reason}` : describeEnd(info),
							durationMs: info.durationMs ?? 0,
							expected: describeExpect(block),
							actual: actualOf(info),
							tail,
							info,
						};
					}
				}
				results.push(result);
				const mark = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' }[result.outcome];
				say(`${mark} ${block.id}  ${block.title} (${pageOf(block)}): ${result.reason}`);
				if (result.outcome === 'failed' && result.tail?.length) {
					say(result.tail.map((line) => `       | ${line}`).join('\n'));
				}
			}
		} finally {
			await session.close();
		}
		const took = performance.now() - began;
		if (values.junit !== undefined) {
			// CI names a reports folder that does not exist yet (reports/runbooks.xml): make it.
			await mkdir(dirname(resolve(values.junit)), { recursive: true });
			await writeFile(values.junit, junit(results, took));
		}
		if (values.tap) process.stdout.write(await tapReport(results));
		const line = summary(results);
		if (values.tap) console.error(line);
		else console.log(line);
		return results.some((r) => r.outcome === 'failed') ? EXIT.failed : EXIT.ok;
	},
};
