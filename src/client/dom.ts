/** Small element builders shared by the page's scripts. */

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
