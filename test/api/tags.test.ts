/**
 * /functions/{name}/tags and /state-machines/{name}/tags on a started Hangar (inject): read, add
 * or overwrite, remove; a state machine tagged on create; refusals as problem+json with the tag
 * codes; another user's resource not found (an admin's ?userId= reaches it); a resource created
 * again starts untagged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: string;
let bob: string;

const as = (key: string | undefined, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });
const deploy = (name: string) =>
  as(alice, 'PUT', `/functions/${name}`, {
    zip: makeZip({ 'index.js': 'exports.handler = async () => 1;' }).toString('base64'),
    runtime: 'nodejs22.x',
    handler: 'index.handler',
  });
const machine = (name: string, tags?: Record<string, string>) =>
  as(alice, 'POST', '/state-machines', {
    name,
    definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
    ...(tags ? { tags } : {}),
  });
const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));

before(async () => {
  p = await testPlatform({}, { api: true, workers: false });
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key as string;
  alice = await key('alice');
  bob = await key('bob');
});
after(() => p.close());

describe('tags on the native API', () => {
  it("reads, adds, overwrites and removes a function's tags", async () => {
    assert.equal((await deploy('tagged')).statusCode, 201);
    assert.deepEqual((await as(alice, 'GET', '/functions/tagged/tags')).json(), { tags: {} });
    const added = await as(alice, 'POST', '/functions/tagged/tags', { tags: { team: 'data', env: 'dev' } });
    assert.equal(added.statusCode, 200, added.body);
    assert.deepEqual(added.json(), { tags: { team: 'data', env: 'dev' } });
    assert.deepEqual((await as(alice, 'POST', '/functions/tagged/tags', { tags: { env: 'prod' } })).json(), {
      tags: { team: 'data', env: 'prod' },
    });
    const removed = await as(alice, 'DELETE', '/functions/tagged/tags?key=team&key=absent');
    assert.deepEqual(removed.json(), { tags: { env: 'prod' } });
    assert.deepEqual((await as(alice, 'DELETE', '/functions/tagged/tags?key=env')).json(), { tags: {} });
  });

  it('tags a state machine on create and after', async () => {
    assert.equal((await machine('tagged', { team: 'data' })).statusCode, 201);
    assert.deepEqual((await as(alice, 'GET', '/state-machines/tagged/tags')).json(), { tags: { team: 'data' } });
    await as(alice, 'POST', '/state-machines/tagged/tags', { tags: { env: 'prod' } });
    assert.deepEqual((await as(alice, 'GET', '/state-machines/tagged/tags')).json(), { tags: { team: 'data', env: 'prod' } });
  });

  it('refuses what the rules do not take, with the tag codes, and sets nothing', async () => {
    await deploy('limits');
    await as(alice, 'POST', '/functions/limits/tags', { tags: many(50) });
    const over = await as(alice, 'POST', '/functions/limits/tags', { tags: { one: 'more' } });
    assert.deepEqual([over.statusCode, over.json().code], [400, 'TAG_LIMIT_EXCEEDED']);
    for (const tags of [{ 'aws:x': 'v' }, { ['k'.repeat(129)]: 'v' }]) {
      const bad = await as(alice, 'POST', '/functions/limits/tags', { tags });
      assert.deepEqual([bad.statusCode, bad.json().code], [400, 'TAG_INVALID']);
    }
    assert.equal(Object.keys((await as(alice, 'GET', '/functions/limits/tags')).json().tags).length, 50);
    const chars = await machine('chars', { 'a#b': 'v' });
    assert.deepEqual([chars.statusCode, chars.json().code], [400, 'TAG_INVALID']);
    assert.equal((await as(alice, 'GET', '/state-machines/chars')).statusCode, 404, 'a refused create makes nothing');
  });

  it("answers another user's resource as not found; an admin's ?userId= reaches it", async () => {
    await deploy('private');
    await as(alice, 'POST', '/functions/private/tags', { tags: { owner: 'alice' } });
    const got = await as(bob, 'GET', '/functions/private/tags');
    assert.deepEqual([got.statusCode, got.json().code], [404, 'FUNCTION_NOT_FOUND']);
    assert.equal((await as(bob, 'POST', '/functions/private/tags', { tags: { owner: 'bob' } })).statusCode, 404);
    assert.equal((await as(bob, 'GET', '/state-machines/tagged/tags')).json().code, 'STATE_MACHINE_NOT_FOUND');
    assert.deepEqual((await as(undefined, 'GET', '/functions/private/tags?userId=alice')).json(), { tags: { owner: 'alice' } });
  });

  it('starts a function and a state machine created again untagged', async () => {
    await deploy('again');
    await as(alice, 'POST', '/functions/again/tags', { tags: { gen: '1' } });
    await as(alice, 'DELETE', '/functions/again');
    assert.equal((await as(alice, 'GET', '/functions/again/tags')).statusCode, 404);
    await deploy('again');
    assert.deepEqual((await as(alice, 'GET', '/functions/again/tags')).json(), { tags: {} });
    await machine('again', { gen: '1' });
    await as(alice, 'DELETE', '/state-machines/again');
    await machine('again');
    assert.deepEqual((await as(alice, 'GET', '/state-machines/again/tags')).json(), { tags: {} });
  });
});
