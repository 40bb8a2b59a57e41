/**
 * The confirmations asked before something happens, in one dialog that says exactly what will
 * happen and where:
 *
 * - a word to type before something dangerous: running a destructive step (its confirmation
 *   word), arming a production target (its name); the action stays disabled until it matches;
 * - a reason to give before running a step whose gate has not opened (`needs=`): required, and
 *   kept in the audit log;
 * - a plain yes or no, before a Run all runs a `change` step.
 *
 * In a drill the same questions are asked, word for word, so the trainee practises them; the
 * dialog adds only that nothing will run.
 */
import { MAX_OVERRIDE_REASON } from '../runbook/gates.ts';
import { bridgeMode } from './mode.ts';

export interface Confirmation {
	/** The dialog's heading, like `Run “Kill a stuck query”?`. */
	title: string;
	/** The sentence before the target's name, like `This step is destructive. It will run this command on`. */
	lead: string;
	/** The label of the target concerned. */
	target: string;
	production: boolean;
	/** The resolved command (secrets redacted), when a command is about to run. */
	command?: string | undefined;
	/** The word to type. */
	word: string;
	/** What the action button says: `Run`, `Arm`. */
	action: string;
	/**
	 * In a drill, what to say after DRILL. By default, where a command is shown, that its answer
	 * comes from the scenario.
	 */
	drill?: string | undefined;
}

/** What the dialog asks for: a word to type, a reason to give, or only the action. */
type Field = { word: string } | { reason: true } | undefined;

let dialog: HTMLDialogElement | undefined;

function build(): HTMLDialogElement {
	const element = document.createElement('dialog');
	element.className = 'ob-confirm';
	element.setAttribute('aria-labelledby', 'ob-confirm-title');
	element.setAttribute('aria-describedby', 'ob-confirm-what');
	element.innerHTML = `
		<form method="dialog">
			<h2 id="ob-confirm-title"></h2>
			<p id="ob-confirm-what"><span class="ob-confirm-lead"></span> <strong class="ob-confirm-target"></strong><span class="ob-confirm-colon">:</span></p>
			<pre class="ob-confirm-command"><code></code></pre>
			<p class="ob-confirm-drill" hidden><strong>DRILL</strong> Nothing runs: the answer comes from the scenario.</p>
			<label class="ob-confirm-field">
				<span class="ob-confirm-label"></span>
				<input name="confirm" autocomplete="off" spellcheck="false" autocapitalize="off" />
			</label>
			<label class="ob-confirm-field ob-confirm-reason">
				<span>Why run it anyway? The reason goes into the audit log.</span>
				<input name="reason" autocomplete="off" maxlength="${MAX_OVERRIDE_REASON}" />
			</label>
			<div class="ob-confirm-buttons">
				<button type="button" class="ob-confirm-cancel">Cancel</button>
				<button type="submit" value="confirm" class="ob-confirm-action" disabled></button>
			</div>
		</form>`;
	// Not a submit button: Enter in the field must never mean Cancel, only the action once enabled.
	element
		.querySelector('.ob-confirm-cancel')
		?.addEventListener('click', () => element.close('cancel'));
	document.body.append(element);
	return element;
}

/** Asks for the word; resolves to it once typed and confirmed, or `undefined` when cancelled. */
export function confirmByTyping(what: Confirmation): Promise<string | undefined> {
	return ask(what, { word: what.word });
}

/** Asks for a reason; resolves to it (trimmed) once given and confirmed, or `undefined`. */
export function askReason(what: Omit<Confirmation, 'word'>): Promise<string | undefined> {
	return ask({ ...what, word: '' }, { reason: true });
}

/** Asks yes or no; resolves to whether the action was chosen. */
export async function confirmPlainly(what: Omit<Confirmation, 'word'>): Promise<boolean> {
	return (await ask({ ...what, word: '' }, undefined)) !== undefined;
}

function ask(what: Confirmation, field: Field): Promise<string | undefined> {
	dialog ??= build();
	const element = dialog;
	const $ = <T extends HTMLElement>(selector: string) => element.querySelector<T>(selector)!;
	$('#ob-confirm-title').textContent = what.title;
	$('.ob-confirm-lead').textContent = what.lead;
	const target = $('.ob-confirm-target');
	target.textContent = what.production ? `${what.target} (production)` : what.target;
	target.dataset.production = String(what.production);
	$('.ob-confirm-command').hidden = what.command === undefined;
	// No target (End drill): the lead is the whole sentence.
	$('.ob-confirm-colon').textContent =
		what.command !== undefined ? ':' : what.target === '' ? '' : '.';
	$('.ob-confirm-command code').textContent = what.command ?? '';
	// Said where a command is shown (a drill's answer stands in for it), or what the caller says.
	const drill =
		bridgeMode.drill === undefined
			? undefined
			: (what.drill ??
				(what.command === undefined
					? undefined
					: 'Nothing runs: the answer comes from the scenario.'));
	const drillLine = $('.ob-confirm-drill');
	drillLine.hidden = drill === undefined;
	const word = document.createElement('strong');
	word.textContent = 'DRILL';
	drillLine.replaceChildren(word, ' ', drill ?? '');
	// The word stands out as code: it is exactly what to type.
	const label = $('.ob-confirm-label');
	const typed = document.createElement('code');
	typed.textContent = what.word;
	label.replaceChildren('Type ', typed, ' to confirm');
	const wordField = $('.ob-confirm-field:not(.ob-confirm-reason)');
	const reasonField = $('.ob-confirm-reason');
	wordField.hidden = !(field && 'word' in field);
	reasonField.hidden = !(field && 'reason' in field);
	const input = $<HTMLInputElement>(
		field && 'reason' in field ? 'input[name=reason]' : 'input[name=confirm]',
	);
	const action = $<HTMLButtonElement>('.ob-confirm-action');
	action.textContent = what.action;
	input.value = '';
	const value = () =>
		field === undefined ? '' : 'word' in field ? input.value : input.value.trim();
	const ready = () =>
		field === undefined || ('word' in field ? input.value === field.word : value() !== '');
	action.disabled = !ready();
	const onInput = () => {
		action.disabled = !ready();
	};
	input.addEventListener('input', onInput);
	element.returnValue = '';
	element.showModal();
	if (field) input.focus();
	else action.focus();
	return new Promise((resolve) => {
		element.addEventListener(
			'close',
			() => {
				input.removeEventListener('input', onInput);
				const confirmed = element.returnValue === 'confirm' && ready();
				resolve(confirmed ? value() : undefined);
			},
			{ once: true },
		);
	});
}
