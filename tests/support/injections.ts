import { execFileSync } from 'node:child_process';

/**
 * Everything a hostile or careless parameter value might try. Each value, placed in a command,
 * must arrive as exactly one literal argument, and none may create `marker`.
 */
export function injections(marker: string): string[] {
	return [
		"it's",
		'"double"',
		`$(touch ${marker})`,
		`\`touch ${marker}\``,
		`a; touch ${marker}`,
		`a && touch ${marker}`,
		`a | tee ${marker}`,
		'$HOME ${HOME} $((1+1))',
		'*',
		'~',
		'!!',
		'\\',
		`'; touch ${marker}; echo '`,
		`"; touch ${marker}; echo "`,
		`a > ${marker}`,
		'{a,b}',
		// Harmless as an argument, code wherever bash reads the text a second time or does arithmetic.
		`\` ; touch ${marker} ; \``,
		`a[$(touch ${marker})]`,
		`x[\`touch ${marker}\`]`,
		`$(touch\${IFS}${marker})`,
		`"$(touch ${marker})"`,
		`'$(touch ${marker})'`,
		`\\$(touch ${marker})`,
		`$'\x3b' touch ${marker}`,
		`!$(touch ${marker})`,
		'%s %n %99999999d',
		`<(touch ${marker})`,
		`x;touch ${marker}`,
		'=',
		'a=b',
	];
}

/** Values no parameter type lets through: a second line, a NUL, an option in disguise. */
export function refusedValues(marker: string): string[] {
	return [
		`a\ntouch ${marker}`,
		`a\u0000; touch ${marker}`,
		`--output=${marker}`,
		`-rf; touch ${marker}`,
	];
}

/**
 * Runs each command in its own subshell of one real `/bin/bash -c` (one process for many
 * commands keeps the corpus fast), in `cwd`, and returns what each printed, split at NULs.
 */
export function argvOfEach(
	commands: readonly string[],
	{ cwd, env = {} }: { cwd: string; env?: Record<string, string> },
): string[][] {
	const script = commands.map((command) => `(\n${command}\n)\nprintf '\\001\\0'`).join('\n');
	const out = execFileSync('/bin/bash', ['-c', script], {
		cwd,
		encoding: 'utf8',
		env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
	});
	const each: string[][] = [[]];
	for (const field of out.split('\u0000').slice(0, -1)) {
		if (field === '\u0001') each.push([]);
		else each[each.length - 1]!.push(field);
	}
	return each.slice(0, -1);
}
