/**
 * Per-user secrets: AES-256-GCM under a master key that never reaches the database. Each
 * value is sealed with a fresh 96-bit nonce and its owner and name as associated data, so a
 * ciphertext moved to another user or name does not open. Values reach a task only as
 * environment variables at run time, and are redacted from everything stored about it.
 *
 * The master key can be replaced (docs/running.md, "Rotating the secrets master key"): the box
 * holds a keyring, the current key, which seals, and previous keys, which still open. A sealed
 * value names the key that sealed it: `v2:<key id>:<base64 of nonce, tag, data>`, the key id
 * derived from the key (HKDF, 8 bytes: it tells nothing of the key). Values sealed before the
 * keyring (bare base64, version 1) name none: each key of the ring is tried in turn, current
 * first, and GCM's tag tells the right one.
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Misconfigured } from '../core/index.ts';

/** Where the embedded shape keeps the master key it made on first start (mode 0600). */
export const MASTER_KEY_FILE = 'secrets.key';

/** The settings that give the keyring, as messages name them. */
export const MASTER_KEY_SETTINGS = 'HANGAR_SECRETS_KEY (or HANGAR_SECRETS_KEY_FILE, else <dataDir>/secrets.key)';
export const PREVIOUS_KEYS_SETTINGS = 'HANGAR_SECRETS_PREVIOUS_KEYS (or HANGAR_SECRETS_PREVIOUS_KEYS_FILE)';

/** The sealed form that names its key (version 2); version 1 is bare base64. */
const V2 = 'v2:';

/** One key of the ring: its id, and the key imported once (a cipher made from a Buffer imports
 *  it again each time: 38 µs against 9 µs per open on Node 24, measured; every AWS-signed
 *  request opens its key's secret). */
interface RingKey {
  id: string;
  raw: Buffer;
  object: KeyObject;
}

/** A key's id: 8 bytes of HKDF-SHA256 of it, hex. Printed and stored beside what it sealed. */
export function keyIdOf(key: Buffer): string {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'hangar secrets key id v1', 8)).toString('hex');
}

/** A value sealed under a key that is not in the ring: the operator dropped a previous key too
 *  soon, or gave the wrong one. */
export class UnknownSecretsKey extends Misconfigured {
  constructor(keyId: string) {
    super(
      `a value is sealed under secrets key ${keyId}, which is not in the keyring: give that key as ${MASTER_KEY_SETTINGS} or in ${PREVIOUS_KEYS_SETTINGS}`,
    );
  }
}

export class SecretBox {
  private readonly ring: readonly RingKey[];

  /** `current` seals and opens; each of `previous` only opens (and verifies what is derived of it). */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    const ring: RingKey[] = [];
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Misconfigured('the secrets master key must be 32 bytes (base64 or hex)');
      const id = keyIdOf(key);
      if (!ring.some((k) => k.id === id)) ring.push({ id, raw: key, object: createSecretKey(key) });
    }
    this.ring = ring;
  }

  /** The current key's id. */
  get keyId(): string {
    return this.ring[0].id;
  }

  /** Every key's id, the current first. */
  get keyIds(): string[] {
    return this.ring.map((k) => k.id);
  }

  seal(userId: string, name: string, value: string): string {
    const { id, object } = this.ring[0];
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', object, nonce);
    c.setAAD(aad(userId, name));
    const data = Buffer.concat([c.update(value, 'utf8'), c.final()]);
    return `${V2}${id}:${Buffer.concat([nonce, c.getAuthTag(), data]).toString('base64')}`;
  }

  /** Whether `sealed` names the current key: re-sealing it would change nothing (`hangar rekey`). */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${V2}${this.ring[0].id}:`);
  }

  /** A 32-byte key for one purpose (HKDF-SHA256 of the current master key, the purpose as its
   *  info): nodes sharing the master key share it, and it tells nothing of the master key or of
   *  the keys of other purposes. What it signs is checked against deriveAll. */
  derive(purpose: string): Buffer {
    return derived(this.ring[0].raw, purpose);
  }

  /** As derive, for every key of the ring, the current first: what a signature is checked
   *  against, so that during a rotation a node accepts what nodes on either key signed. */
  deriveAll(purpose: string): Buffer[] {
    return this.ring.map((k) => derived(k.raw, purpose));
  }

  open(userId: string, name: string, sealed: string): string {
    if (sealed.startsWith(V2)) {
      const id = sealedKeyId(sealed) ?? '(none)';
      const key = this.ring.find((k) => k.id === id);
      if (!key) throw new UnknownSecretsKey(id);
      return decrypt(key.object, userId, name, sealed.slice(V2.length + id.length + 1));
    }
    // Version 1 names no key: the current first (values sealed before the keyring were sealed
    // under the one key there was), then the others; the tag tells.
    let failure: unknown;
    for (const k of this.ring) {
      try {
        return decrypt(k.object, userId, name, sealed);
      } catch (err) {
        failure ??= err;
      }
    }
    throw failure;
  }
}

/** The id of the key that sealed `sealed`, as it says; null when it says none (sealed before
 *  key ids). */
export function sealedKeyId(sealed: string): string | null {
  if (!sealed.startsWith(V2)) return null;
  const colon = sealed.indexOf(':', V2.length);
  return colon < 0 ? null : sealed.slice(V2.length, colon);
}

const aad = (userId: string, name: string): Buffer => Buffer.from(JSON.stringify([userId, name]));

const derived = (key: Buffer, purpose: string): Buffer => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), purpose, 32));

function decrypt(key: KeyObject, userId: string, name: string, base64: string): string {
  const buf = Buffer.from(base64, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
  d.setAAD(aad(userId, name));
  d.setAuthTag(buf.subarray(12, 28));
  return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
}

/** 32 bytes from base64 or hex text; `setting` names where it came from in the error. */
export function parseMasterKey(text: string, setting = 'HANGAR_SECRETS_KEY'): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Misconfigured(`${setting} must be 32 bytes, base64 or hex (e.g. \`openssl rand -base64 32\`)`);
  return key;
}

/** The previous keys: comma- (or, in the file, line-) separated, each as parseMasterKey takes it. */
function parsePreviousKeys(text: string, setting: string): Buffer[] {
  return text
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((k) => parseMasterKey(k, `each key of ${setting}`));
}

export interface MasterKeySettings {
  secretsKey?: string;
  secretsKeyFile?: string;
  secretsPreviousKeys?: string;
  secretsPreviousKeysFile?: string;
  dataDir: string;
}

/**
 * The keyring. The current key: HANGAR_SECRETS_KEY, else the file HANGAR_SECRETS_KEY_FILE, else
 * `<dataDir>/secrets.key`, made on first use (the embedded default: back it up with the data;
 * without it, stored secrets cannot be read). The previous keys: HANGAR_SECRETS_PREVIOUS_KEYS
 * and the file HANGAR_SECRETS_PREVIOUS_KEYS_FILE (both, when both are set).
 */
export function loadMasterKey(opts: MasterKeySettings): SecretBox {
  const previous = [
    ...(opts.secretsPreviousKeys ? parsePreviousKeys(opts.secretsPreviousKeys, 'HANGAR_SECRETS_PREVIOUS_KEYS') : []),
    ...(opts.secretsPreviousKeysFile
      ? parsePreviousKeys(readFileSync(opts.secretsPreviousKeysFile, 'utf8'), 'HANGAR_SECRETS_PREVIOUS_KEYS_FILE')
      : []),
  ];
  if (opts.secretsKey) return new SecretBox(parseMasterKey(opts.secretsKey), previous);
  const file = opts.secretsKeyFile ?? join(opts.dataDir, MASTER_KEY_FILE);
  if (!opts.secretsKeyFile && !existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  return new SecretBox(parseMasterKey(readFileSync(file, 'utf8'), opts.secretsKeyFile ? 'HANGAR_SECRETS_KEY_FILE' : file), previous);
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
