/**
 * What API Gateway v2's management API could do alone, natively: named stages made, changed
 * (their variables merged) and deleted under /http-apis/{apiId}/stages ($default reset, as
 * DeleteStage does), each API's route count on the list, and an API's mappings across the user's
 * custom domain names; refusals in problem+json with stable codes, another user's API a 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testPlatform, type TestPlatform, userKey } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: string;
let bob: string;

const as = (key: string, method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: key, ...(payload === undefined ? {} : { payload: payload as object }) });
const problem = (r: { statusCode: number; headers: Record<string, unknown>; json(): any }) => {
  assert.match(String(r.headers['content-type']), /application\/problem\+json/);
  return [r.statusCode, r.json().code];
};
type Stage = {
  name: string;
  stageVariables: Record<string, string>;
  autoDeploy: boolean;
  deploymentId: string | null;
  url: string;
  throttle: { rate: number; burst: number } | null;
  routeThrottles: Record<string, { rate: number; burst: number }>;
};
const stageOf = (view: { stages: Stage[] }, name: string) => view.stages.find((s) => s.name === name);

before(async () => {
  p = await testPlatform({ HANGAR_DOMAIN_NAME_SUFFIXES: 'example.test' });
  alice = (await userKey(p, 'alice')).key;
  bob = (await userKey(p, 'bob')).key;
  const zip = makeZip({ 'index.js': 'exports.handler = async () => ({ ok: true });' });
  const fn = await as(alice, 'PUT', '/functions/web', { zip: zip.toString('base64'), runtime: 'nodejs22.x', handler: 'index.handler' });
  assert.equal(fn.statusCode, 201, fn.body);
});
after(async () => {
  await p?.close();
});

describe('named stages natively: /http-apis/{apiId}/stages', () => {
  it('makes a named stage with its variables, merges them on PATCH, deletes it; refuses a taken, bad or 11th stage', async () => {
    const id = (await as(alice, 'POST', '/http-apis', { name: 'staged' })).json().apiId as string;
    const made = await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'prod', variables: { db: 'main', region: 'eu' } });
    assert.equal(made.statusCode, 201, made.body);
    const prod = stageOf(made.json(), 'prod');
    assert.deepEqual(
      [prod?.stageVariables, prod?.autoDeploy, prod?.deploymentId, prod?.throttle, prod?.routeThrottles],
      [{ db: 'main', region: 'eu' }, true, null, null, {}],
      'auto-deploying (the native default), no throttles of its own',
    );
    assert.ok(prod?.url.endsWith(`/http/${id}/prod`), prod?.url);

    const patched = await as(alice, 'PATCH', `/http-apis/${id}/stages/prod`, { variables: { region: '', tier: 'gold' } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(stageOf(patched.json(), 'prod')?.stageVariables, { db: 'main', tier: 'gold' });
    // The PATCH's other fields stay as they were.
    const d = await as(alice, 'POST', `/http-apis/${id}/deployments`, { stage: 'prod' });
    assert.equal(d.statusCode, 201, d.body);
    const pinned = await as(alice, 'PATCH', `/http-apis/${id}/stages/prod`, { autoDeploy: false });
    assert.deepEqual(
      [stageOf(pinned.json(), 'prod')?.autoDeploy, stageOf(pinned.json(), 'prod')?.deploymentId],
      [false, d.json().deploymentId],
    );
    assert.deepEqual(stageOf(pinned.json(), 'prod')?.stageVariables, { db: 'main', tier: 'gold' });

    // Made pinned to a deployment at once, as CreateStage with AutoDeploy false and DeploymentId.
    const beta = await as(alice, 'POST', `/http-apis/${id}/stages`, {
      name: 'beta',
      autoDeploy: false,
      deploymentId: d.json().deploymentId,
    });
    assert.equal(beta.statusCode, 201, beta.body);
    assert.deepEqual(
      [stageOf(beta.json(), 'beta')?.autoDeploy, stageOf(beta.json(), 'beta')?.deploymentId],
      [false, d.json().deploymentId],
    );

    assert.deepEqual(problem(await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'prod' })), [409, 'HTTP_STAGE_EXISTS']);
    assert.deepEqual(problem(await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'bad name' })), [400, 'HTTP_API_INVALID']);
    assert.deepEqual(problem(await as(alice, 'POST', `/http-apis/${id}/stages`, { name: '$default' })), [400, 'HTTP_API_INVALID']);
    assert.deepEqual(problem(await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'vars', variables: { 'no-dash': 'x' } })), [
      400,
      'HTTP_API_INVALID',
    ]);
    assert.deepEqual(
      problem(await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'pin', deploymentId: d.json().deploymentId })),
      [400, 'HTTP_API_INVALID'],
      'a deployment named on a stage that auto-deploys',
    );
    assert.deepEqual(
      problem(await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'x', deploymentId: 'zzzzzzz', autoDeploy: false })),
      [404, 'HTTP_DEPLOYMENT_NOT_FOUND'],
    );
    assert.deepEqual(problem(await as(alice, 'POST', `/http-apis/${id}/stages`, { stage: 'x' })), [400, 'VALIDATION_FAILED']);
    for (let i = 0; i < 7; i++) assert.equal((await as(alice, 'POST', `/http-apis/${id}/stages`, { name: `s${i}` })).statusCode, 201);
    const tenth = await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'one-too-many' });
    assert.deepEqual(problem(tenth), [400, 'HTTP_API_INVALID']);
    assert.match(tenth.json().detail, /at most 10 stages/);

    const gone = await as(alice, 'DELETE', `/http-apis/${id}/stages/s0`);
    assert.deepEqual([gone.statusCode, gone.json()], [200, { apiId: id, stageName: 's0', deleted: true }]);
    assert.equal(stageOf((await as(alice, 'GET', `/http-apis/${id}`)).json(), 's0'), undefined);
    assert.deepEqual(problem(await as(alice, 'DELETE', `/http-apis/${id}/stages/s0`)), [404, 'HTTP_STAGE_NOT_FOUND']);
    assert.deepEqual(problem(await as(alice, 'PATCH', `/http-apis/${id}/stages/s0`, { variables: { a: 'b' } })), [
      404,
      'HTTP_STAGE_NOT_FOUND',
    ]);
    assert.deepEqual(problem(await as(alice, 'DELETE', `/http-apis/nosuchapi0/stages/prod`)), [404, 'HTTP_API_NOT_FOUND']);
  });

  it("PATCH $default merges the API's stage variables; DELETE $default resets its settings and it stays", async () => {
    const made = await as(alice, 'POST', '/http-apis', {
      name: 'reset',
      throttle: { rate: 5, burst: 10 },
      stageVariables: { a: '1', b: '2' },
    });
    const id = made.json().apiId as string;
    assert.equal(
      (await as(alice, 'POST', `/http-apis/${id}/routes`, { routeKey: 'GET /x', functionName: 'web', throttle: { rate: 1, burst: 1 } }))
        .statusCode,
      201,
    );
    const merged = await as(alice, 'PATCH', `/http-apis/${id}/stages/$default`, { variables: { a: '', c: '3' } });
    assert.equal(merged.statusCode, 200, merged.body);
    assert.deepEqual(merged.json().stageVariables, { b: '2', c: '3' });
    const d = (await as(alice, 'POST', `/http-apis/${id}/deployments`, { stage: '$default' })).json();
    assert.equal((await as(alice, 'PATCH', `/http-apis/${id}/stages/$default`, { autoDeploy: false })).json().autoDeploy, false);

    const reset = await as(alice, 'DELETE', `/http-apis/${id}/stages/%24default`);
    assert.deepEqual([reset.statusCode, reset.json()], [200, { apiId: id, stageName: '$default', deleted: false }]);
    const after = (await as(alice, 'GET', `/http-apis/${id}`)).json();
    assert.deepEqual([after.throttle, after.stageVariables, after.autoDeploy, after.deploymentId], [null, {}, true, d.deploymentId]);
    assert.equal((await as(alice, 'GET', `/http-apis/${id}/routes/GET%20%2Fx`)).json().throttle, null);
  });

  it("sets a stage's own throttles natively: a named stage answers 429 under its own, $default and the API unaffected; a route key naming no route is 404", async () => {
    const id = (await as(alice, 'POST', '/http-apis', { name: 'throttled' })).json().apiId as string;
    assert.equal((await as(alice, 'POST', `/http-apis/${id}/routes`, { routeKey: 'GET /x', functionName: 'web' })).statusCode, 201);
    const made = await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'closed', throttle: { rate: 0, burst: 0 } });
    assert.equal(made.statusCode, 201, made.body);
    assert.deepEqual(stageOf(made.json(), 'closed')?.throttle, { rate: 0, burst: 0 });
    assert.equal(made.json().throttle, null, "the API's (and so $default's) throttle stays none");
    const call = (path: string) => p.inject({ method: 'GET', url: `/http/${id}${path}` });
    assert.equal((await call('/closed/x')).statusCode, 429);
    assert.equal((await call('/x')).statusCode, 200, '$default runs under its own (none)');

    // A route's own throttle in the stage overrides the stage's default; null removes it again.
    const opened = await as(alice, 'PATCH', `/http-apis/${id}/stages/closed`, { routeThrottles: { 'GET /x': { rate: 100, burst: 100 } } });
    assert.equal(opened.statusCode, 200, opened.body);
    assert.deepEqual(stageOf(opened.json(), 'closed')?.routeThrottles, { 'GET /x': { rate: 100, burst: 100 } });
    assert.equal((await call('/closed/x')).statusCode, 200);
    const removed = await as(alice, 'PATCH', `/http-apis/${id}/stages/closed`, { routeThrottles: { 'GET /x': null } });
    assert.deepEqual(stageOf(removed.json(), 'closed')?.routeThrottles, {});
    assert.equal((await call('/closed/x')).statusCode, 429);
    // throttle null: none of its own again.
    assert.equal(
      stageOf((await as(alice, 'PATCH', `/http-apis/${id}/stages/closed`, { throttle: null })).json(), 'closed')?.throttle,
      null,
    );
    assert.equal((await call('/closed/x')).statusCode, 200);

    // $default's throttle through its stage is the API's.
    const dflt = await as(alice, 'PATCH', `/http-apis/${id}/stages/$default`, { throttle: { rate: 0, burst: 0 } });
    assert.equal(dflt.statusCode, 200, dflt.body);
    assert.deepEqual(dflt.json().throttle, { rate: 0, burst: 0 });
    assert.equal((await call('/x')).statusCode, 429);
    assert.equal((await call('/closed/x')).statusCode, 200, "a named stage is not under $default's");

    for (const stage of ['closed', '$default'])
      assert.deepEqual(
        problem(
          await as(alice, 'PATCH', `/http-apis/${id}/stages/${stage}`, { routeThrottles: { 'GET /nowhere': { rate: 1, burst: 1 } } }),
        ),
        [404, 'HTTP_ROUTE_NOT_FOUND'],
        stage,
      );
    assert.deepEqual(problem(await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'bad', throttle: { rate: -1, burst: 1 } })), [
      400,
      'HTTP_API_INVALID',
    ]);
  });

  it('deleting a route deletes its throttles on every named stage: a route made again with its key runs under none of them', async () => {
    const id = (await as(alice, 'POST', '/http-apis', { name: 'reroute' })).json().apiId as string;
    const routeUrl = `/http-apis/${id}/routes/${encodeURIComponent('GET /x')}`;
    assert.equal((await as(alice, 'POST', `/http-apis/${id}/routes`, { routeKey: 'GET /x', functionName: 'web' })).statusCode, 201);
    for (const name of ['one', 'two'])
      assert.equal(
        (await as(alice, 'POST', `/http-apis/${id}/stages`, { name, routeThrottles: { 'GET /x': { rate: 0, burst: 0 } } })).statusCode,
        201,
      );
    const call = (path: string) => p.inject({ method: 'GET', url: `/http/${id}${path}` });
    assert.deepEqual([(await call('/one/x')).statusCode, (await call('/two/x')).statusCode], [429, 429]);

    assert.equal((await as(alice, 'DELETE', routeUrl)).statusCode, 200);
    const api = (await as(alice, 'GET', `/http-apis/${id}`)).json();
    assert.deepEqual([stageOf(api, 'one')?.routeThrottles, stageOf(api, 'two')?.routeThrottles], [{}, {}]);
    assert.equal((await as(alice, 'POST', `/http-apis/${id}/routes`, { routeKey: 'GET /x', functionName: 'web' })).statusCode, 201);
    assert.deepEqual([(await call('/one/x')).statusCode, (await call('/two/x')).statusCode], [200, 200]);
  });

  it("keeps another user's API out of reach: 404 as a missing one, 403 for ?userId=", async () => {
    const id = (await as(alice, 'POST', '/http-apis', { name: 'mine' })).json().apiId as string;
    assert.equal((await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'prod' })).statusCode, 201);
    assert.deepEqual(problem(await as(bob, 'POST', `/http-apis/${id}/stages`, { name: 'evil' })), [404, 'HTTP_API_NOT_FOUND']);
    assert.deepEqual(problem(await as(bob, 'PATCH', `/http-apis/${id}/stages/prod`, { variables: { a: 'b' } })), [
      404,
      'HTTP_API_NOT_FOUND',
    ]);
    assert.deepEqual(problem(await as(bob, 'DELETE', `/http-apis/${id}/stages/prod`)), [404, 'HTTP_API_NOT_FOUND']);
    assert.deepEqual(problem(await as(bob, 'DELETE', `/http-apis/${id}/stages/$default`)), [404, 'HTTP_API_NOT_FOUND']);
    assert.equal((await as(bob, 'POST', `/http-apis/${id}/stages?userId=alice`, { name: 'evil' })).statusCode, 403);
    const view = (await as(alice, 'GET', `/http-apis/${id}`)).json();
    assert.deepEqual(
      view.stages.map((s: Stage) => s.name),
      ['prod'],
    );
  });
});

describe('the list views the dashboard reads', () => {
  it('lists each API with its route count', async () => {
    const carol = (await userKey(p, 'carol')).key;
    const zip = makeZip({ 'index.js': 'exports.handler = async () => ({});' });
    await as(carol, 'PUT', '/functions/f', { zip: zip.toString('base64'), runtime: 'nodejs22.x', handler: 'index.handler' });
    const two = (await as(carol, 'POST', '/http-apis', { name: 'two' })).json().apiId;
    const none = (await as(carol, 'POST', '/http-apis', { name: 'none' })).json().apiId;
    for (const routeKey of ['GET /a', '$default'])
      assert.equal((await as(carol, 'POST', `/http-apis/${two}/routes`, { routeKey, functionName: 'f' })).statusCode, 201);
    const listed = (await as(carol, 'GET', '/http-apis')).json().apis;
    assert.deepEqual(
      listed.map((a: { apiId: string; routeCount: number }) => [a.apiId, a.routeCount]),
      [
        [two, 2],
        [none, 0],
      ],
    );
    assert.equal((await as(carol, 'DELETE', `/http-apis/${two}/routes/%24default`)).statusCode, 200);
    assert.equal((await as(carol, 'GET', '/http-apis')).json().apis[0].routeCount, 1);
    assert.deepEqual((await as(bob, 'GET', '/http-apis')).json().apis, []);
  });

  it("lists an API's mappings across the user's domain names; another user's API is 404", async () => {
    const id = (await as(alice, 'POST', '/http-apis', { name: 'mapped' })).json().apiId as string;
    const other = (await as(alice, 'POST', '/http-apis', { name: 'other' })).json().apiId as string;
    assert.equal((await as(alice, 'POST', `/http-apis/${id}/stages`, { name: 'prod' })).statusCode, 201);
    for (const domainName of ['b.example.test', 'a.example.test'])
      assert.equal((await as(alice, 'POST', '/domain-names', { domainName })).statusCode, 201);
    const map = async (domain: string, body: Record<string, unknown>) => {
      const r = await as(alice, 'POST', `/domain-names/${domain}/mappings`, body);
      assert.equal(r.statusCode, 201, r.body);
      return r.json();
    };
    const bRoot = await map('b.example.test', { apiId: id });
    const aV1 = await map('a.example.test', { apiId: id, stage: 'prod', apiMappingKey: 'v1' });
    await map('a.example.test', { apiId: other, apiMappingKey: 'other' });
    const listed = await as(alice, 'GET', `/http-apis/${id}/domain-mappings`);
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(listed.json().mappings, [aV1, bRoot]);
    assert.deepEqual(
      listed.json().mappings.map((m: Record<string, string>) => [m.domainName, m.apiMappingKey, m.stage, m.apiMappingId]),
      [
        ['a.example.test', 'v1', 'prod', aV1.apiMappingId],
        ['b.example.test', '', '$default', bRoot.apiMappingId],
      ],
    );
    const none = (await as(alice, 'POST', '/http-apis', { name: 'unmapped' })).json().apiId;
    assert.deepEqual((await as(alice, 'GET', `/http-apis/${none}/domain-mappings`)).json(), { mappings: [] });
    assert.deepEqual(problem(await as(bob, 'GET', `/http-apis/${id}/domain-mappings`)), [404, 'HTTP_API_NOT_FOUND']);
    assert.deepEqual(problem(await as(alice, 'GET', '/http-apis/nosuchapi0/domain-mappings')), [404, 'HTTP_API_NOT_FOUND']);
    assert.equal((await as(bob, 'GET', `/http-apis/${id}/domain-mappings?userId=alice`)).statusCode, 403);
  });
});
