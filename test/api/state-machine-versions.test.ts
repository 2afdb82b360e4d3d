/**
 * /state-machines/{name}/versions and /aliases on a started Hangar (inject): publishing (and
 * again: the same version), the revision check, an execution of a version running its own
 * definition after an update, an alias's starts, refusals as problem+json with their codes, the
 * routes in /openapi.json, and tenancy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
let alice: string;
let bob: string;

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });

const pass = (result: unknown) => ({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0' }, { api: true, workers: false });
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json().key as string;
  alice = await key('alice');
  bob = await key('bob');
});
after(() => p.close());

describe('/state-machines/{name}/versions and /aliases', () => {
  it('publishes, lists, reads and deletes versions; runs a version and an alias', async () => {
    assert.equal((await as(alice, 'POST', '/state-machines', { name: 'rest', definition: pass('one') })).statusCode, 201);
    const first = await as(alice, 'POST', '/state-machines/rest/versions', { description: 'first' });
    assert.equal(first.statusCode, 201, first.body);
    const v1 = first.json();
    assert.equal(v1.version, 1);
    assert.equal(v1.description, 'first');
    assert.equal(v1.definition, JSON.stringify(pass('one')));
    const again = await as(alice, 'POST', '/state-machines/rest/versions', { revisionId: v1.revisionId });
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), v1);

    await as(alice, 'PATCH', '/state-machines/rest', { definition: pass('two') });
    const stale = await as(alice, 'POST', '/state-machines/rest/versions', { revisionId: v1.revisionId });
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().code, 'STATE_MACHINE_REVISION_MISMATCH');
    assert.equal((await as(alice, 'POST', '/state-machines/rest/versions', {})).json().version, 2);

    const page = await as(alice, 'GET', '/state-machines/rest/versions?limit=1');
    assert.deepEqual(
      page.json().versions.map((v: { version: number }) => v.version),
      [2],
    );
    const rest = await as(alice, 'GET', `/state-machines/rest/versions?limit=1&cursor=${page.json().nextCursor}`);
    assert.deepEqual(
      rest.json().versions.map((v: { version: number }) => v.version),
      [1],
    );
    assert.deepEqual((await as(alice, 'GET', '/state-machines/rest/versions/1')).json(), v1);

    // Version 1 runs its own definition, though the machine has moved on.
    const ran = await as(alice, 'POST', '/state-machines/rest/executions?wait=10', { version: 1 });
    assert.equal(ran.statusCode, 201, ran.body);
    assert.equal(ran.json().output, 'one');
    assert.equal(ran.json().version, 1);
    assert.equal(ran.json().alias, null);

    const made = await as(alice, 'POST', '/state-machines/rest/aliases', { name: 'live', routing: [{ version: 2, weight: 100 }] });
    assert.equal(made.statusCode, 201, made.body);
    assert.deepEqual(made.json().routing, [{ version: 2, weight: 100 }]);
    const viaAlias = await as(alice, 'POST', '/state-machines/rest/executions?wait=10', { alias: 'live' });
    assert.equal(viaAlias.json().output, 'two');
    assert.equal(viaAlias.json().version, 2);
    assert.equal(viaAlias.json().alias, 'live');
    const listed = await as(alice, 'GET', '/executions?stateMachine=rest&alias=live');
    assert.deepEqual(
      listed.json().executions.map((e: { id: string }) => e.id),
      [viaAlias.json().id],
    );
    const ofV1 = await as(alice, 'GET', '/executions?stateMachine=rest&version=1');
    assert.deepEqual(
      ofV1.json().executions.map((e: { id: string }) => e.id),
      [ran.json().id],
    );

    const inUse = await as(alice, 'DELETE', '/state-machines/rest/versions/2');
    assert.equal(inUse.statusCode, 409);
    assert.equal(inUse.json().code, 'STATE_MACHINE_VERSION_IN_USE');
    const moved = await as(alice, 'PATCH', '/state-machines/rest/aliases/live', {
      routing: [
        { version: 1, weight: 50 },
        { version: 2, weight: 50 },
      ],
      description: 'half',
    });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().description, 'half');
    assert.deepEqual(
      (await as(alice, 'GET', '/state-machines/rest/aliases?version=1')).json().aliases.map((a: { name: string }) => a.name),
      ['live'],
    );
    const badWeights = await as(alice, 'PATCH', '/state-machines/rest/aliases/live', { routing: [{ version: 1, weight: 90 }] });
    assert.equal(badWeights.statusCode, 400);
    assert.equal(badWeights.json().code, 'WORKFLOW_INVALID');
    assert.equal((await as(alice, 'DELETE', '/state-machines/rest/aliases/live')).statusCode, 200);
    assert.equal((await as(alice, 'GET', '/state-machines/rest/aliases/live')).json().code, 'STATE_MACHINE_ALIAS_NOT_FOUND');
    assert.equal((await as(alice, 'DELETE', '/state-machines/rest/versions/2')).statusCode, 200);
    const gone = await as(alice, 'GET', '/state-machines/rest/versions/2');
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().code, 'STATE_MACHINE_VERSION_NOT_FOUND');
  });

  it("keeps each user's versions and aliases their own", async () => {
    await as(alice, 'POST', '/state-machines', { name: 'private', definition: pass(1) });
    await as(alice, 'POST', '/state-machines/private/versions', {});
    await as(alice, 'POST', '/state-machines/private/aliases', { name: 'live', routing: [{ version: 1, weight: 100 }] });
    for (const [method, url] of [
      ['GET', '/state-machines/private/versions/1'],
      ['GET', '/state-machines/private/versions'],
      ['GET', '/state-machines/private/aliases/live'],
      ['DELETE', '/state-machines/private/aliases/live'],
      ['POST', '/state-machines/private/versions'],
    ]) {
      const r = await as(bob, method, url, method === 'POST' ? {} : undefined);
      assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
    }
    const start = await as(bob, 'POST', '/state-machines/private/executions', { version: 1 });
    assert.equal(start.statusCode, 404);
    assert.equal((await as(alice, 'GET', '/state-machines/private/aliases/live')).statusCode, 200);
  });

  it('documents the routes in /openapi.json', async () => {
    const doc = (await p.inject({ method: 'GET', url: '/openapi.json', auth: null })).json();
    for (const path of [
      '/state-machines/{name}/versions',
      '/state-machines/{name}/versions/{version}',
      '/state-machines/{name}/aliases',
      '/state-machines/{name}/aliases/{alias}',
    ])
      assert.ok(doc.paths[path], path);
  });
});
