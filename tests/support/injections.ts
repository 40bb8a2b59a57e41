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
