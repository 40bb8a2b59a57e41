/**
 * Small readers of Sätteri's Markdown tree, shared by the parts of the model that read a page's
 * structure (`parse.ts`, `tree.ts`, `incident-content.ts`, `walkthrough.ts`). Browser-safe: types only from Sätteri.
 */
import type { MdastNode } from 'satteri';

/** Where something is written, for a problem's `file:line:column`. */
export interface At {
	line: number;
	column: number;
}

/** Reports a problem at a place of the page being read. */
export type Problem = (line: number, column: number, message: string) => void;

export const children = (node: MdastNode): MdastNode[] =>
	'children' in node && Array.isArray(node.children) ? (node.children as MdastNode[]) : [];

/** The text of a node and everything under it, without markup. */
export function textOf(node: MdastNode): string {
	if ('value' in node && typeof node.value === 'string') return node.value;
	return children(node).map(textOf).join('');
}

/** Every node under `node`, in document order; `skip` leaves a node and what is under it out. */
export function* descendants(
	node: MdastNode,
	skip?: (node: MdastNode) => boolean,
): Generator<MdastNode> {
	for (const child of children(node)) {
		if (skip?.(child)) continue;
		yield child;
		yield* descendants(child, skip);
	}
}

/** Whether `node` is the JSX element `<name>`, in a block or in a line. */
export const isJsx = (node: MdastNode, name: string) =>
	(node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') &&
	'name' in node &&
	node.name === name;

export const where = (node: MdastNode): At => ({
	line: node.position?.start.line ?? 1,
	column: node.position?.start.column ?? 1,
});

/** An attribute of a JSX element as written: `{…}` stands for an expression, `null` for a flag. */
export interface JsxAttribute {
	name: string;
	value: string | null;
}

/** The attributes of the JSX element `node`, in the order written. */
export function attributes(node: MdastNode): JsxAttribute[] {
	const list = 'attributes' in node && Array.isArray(node.attributes) ? node.attributes : [];
	return (list as Array<{ type: string; name?: string; value?: unknown }>).map((a) => ({
		name: a.type === 'mdxJsxAttribute' ? String(a.name) : '{…}',
		value: typeof a.value === 'string' || a.value === null ? (a.value ?? null) : '{…}',
	}));
}
