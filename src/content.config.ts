import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { docsSchema } from '@astrojs/starlight/schema';
import { RunbookFrontmatterSchema } from './runbook/schema.ts';

export const collections = {
	// Runbooks live in the top-level `content/` folder, where authors find them (see README).
	docs: defineCollection({
		loader: glob({
			base: process.env.OPSBOOK_CONTENT_DIR ?? './content',
			pattern: '**/[^_]*.{md,mdx}',
		}),
		schema: docsSchema({ extend: RunbookFrontmatterSchema }),
	}),
};
