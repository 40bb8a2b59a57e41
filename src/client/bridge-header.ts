/**
 * `<opsbook-bridge>`: the bridge's status chip and Runs button in the header (markup in
 * `src/components/Header.astro`).
 *
 * Loaded on every page, so it stays small: it moves pairing data out of the address bar and,
 * only when the tab holds some, loads the bridge client (`bridge.ts`), which drives the chip from
 * then on. Without pairing data nothing connects anywhere and the chip says how to start a bridge.
 */
import { FRAGMENT_KEY } from '../protocol.ts';
import { takePairing } from './pairing.ts';

export type ChipState = 'offline' | 'connecting' | 'connected' | 'production' | 'refused';

const START_HINT =
	'Steps can run from this page through the local Opsbook bridge. Start it in the Opsbook folder, then open the link it prints:';

export class OpsbookBridge extends HTMLElement {
	#started = false;
	/** Whether this page has started the bridge client. */
	#connecting = false;

	connectedCallback() {
		if (this.#started) return;
		this.#started = true;
		this.hidden = false;
		this.querySelector('.ob-copy-start')?.addEventListener('click', () => void this.#copyStart());
		// The bridge's link opened in a tab that already shows the site only changes the fragment.
		addEventListener('hashchange', () => {
			if (!location.hash.includes(`${FRAGMENT_KEY}=`)) return;
			// Connected with an earlier pairing: start over with the new one.
			if (this.#connecting) {
				takePairing();
				location.reload();
			} else this.#start();
		});
		this.#start();
	}

	#start() {
		const pairing = takePairing();
		if (!pairing) {
			this.show('offline', 'offline', START_HINT, true);
			return;
		}
		this.#connecting = true;
		this.show('connecting', 'connecting…', 'Connecting to the local bridge…', false);
		import('./bridge.ts').then(
			(bridge) => bridge.connect(pairing, this),
			() =>
				this.show(
					'offline',
					'offline',
					'The bridge client failed to load: reload the page.',
					false,
				),
		);
	}

	/** Shows the chip's state; `start` adds the command that starts a bridge. */
	show(state: ChipState, label: string, message: string, start: boolean) {
		const chip = this.querySelector<HTMLElement>('.ob-chip');
		if (chip) {
			chip.dataset.state = state;
			chip.title = message;
		}
		const labelElement = this.querySelector('.ob-chip-label');
		if (labelElement) labelElement.textContent = label;
		const messageElement = this.querySelector('.ob-bridge-message');
		if (messageElement) messageElement.textContent = message;
		const startElement = this.querySelector<HTMLElement>('.ob-bridge-start');
		if (startElement) startElement.hidden = !start;
	}

	async #copyStart() {
		const button = this.querySelector<HTMLButtonElement>('.ob-copy-start');
		const command = this.querySelector('.ob-bridge-start code')?.textContent ?? '';
		try {
			await navigator.clipboard.writeText(command);
			if (button) button.textContent = 'Copied';
		} catch {
			// The command stays selectable text.
			if (button) button.textContent = 'Select and copy';
		}
	}
}

if (!customElements.get('opsbook-bridge')) customElements.define('opsbook-bridge', OpsbookBridge);
