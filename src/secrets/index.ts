/**
 * Per-user secrets: AES-256-GCM under one master key that never reaches the database. Each
 * value is sealed with a fresh 96-bit nonce and its owner and name as associated data, so a
 * ciphertext moved to another user or name does not open. Values reach a task only as
 * environment variables at run time, and are redacted from everything stored about it.
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Misconfigured } from '../core/index.ts';

/** Where the embedded shape keeps the master key it made on first start (mode 0600). */
export const MASTER_KEY_FILE = 'secrets.key';

export class SecretBox {
  private readonly key: Buffer;
  /** The key imported once: a cipher made from a Buffer imports it again each time (38 µs against
   *  9 µs per open on Node 24, measured; every AWS-signed request opens its key's secret). */
  private readonly keyObject: KeyObject;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Misconfigured('the secrets master key must be 32 bytes (base64 or hex)');
    this.key = key;
    this.keyObject = createSecretKey(key);
  }

  seal(userId: string, name: string, value: string): string {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.keyObject, nonce);
    c.setAAD(aad(userId, name));
    const data = Buffer.concat([c.update(value, 'utf8'), c.final()]);
    return Buffer.concat([nonce, c.getAuthTag(), data]).toString('base64');
  }

  /** A 32-byte key for one purpose (HKDF-SHA256 of the master key, the purpose as its info):
   *  nodes sharing the master key share it, and it tells nothing of the master key or of the
   *  keys of other purposes. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), purpose, 32));
  }

  open(userId: string, name: string, sealed: string): string {
    const buf = Buffer.from(sealed, 'base64');
    const d = createDecipheriv('aes-256-gcm', this.keyObject, buf.subarray(0, 12));
    d.setAAD(aad(userId, name));
    d.setAuthTag(buf.subarray(12, 28));
    return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
  }
}

const aad = (userId: string, name: string): Buffer => Buffer.from(JSON.stringify([userId, name]));

/** 32 bytes from base64 or hex text. */
export function parseMasterKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Misconfigured('HANGAR_SECRETS_KEY must be 32 bytes, base64 or hex (e.g. `openssl rand -base64 32`)');
  return key;
}

/**
 * The master key: HANGAR_SECRETS_KEY, else the file HANGAR_SECRETS_KEY_FILE, else
 * `<dataDir>/secrets.key`, made on first use (the embedded default: back it up with the data;
 * without it, stored secrets cannot be read).
 */
export function loadMasterKey(opts: { secretsKey?: string; secretsKeyFile?: string; dataDir: string }): SecretBox {
  if (opts.secretsKey) return new SecretBox(parseMasterKey(opts.secretsKey));
  const file = opts.secretsKeyFile ?? join(opts.dataDir, MASTER_KEY_FILE);
  if (!opts.secretsKeyFile && !existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  return new SecretBox(parseMasterKey(readFileSync(file, 'utf8')));
}

const MASK = '[REDACTED]';
/** Shorter values are not redacted (they would mask ordinary text); documented with secrets. */
export const MIN_REDACTED_LENGTH = 4;

/** Replaces every occurrence of each value by `[REDACTED]`. */
export function redact(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) if (v.length >= MIN_REDACTED_LENGTH && out.includes(v)) out = out.split(v).join(MASK);
  return out;
}

/**
 * As redact, on captured output (bytes, maybe not UTF-8). When the capture was cut short, a
 * value's beginning at the very end is masked too (and with `cutAtStart`, a value's end at the
 * very start, for the tail of a log whose middle was left out): a cut must not leave half a
 * secret.
 */
export function redactBytes(data: Buffer, values: readonly string[], truncated: boolean, cutAtStart = false): Buffer {
  let out = data;
  const mask = Buffer.from(MASK);
  for (const v of values) {
    if (v.length < MIN_REDACTED_LENGTH) continue;
    const needle = Buffer.from(v);
    let i = out.indexOf(needle);
    if (i >= 0) {
      const parts: Buffer[] = [];
      let from = 0;
      for (; i >= 0; i = out.indexOf(needle, from)) {
        parts.push(out.subarray(from, i), mask);
        from = i + needle.length;
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    if (truncated) {
      for (let k = Math.min(needle.length - 1, out.length); k >= MIN_REDACTED_LENGTH; k--) {
        if (out.subarray(out.length - k).equals(needle.subarray(0, k))) {
          out = Buffer.concat([out.subarray(0, out.length - k), mask]);
          break;
        }
      }
    }
    if (cutAtStart) {
      for (let k = Math.min(needle.length - 1, out.length); k >= MIN_REDACTED_LENGTH; k--) {
        if (out.subarray(0, k).equals(needle.subarray(needle.length - k))) {
          out = Buffer.concat([mask, out.subarray(k)]);
          break;
        }
      }
    }
  }
  return out;
}

/**
 * As redactBytes, on output that arrives piece by piece (live output): a value may be split
 * across pieces, so the tail of what has arrived that could be the start of a value is held
 * back until the next piece shows whether it is. end() gives what is held, its unfinished
 * value start masked as redactBytes masks a cut capture.
 */
export class StreamRedactor {
  private held = Buffer.alloc(0);
  private readonly values: string[];
  private readonly needles: Buffer[];
  private readonly longest: number;

  constructor(values: readonly string[]) {
    this.values = values.filter((v) => v.length >= MIN_REDACTED_LENGTH);
    this.needles = this.values.map((v) => Buffer.from(v));
    this.longest = Math.max(0, ...this.needles.map((n) => n.length));
  }

  /** What may be shown of everything pushed so far, beyond what earlier calls returned. */
  push(data: Buffer): Buffer {
    if (this.needles.length === 0) return data;
    const buf = redactBytes(this.held.length > 0 ? Buffer.concat([this.held, data]) : data, this.values, false);
    let cut = buf.length;
    for (let i = Math.max(0, buf.length - (this.longest - 1)); i < buf.length && cut === buf.length; i++) {
      const tail = buf.subarray(i);
      if (this.needles.some((n) => n.length > tail.length && n.subarray(0, tail.length).equals(tail))) cut = i;
    }
    this.held = Buffer.from(buf.subarray(cut));
    return buf.subarray(0, cut);
  }

  end(): Buffer {
    const rest = this.held.length > 0 ? redactBytes(this.held, this.values, true) : this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }
}
