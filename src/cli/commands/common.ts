/** What every client command shares: --url and --json, the client, output and error reporting. */
import { InvalidArgumentError, type Command } from 'commander';
import { join } from 'node:path';
import { loadConfigWithSources } from '../../config/index.ts';
import { HangarError } from '../../core/errors.ts';
import { ApiError, ConnectionError, HangarClient } from '../client/index.ts';
import { apiKey, apiUrl, keyHint, type Loaded } from '../target.ts';

export interface ClientFlags {
  url?: string;
  json?: boolean;
}

export function clientOptions(cmd: Command): Command {
  return cmd
    .option('--url <base>', 'API base URL (HANGAR_URL; else http://HANGAR_HOST:HANGAR_PORT, default http://127.0.0.1:8080)')
    .option('--json', 'print the raw JSON response');
}

/** This installation's root, where `npm start` runs the server (and so keeps ./data). */
export const INSTALL_ROOT = join(import.meta.dirname, '..', '..', '..');

/** The settings as the CLI sees them (src/cli/target.ts says what it makes of them). */
export function cliSettings(flags: Record<string, unknown> = {}): Loaded {
  const { config: file, ...rest } = flags;
  return loadConfigWithSources({ flags: rest, file: typeof file === 'string' ? file : undefined });
}

/** A client for the API and key src/cli/target.ts finds. */
export function clientFor(flags: ClientFlags): HangarClient {
  const l = cliSettings({ url: flags.url });
  const key = apiKey(l, { installRoot: INSTALL_ROOT });
  return new HangarClient(apiUrl(l).url, { apiKey: key.key, keyHint: keyHint(key) });
}

export function print(text: string): void {
  if (text !== '') process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function note(text: string): void {
  process.stderr.write(`hangar: ${text}\n`);
}

/** Integer option/argument parser; a bad value is a usage error (exit 2). */
export function int(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('Not an integer.');
  return Number(value);
}

/** A repeatable KEY=VALUE option, collected into an object. */
export function envPair(value: string, acc: Record<string, string> | undefined): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError('Expected KEY=VALUE.');
  return { ...acc, [value.slice(0, i)]: value.slice(i + 1) };
}

/** A repeatable option, collected into a list. */
export function listOf(value: string, acc: string[] | undefined): string[] {
  return [...(acc ?? []), value];
}

/** Reports an error the way every command does and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof ApiError) {
    note(`${err.detail} (${err.code})`);
    if (err.hint) note(err.hint);
    return 1;
  }
  if (err instanceof ConnectionError) {
    note(err.message);
    return 1;
  }
  if (err instanceof HangarError) {
    note(err.message);
    return err.code === 'CONFIG_INVALID' ? 2 : 1;
  }
  note(err instanceof Error ? err.message : String(err));
  return 1;
}
