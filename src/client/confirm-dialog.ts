/**
 * The confirmations that ask for a word to be typed before something dangerous happens: running
 * a destructive step (its confirmation word), and arming a production target (its name). The
 * dialog says exactly what will happen and where, and its action button stays disabled until the
 * word matches exactly.
 */

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
}

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
			<label class="ob-confirm-field">
				<span class="ob-confirm-label"></span>
				<input name="confirm" autocomplete="off" spellcheck="false" autocapitalize="off" />
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
	dialog ??= build();
	const element = dialog;
	const $ = <T extends HTMLElement>(selector: string) => element.querySelector<T>(selector)!;
	$('#ob-confirm-title').textContent = what.title;
	$('.ob-confirm-lead').textContent = what.lead;
	const target = $('.ob-confirm-target');
	target.textContent = what.production ? `${what.target} (production)` : what.target;
	target.dataset.production = String(what.production);
	$('.ob-confirm-command').hidden = what.command === undefined;
	$('.ob-confirm-colon').textContent = what.command === undefined ? '.' : ':';
	$('.ob-confirm-command code').textContent = what.command ?? '';
	// The word stands out as code: it is exactly what to type.
	const label = $('.ob-confirm-label');
	const word = document.createElement('code');
	word.textContent = what.word;
	label.replaceChildren('Type ', word, ' to confirm');
	const input = $<HTMLInputElement>('input');
	const action = $<HTMLButtonElement>('.ob-confirm-action');
	action.textContent = what.action;
	input.value = '';
	action.disabled = true;
	const onInput = () => {
		action.disabled = input.value !== what.word;
	};
	input.addEventListener('input', onInput);
	element.returnValue = '';
	element.showModal();
	input.focus();
	return new Promise((resolve) => {
		element.addEventListener(
			'close',
			() => {
				input.removeEventListener('input', onInput);
				const confirmed = element.returnValue === 'confirm' && input.value === what.word;
				resolve(confirmed ? input.value : undefined);
			},
			{ once: true },
		);
	});
}
