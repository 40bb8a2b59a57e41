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
 * Parsing yields segments: literal text, and parameter holes tagged with their shell context.
 * Rendering validates every value against its type and quotes it for its context. The same
 * segments render the Copy text in the page and, later, the command the bridge runs.
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
import { holeContexts, quoteFor, type ShellContext } from './shell.ts';

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
					message: `unknown variable "vars.${name}"; define it under vars in opsbook.config.ts (known: ${Object.keys(vars).join(', ') || 'none'})`,
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

	const holes = pieces.flatMap((p) => (typeof p === 'string' ? [] : [[p.start, p.end] as const]));
	const contexts = holeContexts(source, holes);
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
		const context = contexts[hole++] ?? 'bare';
		const spec = params.get(piece.param);
		if (context === 'expansion') {
			problems.push({
				offset: piece.start,
				message: `parameter "${piece.param}" stands inside \${…}, where no value can be quoted safely; move it out of the expansion`,
			});
		} else if (
			spec &&
			(context === 'single' || context === 'embedded') &&
			!OPAQUE_SAFE_TYPES.has(spec.type)
		) {
			const where =
				context === 'single'
					? "inside '…' quotes"
					: 'inside code for another interpreter (the quoted argument of -c/-e)';
			problems.push({
				offset: piece.start,
				message: `parameter "${piece.param}" of type ${spec.type} stands ${where}, where a value cannot be quoted; only int, sha and enum are allowed there`,
			});
		}
		segments.push({ param: piece.param, context });
	}
	return { template: { segments, params: [...params.values()] }, problems };
}

export type RenderResult =
	| {
			ok: true;
			/** The command to run. */
			command: string;
			/** The same command with every secret value shown as `'***'`: what logs and pages see. */
			redacted: string;
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
	for (const segment of template.segments) {
		if (typeof segment === 'string') {
			command += segment;
			redacted += segment;
			continue;
		}
		const quoted = quoteFor(segment.context, checked[segment.param] ?? '');
		if (quoted === undefined) {
			return {
				ok: false,
				errors: [
					{ param: segment.param, message: `${segment.param} cannot be placed safely here` },
				],
			};
		}
		command += quoted;
		const spec = template.params.find((p) => p.name === segment.param);
		redacted += spec && isSecret(spec) ? (quoteFor(segment.context, REDACTED) ?? REDACTED) : quoted;
	}
	return { ok: true, command, redacted, values: checked };
}

/**
 * The command as a reader sees it with no values given: defaults filled in, other parameters
 * shown as `<name>`. Also returns where each `<name>` stands, for highlighting.
 */
export function displayTemplate(template: ParsedTemplate): {
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
		const shown =
			spec?.default !== undefined
				? (quoteFor(segment.context, spec.default) ?? spec.default)
				: `<${segment.param}>`;
		holes.push({ param: segment.param, start: text.length, end: text.length + shown.length });
		text += shown;
	}
	return { text, holes };
}
