/** Small element builders shared by the page's scripts, and the one way they write a time of day. */

/** `tag` with a class and text, and children after the text. */
export function element<K extends keyof HTMLElementTagNameMap>(
	tag: K,
	props: { className?: string; text?: string } = {},
	...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
	const node = document.createElement(tag);
	if (props.className) node.className = props.className;
	if (props.text !== undefined) node.textContent = props.text;
	node.append(...children);
	return node;
}

/** `tag` with a class and text. */
export function make<K extends keyof HTMLElementTagNameMap>(
	tag: K,
	className?: string,
	text?: string,
): HTMLElementTagNameMap[K] {
	return element(tag, {
		...(className !== undefined && { className }),
		...(text !== undefined && { text }),
	});
}

/**
 * Sets `node`'s text and attributes, each only if it changes. Blocks are brought up to date on
 * every change in a run or the bridge, most of them unchanged, and a write even of the same text
 * replaces a text node, which makes the browser match the page's `:has()` rules again.
 */
export function update(
	node: HTMLElement,
	{ text, ...attributes }: { text?: string } & Record<string, string | undefined>,
) {
	if (text !== undefined && node.textContent !== text) node.textContent = text;
	for (const [name, value] of Object.entries(attributes)) {
		if (value === undefined) node.removeAttribute(name);
		else if (node.getAttribute(name) !== value) node.setAttribute(name, value);
	}
}

/**
 * `03:12 UTC`: a time of day as every record and report of the site gives it, whatever the
 * browser's zone. Here, in the module every page loads already, so a page that writes one loads
 * nothing more for it.
 */
export function utcMinute(at: number | Date = new Date()): string {
	return `${new Date(at).toISOString().slice(11, 16)} UTC`;
}
