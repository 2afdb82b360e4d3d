/**
 * Which API the CLI talks to and with which key, from the same settings the server reads, so
 * that `HANGAR_PORT=18111 hangar up` and `HANGAR_PORT=18111 hangar whoami` meet:
 *
 *   URL: --url, else HANGAR_URL (environment or config file), else http(s)://HANGAR_HOST:HANGAR_PORT
 *        (a wildcard bind address is reached on loopback; https when HANGAR_TLS_CERT is set).
 *   key: HANGAR_API_KEY, else HANGAR_ADMIN_KEY, else `admin.key` in the data directory
 *        (HANGAR_DATA_DIR; a relative one is tried from here and from this installation's root,
 *        where `npm start` runs the server), recording every place tried, so that a 401 can say.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ADMIN_KEY_FILE } from '../auth/files.ts';
import { envName, type Config, type SettingSource } from '../config/index.ts';

export interface Loaded {
  config: Config;
  sources: Record<keyof Config, SettingSource>;
  /** The config file read, if any. */
  file: string | undefined;
}

/** Where a setting came from, as a user would write it: `--port`, `HANGAR_PORT`, `port in x.json`. */
export function origin(l: Loaded, key: keyof Config): string {
  switch (l.sources[key]) {
    case 'flag':
      return `--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;
    case 'env':
      return envName(key);
    case 'file':
      return `${key} in ${l.file}`;
    case 'default':
      return 'default';
    default: {
      const never: never = l.sources[key];
      return never;
    }
  }
}

/** An address a server binds to, as a client on this machine reaches it. */
export function clientHost(bind: string): string {
  const h = bind.replace(/^\[(.*)\]$/, '$1');
  if (h === '0.0.0.0' || h === '') return '127.0.0.1';
  if (h === '::' || h === '::0') return '[::1]';
  return h.includes(':') ? `[${h}]` : h;
}

export function apiUrl(l: Loaded): { url: string; from: string } {
  const c = l.config;
  if (l.sources.url !== 'default') return { url: c.url, from: origin(l, 'url') };
  const set = (['host', 'port'] as const).filter((k) => l.sources[k] !== 'default').map((k) => origin(l, k));
  const scheme = c.tlsCert ? 'https' : 'http';
  return { url: `${scheme}://${clientHost(c.host)}:${c.port}`, from: set.length > 0 ? set.join(' and ') : 'default' };
}

export interface KeyLookup {
  key: string | undefined;
  /** Where the key came from (a setting or a file), or null when none was found. */
  from: string | null;
  /** Admin key files looked at, each with what was there. */
  tried: { file: string; found: string }[];
}

export function apiKey(l: Loaded, opts: { cwd?: string; installRoot?: string } = {}): KeyLookup {
  if (l.config.apiKey) return { key: l.config.apiKey, from: origin(l, 'apiKey'), tried: [] };
  if (l.config.adminKey) return { key: l.config.adminKey, from: origin(l, 'adminKey'), tried: [] };
  const cwd = opts.cwd ?? process.cwd();
  const dirs = [resolve(cwd, l.config.dataDir)];
  if (!isAbsolute(l.config.dataDir) && opts.installRoot) dirs.push(resolve(opts.installRoot, l.config.dataDir));
  const tried: KeyLookup['tried'] = [];
  for (const dir of new Set(dirs)) {
    const file = join(dir, ADMIN_KEY_FILE);
    try {
      const key = readFileSync(file, 'utf8').trim();
      if (key) return { key, from: file, tried };
      tried.push({ file, found: 'empty' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      tried.push({
        file,
        found: code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable by this user' : (err as Error).message,
      });
    }
  }
  return { key: undefined, from: null, tried };
}

/** What to tell a user whose request was refused (401), given how the key was looked up. */
export function keyHint(k: KeyLookup): string {
  if (k.from) return `the key from ${k.from} was refused`;
  const where = k.tried.map((t) => `${t.file} (${t.found})`).join(', ');
  return `no API key: HANGAR_API_KEY and HANGAR_ADMIN_KEY are not set and no admin key was found at ${where}; set HANGAR_API_KEY, or HANGAR_DATA_DIR to the server's data directory`;
}
