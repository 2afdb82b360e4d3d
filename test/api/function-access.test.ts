/**
 * A function's URL and resource-based policy on the native API (PUT/GET/DELETE
 * /functions/{name}/url and /functions/{name}/policy): configured as the Lambda API configures
 * them, refused in problem+json, and another user's function not there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountIdOf } from '../../src/aws/index.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: string;
let bob: string;
before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0' });
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  bob = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json().key;
  const deployed = await p.inject({
    method: 'PUT',
    url: '/functions/web',
    auth: alice,
    payload: {
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      zip: makeZip({ 'index.js': 'exports.handler = async () => 1;' }).toString('base64'),
    },
  });
  assert.equal(deployed.statusCode, 201, deployed.body);
});
after(async () => p.close());

const as = (key: string, method: string, url: string, payload?: object) =>
  p.inject({ method: method as 'GET', url, auth: key, ...(payload ? { payload } : {}) });

describe('function URLs on the native API', () => {
  it('creates (201), changes (200), reads and deletes a URL, its address served', async () => {
    const made = await as(alice, 'PUT', '/functions/web/url', { authType: 'NONE', cors: { allowOrigins: ['https://a.example'] } });
    assert.equal(made.statusCode, 201, made.body);
    const url = made.json();
    assert.match(url.url, /^http:\/\/localhost(:\d+)?\/lambda-url\/[a-z0-9]{32}\/$/);
    assert.equal(url.authType, 'NONE');
    assert.deepEqual(url.cors, {
      allowOrigins: ['https://a.example'],
      allowMethods: [],
      allowHeaders: [],
      exposeHeaders: [],
      allowCredentials: false,
    });
    const changed = await as(alice, 'PUT', '/functions/web/url', { authType: 'AWS_IAM' });
    assert.equal(changed.statusCode, 200);
    assert.equal(changed.json().urlId, url.urlId);
    assert.equal(changed.json().authType, 'AWS_IAM');
    assert.equal((await as(alice, 'GET', '/functions/web/url')).json().authType, 'AWS_IAM');
    // Served where it says: unsigned, an AWS_IAM URL is Forbidden.
    assert.equal((await p.inject({ method: 'GET', url: new URL(url.url).pathname, auth: null })).statusCode, 403);
    assert.equal((await as(alice, 'DELETE', '/functions/web/url')).statusCode, 200);
    const gone = await as(alice, 'GET', '/functions/web/url');
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().code, 'FUNCTION_URL_NOT_FOUND');
  });

  it('refuses bad input with 400 problem+json', async () => {
    for (const body of [
      { authType: 'OPEN' },
      { authType: 'NONE', invokeMode: 'STREAMING' },
      { authType: 'NONE', cors: { allowOrigins: ['*'], allowCredentials: true } },
    ]) {
      const r = await as(alice, 'PUT', '/functions/web/url', body);
      assert.equal(r.statusCode, 400, JSON.stringify(body));
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    }
    assert.equal((await as(alice, 'PUT', '/functions/web/url?qualifier=1', { authType: 'NONE' })).statusCode, 400);
  });
});

describe('policies on the native API', () => {
  it('adds, shows and removes statements', async () => {
    assert.equal((await as(alice, 'GET', '/functions/web/policy')).statusCode, 404);
    const added = await as(alice, 'PUT', '/functions/web/policy/public', {
      action: 'lambda:InvokeFunctionUrl',
      principal: '*',
      functionUrlAuthType: 'NONE',
    });
    assert.equal(added.statusCode, 201, added.body);
    const arn = `arn:aws:lambda:us-east-1:${accountIdOf('alice')}:function:web`;
    assert.deepEqual(added.json().statement, {
      Sid: 'public',
      Effect: 'Allow',
      Principal: '*',
      Action: 'lambda:InvokeFunctionUrl',
      Resource: arn,
      Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
    });
    assert.equal(
      (await as(alice, 'PUT', '/functions/web/policy/public', { action: 'lambda:InvokeFunction', principal: '*' })).statusCode,
      409,
    );
    const got = (await as(alice, 'GET', '/functions/web/policy')).json();
    assert.equal(got.policy.Version, '2012-10-17');
    assert.equal(got.policy.Statement.length, 1);
    assert.equal(
      (await as(alice, 'PUT', '/functions/web/policy/bad', { action: 'lambda:InvokeFunction', principal: 'nobody' })).statusCode,
      400,
    );
    assert.equal((await as(alice, 'DELETE', '/functions/web/policy/nope')).statusCode, 404);
    assert.equal((await as(alice, 'DELETE', `/functions/web/policy/public?revisionId=${got.revisionId}`)).statusCode, 200);
    assert.equal((await as(alice, 'GET', '/functions/web/policy')).statusCode, 404);
  });

  it("keeps another user's function out of reach", async () => {
    await as(alice, 'PUT', '/functions/web/url', { authType: 'NONE' });
    await as(alice, 'PUT', '/functions/web/policy/mine', { action: 'lambda:InvokeFunction', principal: '*' });
    for (const [method, url, body] of [
      ['GET', '/functions/web/url', undefined],
      ['PUT', '/functions/web/url', { authType: 'AWS_IAM' }],
      ['DELETE', '/functions/web/url', undefined],
      ['GET', '/functions/web/policy', undefined],
      ['PUT', '/functions/web/policy/theirs', { action: 'lambda:InvokeFunction', principal: '*' }],
      ['DELETE', '/functions/web/policy/mine', undefined],
    ] as const) {
      const r = await as(bob, method, url, body);
      assert.equal(r.statusCode, 404, `${method} ${url}`);
    }
    assert.equal((await as(alice, 'GET', '/functions/web/url')).json().authType, 'NONE');
    assert.equal((await as(alice, 'GET', '/functions/web/policy')).json().policy.Statement.length, 1);
  });
});

describe('function URLs with authentication off (HANGAR_AUTH=none)', () => {
  it('takes every caller of an AWS_IAM URL as its owner, as the API takes every caller as an admin', async () => {
    const open = await testPlatform({ HANGAR_WORKERS: '0', HANGAR_AUTH: 'none' });
    try {
      const zip = makeZip({ 'index.js': 'exports.handler = async () => 1;' }).toString('base64');
      assert.equal(
        (
          await open.inject({
            method: 'PUT',
            url: '/functions/f?userId=anonymous',
            payload: { runtime: 'nodejs22.x', handler: 'index.handler', zip },
          })
        ).statusCode,
        201,
      );
      const url = (await open.inject({ method: 'PUT', url: '/functions/f/url?userId=anonymous', payload: { authType: 'AWS_IAM' } })).json()
        .url;
      // Past the gate (no 403): this platform has no workers to run it, so 503.
      const r = await open.inject({ method: 'GET', url: new URL(url).pathname, auth: null });
      assert.deepEqual([r.statusCode, r.json()], [503, { Message: 'Service Unavailable' }]);
    } finally {
      await open.close();
    }
  });
});
