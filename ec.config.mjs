// @ts-check
import { defineEcConfig } from '@astrojs/starlight/expressive-code';
import { pluginOpsbookCommands } from './src/integration/ec-plugin.ts';

export default defineEcConfig({
	plugins: [pluginOpsbookCommands()],
});
