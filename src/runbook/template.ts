/**
 * Command templates: the text of a command block with its placeholders.
 *
 * ```bash
 * docker compose --profile {{vars.compose_profile}} logs --tail={{lines:int(1..10000)=100}} {{service:enum(api|db)}}
 * ```
 *
 * - `{{name:type}}` declares a parameter; `{{name:type=default}}` gives it a default; a later
 *   `{{name}}` in the same block refers to it again.
 * - `{{vars.name}}` inserts a variable from `opsbook.config.ts`, verbatim (variables are the
 *   author's own configuration and are checked to be plain words when the config loads).
 * - Any other `{{…}}` (Go templates such as `{{.Name}}`) is literal text; `\{{` is a literal `{{`.
 *
 * Parsing yields segments: literal text, and parameter holes tagged with their shell context; a
 * parameter whose type may not stand in its context is a problem with its offset (see `shell.ts`
 * for the contexts). Rendering validates every value against its type and quotes it for its
 * context. The same segments render the Copy text in the page and the command the bridge runs.
 *
 * Browser-safe: imports only `params.ts` and `shell.ts`.
 */
import {
	OPAQUE_SAFE_TYPES,
	REDACTED,
	checkParamValue,
	isSecret,
	parseParamType,
	type ParamSpec,
} from './params.ts';
import { holePlaces, quoteFor, type HolePlace, type ShellContext } from './shell.ts';

/** One piece of a parsed template. Strings are literal text with variables already filled in. */
export type Segment = string | { param: string; context: ShellContext };

export interface ParsedTemplate {
	segments: Segment[];
	params: ParamSpec[];
}

/** Something wrong with a template, at an offset into its source. */
export interface TemplateProblem {
	offset: number;
	message: string;
}

const PLACEHOLDER = /(\\?)\{\{\s*([^{}]*?)\s*\}\}/g;
const NAME = /^[a-z_][a-z0-9_]*$/;
const DECLARATION = /^([A-Za-z_][A-Za-z0-9_-]*)\s*:\s*([a-z]+(?:\([^)]*\))?)\s*(?:=\s*(.*))?$/s;

/** Parses `source`, filling in `vars`. Problems are returned, never thrown. */
export function parseTemplate(
	source: string,
	vars: Readonly<Record<string, string>>,
): { template: ParsedTemplate; problems: TemplateProblem[] } {
	const problems: TemplateProblem[] = [];
	const params = new Map<string, ParamSpec>();
	// Pieces of the source: literal text, or a parameter hole (with its offsets).
	const pieces: Array<string | { param: string; start: number; end: number }> = [];
	let last = 0;
	for (const match of source.matchAll(PLACEHOLDER)) {
		const [whole, escape, inner = ''] = match;
		const start = match.index;
		pieces.push(source.slice(last, start));
		last = start + whole.length;
		if (escape) {
			pieces.push(whole.slice(1));
			continue;
		}
		if (inner.startsWith('vars.')) {
			const name = inner.slice('vars.'.length);
			const value = vars[name];
			if (value === undefined) {
				problems.push({
					offset: start,
					message: `unknown variable "vars.${name}"; ${defineVarHint(vars)}`,
				});
			}
			pieces.push(value ?? '');
			continue;
		}
		if (NAME.test(inner)) {
			if (!params.has(inner)) {
				problems.push({
					offset: start,
					message: `placeholder "{{${inner}}}" has no type; declare it like {{${inner}:int}} or {{${inner}:word}}`,
				});
			}
			pieces.push({ param: inner, start, end: last });
			continue;
		}
		const declaration = DECLARATION.exec(inner);
		if (!declaration) {
			// Not ours: Go templates (`{{.Name}}`), Jinja, … stay literal.
			pieces.push(whole);
			continue;
		}
		const [, name = '', typeText = '', defaultValue] = declaration;
		if (!NAME.test(name)) {
			problems.push({
				offset: start,
				message: `parameter name "${name}" must be lowercase letters, digits and _ (like service_name)`,
			});
		}
		const parsed = parseParamType(name, typeText);
		if (!parsed.ok) {
			problems.push({ offset: start, message: parsed.message });
			pieces.push({ param: name, start, end: last });
			continue;
		}
		const spec: ParamSpec = parsed.spec;
		if (defaultValue !== undefined && isSecret(spec)) {
			problems.push({
				offset: start,
				message: `parameter "${name}" is a secret and cannot have a default: it would be published in the page`,
			});
		} else if (defaultValue !== undefined) {
			const check = checkParamValue(spec, defaultValue.trim());
			if (check.ok) spec.default = check.value;
			else problems.push({ offset: start, message: `default value: ${check.message}` });
		}
		const earlier = params.get(name);
		if (earlier && JSON.stringify(earlier) !== JSON.stringify(spec)) {
			problems.push({
				offset: start,
				message: `parameter "${name}" is declared twice with different types; declare it once and write {{${name}}} afterwards`,
			});
		}
		if (!earlier) params.set(name, spec);
		pieces.push({ param: name, start, end: last });
	}
	pieces.push(source.slice(last));

	// The lexer reads the command as the shell will: variables filled in, placeholders where they stand.
	let lexed = '';
	const holes: Array<readonly [number, number]> = [];
	for (const piece of pieces) {
		if (typeof piece === 'string') lexed += piece;
		else {
			const text = source.slice(piece.start, piece.end);
			holes.push([lexed.length, lexed.length + text.length]);
			lexed += text;
		}
	}
	const places = holePlaces(lexed, holes);
	const segments: Segment[] = [];
	let hole = 0;
	for (const piece of pieces) {
		if (typeof piece === 'string') {
			if (piece === '') continue;
			const previous = segments[segments.length - 1];
			if (typeof previous === 'string') segments[segments.length - 1] = previous + piece;
			else segments.push(piece);
			continue;
		}
		const place = places[hole++] ?? { context: 'refused', why: 'where the lexer lost track' };
		const spec = params.get(piece.param);
		const message = spec ? misplaced(spec, place) : undefined;
		if (message) problems.push({ offset: piece.start, message });
		segments.push({ param: piece.param, context: place.context });
	}
	return { template: { segments, params: [...params.values()] }, problems };
}

const SEE_ALSO = 'see "Where a parameter may stand" in Writing runbooks';

/**
 * Why a parameter of this type cannot stand at `place`, or nothing when it can. Free-text types
 * (word, file, path, text, secret) stand only where a value is plain data; int, sha and enum,
 * whose values are runs of `[A-Za-z0-9._-]`, also in '…' and in code; arithmetic takes only int.
 */
function misplaced(spec: ParamSpec, { context, why }: HolePlace): string | undefined {
	const what = `parameter "${spec.name}" of type ${spec.type}`;
	switch (context) {
		case 'bare':
		case 'double':
			return undefined;
		case 'single':
			if (OPAQUE_SAFE_TYPES.has(spec.type)) return undefined;
			return `${what} stands inside '…' quotes, which cannot quote a value and often hold code for another program (awk, sed, jq); only int, sha and enum may stand there. Move it out of the quotes, or into "…" (${SEE_ALSO})`;
		case 'code':
			if (OPAQUE_SAFE_TYPES.has(spec.type)) return undefined;
			return `${what} stands ${why}: a ${spec.type} value there could run as code. Only int, sha and enum may stand there: use one of those types, or pass the value as a plain argument of an ordinary command (${SEE_ALSO})`;
		case 'arithmetic':
			if (spec.type === 'int') return undefined;
			return `${what} stands ${why}; only int may stand there, because bash evaluates the value as an expression (a[$(cmd)] runs cmd, a bare name reads a variable) (${SEE_ALSO})`;
		case 'refused':
			return `parameter "${spec.name}" stands ${why} (${SEE_ALSO})`;
	}
}

/** The environment variable that carries a secret parameter's value to the command that runs. */
export function secretEnvName(param: string): string {
	return `OPSBOOK_SECRET_${param.toUpperCase()}`;
}

export type RenderResult =
	| {
			ok: true;
			/** The command with every value in it: what Copy copies and what the page shows. */
			command: string;
			/** The same command with every secret value shown as `'***'`: what logs and pages see. */
			redacted: string;
			/**
			 * The command to execute: each secret stands as a reference to an environment variable
			 * (`"${OPSBOOK_SECRET_PASSWORD}"`), whose value is in `env`, so no secret is ever on a
			 * command line (`/proc/PID/cmdline`, `ps`). Run it with `env` added to the environment.
			 */
			exec: { command: string; env: Record<string, string> };
			values: Record<string, string>;
	  }
	| { ok: false; errors: Array<{ param: string; message: string }> };

/**
 * Renders a template with `values`. Every parameter is checked against its type; if any fails,
 * nothing is rendered and each failure says why.
 */
export function renderTemplate(
	template: ParsedTemplate,
	values: Readonly<Record<string, string | undefined>>,
): RenderResult {
	const errors: Array<{ param: string; message: string }> = [];
	const checked: Record<string, string> = {};
	for (const spec of template.params) {
		const check = checkParamValue(spec, values[spec.name]);
		if (check.ok) checked[spec.name] = check.value;
		else errors.push({ param: spec.name, message: check.message });
	}
	const unknown = Object.keys(values).filter(
		(name) => !template.params.some((p) => p.name === name),
	);
	for (const name of unknown)
		errors.push({ param: name, message: `${name} is not a parameter of this block` });
	if (errors.length > 0) return { ok: false, errors };

	let command = '';
	let redacted = '';
	let execCommand = '';
	const env: Record<string, string> = {};
	const cannot = (param: string): RenderResult => ({
		ok: false,
		errors: [{ param, message: `${param} cannot be placed safely here` }],
	});
	for (const segment of template.segments) {
		if (typeof segment === 'string') {
			command += segment;
			redacted += segment;
			execCommand += segment;
			continue;
		}
		const value = checked[segment.param] ?? '';
		const quoted = quoteFor(segment.context, value);
		if (quoted === undefined) return cannot(segment.param);
		command += quoted;
		const spec = template.params.find((p) => p.name === segment.param);
		if (spec && isSecret(spec)) {
			redacted += quoteFor(segment.context, REDACTED) ?? REDACTED;
			// Sound because a secret stands only in a plain word or plain "…" (see misplaced()):
			// there a quoted expansion yields exactly the value, as one word or part of one.
			const name = secretEnvName(segment.param);
			if (segment.context === 'bare') execCommand += `"\${${name}}"`;
			else if (segment.context === 'double') execCommand += `\${${name}}`;
			else return cannot(segment.param);
			env[name] = value;
		} else {
			redacted += quoted;
			execCommand += quoted;
		}
	}
	return { ok: true, command, redacted, exec: { command: execCommand, env }, values: checked };
}

/**
 * The command as a reader sees it: the `values` given (already checked against their types; a
 * secret shown as `'***'`), else defaults, other parameters shown as `<name>`. Also returns
 * where each `<name>` stands, for highlighting.
 */
export function displayTemplate(
	template: ParsedTemplate,
	values: Readonly<Record<string, string>> = {},
): {
	text: string;
	holes: Array<{ param: string; start: number; end: number }>;
} {
	let text = '';
	const holes: Array<{ param: string; start: number; end: number }> = [];
	for (const segment of template.segments) {
		if (typeof segment === 'string') {
			text += segment;
			continue;
		}
		const spec = template.params.find((p) => p.name === segment.param);
		const given = values[segment.param];
		const value =
			given !== undefined && spec && isSecret(spec) ? REDACTED : (given ?? spec?.default);
		const shown =
			value !== undefined
				? (quoteFor(segment.context, value) ?? (given === undefined ? value : `<${segment.param}>`))
				: `<${segment.param}>`;
		holes.push({ param: segment.param, start: text.length, end: text.length + shown.length });
		text += shown;
	}
	return { text, holes };
}

/**
 * What every message about a variable the config does not define ends with (a command's
 * `{{vars.x}}`, a page's `<Var name="x" />`): where to define it, and the names there are.
 */
export function defineVarHint(vars: Readonly<Record<string, string>>): string {
	return `define it under vars in opsbook.config.ts (known: ${Object.keys(vars).join(', ') || 'none'})`;
}
