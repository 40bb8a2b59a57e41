/**
 * The shapes of the runbook model: a command block, its options, and the registry the build
 * emits. Types are derived from these schemas; nothing here is written twice.
 */
import { z } from 'zod';
import { ParamSpecSchema } from './params.ts';

export const RISKS = ['read', 'change', 'destructive'] as const;

/** How much a block can change: `read` only looks, `change` alters state, `destructive` loses data. */
export const RiskSchema = z.enum(RISKS, {
	error: (issue) => `risk "${String(issue.input)}" is not one of ${RISKS.join(', ')}`,
});
export type Risk = z.output<typeof RiskSchema>;

/** A block id: stable, unique across the site, usable on a command line. */
export const BlockIdSchema = z
	.string()
	.regex(
		/^[a-z0-9][a-z0-9._/-]*$/,
		'must be lowercase letters, digits and . _ / - (like db.kill-idle)',
	);

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration like `30s`, `5m` or `1h`, read as milliseconds; from 1 second to 24 hours. */
export const TimeoutSchema = z
	.string()
	.regex(DURATION, 'must be a number and a unit, like 30s, 5m or 1h')
	.transform((text) => {
		const [, amount = '0', unit = 's'] = DURATION.exec(text) ?? [];
		return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
	})
	.refine((ms) => ms >= 1000 && ms <= 86_400_000, 'must be between 1s and 24h');

/** What a good run looks like: a block that says is a check, and each run gets a verdict. */
export const ExpectSchema = z.object({
	/** The exit code of a good run. */
	exitCode: z.number().int().min(0).max(255).optional(),
	/** A regular expression (JavaScript syntax) that some line of a good run's output matches. */
	output: z.string().optional(),
	/** An exit code that means "works, but look": the verdict is `warn` rather than `fail`. */
	warnExitCode: z.number().int().min(0).max(255).optional(),
});

/**
 * The blocks that must have passed before a block runs (`needs=db.ready,db.disk`): every entry
 * must pass, and an entry of several ids (`needs=db.ready|db.start`) is met by any one of them.
 */
export const NeedsSchema = z.array(z.array(BlockIdSchema).min(1)).min(1);
export type Needs = z.output<typeof NeedsSchema>;

/** Where a shell context puts a parameter; see `shell.ts`. */
export const SegmentSchema = z.union([
	z.string(),
	z.object({
		param: z.string(),
		context: z.enum(['bare', 'double', 'single', 'code', 'arithmetic', 'refused']),
	}),
]);

/** Where something stands in the source, for messages like `content/a.mdx:12:3`. */
export const SourceLocationSchema = z.object({
	/** Path relative to the project root, with forward slashes. */
	file: z.string(),
	line: z.number().int(),
	column: z.number().int(),
});

/** A typed command block: everything the page, the bridge and the CLI need to show or run it. */
export const CommandBlockSchema = z.object({
	/** Unique across the site: explicit (`id=`), or derived from the page and heading. */
	id: BlockIdSchema,
	/** What the step does, from `title=` or the nearest heading. */
	title: z.string(),
	/** The fence language (`bash`, `sh`…). */
	lang: z.string(),
	/** The command as written, placeholders included. */
	template: z.string(),
	/** The command parsed: literal text (variables filled in) and parameter holes. */
	segments: z.array(SegmentSchema),
	/** The parameters, in order of first appearance. */
	params: z.array(ParamSpecSchema),
	risk: RiskSchema,
	/** The name of the target the command runs on. */
	target: z.string(),
	/** How long a run may take before it is stopped, in milliseconds. */
	timeoutMs: z.number().int().positive(),
	/** For destructive blocks: the word a responder types to confirm. */
	confirm: z.string().optional(),
	/**
	 * An interactive session (a shell on a server): it does whatever the responder types, which is
	 * not recorded, so it is never a `read` step and never part of a run-all.
	 */
	interactive: z.boolean().optional(),
	/** What a good run looks like. */
	expect: ExpectSchema.optional(),
	/** The blocks that must have passed first in this bridge session (`needs=`), if any. */
	needs: NeedsSchema.optional(),
	/** The page the block is on. */
	page: z.object({
		/** The page's slug, like `runbooks/database`. */
		slug: z.string(),
		title: z.string(),
	}),
	/** The heading the block stands under, if any, and its anchor. */
	heading: z.object({ text: z.string(), slug: z.string() }).optional(),
	source: SourceLocationSchema,
});
export type CommandBlock = z.output<typeof CommandBlockSchema>;

/** The frontmatter fields Opsbook adds to a Starlight page. */
export const RunbookFrontmatterSchema = z.object({
	/** Opsbook settings for the page. */
	opsbook: z
		.object({
			/** The target of this page's blocks that name none (a name from `opsbook.config.ts`). */
			target: z.string().optional(),
		})
		.optional(),
});

/** The list of every command block, emitted by the build and read by the bridge and CLI. */
export const RegistrySchema = z.object({
	version: z.literal(1),
	blocks: z.array(CommandBlockSchema),
});
export type Registry = z.output<typeof RegistrySchema>;
