/**
 * Parameter types of command blocks.
 *
 * A placeholder such as `{{pid:int(1..4194304)}}` declares a parameter named `pid` of type `int`.
 * This module parses the type part of a placeholder and builds the zod schema that validates a
 * value of that type. The same schemas run in the page's parameter form and in the bridge, so a
 * value the page accepts is exactly a value the bridge accepts.
 *
 * Browser-safe: it imports `zod/mini` only.
 */
import * as z from 'zod/mini';

export const PARAM_TYPES = [
	'int',
	'sha',
	'enum',
	'file',
	'path',
	'word',
	'text',
	'secret',
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** The types whose every value is a run of `[A-Za-z0-9._-]`: safe verbatim in any quoting. */
export const OPAQUE_SAFE_TYPES: ReadonlySet<ParamType> = new Set(['int', 'sha', 'enum']);

/** What a placeholder declares about its parameter. Serialised into the registry as is. */
export const ParamSpecSchema = z.object({
	/** The parameter's name, as written before the colon. */
	name: z.string(),
	/** The parameter's type. */
	type: z.enum(PARAM_TYPES),
	/** `int` only: the smallest accepted value. */
	min: z.optional(z.number()),
	/** `int` only: the largest accepted value. */
	max: z.optional(z.number()),
	/** `enum` only: the accepted values, in the author's order. */
	values: z.optional(z.array(z.string())),
	/** The value used when none is given. Already checked against the type. */
	default: z.optional(z.string()),
});
export type ParamSpec = z.infer<typeof ParamSpecSchema>;

const INT_MIN = 0;
const INT_MAX = 2_147_483_647;
const ENUM_VALUE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+@-]*$/;
const WORD = /^[A-Za-z0-9_][A-Za-z0-9._:@%+,-]*$/;
// Control characters (newline, NUL, escape…) never reach a shell through a parameter.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A short, human description of a type, used in the form and in error messages. */
export function describeType(spec: ParamSpec): string {
	switch (spec.type) {
		case 'int':
			return `a whole number from ${spec.min ?? INT_MIN} to ${spec.max ?? INT_MAX}`;
		case 'sha':
			return 'a git commit hash (7 to 40 hex digits)';
		case 'enum':
			return `one of ${(spec.values ?? []).join(', ')}`;
		case 'file':
			return 'a file name (letters, digits, . _ + @ -; no slash)';
		case 'path':
			return 'a relative path (no .. and no leading /)';
		case 'word':
			return 'a single word (letters, digits, . _ : @ % + , -)';
		case 'text':
			return 'a line of text';
		case 'secret':
			return 'a secret (hidden, never logged)';
	}
}

const required = z.string().check(z.minLength(1, 'is required'));
const noLeadingDash = z.refine<string>(
	(v: string) => !v.startsWith('-'),
	'must not start with "-" (it would be read as an option)',
);

/** Builds the schema that validates one value of `spec`. Values travel as strings. */
export function paramValueSchema(spec: ParamSpec): z.ZodMiniType<string, string> {
	switch (spec.type) {
		case 'int': {
			const min = spec.min ?? INT_MIN;
			const max = spec.max ?? INT_MAX;
			return required.check(
				// One spelling per number: no leading zeros, and no -0.
				z.regex(/^(0|-?[1-9][0-9]*)$/, 'must be a whole number, like 4242'),
				z.refine((v: string) => Number(v) >= min, `must be at least ${min}`),
				z.refine((v: string) => Number(v) <= max, `must be at most ${max}`),
			);
		}
		case 'sha':
			return required.check(
				z.regex(/^[0-9a-f]{7,40}$/, 'must be a git commit hash: 7 to 40 lowercase hex digits'),
			);
		case 'enum': {
			const values = spec.values ?? [];
			return required.check(
				z.refine((v: string) => values.includes(v), `must be one of: ${values.join(', ')}`),
			);
		}
		case 'file':
			return required.check(
				z.maxLength(255, 'must be at most 255 characters'),
				noLeadingDash,
				z.refine((v: string) => v !== '.' && v !== '..' && !v.startsWith('.'), {
					message: 'must not start with "."',
				}),
				z.regex(FILE_NAME, 'may contain only letters, digits and . _ + @ - (no slash or space)'),
			);
		case 'path':
			return required.check(
				z.maxLength(1024, 'must be at most 1024 characters'),
				noLeadingDash,
				z.refine((v: string) => !v.startsWith('/'), 'must be relative (no leading /)'),
				z.refine(
					(v: string) => v.split('/').every((part) => part !== '..'),
					'must not contain ".." (it would leave the directory)',
				),
				z.refine(
					(v: string) => v.split('/').every((part) => part !== '' && part !== '.'),
					'must not contain empty or "." segments',
				),
				z.regex(
					/^[A-Za-z0-9._+@/-]+$/,
					'may contain only letters, digits, / and . _ + @ - (no space)',
				),
			);
		case 'word':
			return required.check(
				z.maxLength(128, 'must be at most 128 characters'),
				noLeadingDash,
				z.regex(WORD, 'must be one word: letters, digits and . _ : @ % + , -'),
			);
		case 'text':
		case 'secret':
			return required.check(
				z.maxLength(500, 'must be at most 500 characters'),
				noLeadingDash,
				z.refine((v: string) => !CONTROL.test(v), 'must be one line without control characters'),
			);
	}
}

/** Secret values are typed hidden and never logged, stored or shown after the run. */
export function isSecret(spec: ParamSpec): boolean {
	return spec.type === 'secret';
}

/** What logs and the Runs panel show in place of a secret value. */
export const REDACTED = '***';

/** The result of checking one value: the value to use, or the sentence that says why not. */
export type ParamCheck = { ok: true; value: string } | { ok: false; message: string };

/** Checks `raw` (or the default, when `raw` is empty or missing) against the parameter's type. */
export function checkParamValue(spec: ParamSpec, raw: string | undefined): ParamCheck {
	const value = raw === undefined || raw === '' ? (spec.default ?? '') : raw;
	const result = paramValueSchema(spec).safeParse(value);
	if (result.success) return { ok: true, value: result.data };
	return { ok: false, message: `${spec.name} ${result.error.issues[0]?.message ?? 'is invalid'}` };
}

/**
 * Parses the type part of a placeholder: `int`, `int(1..65535)`, `enum(api|db)`, `sha`…
 * Returns the spec, or a sentence saying what is wrong and how to fix it.
 */
export function parseParamType(
	name: string,
	typeText: string,
): { ok: true; spec: ParamSpec } | { ok: false; message: string } {
	const match = /^([a-z]+)(?:\((.*)\))?$/s.exec(typeText.trim());
	const kind = match?.[1];
	if (!match || !kind || !(PARAM_TYPES as readonly string[]).includes(kind)) {
		return {
			ok: false,
			message: `parameter "${name}" has unknown type "${typeText}"; use one of ${PARAM_TYPES.join(', ')}`,
		};
	}
	const type = kind as ParamType;
	const args = match[2];
	if (type === 'int') {
		if (args === undefined) return { ok: true, spec: { name, type } };
		const bounds = /^\s*(-?\d+)?\s*\.\.\s*(-?\d+)?\s*$/.exec(args);
		if (!bounds) {
			return {
				ok: false,
				message: `parameter "${name}": int bounds must read int(MIN..MAX), like int(1..65535)`,
			};
		}
		const min = bounds[1] === undefined ? undefined : Number(bounds[1]);
		const max = bounds[2] === undefined ? undefined : Number(bounds[2]);
		if (min !== undefined && max !== undefined && min > max) {
			return {
				ok: false,
				message: `parameter "${name}": int(${args}) has its minimum above its maximum`,
			};
		}
		return { ok: true, spec: { name, type, min, max } };
	}
	if (type === 'enum') {
		const values = (args ?? '')
			.split('|')
			.map((v) => v.trim())
			.filter((v) => v !== '');
		if (values.length === 0) {
			return {
				ok: false,
				message: `parameter "${name}": enum has no values; list them like enum(api|db|redis)`,
			};
		}
		const bad = values.find((v) => !ENUM_VALUE.test(v));
		if (bad !== undefined) {
			return {
				ok: false,
				message: `parameter "${name}": enum value "${bad}" may contain only letters, digits and . _ - (and not start with - or .)`,
			};
		}
		if (new Set(values).size !== values.length) {
			return { ok: false, message: `parameter "${name}": enum lists a value twice` };
		}
		return { ok: true, spec: { name, type, values } };
	}
	if (args !== undefined) {
		return { ok: false, message: `parameter "${name}": type ${type} takes no arguments` };
	}
	return { ok: true, spec: { name, type } };
}
