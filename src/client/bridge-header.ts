/**
 * `<opsbook-bridge>`: the bridge's status chip and Runs button in the header (markup in
 * `src/components/Header.astro`).
 *
 * Loaded on every page, so it stays small: it moves pairing data out of the address bar, finds
 * a pairing the tab does not hold yet (the bridge's cookie, another tab of this site) and, only
 * once it has one, loads the bridge client (`bridge.ts`), which drives the chip from then on.
 * Without a pairing nothing connects anywhere and the chip says how to get one.
 */
import { FRAGMENT_KEY } from '../protocol.ts';
import type { OpsbookCommand } from './command-block.ts';
import {
	answerOtherTabs,
	askOtherTabs,
	bridgeAddress,
	bridgeStatus,
	markUnpaired,
	NOT_PAIRED,
	NOT_PAIRED_RUN,
	pairBrowser,
	sameOriginBridge,
	storePairing,
	takePairing,
	type Pairing,
} from './pairing.ts';

export type ChipState = 'offline' | 'connecting' | 'connected' | 'production' | 'refused';

const START_HINT =
	'Steps can run from this page through the local Opsbook bridge. Build the site and start it in the site’s folder (in the Opsbook repository, npm start does both), then open the link it prints:';

export class OpsbookBridge extends HTMLElement {
	#started = false;
	/** The pairing this page connects with, once it has one. */
	#pairing?: Pairing | undefined;
	#state: ChipState = 'offline';
	#offered?: Pairing | undefined;

	connectedCallback() {
		if (this.#started) return;
		this.#started = true;
		this.hidden = false;
		this.querySelector('.ob-copy-start')?.addEventListener('click', () => void this.#copyStart());
		this.querySelector('.ob-offer-accept')?.addEventListener('click', () => void this.#accept());
		this.querySelector('.ob-offer-ignore')?.addEventListener('click', () => this.#offer(undefined));
		// The bridge's link opened in a tab that already shows the site only changes the fragment.
		addEventListener('hashchange', () => {
			if (location.hash.includes(`${FRAGMENT_KEY}=`)) void this.#start();
		});
		// Only a tab whose bridge welcomed it vouches for its pairing to the other tabs.
		answerOtherTabs(() =>
			this.#state === 'connected' || this.#state === 'production' ? this.#pairing : undefined,
		);
		void this.#start();
	}

	async #start() {
		const tab = takePairing(this.#pairing);
		if (this.#pairing) {
			// Already connecting: a link offers another bridge, it never switches by itself.
			if (tab.offered) this.#offer(tab.offered);
			return;
		}
		if (tab.pairing) {
			this.#connect(tab.pairing, tab.fromLink);
			if (tab.offered) this.#offer(tab.offered);
			return;
		}
		if (tab.refused !== undefined) {
			this.show(
				'refused',
				'refused',
				`This link pairs with a bridge at ${tab.refused}, which is not on this computer. Opsbook pairs only with a bridge on 127.0.0.1, localhost or [::1]; nothing was sent there.`,
			);
			return;
		}
		this.show('offline', 'offline', START_HINT, 'npx astro build && npx opsbook serve');
		const [status, shared] = await Promise.all([bridgeStatus(), askOtherTabs()]);
		// A link may have paired the tab while we asked.
		if (this.#pairing) return;
		const own = sameOriginBridge(location);
		if (status?.paired && own) return this.#connect({ url: own }, false);
		if (shared) {
			storePairing(shared);
			return this.#connect(shared, false);
		}
		if (!status) return;
		this.show('offline', 'not paired', NOT_PAIRED, 'npx opsbook pair');
		markUnpaired(true);
		// Run says the same as the chip: a bridge is here, this tab is not paired with it.
		for (const element of document.querySelectorAll<OpsbookCommand>('opsbook-command')) {
			element.setRunnable?.(undefined, NOT_PAIRED_RUN);
		}
	}

	#connect(pairing: Pairing, fromLink: boolean) {
		this.#pairing = pairing;
		markUnpaired(false);
		const address = this.querySelector<HTMLElement>('.ob-bridge-address');
		if (address) {
			const own = pairing.url === sameOriginBridge(location);
			address.textContent = `Paired with the bridge at ${bridgeAddress(pairing)}${own ? ', which serves this site' : ''}.`;
			address.hidden = false;
		}
		this.show('connecting', 'connecting…', 'Connecting to the local bridge…');
		// The cookie first, so that a tab opened right after this one finds it.
		const cookie = fromLink ? pairBrowser(pairing) : Promise.resolve();
		void cookie
			.then(() => import('./bridge.ts'))
			.then(
				(bridge) => bridge.connect(pairing, this),
				() => this.show('offline', 'offline', 'The bridge client failed to load: reload the page.'),
			);
	}

	/** Shows a link's pairing next to the current one, to take or leave; `undefined` hides it. */
	#offer(pairing: Pairing | undefined) {
		this.#offered = pairing;
		const offer = this.querySelector<HTMLElement>('.ob-bridge-offer');
		if (!offer) return;
		offer.hidden = !pairing;
		if (!pairing || !this.#pairing) return;
		const text = offer.querySelector('.ob-bridge-offer-text');
		const where = bridgeAddress(pairing);
		const current = bridgeAddress(this.#pairing);
		if (text) {
			text.textContent =
				where === current
					? `This link pairs anew with the bridge at ${where}, with another token. This tab stays as it is unless you choose to switch.`
					: `This link pairs with another bridge, at ${where}. This tab stays paired with the bridge at ${current} unless you choose to switch.`;
		}
		const popover = this.querySelector<HTMLElement>('#ob-bridge-detail');
		try {
			popover?.showPopover();
		} catch {
			// Already open.
		}
	}

	async #accept() {
		const pairing = this.#offered;
		if (!pairing) return;
		storePairing(pairing);
		await pairBrowser(pairing);
		// A fresh page drops the old socket, its terminals and its runs in one go.
		location.reload();
	}

	/** Shows the chip's state; `command` adds a command to copy (`npx opsbook serve`, `npx opsbook pair`). */
	show(state: ChipState, label: string, message: string, command?: string) {
		this.#state = state;
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
		if (startElement) startElement.hidden = command === undefined;
		const code = startElement?.querySelector('code');
		if (code && command !== undefined) code.textContent = command;
		const copy = startElement?.querySelector('.ob-copy-start');
		if (copy) copy.textContent = 'Copy';
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
