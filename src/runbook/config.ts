/**
 * `opsbook.config.ts`: the targets commands run on and the variables runbooks share, written once
 * and read by the site build, the bridge and the CLI alike (no Astro needed to load it).
 */
import { z } from 'zod';

/** A variable value is inserted into commands verbatim, so it must be a plain shell word. */
export const VarValueSchema = z
	.string()
	.regex(
		/^[A-Za-z0-9_@%+=:,./~-]+$/,
		'must be a plain word (letters, digits and _ @ % + = : , . / ~ -): it is inserted into commands verbatim',
	);

const NameSchema = z
	.string()
	.regex(/^[a-z][a-z0-9_-]*$/, 'must be lowercase letters, digits, _ and -');

const TargetBase = {
	/** What the page shows for this target; defaults to its name. */
	label: z.string().optional(),
	/** A production target: the page marks it loudly, and later the bridge asks before risky runs. */
	production: z.boolean().default(false),
};

/** The responder's own machine: commands run in a local shell. */
export const LocalTargetSchema = z.object({
	kind: z.literal('local'),
	...TargetBase,
});

/** A host reached through the system `ssh` client (so `~/.ssh/config`, agents and known_hosts apply). */
export const SshTargetSchema = z.object({
	kind: z.literal('ssh'),
	/** Host name, address, or a `Host` alias from `~/.ssh/config`. */
	host: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'must be a host name, address or ssh alias'),
	/** Remote user; omitted, ssh decides (from `~/.ssh/config` or the local user name). */
	user: z
		.string()
		.regex(/^[a-z_][a-z0-9_.-]*$/i, 'must be a user name')
		.optional(),
	/** Remote port; omitted, ssh decides. */
	port: z.number().int().min(1).max(65535).optional(),
	...TargetBase,
});

export const TargetSchema = z.discriminatedUnion('kind', [LocalTargetSchema, SshTargetSchema]);

export const ConfigSchema = z
	.object({
		/** Targets by name. `local` always exists, even when not listed. */
		targets: z.record(NameSchema, TargetSchema).default({}),
		/** The target of blocks whose page and meta name none. */
		defaultTarget: NameSchema.default('local'),
		/** Variables by name, used in commands as `{{vars.name}}`. */
		vars: z
			.record(
				z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lowercase letters, digits and _'),
				VarValueSchema,
			)
			.default({}),
		/** Timeout of blocks that declare none, like `30s` or `5m`. */
		defaultTimeout: z.string().default('2m'),
	})
	.transform((config) => {
		const targets: Record<string, z.output<typeof TargetSchema>> = {
			local: { kind: 'local', production: false },
			...config.targets,
		};
		return { ...config, targets };
	})
	.superRefine((config, ctx) => {
		if (!(config.defaultTarget in config.targets)) {
			ctx.addIssue({
				code: 'custom',
				path: ['defaultTarget'],
				message: `defaultTarget "${config.defaultTarget}" is not one of the targets (${Object.keys(config.targets).join(', ')})`,
			});
		}
	});

export type OpsbookConfigInput = z.input<typeof ConfigSchema>;
export type OpsbookConfig = z.output<typeof ConfigSchema>;
export type Target = z.output<typeof TargetSchema>;

/** Gives `opsbook.config.ts` its types. */
export function defineConfig(config: OpsbookConfigInput): OpsbookConfigInput {
	return config;
}
