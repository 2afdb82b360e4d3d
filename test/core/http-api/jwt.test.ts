/** The pure half of a JWT authorizer: decoding, the claims API Gateway checks, the event's
 *  authorizer context. Signatures are checked end to end (test/api/http-apis.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken, checkJwtClaims, decodeJwt, jwtAuthorizerContext } from '../../../src/core/index.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const token = (header: unknown, claims: unknown = {}) => `${b64(header)}.${b64(claims)}.c2ln`;
const want = { issuer: 'https://i.example/', audience: ['api', 'web'] };
const NOW = 1_700_000_000_000;
const ok = { iss: 'https://i.example/', aud: 'api', exp: NOW / 1000 + 60 };

describe('JWT authorizer decisions', () => {
  it('takes the token with or without Bearer', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer  abc '), 'abc');
    assert.equal(bearerToken('abc'), 'abc');
    assert.equal(bearerToken('Bearer '), null);
    assert.equal(bearerToken(undefined), null);
  });

  it('decodes a signed token with a kid and an asymmetric algorithm; refuses none, HMAC, no kid, junk', () => {
    const d = decodeJwt(token({ alg: 'RS256', kid: 'k1' }, { sub: 'u' }));
    assert.ok(d);
    assert.deepEqual([d.alg, d.kid, d.claims, d.signature.toString()], ['RS256', 'k1', { sub: 'u' }, 'sig']);
    for (const bad of [
      token({ alg: 'none', kid: 'k1' }),
      token({ alg: 'HS256', kid: 'k1' }),
      token({ alg: 'RS256' }),
      token({ alg: 'RS256', kid: 'k1' }, [1]),
      'a.b',
      'a.b.c.d',
      `${b64({ alg: 'RS256', kid: 'k' })}.!!.x`,
    ])
      assert.equal(decodeJwt(bad), null, bad);
  });

  it('checks issuer, audience (aud or client_id), exp (required), nbf and iat', () => {
    assert.equal(checkJwtClaims(ok, want, NOW), null);
    assert.equal(checkJwtClaims({ ...ok, aud: ['x', 'web'] }, want, NOW), null, 'one of several audiences');
    assert.equal(checkJwtClaims({ ...ok, aud: undefined, client_id: 'web' }, want, NOW), null, 'client_id without aud');
    for (const [what, claims] of [
      ['another issuer', { ...ok, iss: 'https://i.example' }],
      ['another audience', { ...ok, aud: 'x' }],
      ['no expiry', { ...ok, exp: undefined }],
      ['expired', { ...ok, exp: NOW / 1000 }],
      ['not yet valid', { ...ok, nbf: NOW / 1000 + 1 }],
      ['issued in the future', { ...ok, iat: NOW / 1000 + 1 }],
      ['a string exp', { ...ok, exp: String(NOW / 1000 + 60) }],
    ] as const)
      assert.notEqual(checkJwtClaims(claims, want, NOW), null, what);
  });

  it('gives the claims as strings and the scopes, as AWS fills requestContext.authorizer', () => {
    assert.deepEqual(jwtAuthorizerContext({ sub: 'u', exp: 5, aud: ['a', 'b'], ok: true, o: { x: 1 }, scope: 'read  write' }), {
      jwt: { claims: { sub: 'u', exp: '5', aud: '[a b]', ok: 'true', o: '{"x":1}', scope: 'read  write' }, scopes: ['read', 'write'] },
    });
    assert.deepEqual(jwtAuthorizerContext({ scp: ['a'] }).jwt.scopes, ['a']);
    assert.equal(jwtAuthorizerContext({ sub: 'u' }).jwt.scopes, null);
  });
});
