/**
 * Keeps a command block's form, shown command and Copy in step with what is typed. Loaded on the
 * first keystroke in a block's form (see `command-block.ts`).
 */
import { REDACTED, checkParamValue, isSecret } from '../runbook/params.ts';
import { quoteFor } from '../runbook/shell.ts';
import { renderTemplate } from '../runbook/template.ts';
import type { OpsbookCommand } from './command-block.ts';

/** The values typed in a block's form, by parameter name. */
export function formValues(element: OpsbookCommand): Record<string, string> {
	const values: Record<string, string> = {};
	for (const field of element.querySelectorAll<HTMLInputElement | HTMLSelectElement>(
		'[data-param]',
	)) {
		values[field.name] = field.value;
	}
	return values;
}

export function updateBlock(element: OpsbookCommand) {
	const block = element.block;
	if (!block) return;
	const typed = formValues(element);
	const problems: string[] = [];
	for (const spec of block.template.params) {
		const field = element.querySelector<HTMLInputElement | HTMLSelectElement>(
			`[data-param="${spec.name}"]`,
		);
		const error = field && element.querySelector<HTMLElement>(`#${CSS.escape(field.id)}-error`);
		const check = checkParamValue(spec, typed[spec.name]);
		if (!check.ok) problems.push(check.message);
		if (field && error) {
			if (typed[spec.name] !== '') field.dataset.touched = 'true';
			// An empty field nobody has typed in yet is not an error to shout about.
			const show = !check.ok && field.dataset.touched === 'true';
			field.setAttribute('aria-invalid', String(show));
			error.textContent = show && !check.ok ? check.message : '';
		}
	}

	// Show each valid value in the highlighted command, quoted as it will be copied.
	const holes = block.template.segments.filter((s) => typeof s !== 'string');
	for (const span of element.querySelectorAll<HTMLElement>('.ob-hole')) {
		const hole = holes[Number(span.dataset.hole)];
		if (!hole) continue;
		const spec = block.template.params.find((p) => p.name === hole.param);
		const check = spec ? checkParamValue(spec, typed[hole.param]) : undefined;
		span.dataset.filled = String(check?.ok === true);
		// A secret stays hidden on screen as in its field: shoulders and shared screens see `***`.
		const shown = check?.ok && spec && isSecret(spec) ? REDACTED : check?.ok ? check.value : '';
		const text = check?.ok
			? (quoteFor(hole.context, shown) ?? `<${hole.param}>`)
			: `<${hole.param}>`;
		// A hole split over several highlighted tokens: the first part carries the text.
		span.textContent = span.dataset.part === '0' ? text : '';
	}

	const result = renderTemplate(block.template, typed);
	element.command = result.ok ? result.command : undefined;
	element.setCopyable(result.ok, `Copy needs valid parameters: ${problems.join('; ')}.`);
}
