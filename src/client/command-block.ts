/**
 * `<opsbook-command>`: the parameter form, the live resolved command and Copy of a command block.
 *
 * The element is rendered at build time (see `src/integration/ec-plugin.ts`) and reads without
 * JavaScript; this script reveals the form and buttons and keeps the shown command, the Copy text
 * and the error messages in step with what is typed. Values are checked with the same schemas and
 * quoted by the same renderer the bridge uses.
 */
import { checkParamValue } from '../runbook/params.ts';
import { quoteFor } from '../runbook/shell.ts';
import { renderTemplate, type ParsedTemplate } from '../runbook/template.ts';

interface ClientBlock {
	id: string;
	template: ParsedTemplate;
	risk: 'read' | 'change' | 'destructive';
	target: string;
	confirm?: string;
}

class OpsbookCommand extends HTMLElement {
	#block?: ClientBlock;
	#command?: string;

	connectedCallback() {
		if (this.#block) return;
		this.#block = JSON.parse(this.dataset.block ?? '{}') as ClientBlock;
		const form = this.querySelector<HTMLFormElement>('form.ob-params');
		const actions = this.querySelector<HTMLElement>('.ob-actions');
		if (form) {
			form.hidden = false;
			form.addEventListener('input', () => this.#update());
			form.addEventListener('change', () => this.#update());
			form.addEventListener('submit', (event) => event.preventDefault());
		}
		if (actions) actions.hidden = false;
		this.querySelector('.ob-copy')?.addEventListener('click', () => void this.#copy());
		this.querySelector('.ob-run')?.addEventListener('click', () =>
			this.#status(
				`Running from the page needs the local Opsbook bridge, which this site is not connected to. Copy the command and run it on ${this.#block?.target}.`,
			),
		);
		this.#update();
	}

	#values(): Record<string, string> {
		const values: Record<string, string> = {};
		for (const field of this.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-param]')) {
			values[field.name] = field.value;
		}
		return values;
	}

	#update() {
		const block = this.#block;
		if (!block) return;
		const values = this.#values();
		const problems: string[] = [];
		for (const spec of block.template.params) {
			const field = this.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-param="${spec.name}"]`);
			const error = field && this.querySelector<HTMLElement>(`#${CSS.escape(field.id)}-error`);
			const check = checkParamValue(spec, values[spec.name]);
			// An empty field is not an error until there is something to complain about.
			const untouched = (values[spec.name] ?? '') === '' && field?.dataset.touched !== 'true';
			if (!check.ok) problems.push(check.message);
			if (field && error) {
				const show = !check.ok && !untouched;
				field.setAttribute('aria-invalid', String(show));
				error.textContent = show && !check.ok ? check.message : '';
				if (values[spec.name] !== '') field.dataset.touched = 'true';
			}
		}
		this.#fillHoles(values);
		const result = renderTemplate(block.template, values);
		const copy = this.querySelector<HTMLButtonElement>('.ob-copy');
		this.#command = result.ok ? result.command : undefined;
		if (copy) {
			copy.disabled = !result.ok;
			copy.title = result.ok ? 'Copy the command with its values' : `Fill in the parameters first: ${problems.join('; ')}`;
		}
		this.#status(result.ok ? '' : `Copy needs valid parameters: ${problems.join('; ')}.`);
	}

	/** Shows each valid value in the highlighted command, quoted as it will be copied. */
	#fillHoles(values: Record<string, string>) {
		const block = this.#block!;
		const holes = block.template.segments.filter((s) => typeof s !== 'string');
		for (const span of this.querySelectorAll<HTMLElement>('.ob-hole')) {
			const hole = holes[Number(span.dataset.hole)];
			if (!hole) continue;
			const spec = block.template.params.find((p) => p.name === hole.param);
			const check = spec ? checkParamValue(spec, values[hole.param]) : undefined;
			span.dataset.filled = String(check?.ok === true);
			const text = check?.ok ? (quoteFor(hole.context, check.value) ?? `<${hole.param}>`) : `<${hole.param}>`;
			// The first part of a hole carries the text; further parts (split by highlighting) go empty.
			span.textContent = span.dataset.part === '0' ? text : '';
		}
	}

	async #copy() {
		if (this.#command === undefined) return;
		try {
			await navigator.clipboard.writeText(this.#command);
			this.#status('Copied the command.');
		} catch {
			this.#status('The browser refused the clipboard: select the command and copy it by hand.');
		}
	}

	#status(text: string) {
		const status = this.querySelector<HTMLElement>('.ob-status');
		if (status) status.textContent = text;
	}
}

if (!customElements.get('opsbook-command')) customElements.define('opsbook-command', OpsbookCommand);
