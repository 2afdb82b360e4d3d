/**
 * The pure half of an HTTP API's JWT authorizer, as API Gateway documents it: the token comes in
 * the Authorization header (a `Bearer ` prefix is optional); its header names the signing key
 * (`kid`) and an asymmetric algorithm; its claims must be from the authorizer's issuer (`iss`),
 * for one of its audiences (`aud`, or `client_id` when there is no `aud`), not expired (`exp`,
 * required) and already valid (`nbf`, `iat`). The signature is checked by whoever holds the keys
 * (auth/jwks.ts); here only the decisions that need no key.
 */

/** The algorithms a JWKS key can verify. `none` and the HMAC ones (a shared secret the gateway
 *  does not have) are refused. */
export const JwtAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JwtAlgorithms)[number];

export interface DecodedJwt {
  alg: JwtAlgorithm;
  kid: string;
  claims: Record<string, unknown>;
  /** `header.payload`, the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

/** The token of an Authorization header (with or without `Bearer `), or null when there is none. */
export function bearerToken(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const token = authorization.replace(/^Bearer\s+/i, '').trim();
  return token === '' ? null : token;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** The token's parts, or null when it is not a signed JWT with a kid and a known algorithm. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return null;
  const [h, p, s] = parts as [string, string, string];
  const header = parseJson(h);
  const claims = parseJson(p);
  if (!header || !claims) return null;
  if (typeof header.alg !== 'string' || !(JwtAlgorithms as readonly string[]).includes(header.alg)) return null;
  if (typeof header.kid !== 'string' || header.kid === '') return null;
  return { alg: header.alg as JwtAlgorithm, kid: header.kid, claims, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

function parseJson(b64: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Why a token's claims are refused, or null when they pass. `nowMs`: the gateway's time. */
export function checkJwtClaims(
  claims: Record<string, unknown>,
  want: { issuer: string; audience: string[] },
  nowMs: number,
): string | null {
  if (claims.iss !== want.issuer) return 'the issuer is not the authorizer’s';
  const aud = claims.aud ?? claims.client_id;
  const auds = Array.isArray(aud) ? aud : [aud];
  if (!auds.some((a) => typeof a === 'string' && want.audience.includes(a))) return 'the audience is not one of the authorizer’s';
  const now = nowMs / 1000;
  if (typeof claims.exp !== 'number') return 'the token has no expiry (exp)';
  if (claims.exp <= now) return 'the token has expired';
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) return 'the token is not valid yet (nbf)';
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > now)) return 'the token was issued in the future (iat)';
  return null;
}

/**
 * requestContext.authorizer of a request a JWT let in, as AWS fills it: the claims with their
 * values as strings (an array as `[a b]`, another object as JSON), the scopes from `scope` (space
 * separated) or `scp`, null without either.
 */
export function jwtAuthorizerContext(claims: Record<string, unknown>): {
  jwt: { claims: Record<string, string>; scopes: string[] | null };
} {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(claims)) {
    out.set(
      name,
      typeof value === 'string'
        ? value
        : Array.isArray(value)
          ? `[${value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' ')}]`
          : typeof value === 'object' && value !== null
            ? JSON.stringify(value)
            : String(value),
    );
  }
  const scopes =
    typeof claims.scope === 'string'
      ? claims.scope.split(' ').filter((s) => s !== '')
      : Array.isArray(claims.scp) && claims.scp.every((s) => typeof s === 'string')
        ? (claims.scp as string[])
        : null;
  return { jwt: { claims: Object.fromEntries(out), scopes } };
}
