/**
 * The confirmation a destructive step asks for before it runs: the exact command (secrets shown
 * as `'***'`), the target it will run on, and a field where the responder types the block's
 * confirmation word. Its Run button stays disabled until the word matches exactly.
 */

export interface Confirmation {
	title: string;
	/** The resolved command, secrets redacted. */
	command: string;
	/** The label of the target it runs on. */
	target: string;
	production: boolean;
	/** The word to type. */
	word: string;
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
			<p id="ob-confirm-what">This step is destructive. It will run this command on <strong class="ob-confirm-target"></strong>:</p>
			<pre class="ob-confirm-command"><code></code></pre>
			<label class="ob-confirm-field">
				<span class="ob-confirm-label"></span>
				<input name="confirm" autocomplete="off" spellcheck="false" autocapitalize="off" />
			</label>
			<div class="ob-confirm-buttons">
				<button type="button" class="ob-confirm-cancel">Cancel</button>
				<button type="submit" value="run" class="ob-confirm-run" disabled>Run</button>
			</div>
		</form>`;
	// Not a submit button: Enter in the field must never mean Cancel, only Run once it is enabled.
	element
		.querySelector('.ob-confirm-cancel')
		?.addEventListener('click', () => element.close('cancel'));
	document.body.append(element);
	return element;
}

/** Asks for confirmation; resolves to the typed word, or `undefined` when cancelled. */
export function confirmRun(what: Confirmation): Promise<string | undefined> {
	dialog ??= build();
	const element = dialog;
	const $ = <T extends HTMLElement>(selector: string) => element.querySelector<T>(selector)!;
	$('#ob-confirm-title').textContent = `Run “${what.title}”?`;
	const target = $('.ob-confirm-target');
	target.textContent = what.production ? `${what.target} (production)` : what.target;
	target.dataset.production = String(what.production);
	$('.ob-confirm-command code').textContent = what.command;
	$('.ob-confirm-label').textContent = `Type ${what.word} to confirm`;
	const input = $<HTMLInputElement>('input');
	const run = $<HTMLButtonElement>('.ob-confirm-run');
	input.value = '';
	run.disabled = true;
	const onInput = () => {
		run.disabled = input.value !== what.word;
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
				const confirmed = element.returnValue === 'run' && input.value === what.word;
				resolve(confirmed ? input.value : undefined);
			},
			{ once: true },
		);
	});
}
