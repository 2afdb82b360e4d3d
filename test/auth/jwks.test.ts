/**
 * JWT signatures against a JWKS served by a real node:http server here, keys made by node:crypto:
 * RS256, PS256, ES256 and EdDSA verify; a wrong key, a wrong algorithm for the key, a curve that
 * is not the algorithm's do not; keys are kept, fetched again for an unknown kid (at most every
 * 30 s) and an issuer that failed is not asked on every request. Time is injected.
 * A JWKS host that is not public is refused unless the operator allows it (HANGAR_JWKS_ALLOW),
 * judged on the addresses a name resolves to (the resolver is injected, to name a host that
 * resolves to loopback), and the fetch connects to the address judged.
 */
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { JwksVerifier } from '../../src/auth/index.ts';
import { loadConfig, splitList } from '../../src/config/index.ts';
import { decodeJwt, type JwtAlgorithm } from '../../src/core/index.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed = generateKeyPairSync('ed25519');
const later = generateKeyPairSync('rsa', { modulusLength: 2048 });

let keys: object[] = [];
let fetches = 0;
let failing = false;
let lastHost: string | undefined;
let server: Server;
let url: string;
let port: number;
/** What an operator who runs the identity provider on this machine sets. */
const allow = (v: string) => splitList(loadConfig({ env: { HANGAR_JWKS_ALLOW: v } }).jwksAllow);
const local = () => ({ allow: allow('127.0.0.1') });
before(async () => {
  server = createServer((req, res) => {
    fetches++;
    lastHost = req.headers.host;
    if (failing) {
      res.statusCode = 500;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    // An issuer at /idp: its OpenID configuration names its keys (discovery, as API Gateway's
    // JWT authorizers find them).
    if (req.url === '/idp/.well-known/openid-configuration') res.end(JSON.stringify({ jwks_uri: url }));
    else if (req.url === '/bare/.well-known/openid-configuration') res.end('{}');
    else res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}/jwks`;
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
    const v = new JwksVerifier({ ...local(), now: () => 0 });
    assert.equal(await v.verify({ jwksUrl: url, issuer: '' }, token('RS256', 'rsa', rsa.privateKey)), true);
    assert.equal(await v.verify({ jwksUrl: url, issuer: '' }, token('PS256', 'rsa-any', rsa.privateKey)), true);
    assert.equal(await v.verify({ jwksUrl: url, issuer: '' }, token('ES256', 'ec', ec.privateKey)), true);
    assert.equal(await v.verify({ jwksUrl: url, issuer: '' }, token('EdDSA', 'ed', ed.privateKey)), true);
    assert.equal(await v.verify({ jwksUrl: url, issuer: '' }, token('RS256', 'rsa', later.privateKey)), false, 'signed by another key');
    assert.equal(await v.verify({ jwksUrl: url, issuer: '' }, token('PS256', 'rsa', rsa.privateKey)), false, 'the key says RS256');
    assert.equal(await v.verify({ jwksUrl: url, issuer: '' }, token('ES256', 'rsa-any', ec.privateKey)), false, 'an RSA key for ES256');
    assert.equal(await v.verify({ jwksUrl: url, issuer: '' }, token('ES256', 'ec384', ec384.privateKey)), false, 'P-384 is not ES256');
    assert.equal(fetches, 1, 'one fetch for all of them');
  });

  it('fetches again for an unknown kid (a rotation), at most every 30 s; an issuer that failed waits too', async () => {
    let now = 0;
    const v = new JwksVerifier({ ...local(), now: () => now });
    keys = [jwk(rsa.publicKey, 'old')];
    const before = fetches;
    assert.equal(await v.verify({ jwksUrl: url, issuer: '' }, token('RS256', 'old', rsa.privateKey)), true);
    keys = [jwk(rsa.publicKey, 'old'), jwk(later.publicKey, 'new')];
    now = 10_000;
    assert.equal(
      await v.verify({ jwksUrl: url, issuer: '' }, token('RS256', 'new', later.privateKey)),
      false,
      'within 30 s of the last fetch',
    );
    now = 31_000;
    assert.equal(await v.verify({ jwksUrl: url, issuer: '' }, token('RS256', 'new', later.privateKey)), true, 'fetched again');
    assert.equal(fetches - before, 2);

    failing = true;
    const fresh = new JwksVerifier({ ...local(), now: () => now });
    await assert.rejects(fresh.verify({ jwksUrl: url, issuer: '' }, token('RS256', 'new', later.privateKey)), /answered 500/);
    await assert.rejects(fresh.verify({ jwksUrl: url, issuer: '' }, token('RS256', 'new', later.privateKey)), /answered 500/);
    assert.equal(fetches - before, 3, 'the failure is remembered, not asked again at once');
    failing = false;
    now += 30_000;
    assert.equal(await fresh.verify({ jwksUrl: url, issuer: '' }, token('RS256', 'new', later.privateKey)), true);
  });

  it("without a JWKS URL, finds the keys from the issuer's OpenID configuration", async () => {
    keys = [jwk(rsa.publicKey, 'rsa')];
    const v = new JwksVerifier(local());
    const before = fetches;
    assert.equal(await v.verify({ issuer: `http://127.0.0.1:${port}/idp/` }, token('RS256', 'rsa', rsa.privateKey)), true);
    assert.equal(fetches - before, 2, 'the configuration, then the keys');
    assert.equal(await v.verify({ jwksUrl: null, issuer: `http://127.0.0.1:${port}/idp/` }, token('RS256', 'rsa', rsa.privateKey)), true);
    assert.equal(fetches - before, 2, 'kept');
    await assert.rejects(v.verify({ issuer: `http://127.0.0.1:${port}/bare` }, token('RS256', 'rsa', rsa.privateKey)), /names no jwks_uri/);
  });

  it('refuses a JWKS host that is not public unless allowed, judged on the resolved address', async () => {
    keys = [jwk(rsa.publicKey, 'rsa')];
    const t = token('RS256', 'rsa', rsa.privateKey);
    const before = fetches;
    await assert.rejects(
      new JwksVerifier().verify({ jwksUrl: url, issuer: '' }, t),
      /refused: 127\.0\.0\.1:\d+ is loopback.*HANGAR_JWKS_ALLOW/,
    );
    for (const [target, range] of [
      ['http://169.254.169.254/latest/meta-data', 'link-local'],
      ['https://10.1.2.3/jwks', 'private'],
      ['https://192.168.0.1/jwks', 'private'],
      ['https://[fd00::1]/jwks', 'unique local'],
      ['https://[fe80::1]/jwks', 'link-local'],
      ['http://0.0.0.0/jwks', 'this network'],
      ['http://[::]/jwks', 'unspecified'],
    ]) {
      await assert.rejects(
        new JwksVerifier().verify({ jwksUrl: target, issuer: '' }, t),
        (err: Error) => err.message.includes(range),
        target,
      );
    }

    // A public-looking name whose DNS answer is loopback.
    const resolve = async (name: string) => (name === 'idp.example.com' ? [{ address: '127.0.0.1', family: 4 }] : []);
    const named = `http://idp.example.com:${port}/jwks`;
    await assert.rejects(
      new JwksVerifier({ resolve }).verify({ jwksUrl: named, issuer: '' }, t),
      /idp\.example\.com:\d+ resolves to 127\.0\.0\.1, loopback/,
    );
    assert.equal(fetches, before, 'nothing refused was fetched');

    // Allowed by name, by address with its port, or by a CIDR: the connection goes to the address
    // judged (the name is in no real DNS), with the name kept as the Host.
    for (const entry of ['idp.example.com', `127.0.0.1:${port}`, '127.0.0.0/8']) {
      assert.equal(await new JwksVerifier({ allow: allow(entry), resolve }).verify({ jwksUrl: named, issuer: '' }, t), true, entry);
      assert.equal(lastHost, `idp.example.com:${port}`);
    }
    await assert.rejects(
      new JwksVerifier({ allow: allow('127.0.0.1:1'), resolve }).verify({ jwksUrl: named, issuer: '' }, t),
      /loopback/,
      'an allowance for another port',
    );
    assert.equal(fetches, before + 3);
  });
});
