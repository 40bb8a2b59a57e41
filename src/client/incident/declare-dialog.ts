/**
 * The Declare incident dialog: a title, a severity from the site's own severity table (each
 * level with its definition and response time), when the problem was detected (in UTC, now
 * unless the alert fired earlier) and who is responding. Loaded on the first press of Declare.
 */
import type { SeverityLevel } from '../../runbook/incident-content.ts';
import { unpairedBridgeHere } from '../pairing.ts';
import { incidentContent, make, rememberResponder, responderName } from './common.ts';

export interface Declaration {
	title: string;
	severity: number;
	/** ISO, UTC. */
	detectedAt: string;
	/** The responder declaring, first among `responders`. */
	by?: string;
	responders: string[];
}

/** `2026-11-26T03:12`, the UTC minute as a datetime-local field holds it. */
const localValue = (date: Date) => date.toISOString().slice(0, 16);

let dialog: HTMLDialogElement | undefined;

/** Before declaring in a tab that a bridge here is not paired with. */
const UNPAIRED_DECLARE =
	'This tab is not paired with the bridge running here: an incident declared now stays in this browser until it is, and the bridge may have one open already. npx opsbook pair prints the link that pairs it.';

function build(levels: SeverityLevel[]): HTMLDialogElement {
	const element = make('dialog', 'ob-confirm ob-declare-dialog');
	element.setAttribute('aria-labelledby', 'ob-declare-title');
	const form = make('form');
	form.method = 'dialog';
	form.noValidate = true;
	const heading = make('h2', undefined, 'Declare an incident');
	heading.id = 'ob-declare-title';

	// Shown while a bridge here is not paired with this tab (`askDeclaration`).
	const unpaired = make('p', 'ob-declare-hint ob-declare-unpaired', UNPAIRED_DECLARE);
	const title = field('Title', { name: 'title', maxlength: 200, required: true });
	const severity = make('fieldset', 'ob-declare-levels');
	severity.append(make('legend', undefined, 'Severity'));
	const rows: Array<Pick<SeverityLevel, 'level'> & Partial<SeverityLevel>> =
		levels.length > 0 ? levels : [{ level: 1 }, { level: 2 }, { level: 3 }];
	if (levels.length === 0) {
		severity.append(
			make(
				'p',
				'ob-declare-hint',
				'This site has no severity table: choose a level by your own rules.',
			),
		);
	}
	for (const row of rows) {
		const label = make('label', 'ob-declare-level');
		const radio = make('input');
		radio.type = 'radio';
		radio.name = 'severity';
		radio.value = String(row.level);
		const badge = make('span', 'ob-severity', `SEV-${row.level}`);
		badge.dataset.level = String(row.level);
		const text = make('span', 'ob-declare-level-text');
		if (row.definition) text.append(make('span', undefined, row.definition));
		if (row.responseTime) {
			text.append(make('span', 'ob-declare-response', `Response: ${row.responseTime}`));
		}
		label.append(radio, badge, text);
		severity.append(label);
	}

	const detected = field('Detected at (UTC)', { name: 'detected', type: 'datetime-local' });
	detected.append(
		make(
			'span',
			'ob-declare-hint',
			'When the alert fired or the problem was first seen; now unless earlier.',
		),
	);
	const name = field('Your name', { name: 'name', maxlength: 80, autocomplete: 'name' });
	const others = field('Other responders (comma-separated)', { name: 'others', maxlength: 400 });
	const error = make('p', 'ob-declare-error');
	error.setAttribute('role', 'alert');
	const buttons = make('div', 'ob-confirm-buttons');
	const cancel = make('button', 'ob-confirm-cancel', 'Cancel');
	cancel.type = 'button';
	cancel.addEventListener('click', () => element.close('cancel'));
	const submit = make('button', 'ob-declare-submit', 'Declare');
	submit.type = 'submit';
	submit.value = 'declare';
	buttons.append(cancel, submit);
	form.append(heading, unpaired, title, severity, detected, name, others, error, buttons);
	element.append(form);
	document.body.append(element);
	return element;
}

function field(text: string, props: Record<string, string | number | boolean>): HTMLLabelElement {
	const label = make('label', 'ob-confirm-field ob-declare-field');
	const input = make('input');
	for (const [name, value] of Object.entries(props)) {
		if (typeof value === 'boolean') input.toggleAttribute(name, value);
		else input.setAttribute(name, String(value));
	}
	label.append(make('span', undefined, text), input);
	return label;
}

/** Asks for the declaration; resolves to it, or `undefined` when cancelled. */
export function askDeclaration(): Promise<Declaration | undefined> {
	dialog ??= build(incidentContent().levels);
	const element = dialog;
	const form = element.querySelector('form')!;
	const input = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
	form.reset();
	input('detected').value = localValue(new Date());
	input('detected').max = localValue(new Date(Date.now() + 60_000));
	input('name').value = responderName();
	const error = element.querySelector<HTMLElement>('.ob-declare-error')!;
	error.textContent = '';
	element.querySelector<HTMLElement>('.ob-declare-unpaired')!.hidden = !unpairedBridgeHere();

	const read = (): Declaration | string => {
		const title = input('title').value.trim();
		if (!title) return 'Give the incident a title.';
		const chosen = form.querySelector<HTMLInputElement>('input[name=severity]:checked');
		if (!chosen) return 'Choose a severity.';
		const raw = input('detected').value;
		const detected = raw ? new Date(`${raw.length === 16 ? `${raw}:00` : raw}Z`) : new Date();
		if (Number.isNaN(detected.getTime())) return 'The detection time is not a time.';
		if (detected.getTime() > Date.now() + 60_000) return 'The detection time is in the future.';
		const name = input('name').value.trim();
		const responders = [
			name,
			...input('others')
				.value.split(',')
				.map((s) => s.trim()),
		]
			.filter(Boolean)
			.map((s) => s.slice(0, 80))
			.slice(0, 20);
		return {
			title,
			severity: Number(chosen.value),
			detectedAt: detected.toISOString(),
			...(name ? { by: name.slice(0, 80) } : {}),
			responders,
		};
	};

	return new Promise((resolve) => {
		const onSubmit = (event: SubmitEvent) => {
			const result = read();
			if (typeof result === 'string') {
				event.preventDefault();
				error.textContent = result;
				return;
			}
			event.preventDefault();
			rememberResponder(result.by ?? '');
			element.removeEventListener('close', onClose);
			form.removeEventListener('submit', onSubmit);
			element.close('declare');
			resolve(result);
		};
		const onClose = () => {
			form.removeEventListener('submit', onSubmit);
			resolve(undefined);
		};
		form.addEventListener('submit', onSubmit);
		element.addEventListener('close', onClose, { once: true });
		element.showModal();
		input('title').focus();
	});
}
