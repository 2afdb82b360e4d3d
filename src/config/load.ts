/** The only place process.env is read. */
import { readFileSync } from 'node:fs';
import { Misconfigured } from '../core/errors.ts';
import { ConfigSchema, type Config } from './schema.ts';

export const envName = (key: string): string => 'HANGAR_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags, camelCase keys; undefined entries are ignored. */
  flags?: Record<string, unknown>;
  /** Path of a JSON config file; defaults to HANGAR_CONFIG. */
  file?: string;
}

/** Where a setting's value came from. */
export type SettingSource = 'flag' | 'env' | 'file' | 'default';

export function loadConfig(opts: LoadOptions = {}): Config {
  return loadConfigWithSources(opts).config;
}

/** The configuration and, for each setting, where its value came from (what `hangar config`
 *  shows, and how the CLI tells an explicit HANGAR_URL from its default). */
export function loadConfigWithSources(opts: LoadOptions = {}): {
  config: Config;
  sources: Record<keyof Config, SettingSource>;
  file: string | undefined;
} {
  const env = opts.env ?? process.env;
  const keys = Object.keys(ConfigSchema.shape);
  const fromEnv: Record<string, unknown> = {};
  for (const k of keys) {
    const v = env[envName(k)];
    if (v !== undefined && v !== '') fromEnv[k] = v;
  }
  const filePath = opts.file ?? env.HANGAR_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (filePath) {
    try {
      fromFile = JSON.parse(readFileSync(filePath, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new Misconfigured(`cannot read config file ${filePath}: ${(err as Error).message}`, { cause: err });
    }
  }
  const fromFlags = Object.fromEntries(Object.entries(opts.flags ?? {}).filter(([k, v]) => v !== undefined && keys.includes(k)));
  const parsed = ConfigSchema.safeParse({ ...fromFile, ...fromEnv, ...fromFlags });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return `  ${key ? `${key} (${envName(key)})` : '(config)'}: ${i.message}`;
    });
    throw new Misconfigured(`invalid configuration:\n${lines.join('\n')}`);
  }
  const sources = Object.fromEntries(
    keys.map((k) => [k, k in fromFlags ? 'flag' : k in fromEnv ? 'env' : k in fromFile ? 'file' : 'default']),
  ) as Record<keyof Config, SettingSource>;
  return { config: parsed.data, sources, file: filePath || undefined };
}

/** Markdown table of every setting, for the README. */
export function configMarkdown(): string {
  const rows = Object.entries(ConfigSchema.shape).map(([k, s]) => {
    const schema = s as { description?: string; parse: (v: unknown) => unknown };
    let def: unknown;
    try {
      def = schema.parse(undefined);
    } catch {
      def = undefined;
    }
    const shown = k === 'workers' ? 'CPU cores' : def === undefined ? '—' : `\`${String(def)}\``;
    return `| \`${envName(k)}\` | \`--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}\` | ${shown} | ${schema.description ?? ''} |`;
  });
  return ['| Variable | Flag | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** The configuration as HANGAR_* variables: what a child process needs to load the same one. */
export function configEnv(config: Config): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined && v !== null) out[envName(k)] = String(v);
  return out;
}
