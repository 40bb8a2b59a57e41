/**
 * Walkthroughs: a page for learning, in ordered steps, each saying what to do and what to look
 * for, done when its check passes or when the reader marks it done.
 *
 * ```mdx
 * <Walkthrough>
 *
 * <WalkStep title="Read the severity levels">
 * Open [Severity levels](../../severity/). **Look for** the response time of a SEV-1.
 * </WalkStep>
 *
 * <WalkStep title="Check your SSH client" check="onboarding.ssh-client">
 * ```bash id=onboarding.ssh-client risk=read target=local expect-exit=0
 * ssh -V
 * ```
 * **Look for** a version, like `OpenSSH_9.2p1`.
 * </WalkStep>
 *
 * </Walkthrough>
 * ```
 *
 * A step with `check=` is done when a run of that block passes: the block stands inside the step,
 * is a check (it says what a good run looks like), a `read` step, and runs on the `local` target,
 * because it runs on a new hire's own machine while they learn and must change nothing there or
 * anywhere else. A step without `check=` is done when the reader says so.
 *
 * This module reads that structure from a page's Markdown tree, with problems at their line like
 * `parse.ts`; `src/components/Walkthrough.astro` renders it and `src/client/walkthrough.ts` keeps
 * the progress. Browser-safe.
 */
import GithubSlugger from 'github-slugger';
import type { MdastNode } from 'satteri';
import { attributes, children, descendants, isJsx, where, type Problem } from './mdast.ts';
import type { CommandBlock } from './schema.ts';
import { isCheck } from './verdict.ts';

export interface WalkStepModel {
	/** Where its progress is kept: `id=`, else the anchor of its title (`check-your-ssh-client`). */
	id: string;
	title: string;
	/** The block whose passing run marks it done; none for a step the reader marks done. */
	check?: string;
	line: number;
}

export interface WalkthroughModel {
	/** The page's slug: where the walkthrough's progress is kept. */
	page: string;
	/** The page's title and description, for the overview of every walkthrough. */
	title: string;
	description?: string;
	steps: WalkStepModel[];
}

/** What a step's `id=` may be: it becomes part of an anchor and a storage key. */
const STEP_ID = /^[a-z0-9][a-z0-9-]*$/;

/** The anchor a step's title gives it when it has no `id=`; the component computes the same. */
export const stepIdOf = (title: string) => new GithubSlugger().slug(title);

/**
 * The walkthrough of a page, if it has one. `blockAt` gives the command block whose fence opens
 * at a line (undefined for a fence that is no command block, or one with problems of its own).
 * Problems are reported, never thrown.
 */
export function readWalkthrough(
	root: MdastNode,
	{
		page,
		title,
		description,
		blockAt,
		problem,
	}: {
		page: string;
		title: string;
		description?: string | undefined;
		blockAt: (line: number) => CommandBlock | undefined;
		problem: Problem;
	},
): WalkthroughModel | undefined {
	const at = (node: MdastNode, message: string) => {
		const { line, column } = where(node);
		problem(line, column, message);
	};
	const walks = [...descendants(root)].filter((n) => isJsx(n, 'Walkthrough'));
	for (const extra of walks.slice(1)) {
		at(extra, `a page holds one <Walkthrough>; the first is at line ${where(walks[0]!).line}`);
	}
	const accepted = new Set<MdastNode>();
	let model: WalkthroughModel | undefined;
	const walk = walks[0];
	if (walk) {
		for (const attribute of attributes(walk)) {
			at(
				walk,
				`<Walkthrough> takes no "${attribute.name}"; its steps are the <WalkStep>s inside it`,
			);
		}
		const steps: WalkStepModel[] = [];
		const ids = new Map<string, number>();
		for (const node of children(walk)) {
			// A comment, {/* … */}, renders nothing.
			if (node.type === 'mdxFlowExpression') continue;
			if (!isJsx(node, 'WalkStep')) {
				at(
					node,
					'<Walkthrough> holds only <WalkStep> elements, its numbered steps: move this into a step, or before the walkthrough',
				);
				continue;
			}
			accepted.add(node);
			const step = readStep(node, { at, blockAt });
			if (!step) continue;
			const first = ids.get(step.id);
			if (first !== undefined) {
				at(
					node,
					`two steps have the id "${step.id}" (the other is at line ${first}): progress is kept by it, so give each step its own title or id=`,
				);
				continue;
			}
			ids.set(step.id, step.line);
			steps.push(step);
		}
		if (!children(walk).some((n) => isJsx(n, 'WalkStep'))) {
			at(
				walk,
				'<Walkthrough> holds no <WalkStep>; write its steps as <WalkStep title="…">what to do, what to look for</WalkStep>',
			);
		}
		model = { page, title, ...(description ? { description } : {}), steps };
	}
	for (const node of descendants(root)) {
		if (isJsx(node, 'WalkStep') && !accepted.has(node)) {
			at(
				node,
				'<WalkStep> stands outside a <Walkthrough>: put the steps inside <Walkthrough>…</Walkthrough>',
			);
		}
	}
	return model;
}

function readStep(
	node: MdastNode,
	{
		at,
		blockAt,
	}: {
		at: (node: MdastNode, message: string) => void;
		blockAt: (line: number) => CommandBlock | undefined;
	},
): WalkStepModel | undefined {
	let title: string | undefined;
	let check: string | undefined;
	let id: string | undefined;
	let ok = true;
	for (const { name, value } of attributes(node)) {
		if (name !== 'title' && name !== 'check' && name !== 'id') {
			at(
				node,
				`<WalkStep> takes no "${name}"; it takes title="…", and check="block.id" for a step its check marks done`,
			);
			continue;
		}
		if (value === null || value === '{…}' || value.trim() === '') {
			at(
				node,
				`<WalkStep ${name}>: ${name} is plain text in quotes, like ${name}="${name === 'check' ? 'onboarding.ssh-client' : name === 'id' ? 'ssh-client' : 'Check your SSH client'}"`,
			);
			ok = false;
			continue;
		}
		if (name === 'title') title = value.trim();
		else if (name === 'check') check = value.trim();
		else id = value.trim();
	}
	if (title === undefined) {
		if (ok) at(node, '<WalkStep> has no title: write <WalkStep title="What this step is">');
		return undefined;
	}
	if (id !== undefined && !STEP_ID.test(id)) {
		at(
			node,
			`<WalkStep id="${id}">: an id is lowercase letters, digits and -, like id="ssh-client"`,
		);
		return undefined;
	}
	const line = where(node).line;
	const stepId = id ?? stepIdOf(title);
	if (check === undefined) return ok ? { id: stepId, title, line } : undefined;

	const blocks = [...descendants(node)]
		.filter((n) => n.type === 'code')
		.map((n) => blockAt(where(n).line))
		.filter((b): b is CommandBlock => b !== undefined);
	const block = blocks.find((b) => b.id === check);
	if (!block) {
		at(
			node,
			`${title}: check="${check}" names no command block of this step${blocks.length > 0 ? ` (its blocks: ${blocks.map((b) => b.id).join(', ')})` : ''}; the check stands inside its step, where the reader runs it`,
		);
		return undefined;
	}
	const wrong: string[] = [];
	if (block.risk !== 'read')
		wrong.push(`it is risk=${block.risk}, and a walkthrough's check must be risk=read`);
	if (block.target !== 'local') {
		wrong.push(
			`it runs on ${block.target}, and a walkthrough's check runs on the reader's own machine: give it target=local`,
		);
	}
	if (!isCheck(block.expect)) {
		wrong.push('it says nothing about a good run: give it expect-exit= or expect-output=');
	}
	if (wrong.length > 0) {
		at(
			node,
			`${title}: check="${check}" cannot mark the step done: ${wrong.join('; ')}. A new hire runs it while learning, so it must read and change nothing, here or on any server`,
		);
		return undefined;
	}
	return { id: stepId, title, check, line };
}
