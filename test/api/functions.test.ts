/**
 * /functions (issue 23) through the real platform: deploy, read, list, download the code,
 * redeploy, delete; whose functions a key reaches; input that is refused with a 4xx and changes
 * nothing. Runs on the scale-out shape too (functions.scale-out.test.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: string;
let bob: string;
before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0' });
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  bob = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json().key;
});
after(async () => p.close());

const HELLO = makeZip({ 'index.mjs': 'export const handler = async () => ({ hello: "world" });\n' });
const deploy = (key: string | undefined, name: string, body: Record<string, unknown>, zip: Buffer = HELLO) =>
  p.inject({ method: 'PUT', url: `/functions/${name}`, payload: { zip: zip.toString('base64'), ...body }, auth: key });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');

describe('the lifecycle', () => {
  it('deploys a function, shows it, serves its code, redeploys and deletes it', async () => {
    const made = await deploy(alice, 'hello', { runtime: 'nodejs22.x', handler: 'index.handler', environment: { GREETING: 'hi' } });
    assert.equal(made.statusCode, 201, made.body);
    const f = made.json();
    assert.equal(f.name, 'hello');
    assert.equal(f.userId, 'alice');
    assert.equal(f.version, '$LATEST');
    assert.equal(f.runtime, 'nodejs22.x');
    assert.equal(f.runtimeFamily, 'nodejs');
    assert.equal(f.memoryMb, 128, "Lambda's default");
    assert.equal(f.timeoutS, 3, "Lambda's default");
    assert.equal(f.network, 'none');
    assert.deepEqual(f.environment, { GREETING: 'hi' });
    assert.equal(f.state, 'Active');
    assert.equal(f.code.sha256, sha(HELLO));
    assert.equal(f.code.size, HELLO.length);
    assert.match(f.code.url, /\/functions\/hello\/code$/);

    const got = await p.inject({ method: 'GET', url: '/functions/hello', auth: alice });
    assert.equal(got.statusCode, 200, got.body);
    const { versions, circuitBreaker, ...shown } = got.json() as Record<string, unknown>;
    assert.deepEqual(shown, f);
    assert.equal(versions, 0);
    assert.equal(circuitBreaker, null, 'no circuit breaker');

    // The code URL as given, path and all: it is the stable place Lambda's Code.Location names.
    const code = await p.inject({ method: 'GET', url: new URL(f.code.url).pathname, auth: alice });
    assert.equal(code.statusCode, 200, code.body);
    assert.equal(code.headers['content-type'], 'application/zip');
    assert.deepEqual(code.rawPayload, HELLO);

    const v2 = makeZip({ 'index.mjs': 'export const handler = async () => 2;\n' });
    const again = await deploy(alice, 'hello', { memoryMb: 512 }, v2);
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().memoryMb, 512);
    assert.equal(again.json().handler, 'index.handler', 'what a redeploy does not name stays');
    assert.deepEqual(again.json().environment, { GREETING: 'hi' });
    assert.equal(again.json().code.sha256, sha(v2));
    assert.notEqual(again.json().revisionId, f.revisionId);
    assert.deepEqual((await p.inject({ method: 'GET', url: '/functions/hello/code', auth: alice })).rawPayload, v2);

    const gone = await p.inject({ method: 'DELETE', url: '/functions/hello', auth: alice });
    assert.equal(gone.statusCode, 200, gone.body);
    assert.deepEqual(gone.json(), { name: 'hello', deleted: true });
    for (const [method, url] of [
      ['GET', '/functions/hello'],
      ['GET', '/functions/hello/code'],
      ['DELETE', '/functions/hello'],
    ] as const) {
      const r = await p.inject({ method, url, auth: alice });
      assert.equal(r.statusCode, 404, `${method} ${url}`);
      assert.equal(r.json().code, 'FUNCTION_NOT_FOUND');
    }
  });

  it('lists a user’s functions by name, in pages, and only theirs', async () => {
    for (const name of ['list-c', 'list-a', 'list-b']) {
      assert.equal((await deploy(bob, name, { runtime: 'python3.12', handler: 'app.handler' })).statusCode, 201);
    }
    const first = await p.inject({ method: 'GET', url: '/functions?limit=2', auth: bob });
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(
      first.json().functions.map((f: { name: string }) => f.name),
      ['list-a', 'list-b'],
    );
    assert.ok(first.json().nextCursor);
    const second = (await p.inject({ method: 'GET', url: `/functions?limit=2&cursor=${first.json().nextCursor}`, auth: bob })).json();
    assert.deepEqual(
      second.functions.map((f: { name: string }) => f.name),
      ['list-c'],
    );
    assert.equal(second.nextCursor, null);
    const others = (await p.inject({ method: 'GET', url: '/functions', auth: alice })).json().functions;
    assert.equal(
      others.some((f: { userId: string }) => f.userId !== 'alice'),
      false,
    );
  });

  it('lets an admin act for a user (?userId=) and a user key only for its own', async () => {
    const made = await p.inject({
      method: 'PUT',
      url: '/functions/on-behalf?userId=bob',
      payload: { zip: HELLO.toString('base64'), runtime: 'provided.al2023' },
    });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.json().userId, 'bob');
    assert.equal(made.json().handler, null, 'provided needs no handler');
    assert.match(made.json().code.url, /\/functions\/on-behalf\/code\?userId=bob$/, "the admin's link names the user");
    assert.equal((await p.inject({ method: 'GET', url: '/functions/on-behalf', auth: bob })).statusCode, 200);
    const code = await p.inject({ method: 'GET', url: '/functions/on-behalf/code?userId=bob' });
    assert.deepEqual(code.rawPayload, HELLO);
    const spoof = await p.inject({ method: 'GET', url: '/functions/on-behalf?userId=bob', auth: alice });
    assert.equal(spoof.statusCode, 403);
    assert.equal((await p.inject({ method: 'GET', url: '/functions/on-behalf', auth: alice })).statusCode, 404);
  });
});

describe('bad input', () => {
  const refused: [string, Record<string, unknown>, Buffer | undefined, number, string][] = [
    ['not a zip', { runtime: 'nodejs22.x', handler: 'index.handler' }, Buffer.from('hello, not a zip'), 400, 'FUNCTION_INVALID'],
    ['an unknown runtime', { runtime: 'java21', handler: 'x.Y' }, undefined, 400, 'FUNCTION_INVALID'],
    ['no runtime for a new function', { handler: 'index.handler' }, undefined, 400, 'FUNCTION_INVALID'],
    ['no handler for nodejs', { runtime: 'nodejs' }, undefined, 400, 'FUNCTION_INVALID'],
    ['too little memory', { runtime: 'nodejs', handler: 'i.h', memoryMb: 64 }, undefined, 400, 'FUNCTION_INVALID'],
    ['too much memory', { runtime: 'nodejs', handler: 'i.h', memoryMb: 10_241 }, undefined, 400, 'FUNCTION_INVALID'],
    ['a timeout over 900 s', { runtime: 'nodejs', handler: 'i.h', timeoutS: 901 }, undefined, 400, 'FUNCTION_INVALID'],
    [
      'a reserved environment key',
      { runtime: 'nodejs', handler: 'i.h', environment: { AWS_REGION: 'x' } },
      undefined,
      400,
      'FUNCTION_INVALID',
    ],
    ['memory as a fraction', { runtime: 'nodejs', handler: 'i.h', memoryMb: 128.5 }, undefined, 400, 'VALIDATION_FAILED'],
    ['an unknown field', { runtime: 'nodejs', handler: 'i.h', memory: 256 }, undefined, 400, 'VALIDATION_FAILED'],
  ];
  for (const [what, body, zip, status, code] of refused) {
    it(`refuses ${what} (${status} ${code}) and stores nothing`, async () => {
      const r = await deploy(alice, 'refused', body, zip);
      assert.equal(r.statusCode, status, r.body);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      assert.equal(r.json().code, code, r.body);
      assert.equal((await p.inject({ method: 'GET', url: '/functions/refused', auth: alice })).statusCode, 404);
    });
  }

  it('refuses a zip that is not base64, a bad name and a bad qualifier with 400', async () => {
    const notB64 = await p.inject({
      method: 'PUT',
      url: '/functions/x',
      payload: { zip: 'not base64!', runtime: 'nodejs', handler: 'i.h' },
      auth: alice,
    });
    assert.equal(notB64.statusCode, 400);
    assert.equal(notB64.json().code, 'VALIDATION_FAILED');
    for (const r of [
      await deploy(alice, 'bad%20name', { runtime: 'nodejs', handler: 'i.h' }),
      await p.inject({ method: 'GET', url: `/functions/${'x'.repeat(65)}`, auth: alice }),
      await p.inject({ method: 'GET', url: '/functions/x?qualifier=no%20such', auth: alice }),
    ]) {
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().code, 'FUNCTION_INVALID');
    }
  });

  it('leaves a function as it was when a redeploy is refused', async () => {
    assert.equal((await deploy(alice, 'kept', { runtime: 'nodejs', handler: 'index.handler' })).statusCode, 201);
    const other = makeZip({ 'index.mjs': 'export const handler = () => 3;\n' });
    assert.equal((await deploy(alice, 'kept', { memoryMb: 1 }, other)).statusCode, 400);
    const f = (await p.inject({ method: 'GET', url: '/functions/kept', auth: alice })).json();
    assert.equal(f.memoryMb, 128);
    assert.equal(f.code.sha256, sha(HELLO), 'nor its code');
  });

  it("takes a zip of Lambda's 50 MB on this route alone, and refuses a larger one with 413", async () => {
    const big = makeZip({ 'blob.bin': Buffer.alloc(50 * 1024 * 1024 - 200, 7) });
    assert.ok(big.length <= 50 * 1024 * 1024);
    const ok = await deploy(alice, 'big', { runtime: 'provided' }, big);
    assert.equal(ok.statusCode, 201, ok.body.slice(0, 300));
    assert.equal(ok.json().code.size, big.length);
    const tooBig = await deploy(
      alice,
      'bigger',
      { runtime: 'provided' },
      makeZip({ 'blob.bin': Buffer.alloc(50 * 1024 * 1024 + 200_000) }),
    );
    assert.equal(tooBig.statusCode, 413);
    assert.equal(tooBig.json().code, 'BODY_TOO_LARGE');
    // Other routes keep the server's body limit.
    const elsewhere = await p.inject({ method: 'PUT', url: '/secrets/BIG', payload: { value: 'x'.repeat(2 * 1024 * 1024) }, auth: alice });
    assert.equal(elsewhere.statusCode, 413);
  });
});
