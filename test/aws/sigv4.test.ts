/**
 * The SigV4 verifier against requests signed by @smithy/signature-v4 (the AWS SDK's signer):
 * what it signs holds, any change to what was signed fails, and each refusal is the one AWS
 * gives. The clock is the test's: no waiting.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { Refusal, SignatureRefused } from '../../src/aws/errors.ts';
import { accountIdOf, functionArn } from '../../src/aws/identity.ts';
import { deriveSigningKey, parseAuthorization, Sha256, verifySigV4, type SignedRequest, type SigningSecret } from '../../src/aws/sigv4.ts';

const KEY_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const SECRET = 'hk_' + 'S'.repeat(43);
const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const REGION = 'us-east-1';

interface ToSign {
  method?: string;
  /** Segments, each encoded on the wire as the SDK encodes path labels. */
  path?: string[];
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  at?: number;
  secret?: string;
  region?: string;
  service?: string;
}

/** Signs as a client would and returns the request as the server receives it. */
async function signed(t: ToSign = {}): Promise<SignedRequest> {
  const rawPath = '/' + (t.path ?? ['2016-08-19', 'account-settings', '']).map(encodeURIComponent).join('/');
  const signer = new SignatureV4({
    service: t.service ?? 'lambda',
    region: t.region ?? REGION,
    credentials: { accessKeyId: KEY_ID, secretAccessKey: t.secret ?? SECRET },
    sha256: Sha256,
    applyChecksum: false,
  });
  const req = await signer.sign(
    {
      method: t.method ?? 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8080,
      path: rawPath,
      query: t.query ?? {},
      headers: { host: '127.0.0.1:8080', ...(t.body !== undefined ? { 'content-type': 'application/json' } : {}), ...t.headers },
      body: t.body,
    },
    { signingDate: new Date(t.at ?? NOW) },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const rawQuery = Object.entries(t.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return { method: req.method, rawPath, rawQuery, headers, body: t.body === undefined ? undefined : Buffer.from(t.body) };
}

/** A key as the verifier sees it: its signing key derived for each request's scope. */
const key = (secret: string | null, revoked = false): SigningSecret => ({
  revoked,
  signingKey: secret === null ? null : (date, region, service) => deriveSigningKey(secret, date, region, service),
});
const keys = new Map([[KEY_ID, key(SECRET)]]);
const opts = (over: Partial<{ now: number; keys: Map<string, SigningSecret> }> = {}) => ({
  now: over.now ?? NOW,
  region: REGION,
  secretOf: async (id: string) => (over.keys ?? keys).get(id) ?? null,
});

const refused = (reason: Refusal, message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof SignatureRefused, String(err));
  assert.equal(err.reason, reason, err.message);
  if (message) assert.match(err.message, message);
  return true;
};

describe('SigV4 verification', () => {
  it('accepts what the signer signed: method, path, query, headers and body', async () => {
    const auth = await verifySigV4(await signed(), opts());
    assert.deepEqual([auth.accessKeyId, auth.region, auth.service, auth.date], [KEY_ID, REGION, 'lambda', '20261205']);
    const post = await signed({
      method: 'POST',
      path: ['2015-03-31', 'functions', 'arn:aws:lambda:us-east-1:123456789012:function:f', 'invocations'],
      query: { Qualifier: '$LATEST', 'a b': 'c/d+e' },
      headers: { 'x-amz-invocation-type': 'RequestResponse' },
      body: '{"hello":"wörld"}',
    });
    await verifySigV4(post, opts());
  });

  it('accepts any path, query and body the signer signs (the canonical forms agree)', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          text.filter((s) => s !== '.' && s !== '..' && s.length > 0),
          { minLength: 1, maxLength: 4 },
        ),
        fc.dictionary(
          text.filter((s) => s.length > 0),
          text,
          { maxKeys: 4, noNullPrototype: false },
        ),
        fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
        async (path, query, body) => {
          await verifySigV4(await signed({ method: body === undefined ? 'GET' : 'POST', path, query, body }), opts());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a request changed after signing, or signed with another secret', async () => {
    const mismatch = refused(Refusal.Mismatch, /^The request signature we calculated does not match the signature you provided/);
    await assert.rejects(verifySigV4(await signed({ secret: 'hk_' + 'W'.repeat(43) }), opts()), mismatch);
    const body = await signed({ method: 'POST', body: '{"n":1}' });
    await assert.rejects(verifySigV4({ ...body, body: Buffer.from('{"n":2}') }, opts()), mismatch);
    const get = await signed({ query: { Marker: 'a' } });
    await assert.rejects(verifySigV4({ ...get, rawQuery: 'Marker=b' }, opts()), mismatch);
    await assert.rejects(verifySigV4({ ...get, rawPath: '/2016-08-19/account-settings' }, opts()), mismatch);
    await assert.rejects(verifySigV4({ ...get, method: 'DELETE' }, opts()), mismatch);
    await assert.rejects(verifySigV4({ ...get, headers: { ...get.headers, host: 'evil.example:8080' } }, opts()), mismatch);
  });

  it('checks a sent payload hash against the body, and refuses an unsigned payload', async () => {
    const body = '{"a":1}';
    const hash = createHash('sha256').update(body).digest('hex');
    const ok = await signed({ method: 'POST', body, headers: { 'x-amz-content-sha256': hash } });
    await verifySigV4(ok, opts());
    await assert.rejects(
      verifySigV4({ ...ok, body: Buffer.from('{"a":2}') }, opts()),
      refused(Refusal.Mismatch, /x-amz-content-sha256 header does not match/),
    );
    const unsigned = await signed({ method: 'POST', body, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    await assert.rejects(verifySigV4(unsigned, opts()), refused(Refusal.Incomplete, /payload's SHA-256/));
  });

  it('allows 15 minutes of clock difference either way, no more', async () => {
    const minute = 60_000;
    await verifySigV4(await signed({ at: NOW - 14 * minute }), opts());
    await verifySigV4(await signed({ at: NOW + 14 * minute }), opts());
    await assert.rejects(
      verifySigV4(await signed({ at: NOW - 20 * minute }), opts()),
      refused(
        Refusal.Expired,
        /^Signature expired: 20261205T114000Z is now earlier than 20261205T114500Z \(20261205T120000Z - 15 min\.\)$/,
      ),
    );
    await assert.rejects(
      verifySigV4(await signed({ at: NOW + 20 * minute }), opts()),
      refused(Refusal.Expired, /^Signature not yet current/),
    );
  });

  it('refuses an X-Amz-Date that is no date and time as written (no field rolls over)', async () => {
    const req = await signed();
    for (const date of [
      '20261305T120000Z',
      '20260230T120000Z',
      '20261205T240000Z',
      '20261205T126000Z',
      '00991205T120000Z',
      '20261205T120000',
      '2026-12-05T12:00:00Z',
      '',
    ])
      await assert.rejects(
        verifySigV4({ ...req, headers: { ...req.headers, 'x-amz-date': date } }, opts()),
        refused(Refusal.Incomplete, /^X-Amz-Date must be an ISO 8601 basic date and time/),
        date,
      );
  });

  it('requires host, X-Amz-Date and every x-amz-* header sent to be signed', async () => {
    const req = await signed();
    await assert.rejects(
      verifySigV4({ ...req, headers: { ...req.headers, 'x-amz-extra': '1' } }, opts()),
      refused(Refusal.Incomplete, /x-amz-extra/),
    );
    const { 'x-amz-date': _date, ...noDate } = req.headers;
    await assert.rejects(verifySigV4({ ...req, headers: noDate }, opts()), refused(Refusal.Incomplete, /X-Amz-Date/));
    const noHost = await signed({ headers: { host: undefined as unknown as string } });
    await assert.rejects(
      verifySigV4({ ...noHost, headers: { ...noHost.headers, host: '127.0.0.1:8080' } }, opts()),
      refused(Refusal.Incomplete, /host/),
    );
  });

  it('names the key problems: unknown, revoked, made before keys could sign', async () => {
    const req = await signed();
    await assert.rejects(
      verifySigV4(req, opts({ keys: new Map() })),
      refused(Refusal.UnknownKey, /security token included in the request is invalid/),
    );
    await assert.rejects(verifySigV4(req, opts({ keys: new Map([[KEY_ID, key(SECRET, true)]]) })), refused(Refusal.Revoked, /revoked/));
    await assert.rejects(
      verifySigV4(req, opts({ keys: new Map([[KEY_ID, key(null)]]) })),
      refused(Refusal.CannotSign, /made before .* cannot sign/),
    );
  });

  it('refuses a missing, non-SigV4, malformed or presigned authorization, and another region', async () => {
    const req = await signed();
    const { authorization: _a, ...bare } = req.headers;
    await assert.rejects(verifySigV4({ ...req, headers: bare }, opts()), refused(Refusal.Missing, /^Missing Authentication Token$/));
    await assert.rejects(
      verifySigV4({ ...req, headers: { ...bare, authorization: `Bearer ${SECRET}` } }, opts()),
      refused(Refusal.Incomplete, /not Bearer keys/),
    );
    await assert.rejects(
      verifySigV4({ ...req, headers: bare, rawQuery: 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00' }, opts()),
      refused(Refusal.Incomplete, /Presigned/),
    );
    await assert.rejects(
      verifySigV4(await signed({ region: 'eu-west-1' }), opts()),
      refused(Refusal.Mismatch, /scoped to a valid region, not 'eu-west-1'/),
    );
    for (const bad of [
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 Credential=k/20261205/us-east-1/lambda/aws4_request, SignedHeaders=host',
      `AWS4-HMAC-SHA256 Credential=k/2026-12-05/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
      `AWS4-HMAC-SHA256 Credential=k/20261205/us-east-1/lambda, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
      'AWS4-HMAC-SHA256 Credential=k/20261205/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=xyz',
    ])
      assert.throws(() => parseAuthorization(bad), refused(Refusal.Incomplete), bad);
  });
});

describe('AWS identity', () => {
  it('gives each user a stable 12-digit account id, and ARNs as AWS writes them', () => {
    const a = accountIdOf('alice');
    assert.match(a, /^\d{12}$/);
    assert.equal(accountIdOf('alice'), a);
    assert.notEqual(accountIdOf('bob'), a);
    assert.equal(functionArn('eu-west-1', a, 'f'), `arn:aws:lambda:eu-west-1:${a}:function:f`);
    assert.equal(functionArn('eu-west-1', a, 'f', 'live'), `arn:aws:lambda:eu-west-1:${a}:function:f:live`);
  });
});
