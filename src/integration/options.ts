/**
 * The options of the `opsbook()` Starlight plugin.
 *
 * ```js
 * starlight({ plugins: [opsbook({ contentDir: 'content', configFile: 'ops/opsbook.config.ts' })] })
 * ```
 */
import { z } from 'zod';

export const OpsbookOptionsSchema = z
	.object({
		/**
		 * The folder of the runbooks, from the project root: every `.md` and `.mdx` file under it is
		 * checked, and its command blocks go into the registry.
		 *
		 * Default: `OPSBOOK_CONTENT_DIR` when set, else Starlight's `src/content/docs` when the project
		 * has it, else `content`; the `opsbook` CLI finds the same folder the same way. A folder
		 * outside `src/content/docs` also needs a collection that loads it (`glob()` in
		 * `src/content.config.ts`); Opsbook then has Starlight process its Markdown and date its pages.
		 */
		contentDir: z.string().min(1).optional(),
		/**
		 * The file of targets and variables (`defineConfig` from `opsbook/config`), from the project
		 * root. Default: `OPSBOOK_CONFIG` when set, else `opsbook.config.ts`. Without the file, every
		 * block runs on the responder's own machine (the `local` target).
		 */
		configFile: z.string().min(1).optional(),
	})
	.strict();

/** The options as a site passes them. */
export type OpsbookUserOptions = z.input<typeof OpsbookOptionsSchema>;
/** The options once checked. */
export type OpsbookOptions = z.output<typeof OpsbookOptionsSchema>;
