/** What every client command shares: --url and --json, the client, output and error reporting. */
import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { readAdminKeyFile } from '../../auth/index.ts';
import { loadConfig } from '../../config/index.ts';
import { HangarError } from '../../errors/index.ts';
import { ApiError, ConnectionError, HangarClient } from '../client.ts';

export interface ClientFlags {
  url?: string;
  json?: boolean;
}

export function clientOptions(cmd: Command): Command {
  return cmd.option('--url <base>', 'API base URL (HANGAR_URL; default http://127.0.0.1:8080)').option('--json', 'print the raw JSON response');
}

/** The API base: --url, else HANGAR_URL, else the config file, else the default. The key:
 *  HANGAR_API_KEY, else the admin key the first start saved in the data directory, if readable. */
export function clientFor(flags: ClientFlags): HangarClient {
  const c = loadConfig({ flags: { url: flags.url } });
  return new HangarClient(c.url, { apiKey: c.apiKey ?? readAdminKeyFile(resolve(c.dataDir)) });
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

/** Reports an error the way every command does and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof ApiError) {
    note(`${err.detail} (${err.code})`);
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
