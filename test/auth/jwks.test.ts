/**
 * JWT signatures against a JWKS served by a real node:http server here, keys made by node:crypto:
 * RS256, PS256, ES256 and EdDSA verify; a wrong key, a wrong algorithm for the key, a curve that
 * is not the algorithm's do not; keys are kept, fetched again for an unknown kid (at most every
 * 30 s) and an issuer that failed is not asked on every request. Time is injected.
 */
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { JwksVerifier } from '../../src/auth/index.ts';
import { decodeJwt, type JwtAlgorithm } from '../../src/core/index.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed = generateKeyPairSync('ed25519');
const later = generateKeyPairSync('rsa', { modulusLength: 2048 });

let keys: object[] = [];
let fetches = 0;
let failing = false;
let server: Server;
let url: string;
before(async () => {
  server = createServer((_req, res) => {
    fetches++;
    if (failing) {
      res.statusCode = 500;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const jwk = (k: KeyObject, kid: string, extra: object = {}) => ({ ...k.export({ format: 'jwk' }), kid, ...extra });

function token(alg: JwtAlgorithm, kid: string, key: KeyObject) {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = Buffer.from(`${part({ alg, kid })}.${part({ sub: 'u' })}`);
  const sig = alg.startsWith('ES')
    ? sign(`sha${alg.slice(2)}`, input, { key, dsaEncoding: 'ieee-p1363' })
    : alg.startsWith('PS')
      ? sign(`sha${alg.slice(2)}`, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : alg === 'EdDSA'
        ? sign(null, input, key)
        : sign(`sha${alg.slice(2)}`, input, key);
  const decoded = decodeJwt(`${input}.${sig.toString('base64url')}`);
  assert.ok(decoded);
  return decoded;
}

describe('JwksVerifier', () => {
  it('verifies RS256, PS256, ES256 and EdDSA by kid; refuses another key, algorithm or curve', async () => {
    keys = [
      jwk(rsa.publicKey, 'rsa', { alg: 'RS256' }),
      jwk(rsa.publicKey, 'rsa-any'),
      jwk(ec.publicKey, 'ec'),
      jwk(ed.publicKey, 'ed'),
      jwk(ec384.publicKey, 'ec384'),
    ];
    const v = new JwksVerifier(() => 0);
    assert.equal(await v.verify(url, token('RS256', 'rsa', rsa.privateKey)), true);
    assert.equal(await v.verify(url, token('PS256', 'rsa-any', rsa.privateKey)), true);
    assert.equal(await v.verify(url, token('ES256', 'ec', ec.privateKey)), true);
    assert.equal(await v.verify(url, token('EdDSA', 'ed', ed.privateKey)), true);
    assert.equal(await v.verify(url, token('RS256', 'rsa', later.privateKey)), false, 'signed by another key');
    assert.equal(await v.verify(url, token('PS256', 'rsa', rsa.privateKey)), false, 'the key says RS256');
    assert.equal(await v.verify(url, token('ES256', 'rsa-any', ec.privateKey)), false, 'an RSA key for ES256');
    assert.equal(await v.verify(url, token('ES256', 'ec384', ec384.privateKey)), false, 'P-384 is not ES256');
    assert.equal(fetches, 1, 'one fetch for all of them');
  });

  it('fetches again for an unknown kid (a rotation), at most every 30 s; an issuer that failed waits too', async () => {
    let now = 0;
    const v = new JwksVerifier(() => now);
    keys = [jwk(rsa.publicKey, 'old')];
    const before = fetches;
    assert.equal(await v.verify(url, token('RS256', 'old', rsa.privateKey)), true);
    keys = [jwk(rsa.publicKey, 'old'), jwk(later.publicKey, 'new')];
    now = 10_000;
    assert.equal(await v.verify(url, token('RS256', 'new', later.privateKey)), false, 'within 30 s of the last fetch');
    now = 31_000;
    assert.equal(await v.verify(url, token('RS256', 'new', later.privateKey)), true, 'fetched again');
    assert.equal(fetches - before, 2);

    failing = true;
    const fresh = new JwksVerifier(() => now);
    await assert.rejects(fresh.verify(url, token('RS256', 'new', later.privateKey)), /answered 500/);
    await assert.rejects(fresh.verify(url, token('RS256', 'new', later.privateKey)), /answered 500/);
    assert.equal(fetches - before, 3, 'the failure is remembered, not asked again at once');
    failing = false;
    now += 30_000;
    assert.equal(await fresh.verify(url, token('RS256', 'new', later.privateKey)), true);
  });
});
