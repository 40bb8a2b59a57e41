/**
 * Questions on the terminal: a parameter's value (checked against its type, asked again with the
 * type's message on a bad value), a destructive step's confirmation word, a production target's
 * name. Only asked when standard input is a terminal; a script gets a usage error instead.
 * Prompts go to stderr, so stdout carries nothing but the block's output.
 */
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import {
	checkParamValue,
	describeType,
	isSecret,
	type ParamSpec,
} from '../../src/runbook/params.ts';

export const interactive = () => process.stdin.isTTY === true;

/** Asks `question`; a secret's answer is not echoed. */
export async function ask(question: string, secret = false): Promise<string> {
	const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
	const rl = createInterface({
		input: process.stdin,
		output: secret ? silent : process.stderr,
		terminal: true,
	});
	try {
		if (secret) process.stderr.write(question);
		const answer = await rl.question(secret ? '' : question);
		if (secret) process.stderr.write('\n');
		return answer;
	} finally {
		rl.close();
	}
}

/** Asks for `spec` until the value passes its type; an empty answer takes the default. */
export async function askParam(spec: ParamSpec, bad?: string): Promise<string> {
	if (bad) process.stderr.write(`  ${bad}\n`);
	for (;;) {
		const fallback = spec.default !== undefined ? ` [${spec.default}]` : '';
		const answer = await ask(`${spec.name} (${describeType(spec)})${fallback}: `, isSecret(spec));
		const checked = checkParamValue(spec, answer);
		if (checked.ok) return checked.value;
		process.stderr.write(`  ${checked.message}\n`);
	}
}
