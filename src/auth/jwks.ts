/**
 * JWT signatures checked against an issuer's published keys (a JWKS), for HTTP APIs' JWT
 * authorizers. node:crypto does the cryptography (a JWK becomes a KeyObject; RSA PKCS#1 v1.5,
 * RSA-PSS, ECDSA in JOSE's r||s form, Ed25519): no JWT library is a dependency (`jose` would be
 * the one to take). The pure checks (algorithms, claims) are core/http-api/jwt.ts.
 *
 * An authorizer without a JWKS URL (as API Gateway's take none) finds it as AWS does: the
 * `jwks_uri` of the issuer's OpenID configuration (`{issuer}/.well-known/openid-configuration`),
 * read with the keys, through the same guard, and kept as long as they are.
 *
 * Keys are fetched once per URL and kept for KEYS_KEEP_MS; a token naming a key not in the set
 * fetches it again (the issuer rotated its keys), at most once per REFETCH_MIN_MS, so a flood of
 * made-up key ids costs one fetch. A fetch is a GET without redirects, bounded in time and size.
 *
 * The JWKS URL is the API owner's input, so a fetch is a request Hangar makes into the
 * operator's network on a stranger's behalf (a blind SSRF: a 200 or not, timing). Each fetch
 * goes through the tasks' egress guard (executor/sandbox/egress.ts): the host is resolved once,
 * refused if any of its addresses is loopback, private, link-local (cloud metadata at
 * 169.254.169.254), unspecified or otherwise not public, unless HANGAR_JWKS_ALLOW names it, and
 * the connection goes to the address checked, so a DNS answer that changes in between (rebinding)
 * cannot slip through. A refused fetch fails as an issuer that cannot be reached does.
 */
import { constants, createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { DecodedJwt, JwtAlgorithm } from '../core/index.ts';
import { EgressGuard } from '../executor/index.ts';

type Resolve = ConstructorParameters<typeof EgressGuard>[1];

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

export interface JwksVerifierOptions {
  /** Hosts that may be fetched although not public (HANGAR_JWKS_ALLOW): addresses, CIDRs,
   *  names, each with an optional port, as HANGAR_EGRESS_ALLOW. */
  allow?: string[];
  now?: () => number;
  /** How names are resolved (default: the system's resolver). */
  resolve?: Resolve;
}

/** Where an authorizer's keys are: its JWKS URL, or (null) its issuer's OpenID configuration's. */
export interface JwksSource {
  jwksUrl?: string | null;
  issuer: string;
}

export class JwksVerifier {
  private readonly sets = new Map<string, KeySet>();
  private readonly pending = new Map<string, Promise<KeySet>>();
  private readonly failures = new Map<string, { at: number; error: Error }>();
  private readonly now: () => number;
  private readonly guard: EgressGuard;

  constructor(o: JwksVerifierOptions = {}) {
    this.now = o.now ?? Date.now;
    this.guard = new EgressGuard(o.allow ?? [], o.resolve, 'not fetched for JWT authorizers (HANGAR_JWKS_ALLOW lists exceptions)');
  }

  /** Whether the token's signature is one of `jwksUrl`'s keys'. Throws when the keys cannot be
   *  had (the issuer down, not a JWKS): the caller refuses the request. */
  async verify(source: JwksSource, token: DecodedJwt): Promise<boolean> {
    const url = source.jwksUrl ?? discoveryUrl(source.issuer);
    let set = await this.keySet(url, false);
    if (!set.keys.has(token.kid) && this.now() - set.fetchedAt >= REFETCH_MIN_MS) set = await this.keySet(url, true);
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
    let jwksUrl = url;
    if (url.endsWith(DISCOVERY_PATH)) {
      const config = JSON.parse(await this.get(url)) as { jwks_uri?: unknown };
      if (typeof config.jwks_uri !== 'string') throw new Error(`the OpenID configuration at ${url} names no jwks_uri`);
      jwksUrl = config.jwks_uri;
    }
    const text = await this.get(jwksUrl);
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

  /** The body of a GET of `url` if the guard lets its host be reached: node:http rather than
   *  fetch, whose connections cannot be pinned to the address checked. No redirects (node:http
   *  follows none), bounded in time and size. */
  private async get(url: string): Promise<string> {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`the JWKS URL ${url} is not http(s)`);
    const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
    const verdict = await this.guard.check(u.hostname, port);
    if (!verdict.ok) throw new Error(`the JWKS at ${url} is refused: ${verdict.reason}`);
    const { address, family } = verdict;
    // A name keeps its spelling for Host, SNI and the certificate check; only where the socket
    // connects is fixed.
    const lookup: LookupFunction = (_name, opts, cb) =>
      opts.all ? cb(null, [{ address, family }]) : (cb as (e: null, a: string, f: number) => void)(null, address, family);
    const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
    return new Promise<string>((resolve, reject) => {
      const req = (u.protocol === 'https:' ? https : http).get(url, { lookup, signal, headers: { accept: 'application/json' } }, (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          res.resume();
          return reject(new Error(`the JWKS at ${url} answered ${status}`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_JWKS_BYTES) {
            req.destroy();
            reject(new Error(`the JWKS at ${url} is over ${MAX_JWKS_BYTES} bytes`));
          } else chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  }
}

const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** OpenID Connect Discovery: the configuration is at the issuer's URL with the path appended. */
function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}${DISCOVERY_PATH}`;
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
