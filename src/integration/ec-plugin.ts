/**
 * An Expressive Code plugin that turns a typed command block into a runbook step.
 *
 * ````md
 * ```bash id=db.kill-query risk=destructive confirm=terminate title="Kill a stuck query"
 * psql -c "SELECT pg_terminate_backend({{pid:int}});"
 * ```
 * ````
 *
 * renders the highlighted command with variables filled in and `<pid>` where a value is missing,
 * inside
 *
 * ```html
 * <opsbook-command id="cmd-db.kill-query" data-risk="destructive" data-block="{…}">
 *   <header>title · risk badge · target chip · id</header>
 *   <form hidden>one typed input per parameter</form>
 *   <figure class="frame">…<span class="ob-hole" data-hole="0">&lt;pid&gt;</span>…</figure>
 *   <div class="ob-actions" hidden>Copy · Run · status</div>
 * </opsbook-command>
 * ```
 *
 * The form and buttons are revealed by `src/client/command-block.ts`; without JavaScript the
 * page still reads as a normal code block. The block comes from the runbook model, matched by
 * page, meta and code, so the page shows exactly what the bridge will run. Search indexes the
 * title, the id and the command, and nothing of the badges, the form or the buttons.
 */
// Through Starlight's re-exports: the same Expressive Code instance Starlight renders with, and no
// dependency of our own on its packages.
import {
	definePlugin,
	ExpressiveCodeAnnotation,
	type AnnotationRenderOptions,
} from '@astrojs/starlight/expressive-code';
import {
	h,
	select,
	type Element,
	type ElementContent,
	type Parents,
} from '@astrojs/starlight/expressive-code/hast';
import { describeType, type ParamSpec } from '../runbook/params.ts';
import { displayTemplate, renderTemplate } from '../runbook/template.ts';
import type { CommandBlock } from '../runbook/schema.ts';
import type { ClientBlock } from '../client/command-block.ts';
import { SHELL_LANGS } from '../runbook/parse.ts';
import { blockForCode, projectConfig, siteBlock } from './runbooks-cache-fs.ts';

/** Wraps one `<name>` (or default value) of the displayed command so the page can fill it in. */
class HoleAnnotation extends ExpressiveCodeAnnotation {
	readonly hole: number;
	constructor(hole: number, columnStart: number, columnEnd: number) {
		super({ inlineRange: { columnStart, columnEnd } });
		this.hole = hole;
	}
	render({ nodesToTransform }: AnnotationRenderOptions) {
		// A hole split over several highlighted tokens: the first span carries the value.
		return nodesToTransform.map((node, i) =>
			h('span', { className: ['ob-hole'], 'data-hole': String(this.hole), 'data-part': String(i) }, [node]),
		);
	}
}

const RISK_LABEL = { read: 'read', change: 'change', destructive: 'destructive' } as const;
const RISK_HINT = {
	read: 'Only looks: safe to run at any time.',
	change: 'Changes the state of the target.',
	destructive: 'Deletes or overwrites data: asks you to confirm first.',
} as const;


function paramField(blockId: string, spec: ParamSpec): Element {
	const inputId = `ob-${blockId}-${spec.name}`;
	const hintId = `${inputId}-hint`;
	const errorId = `${inputId}-error`;
	const common = {
		id: inputId,
		name: spec.name,
		'aria-describedby': `${hintId} ${errorId}`,
		'data-param': spec.name,
	};
	const control =
		spec.type === 'enum'
			? h('select', common, [
					...(spec.default === undefined ? [h('option', { value: '' }, `Choose ${spec.name}…`)] : []),
					...(spec.values ?? []).map((v) => h('option', { value: v, selected: v === spec.default }, v)),
				])
			: h('input', {
					...common,
					type: spec.type === 'secret' ? 'password' : 'text',
					value: spec.default ?? '',
					placeholder: spec.name,
					autocomplete: 'off',
					spellcheck: 'false',
					autocapitalize: 'off',
					inputmode: spec.type === 'int' ? 'numeric' : undefined,
				});
	return h('div', { className: ['ob-field'] }, [
		h('label', { for: inputId }, spec.name),
		control,
		h('span', { className: ['ob-hint'], id: hintId }, describeType(spec)),
		h('span', { className: ['ob-error'], id: errorId, role: 'alert' }),
	]);
}

/**
 * Search (Pagefind) indexes the runbook's words, not the block's controls: `IGNORE` on the badges,
 * the form and the buttons keeps "risk: read" and "CopyRun" out of every excerpt.
 */
const IGNORE = { 'data-pagefind-ignore': '' };

function header(block: CommandBlock, targetLabel: string, production: boolean): Element {
	return h('div', { className: ['ob-head'] }, [
		h('span', { className: ['ob-title'] }, block.title),
		h(
			'span',
			{ className: ['ob-risk'], 'data-risk': block.risk, title: RISK_HINT[block.risk], ...IGNORE },
			[h('span', { className: ['ob-risk-icon'], 'aria-hidden': 'true' }), `risk: ${RISK_LABEL[block.risk]}`],
		),
		h(
			'span',
			{
				className: ['ob-target'],
				'data-production': production ? 'true' : undefined,
				title: production ? 'This target is a production host.' : undefined,
				...IGNORE,
			},
			[`on: ${targetLabel}`, ...(production ? [h('strong', ' production')] : [])],
		),
		// Search splits words on spaces only: without one the id would be read as part of the title.
		' ',
		// The id is indexed, so a search for `db.kill-query` (or `kill-query`) finds the step.
		h('a', { className: ['ob-id'], href: `#cmd-${block.id}`, title: 'Link to this step' }, [h('code', block.id)]),
	]);
}

/** Where a block stands on the site: `/runbooks/database/#cmd-db.ready`. */
function blockUrl(block: CommandBlock): string {
	const page = block.page.slug === 'index' ? '' : `${block.page.slug}/`;
	return `/${page}#cmd-${block.id}`;
}

/**
 * What a gated block waits for, linked: "Needs: Test connection… or Start the database…". The page
 * adds whether each has passed once the bridge is connected (`.ob-need-state`).
 */
async function needsLine(block: CommandBlock): Promise<Element | undefined> {
	if (!block.needs) return undefined;
	const entries: (ElementContent | string)[] = [];
	for (const [index, group] of block.needs.entries()) {
		if (index > 0) entries.push(index === block.needs.length - 1 ? ', and ' : ', ');
		const parts: (ElementContent | string)[] = [];
		for (const [i, id] of group.entries()) {
			const needed = await siteBlock(id);
			if (i > 0) parts.push(' or ');
			parts.push(h('a', { href: needed ? blockUrl(needed) : `#cmd-${id}` }, needed?.title ?? id));
		}
		entries.push(
			h('span', { className: ['ob-need'], 'data-need': group.join('|') }, [
				...parts,
				h('span', { className: ['ob-need-state'] }),
			]),
		);
	}
	return h('p', { className: ['ob-needs'] }, ['Needs: ', ...entries]);
}

function removeFrameCopyButton(root: Parents) {
	const copy = select('.copy', root);
	const visit = (node: Parents): boolean => {
		const index = node.children.indexOf(copy as ElementContent);
		if (index >= 0) {
			node.children.splice(index, 1);
			return true;
		}
		return node.children.some((child) => 'children' in child && visit(child));
	};
	if (copy) visit(root);
}

export function pluginOpsbookCommands() {
	const found = new WeakMap<object, { block: CommandBlock; holes: ReturnType<typeof displayTemplate>['holes'] }>();
	return definePlugin({
		name: 'opsbook-commands',
		hooks: {
			async preprocessCode({ codeBlock }) {
				if (!SHELL_LANGS.has(codeBlock.language)) return;
				const file = codeBlock.parentDocument?.sourceFilePath;
				if (!file) return;
				const block = await blockForCode(file, codeBlock.meta, codeBlock.code);
				if (!block) return;
				const { text, holes } = displayTemplate({ segments: block.segments, params: block.params });
				// Replace the template with what a reader should see, line by line (same line count).
				const lines = text.split('\n');
				codeBlock.getLines().forEach((line, i) => line.editText(0, line.text.length, lines[i] ?? ''));
				// The step's header carries the title; the frame stays a plain code box.
				codeBlock.props.frame = 'code';
				codeBlock.props.title = '';
				// A responder must see the whole command without scrolling sideways; a wrapped line's
				// continuation is indented, so it never passes for a line of its own.
				codeBlock.props.wrap = true;
				codeBlock.props.hangingIndent = 2;
				found.set(codeBlock, { block, holes });
			},
			annotateCode({ codeBlock }) {
				const entry = found.get(codeBlock);
				if (!entry) return;
				const lines = codeBlock.getLines();
				const starts: number[] = [];
				let offset = 0;
				for (const line of lines) {
					starts.push(offset);
					offset += line.text.length + 1;
				}
				entry.holes.forEach((hole, index) => {
					const lineIndex = starts.findLastIndex((s) => s <= hole.start);
					const line = lines[lineIndex];
					if (!line) return;
					const start = hole.start - starts[lineIndex]!;
					line.addAnnotation(new HoleAnnotation(index, start, start + (hole.end - hole.start)));
				});
			},
			async postprocessRenderedBlock({ codeBlock, renderData }) {
				const entry = found.get(codeBlock);
				if (!entry) return;
				const { block } = entry;
				const config = await projectConfig();
				const target = config.targets[block.target];
				const production = target?.production ?? false;
				// Opsbook's Copy copies the resolved command; the frame's own button would copy the template.
				removeFrameCopyButton(renderData.blockAst);
				const clientBlock: ClientBlock = {
					id: block.id,
					template: { segments: block.segments, params: block.params },
					risk: block.risk,
					target: block.target,
					confirm: block.confirm,
					...(block.interactive && { interactive: true }),
					...(block.needs && { needs: block.needs }),
				};
				const needs = await needsLine(block);
				const fields: ElementContent[] = block.params.map((p) => paramField(block.id, p));
				// With no parameters, or defaults for all, the command is known now: Copy needs no script.
				const rendered = renderTemplate(clientBlock.template, {});
				renderData.blockAst = h(
					'opsbook-command',
					{
						id: `cmd-${block.id}`,
						className: ['ob-block', 'not-content'],
						'data-risk': block.risk,
						'data-block': JSON.stringify(clientBlock),
						'data-command': rendered.ok ? rendered.command : undefined,
					},
					[
						header(block, target?.label ?? block.target, production),
						...(needs ? [needs] : []),
						...(block.interactive
							? [
									h(
										'p',
										{ className: ['ob-note'] },
										'Interactive session: it opens a shell for you to type in. What you type there is not recorded in the audit log.',
									),
								]
							: []),
						...(fields.length > 0
							? [
									h(
										'form',
										{
											className: ['ob-params'],
											hidden: true,
											'aria-label': `Parameters of ${block.title}`,
											...IGNORE,
										},
										fields,
									),
								]
							: []),
						renderData.blockAst,
						h('div', { className: ['ob-actions'], hidden: true, ...IGNORE }, [
							h('button', { type: 'button', className: ['ob-copy'] }, 'Copy'),
							h(
								'button',
								{
									type: 'button',
									className: ['ob-run'],
									'aria-disabled': 'true',
									title: 'Running from the page needs the local Opsbook bridge.',
								},
								'Run',
							),
							h('span', { className: ['ob-status'], role: 'status', 'aria-live': 'polite' }),
						]),
					],
				);
			},
		},
	});
}
