/**
 * JWT signatures checked against an issuer's published keys (a JWKS), for HTTP APIs' JWT
 * authorizers. node:crypto does the cryptography (a JWK becomes a KeyObject; RSA PKCS#1 v1.5,
 * RSA-PSS, ECDSA in JOSE's r||s form, Ed25519): no JWT library is a dependency (`jose` would be
 * the one to take). The pure checks (algorithms, claims) are core/http-api/jwt.ts.
 *
 * Keys are fetched once per URL and kept for KEYS_KEEP_MS; a token naming a key not in the set
 * fetches it again (the issuer rotated its keys), at most once per REFETCH_MIN_MS, so a flood of
 * made-up key ids costs one fetch. A fetch is a GET without redirects, bounded in time and size.
 */
import { constants, createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import type { DecodedJwt, JwtAlgorithm } from '../core/index.ts';

const KEYS_KEEP_MS = 10 * 60_000;
const REFETCH_MIN_MS = 30_000;
const FETCH_TIMEOUT_MS = 5_000;
const MAX_JWKS_BYTES = 256 * 1024;

interface KeySet {
  keys: Map<string, { key: KeyObject; alg: string | undefined }>;
  fetchedAt: number;
}

/** The key type each algorithm family needs. */
const KTY: Record<string, string> = { RS: 'RSA', PS: 'RSA', ES: 'EC', Ed: 'OKP' };

export class JwksVerifier {
  private readonly sets = new Map<string, KeySet>();
  private readonly pending = new Map<string, Promise<KeySet>>();
  private readonly failures = new Map<string, { at: number; error: Error }>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Whether the token's signature is one of `jwksUrl`'s keys'. Throws when the keys cannot be
   *  had (the issuer down, not a JWKS): the caller refuses the request. */
  async verify(jwksUrl: string, token: DecodedJwt): Promise<boolean> {
    let set = await this.keySet(jwksUrl, false);
    if (!set.keys.has(token.kid) && this.now() - set.fetchedAt >= REFETCH_MIN_MS) set = await this.keySet(jwksUrl, true);
    const found = set.keys.get(token.kid);
    if (!found) return false;
    if (found.alg !== undefined && found.alg !== token.alg) return false;
    if (KTY[token.alg.slice(0, 2)] !== ktyOf(found.key)) return false;
    const curve = CURVE[token.alg];
    if (curve && found.key.asymmetricKeyDetails?.namedCurve !== curve) return false;
    try {
      return verify(digestOf(token.alg), Buffer.from(token.signingInput), keyFor(found.key, token.alg), token.signature);
    } catch {
      return false;
    }
  }

  private async keySet(url: string, fresh: boolean): Promise<KeySet> {
    const have = this.sets.get(url);
    if (have && !fresh && this.now() - have.fetchedAt < KEYS_KEEP_MS) return have;
    // An issuer that failed is asked again only after REFETCH_MIN_MS: requests meanwhile do not
    // each wait for it. Keys it gave before are still better than none.
    const failed = this.failures.get(url);
    if (failed && this.now() - failed.at < REFETCH_MIN_MS) {
      if (have) return have;
      throw failed.error;
    }
    let p = this.pending.get(url);
    if (!p) {
      p = this.fetchSet(url).finally(() => this.pending.delete(url));
      this.pending.set(url, p);
    }
    try {
      return await p;
    } catch (err) {
      this.failures.set(url, { at: this.now(), error: err as Error });
      if (have) return have;
      throw err;
    }
  }

  private async fetchSet(url: string): Promise<KeySet> {
    const res = await fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
    if (!res.ok) throw new Error(`the JWKS at ${url} answered ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error(`the JWKS at ${url} is over ${MAX_JWKS_BYTES} bytes`);
    const doc = JSON.parse(text) as { keys?: unknown };
    if (!Array.isArray(doc.keys)) throw new Error(`the document at ${url} is not a JWKS (no keys)`);
    const keys = new Map<string, { key: KeyObject; alg: string | undefined }>();
    for (const jwk of doc.keys as Array<Record<string, unknown>>) {
      if (typeof jwk !== 'object' || jwk === null || typeof jwk.kid !== 'string') continue;
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      try {
        keys.set(jwk.kid, {
          key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }),
          alg: typeof jwk.alg === 'string' ? jwk.alg : undefined,
        });
      } catch {
        // A key node:crypto cannot read (an unknown curve): it verifies nothing.
      }
    }
    const set = { keys, fetchedAt: this.now() };
    this.sets.set(url, set);
    this.failures.delete(url);
    return set;
  }
}

/** ECDSA's algorithm names its curve too. */
const CURVE: Partial<Record<JwtAlgorithm, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

function ktyOf(key: KeyObject): string {
  const t = key.asymmetricKeyType;
  return t === 'rsa' || t === 'rsa-pss' ? 'RSA' : t === 'ec' ? 'EC' : t === 'ed25519' ? 'OKP' : '';
}

function digestOf(alg: JwtAlgorithm): string | null {
  return alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
}

function keyFor(key: KeyObject, alg: JwtAlgorithm) {
  if (alg.startsWith('ES')) return { key, dsaEncoding: 'ieee-p1363' as const };
  if (alg.startsWith('PS')) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 };
  return key;
}
