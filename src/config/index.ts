export { ConfigSchema, splitList, type Config, type ConfigInput } from './schema.ts';
export { configMarkdown, envName, loadConfig, type LoadOptions } from './load.ts';
