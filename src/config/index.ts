export { ConfigSchema, splitList, type Config, type ConfigInput } from './schema.ts';
export { configEnv, configMarkdown, envName, loadConfig, loadConfigWithSources, type LoadOptions, type SettingSource } from './load.ts';
