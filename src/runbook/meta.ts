/**
 * Splits a code fence's meta string into options, the way Expressive Code reads them:
 *
 * ```md
 * ```bash id=db.kill-idle risk=destructive title="Kill idle connections" static
 * ```
 *
 * gives `id`, `risk` and `title` with their values and `static` as a flag (value `true`).
 * `{1,3}` line ranges and `/regex/` markers (Expressive Code's own) are kept as flags of their
 * text so they never collide with Opsbook's keys.
 */
export interface MetaOption {
	key: string;
	value: string | true;
	/** Offset of the option in the meta string, for error columns. */
	offset: number;
}

const OPTION =
	/([A-Za-z][\w.-]*)(?:=(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(\{[^}]*\}|\/(?:[^/\\]|\\.)*\/|[^\s"']+)))?|(\{[^}]*\}|\/(?:[^/\\]|\\.)*\/|"(?:[^"\\]|\\.)*")|(\S+)/g;

export function parseMeta(meta: string): MetaOption[] {
	const options: MetaOption[] = [];
	for (const match of meta.matchAll(OPTION)) {
		const [whole, key, doubleQuoted, singleQuoted, plain] = match;
		if (key !== undefined) {
			const raw = doubleQuoted ?? singleQuoted;
			// Only the quote itself is escaped in a quoted value; every other backslash stays, so a
			// regular expression reads as written.
			const value =
				raw !== undefined
					? raw.replaceAll(
							doubleQuoted !== undefined ? '\\"' : "\\'",
							doubleQuoted !== undefined ? '"' : "'",
						)
					: (plain ?? true);
			options.push({ key, value, offset: match.index });
		} else {
			options.push({ key: whole, value: true, offset: match.index });
		}
	}
	return options;
}
