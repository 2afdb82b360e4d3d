export { ConfigSchema, splitList, type Config, type ConfigInput } from './schema.ts';
export { configEnv, configMarkdown, envName, loadConfig, type LoadOptions } from './load.ts';
