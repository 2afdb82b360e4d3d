/**
 * API keys: made here, shown once, kept as their SHA-256 and, for AWS SigV4 (where the key is
 * the secret access key and its id the access key id), sealed under the secrets master key:
 * never in plain text. A request's `Authorization:
 * Bearer <key>` becomes a Principal (who, with which scope). A valid key is remembered for a
 * few seconds, so most requests skip the lookup; a revocation, here or on another API node,
 * drops every remembered key at once (Store.subscribeKeys), so it holds from the next request,
 * and KEY_CACHE_MS bounds it should that news be lost. `HANGAR_AUTH=none` turns this off for a
 * trusted setup.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY_FILE } from './files.ts';
import { Unauthorized } from '../core/errors.ts';
import type { Logger } from '../log/index.ts';
import type { Access } from '../store/index.ts';
import { uuidv7 } from '../store/ids.ts';
import type { SecretBox } from '../secrets/index.ts';
import { apiKeySealedName, type ApiKey, type Clock, type KeyScope } from '../core/index.ts';

/** Who is calling. `userId` is null only when authentication is off and the body names nobody. */
export interface Principal {
  userId: string | null;
  scope: KeyScope;
  /** The key used; null when authentication is off. */
  keyId: string | null;
}

export const KEY_PREFIX = 'hk_';
/** Keys are `hk_` + 43 base64url characters (256 random bits). */
export const KEY_PATTERN = /^hk_[A-Za-z0-9_-]{43}$/;

export function hashKey(raw: string): string {
  return createHash('sha256').update(raw).digest('hex');
}

export interface MadeKey {
  /** The key to hand to its owner, once. */
  raw: string;
  record: ApiKey;
}

/** The name a key's sealed copy is bound to (core/access.ts). */
const sealedName = apiKeySealedName;

/** Creates a key for `userId` and stores its hash and its sealed copy (for AWS signatures). The
 *  raw key exists in plain text only in the return value. */
export async function createKey(
  store: Pick<Access, 'createKey'>,
  box: SecretBox,
  userId: string,
  scope: KeyScope,
  name: string | null,
  raw = KEY_PREFIX + randomBytes(32).toString('base64url'),
): Promise<MadeKey> {
  const id = uuidv7();
  const sealedKey = box.seal(userId, sealedName(id), raw);
  const record = await store.createKey({ id, hash: hashKey(raw), prefix: raw.slice(0, 10), userId, scope, name, sealedKey });
  return { raw, record };
}

/** A key as an AWS credential pair: its record, and what is derived of its raw key (the secret
 *  access key) to check signatures. */
export interface KeyCredential {
  key: ApiKey;
  /**
   * `derive(raw key)`, remembered under `name` as long as the key itself is (dropped with it on
   * the news of a revocation, or after KEY_CACHE_MS); null when the key cannot sign (made before
   * keys were kept sealed, or no secrets to open them with). The raw key is not kept: it is
   * opened from its sealed copy for each derivation.
   */
  derive: (<T>(name: string, derive: (secret: string) => T) => T) | null;
}

/** The principal a key makes of its caller. */
export const principalOfKey = (key: ApiKey): Principal => ({ userId: key.userId, scope: key.scope, keyId: key.id });

/** Unauthorized, with what RFC 6750 wants the client told. */
export class AuthError extends Unauthorized {
  readonly challenge: string;
  constructor(message: string, challenge: string) {
    super(message);
    this.challenge = challenge;
  }
}

/** How long a valid key is remembered without looking it up again, ms: the longest a
 *  revocation can go unseen by an API node that missed its notice. */
export const KEY_CACHE_MS = 5000;

/** Keys remembered at most; past it the cache starts again. */
const KEY_CACHE_MAX = 10_000;

/** What is derived of one signing key, remembered at most (a SigV4 signing key per day, region
 *  and service: a few); past it they start again. */
const DERIVED_MAX = 16;

/** A signing key as remembered: sealed, with what was derived of it. */
interface Signer {
  key: ApiKey;
  sealedKey: string | null;
  until: number;
  derived: Map<string, unknown>;
}

export class Authenticator {
  private readonly store: Access;
  private readonly clock: Clock;
  private readonly cacheMs: number;
  /** Last time each key's use was written: at most once a minute per key. */
  private readonly touched = new Map<string, number>();
  /** Valid keys by hash, with when to look them up again (performance.now()). */
  private readonly cache = new Map<string, { key: ApiKey; until: number }>();
  /** Valid signing keys by id (AWS access key id), sealed, with when to look them up again. */
  private readonly signers = new Map<string, Signer>();
  private readonly box: SecretBox | null;
  /** Counts the times the cache was dropped: a lookup that straddles one is not remembered. */
  private generation = 0;
  private readonly unsubscribe: () => void;

  /** `secrets` opens the sealed keys AWS signatures are checked with; without it no key can sign. */
  constructor(store: Access, clock: Clock, opts: { cacheMs?: number; secrets?: SecretBox } = {}) {
    this.store = store;
    this.clock = clock;
    this.cacheMs = opts.cacheMs ?? KEY_CACHE_MS;
    this.box = opts.secrets ?? null;
    this.unsubscribe = store.subscribeKeys(() => {
      this.generation++;
      this.cache.clear();
      this.signers.clear();
    });
  }

  close(): void {
    this.unsubscribe();
  }

  private async lookUp(hash: string): Promise<ApiKey | null> {
    const t = performance.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > t) return hit.key;
    const generation = this.generation;
    const key = await this.store.keyByHash(hash);
    if (key && key.revokedAt === null && generation === this.generation && this.cacheMs > 0) {
      if (this.cache.size >= KEY_CACHE_MAX) this.cache.clear();
      this.cache.set(hash, { key, until: t + this.cacheMs });
    }
    return key;
  }

  /**
   * The key whose id is `keyId` (an AWS access key id), revoked or not, and what is derived of its
   * raw key to check a signature; null when there is no such key. Remembered as valid keys are
   * (sealed, with what was derived of them: a signing key per credential scope, so a warm request
   * neither opens the key nor derives again: that was 0.64 s of the 1.64 s that verifying 3,000
   * warm Lambda Invokes took, profiled at 16 concurrent), dropped on the same revocation news.
   * A use is recorded as a Bearer key's is: the caller calls used() once the signature holds.
   */
  async credential(keyId: string): Promise<KeyCredential | null> {
    const t = performance.now();
    let hit = this.signers.get(keyId);
    if (!hit || hit.until <= t) {
      const generation = this.generation;
      const found = await this.store.signingKey(keyId);
      if (!found) return null;
      hit = { ...found, until: t + this.cacheMs, derived: new Map() };
      if (found.key.revokedAt === null && generation === this.generation && this.cacheMs > 0) {
        if (this.signers.size >= KEY_CACHE_MAX) this.signers.clear();
        this.signers.set(keyId, hit);
      }
    }
    const { box } = this;
    const { sealedKey, derived } = hit;
    const userId = hit.key.userId;
    if (sealedKey === null || !box) return { key: hit.key, derive: null };
    return {
      key: hit.key,
      derive: <T>(name: string, derive: (secret: string) => T): T => {
        if (derived.has(name)) return derived.get(name) as T;
        const value = derive(box.open(userId, sealedName(keyId), sealedKey));
        if (derived.size >= DERIVED_MAX) derived.clear();
        derived.set(name, value);
        return value;
      },
    };
  }

  /** Records that a key was used (at most once a minute per key). */
  used(key: ApiKey): void {
    const now = this.clock.now();
    if (now - (this.touched.get(key.id) ?? 0) > 60_000) {
      this.touched.set(key.id, now);
      void this.store.touchKey(key.id, now).catch(() => undefined);
    }
  }

  /** The principal of an Authorization header value, or AuthError. */
  async authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw new AuthError('an API key is required: send Authorization: Bearer <key>', 'Bearer realm="hangar"');
    const m = /^Bearer +(\S+)\s*$/i.exec(header);
    if (!m) throw new AuthError('the Authorization header must be "Bearer <key>"', 'Bearer realm="hangar", error="invalid_request"');
    const raw = m[1];
    const key = KEY_PATTERN.test(raw) || raw.length >= 24 ? await this.lookUp(hashKey(raw)) : null;
    if (!key || key.revokedAt !== null)
      throw new AuthError('the API key is not valid (unknown or revoked)', 'Bearer realm="hangar", error="invalid_token"');
    this.used(key);
    return principalOfKey(key);
  }
}

/** Name of the file in the data directory holding the first admin key (mode 0600). */
export { ADMIN_KEY_FILE } from './files.ts';

/**
 * Makes sure an admin can get in. With `HANGAR_ADMIN_KEY` set, that key is registered (once)
 * as user `admin`'s. Otherwise, on the first start (no admin key at all), one is made and
 * written to `<dataDir>/admin.key`, readable by the owner only: never printed, so it stays
 * out of logs; the log says where it is. Returns the file's path when it made one.
 */
export async function ensureAdminKey(
  store: Access,
  box: SecretBox,
  dataDir: string,
  adminKey: string | undefined,
  log: Logger,
): Promise<string | null> {
  if (adminKey) {
    if (!(await store.keyByHash(hashKey(adminKey)))) await createKey(store, box, 'admin', 'admin', 'HANGAR_ADMIN_KEY', adminKey);
    return null;
  }
  const admins = (await store.listKeys({})).filter((k) => k.scope === 'admin' && k.revokedAt === null);
  if (admins.length > 0) return null;
  const { raw } = await createKey(store, box, 'admin', 'admin', 'first start');
  const file = join(dataDir, ADMIN_KEY_FILE);
  writeFileSync(file, raw + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  log.warn(
    { file },
    `first start: an admin API key was created and saved in ${file} (only its owner can read it). ` +
      `Use it as: export HANGAR_API_KEY=$(cat ${file}); curl -H "Authorization: Bearer $HANGAR_API_KEY" ... ` +
      '`hangar key create --user <name>` makes keys for users.',
  );
  return file;
}
export { JwksVerifier } from './jwks.ts';
