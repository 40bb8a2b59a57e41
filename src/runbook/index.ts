/** The runbook model's browser-safe entry: types, templates, rendering. Disk access is in `runbooks-fs.ts`. */
export {
	ConfigSchema,
	defineConfig,
	type OpsbookConfig,
	type OpsbookConfigInput,
	type Target,
} from './config.ts';
export {
	checkParamValue,
	describeType,
	paramValueSchema,
	PARAM_TYPES,
	ParamSpecSchema,
	type ParamSpec,
	type ParamType,
} from './params.ts';
export {
	CommandBlockSchema,
	RegistrySchema,
	RISKS,
	RiskSchema,
	RunbookFrontmatterSchema,
	type CommandBlock,
	type Registry,
	type Risk,
} from './schema.ts';
export { quoteFor, shellQuote, type ShellContext } from './shell.ts';
export {
	displayTemplate,
	parseTemplate,
	renderTemplate,
	secretEnvName,
	type ParsedTemplate,
	type RenderResult,
	type Segment,
} from './template.ts';
