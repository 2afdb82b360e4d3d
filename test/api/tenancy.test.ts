/**
 * Tenancy through the real API: API keys (missing, malformed, unknown, revoked), admin-only
 * routes, ownership of every id-bearing route (the BOLA walk over /openapi.json), lists that
 * never leak, quotas and rate limits with Retry-After, secrets that reach the task and nothing
 * else, and the audit log.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { filesContaining } from '../helpers/files.ts';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';
import { seedExecution } from '../helpers/workflows.ts';
import { makeZip } from '../helpers/zip.ts';

let p: TestPlatform;
let alice: string;
let bob: string;
let aliceKeyId: string;
before(async () => {
  // Users may name domains under example.test (the walk below reaches for one of alice's).
  p = await testPlatform({ HANGAR_DOMAIN_NAME_SUFFIXES: 'example.test' });
  const a = await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice', name: 'alice laptop' } });
  assert.equal(a.statusCode, 201, a.body);
  alice = a.json().key;
  aliceKeyId = a.json().keyId;
  bob = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json().key;
});
after(async () => p.close());

const as = (key: string | null, method: string, url: string, payload?: object) =>
  p.inject({ method: method as 'GET', url, auth: key, ...(payload ? { payload } : {}) });
/** A state machine of one Pass state, as JSON text. */
const PASS_MACHINE = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
const FINAL = ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'];
const waitFinal = (key: string, id: string) =>
  until(async () => {
    const t = (await as(key, 'GET', `/tasks/${id}`)).json();
    return FINAL.includes(t.status) ? t : null;
  }, 20_000);

describe('authentication', () => {
  it('refuses missing, malformed, unknown and revoked keys with 401 and a Bearer challenge', async () => {
    const missing = await as(null, 'GET', '/tasks');
    assert.equal(missing.statusCode, 401);
    assert.match(String(missing.headers['content-type']), /^application\/problem\+json/);
    assert.equal(missing.json().code, 'UNAUTHORIZED');
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="hangar"');
    for (const header of ['Basic YWxpY2U6eA==', 'Bearer', 'Bearer  ', `Token ${alice}`]) {
      const r = await p.inject({ method: 'GET', url: '/tasks', headers: { authorization: header } });
      assert.equal(r.statusCode, 401, header);
      assert.match(String(r.headers['www-authenticate']), /^Bearer realm="hangar"/);
    }
    const unknown = await as('hk_' + 'x'.repeat(43), 'GET', '/tasks');
    assert.equal(unknown.statusCode, 401);
    assert.match(String(unknown.headers['www-authenticate']), /error="invalid_token"/);

    const made = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'carol' } })).json();
    assert.equal((await as(made.key, 'GET', '/tasks')).statusCode, 200);
    const revoked = await p.inject({ method: 'DELETE', url: `/keys/${made.keyId}` });
    assert.equal(revoked.statusCode, 200);
    assert.ok(revoked.json().revokedAt);
    assert.equal((await as(made.key, 'GET', '/tasks')).statusCode, 401, 'revocation holds from the next request');
  });

  it('lets /health and the API documents through without a key', async () => {
    assert.equal((await as(null, 'GET', '/health')).statusCode, 200);
    assert.equal((await as(null, 'GET', '/openapi.json')).statusCode, 200);
    assert.equal((await as(null, 'GET', '/docs/')).statusCode, 200);
  });

  it('keeps key management, the audit log and metrics to admins (403 for users)', async () => {
    for (const [method, url, body] of [
      ['POST', '/keys', { userId: 'bob', scope: 'admin' }],
      ['GET', '/keys', undefined],
      ['DELETE', `/keys/${aliceKeyId}`, undefined],
      ['GET', '/audit', undefined],
      ['GET', '/metrics', undefined],
    ] as const) {
      const r = await as(bob, method, url, body);
      assert.equal(r.statusCode, 403, `${method} ${url}`);
      assert.equal(r.json().code, 'FORBIDDEN');
    }
    assert.equal((await as(alice, 'GET', '/me')).json().userId, 'alice', "alice's key still works");
  });

  it('shows a key once and lists keys without them', async () => {
    const listed = (await p.inject({ method: 'GET', url: '/keys?userId=alice' })).json().keys;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].keyId, aliceKeyId);
    assert.equal(listed[0].prefix, alice.slice(0, 10));
    assert.equal(JSON.stringify(listed).includes(alice), false);
  });
});

describe('ownership', () => {
  it('takes userId from the key: another user in the body is 403, the admin may submit for anyone', async () => {
    const own = await as(alice, 'POST', '/tasks', { args: ['true'] });
    assert.equal(own.statusCode, 201);
    assert.equal((await as(alice, 'GET', `/tasks/${own.json().taskId}`)).json().userId, 'alice');
    assert.equal((await as(alice, 'POST', '/tasks', { args: ['true'], userId: 'alice' })).statusCode, 201);
    const spoof = await as(alice, 'POST', '/tasks', { args: ['true'], userId: 'bob' });
    assert.equal(spoof.statusCode, 403);
    const onBehalf = await as(p.config.adminKey!, 'POST', '/tasks', { args: ['true'], userId: 'bob' });
    assert.equal(onBehalf.statusCode, 201);
    assert.equal((await as(bob, 'GET', `/tasks/${onBehalf.json().taskId}`)).json().userId, 'bob');
  });

  it("answers 404 on every id-bearing route of the OpenAPI document for another user's objects", async () => {
    const dead = (await as(alice, 'POST', '/tasks', { shell: 'echo alice-private; exit 1', maxAttempts: 1 })).json().taskId;
    assert.equal((await waitFinal(alice, dead)).deadLettered, true);
    const running = (await as(alice, 'POST', '/tasks', { shell: 'sleep 30' })).json().taskId;
    await until(async () => (await as(alice, 'GET', `/tasks/${running}`)).json().status === 'RUNNING');
    assert.equal((await as(alice, 'PUT', '/secrets/ALICE_TOKEN', { value: 'alice-secret-value' })).statusCode, 201);
    const project = (await as(alice, 'POST', '/projects', { name: 'alice-project' })).json().projectId;
    // Upper case: a 404 names the function, and no answer to bob may say 'alice'.
    const aliceZip = makeZip({ 'index.mjs': 'export const handler = async () => "alice";\n' });
    const fn = { zip: aliceZip.toString('base64'), runtime: 'nodejs22.x', handler: 'index.handler' };
    assert.equal((await as(alice, 'PUT', '/functions/ALICE_FN', fn)).json().userId, 'alice');
    // A version, an alias on it and a reservation: objects behind every function route to reach for.
    assert.equal((await as(alice, 'POST', '/functions/ALICE_FN/versions', {})).statusCode, 201);
    assert.equal((await as(alice, 'PUT', '/functions/ALICE_FN/aliases/main', { version: '1' })).statusCode, 201);
    assert.equal((await as(alice, 'PUT', '/functions/ALICE_FN/concurrency', { reserved: 3 })).statusCode, 200);
    assert.equal((await as(alice, 'PUT', '/functions/ALICE_FN/event-config', { maximumRetryAttempts: 0 })).statusCode, 200);
    const breaker = { failureThreshold: 7, windowSeconds: 60, cooldownSeconds: 30 };
    assert.equal((await as(alice, 'PUT', '/functions/ALICE_FN/circuit-breaker', breaker)).statusCode, 200);
    assert.equal((await as(alice, 'PUT', '/functions/ALICE_FN/url', { authType: 'NONE' })).statusCode, 201);
    const policyStatement = { action: 'lambda:InvokeFunction', principal: '*' };
    assert.equal((await as(alice, 'PUT', '/functions/ALICE_FN/policy/main', policyStatement)).statusCode, 201);
    const aliceFn = (await as(alice, 'GET', '/functions/ALICE_FN')).json();
    const aliceApi = (await as(alice, 'POST', '/http-apis', { name: 'ALICE_API' })).json().apiId;
    // A domain name (lower case by nature, so no 'alice' in it) with a mapping behind its routes.
    const aliceDomain = 'private-one.example.test';
    assert.equal((await as(alice, 'POST', '/domain-names', { domainName: aliceDomain })).statusCode, 201);
    assert.equal((await as(alice, 'POST', `/domain-names/${aliceDomain}/mappings`, { apiId: aliceApi })).statusCode, 201);
    const layerZip = { zip: makeZip({ 'bin/ALICE_TOOL': 'x' }).toString('base64') };
    assert.equal((await as(alice, 'POST', '/layers/ALICE_LAYER/versions', layerZip)).statusCode, 201);
    assert.equal(
      (await as(alice, 'POST', `/http-apis/${aliceApi}/routes`, { routeKey: 'GET /a', functionName: 'ALICE_FN' })).statusCode,
      201,
    );

    assert.equal((await as(alice, 'POST', '/state-machines', { name: 'ALICE_SM', definition: PASS_MACHINE })).statusCode, 201);
    assert.equal((await as(alice, 'POST', '/activities', { name: 'ALICE_ACT' })).statusCode, 201);
    const aliceMapRun = randomUUID();
    const aliceExecution = (await seedExecution(p, { userId: 'alice', machine: 'ALICE_SM', name: 'ALICE_RUN', mapRuns: [aliceMapRun] })).id;

    // A function's code from alice's project: for bob, as a project that does not exist.
    const { zip: _, ...config } = fn;
    const fromProject = await as(bob, 'PUT', '/functions/BOB_FN', { ...config, project: { projectId: project } });
    const fromMissing = await as(bob, 'PUT', '/functions/BOB_FN', { ...config, project: { projectId: 'no-such-project' } });
    assert.equal(fromProject.statusCode, 404, fromProject.body);
    const same = (r: typeof fromProject, id: string) => {
      const body = r.json() as Record<string, string>;
      return { ...body, detail: String(body.detail).replace(id, 'X') };
    };
    assert.deepEqual(same(fromProject, project), same(fromMissing, 'no-such-project'));

    const doc = (await as(null, 'GET', '/openapi.json')).json() as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
    };
    const walked: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.includes('{')) continue;
      // PUT last: it makes bob a secret (a function) of that name, which DELETE would then find.
      for (const [method, op] of Object.entries(ops).sort(([a], [b]) => Number(a === 'put') - Number(b === 'put'))) {
        const targets = path.startsWith('/keys')
          ? [aliceKeyId]
          : path.startsWith('/secrets')
            ? ['ALICE_TOKEN']
            : path.startsWith('/projects')
              ? [project]
              : path.startsWith('/functions')
                ? ['ALICE_FN']
                : path.startsWith('/layers')
                  ? ['ALICE_LAYER']
                  : path.startsWith('/http-apis')
                    ? [aliceApi]
                    : path.startsWith('/domain-names')
                      ? [aliceDomain]
                      : path.startsWith('/state-machines')
                        ? ['ALICE_SM']
                        : path.startsWith('/executions')
                          ? [aliceExecution]
                          : path.startsWith('/map-runs')
                            ? [aliceMapRun]
                            : path.startsWith('/activities')
                              ? ['ALICE_ACT']
                              : [dead, running];
        for (const target of targets) {
          // The object under test is the first id; any other (a terminal's) is one bob could name.
          // A version number where the route takes one (alice's version 1), else 'main' (her alias).
          const url = path
            .replace(/\{(\w+)\}/, target)
            .replace('{n}', '1')
            .replace('{version}', '1')
            .replace(/\{(\w+)\}/g, 'main')
            // Untagging names the keys to remove (a query the route requires).
            .concat(path.endsWith('/tags') && method === 'delete' ? '?key=team' : '');
          const deploy = method === 'put' && path === '/functions/{name}';
          const publishLayer = method === 'post' && path === '/layers/{name}/versions';
          const body =
            method === 'put' && path.startsWith('/secrets')
              ? { value: 'bob-value' }
              : deploy
                ? { ...fn, zip: makeZip({ 'index.mjs': 'bob' }).toString('base64') }
                : publishLayer
                  ? layerZip
                  : path.endsWith('/commands') && method === 'post'
                    ? { command: 'id' }
                    : path.endsWith('/aliases/{alias}') && method === 'put'
                      ? { version: '1' }
                      : path.endsWith('/provisioned-concurrency') && method === 'put'
                        ? { instances: 1 }
                        : path.endsWith('/circuit-breaker') && method === 'put'
                          ? { failureThreshold: 1, windowSeconds: 1, cooldownSeconds: 1 }
                          : path.endsWith('/concurrency') && method === 'put'
                            ? { reserved: 1 }
                            : path.endsWith('/event-config') && method === 'put'
                              ? { maximumRetryAttempts: 1 }
                              : path.endsWith('/url') && method === 'put'
                                ? { authType: 'NONE' }
                                : path.endsWith('/policy/{sid}') && method === 'put'
                                  ? path.startsWith('/layers')
                                    ? { principal: '*' }
                                    : policyStatement
                                  : path.endsWith('/versions') && method === 'post'
                                    ? {}
                                    : path === '/http-apis/{apiId}/deployments' || path === '/http-apis/{apiId}/stages/{stageName}'
                                      ? {}
                                      : path === '/http-apis/{apiId}/stages'
                                        ? { name: 'bob' }
                                        : path === '/http-apis/{apiId}/routes' && method === 'post'
                                          ? { routeKey: 'GET /b', functionName: 'ALICE_FN' }
                                          : path === '/http-apis/{apiId}' && method === 'patch'
                                            ? { name: 'bob' }
                                            : path === '/domain-names/{domainName}' && method === 'patch'
                                              ? {}
                                              : path.startsWith('/domain-names') && (method === 'patch' || method === 'post')
                                                ? { apiId: 'bobsapixxx' }
                                                : path === '/http-apis/{apiId}/routes/{routeKey}' && method === 'patch'
                                                  ? { cacheTtlS: 0 }
                                                  : path === '/state-machines/{name}' && method === 'patch'
                                                    ? { description: 'bob' }
                                                    : path === '/state-machines/{name}/executions' ||
                                                        path === '/executions/{id}/stop' ||
                                                        path === '/executions/{id}/redrive'
                                                      ? {}
                                                      : path === '/map-runs/{id}' && method === 'patch'
                                                        ? { maxConcurrency: 1 }
                                                        : path.endsWith('/tags') && method === 'post'
                                                          ? { tags: { team: 'bob' } }
                                                          : path === '/state-machines/{name}/aliases' && method === 'post'
                                                            ? { name: 'live', routing: [{ version: 1, weight: 100 }] }
                                                            : path === '/state-machines/{name}/aliases/{alias}' && method === 'patch'
                                                              ? { description: 'bob' }
                                                              : undefined;
          const r = await as(bob, method.toUpperCase(), url, body);
          walked.push(`${method.toUpperCase()} ${path}`);
          const text = r.body;
          assert.equal(text.includes('alice'), false, `${method} ${url} leaked: ${text}`);
          if (path.startsWith('/keys')) assert.equal(r.statusCode, 403, `${method} ${url}`);
          else if (method === 'put' && path.startsWith('/secrets'))
            assert.equal(r.statusCode, 201, 'PUT makes bob his own secret of that name');
          else if (deploy) {
            assert.equal(r.statusCode, 201, 'PUT makes bob his own function of that name');
            assert.equal(r.json().userId, 'bob');
            // Gone again, or the walk of /functions/{name}/code would find bob's own.
            assert.equal((await as(bob, 'DELETE', url)).statusCode, 200);
          } else if (publishLayer) {
            assert.equal(r.statusCode, 201, 'POST makes bob his own layer of that name');
            assert.equal(r.json().userId, 'bob');
            assert.equal(r.json().version, 1, "numbered apart from alice's");
            // Gone again, or the walk of /layers/{name}/versions/{n} would find bob's own.
            assert.equal((await as(bob, 'DELETE', `${url}/1`)).statusCode, 200);
          } else {
            assert.equal(r.statusCode, 404, `${method} ${url}: ${text}`);
            // Exactly as a missing one: same code, same words with the id swapped.
            const missing = await as(
              bob,
              method.toUpperCase(),
              url.replace(target, target.length === 36 ? '00000000-0000-4000-8000-000000000000' : 'NO_SUCH_SECRET'),
              body,
            );
            assert.equal(r.json().code, missing.json().code);
          }
          assert.ok(r.statusCode < 500);
          void op;
        }
      }
    }
    assert.ok(
      walked.includes('POST /tasks/{id}/cancel') && walked.includes('GET /tasks/{id}/logs') && walked.includes('POST /dlq/{id}/redrive'),
      walked.join(', '),
    );
    assert.ok(walked.includes('PUT /projects/{id}/files') && walked.includes('GET /projects/{id}/files'), walked.join(', '));
    for (const route of [
      'GET /functions/{name}',
      'GET /functions/{name}/code',
      'POST /layers/{name}/versions',
      'GET /layers/{name}/versions',
      'GET /layers/{name}/versions/{n}',
      'GET /layers/{name}/versions/{n}/content',
      'DELETE /layers/{name}/versions/{n}',
      'GET /layers/{name}/versions/{n}/policy',
      'PUT /layers/{name}/versions/{n}/policy/{sid}',
      'DELETE /layers/{name}/versions/{n}/policy/{sid}',
      'GET /functions/{name}/invocations',
      'GET /functions/{name}/logs',
      'GET /functions/{name}/logs/live',
      'DELETE /functions/{name}',
      'PUT /functions/{name}',
      'POST /functions/{name}/versions',
      'GET /functions/{name}/versions',
      'GET /functions/{name}/versions/{n}',
      'DELETE /functions/{name}/versions/{n}',
      'PUT /functions/{name}/aliases/{alias}',
      'GET /functions/{name}/aliases',
      'GET /functions/{name}/aliases/{alias}',
      'DELETE /functions/{name}/aliases/{alias}',
      'PUT /functions/{name}/concurrency',
      'DELETE /functions/{name}/concurrency',
      'DELETE /functions/{name}/provisioned-concurrency',
      'GET /functions/{name}/provisioned-concurrency',
      'PUT /functions/{name}/provisioned-concurrency',
      'PUT /functions/{name}/circuit-breaker',
      'GET /functions/{name}/circuit-breaker',
      'DELETE /functions/{name}/circuit-breaker',
      'PUT /functions/{name}/event-config',
      'GET /functions/{name}/event-config',
      'GET /functions/{name}/event-configs',
      'DELETE /functions/{name}/event-config',
      'POST /functions/{name}/invoke',
      'DELETE /functions/{name}/policy/{sid}',
      'DELETE /functions/{name}/url',
      'DELETE /http-apis/{apiId}',
      'DELETE /http-apis/{apiId}/routes/{routeKey}',
      'GET /functions/{name}/policy',
      'GET /functions/{name}/url',
      'GET /http-apis/{apiId}',
      'GET /http-apis/{apiId}/openapi',
      'GET /http-apis/{apiId}/routes',
      'GET /http-apis/{apiId}/routes/{routeKey}',
      'GET /http-apis/{apiId}/tags',
      'POST /http-apis/{apiId}/tags',
      'DELETE /http-apis/{apiId}/tags',
      'PATCH /http-apis/{apiId}',
      'PATCH /http-apis/{apiId}/routes/{routeKey}',
      'POST /http-apis/{apiId}/routes',
      'PUT /functions/{name}/policy/{sid}',
      'PUT /functions/{name}/url',
      'GET /state-machines/{name}',
      'PATCH /state-machines/{name}',
      'DELETE /state-machines/{name}',
      'POST /state-machines/{name}/executions',
      'GET /executions/{id}',
      'GET /executions/{id}/history',
      'POST /executions/{id}/redrive',
      'POST /executions/{id}/stop',
      'GET /executions/{id}/map-runs',
      'GET /map-runs/{id}',
      'GET /map-runs/{id}/executions',
      'PATCH /map-runs/{id}',
      'GET /activities/{name}',
      'DELETE /activities/{name}',
      'POST /activities/{name}/poll',
    ])
      assert.ok(walked.includes(route), `${route} walked: ${walked.join(', ')}`);
    assert.ok(walked.length >= 10, walked.join(', '));
    // Nothing of alice's changed: still running, still dead-lettered, her secret still hers.
    assert.equal((await as(alice, 'GET', `/tasks/${running}`)).json().status, 'RUNNING');
    assert.equal((await as(alice, 'GET', `/tasks/${dead}`)).json().deadLettered, true);
    assert.deepEqual(
      (await as(alice, 'GET', '/secrets')).json().secrets.map((s: { name: string }) => s.name),
      ['ALICE_TOKEN'],
    );
    const hers = (await as(alice, 'GET', '/functions/ALICE_FN')).json();
    assert.deepEqual([hers.userId, hers.code.sha256, hers.revisionId], ['alice', aliceFn.code.sha256, aliceFn.revisionId]);
    assert.deepEqual((await as(alice, 'GET', '/functions/ALICE_FN/code')).rawPayload, aliceZip);
    assert.equal(hers.versions, 1);
    assert.equal((await as(alice, 'GET', '/functions/ALICE_FN/aliases/main')).json().version, '1');
    assert.equal((await as(alice, 'GET', '/functions/ALICE_FN/event-config')).json().maximumRetryAttempts, 0);
    assert.equal((await as(alice, 'GET', '/functions/ALICE_FN/circuit-breaker')).json().failureThreshold, 7);
    assert.equal((await as(alice, 'GET', `/http-apis/${aliceApi}`)).json().name, 'ALICE_API');
    assert.deepEqual((await as(alice, 'GET', `/http-apis/${aliceApi}/tags`)).json().tags, {}, "bob's tags were not set on it");
    assert.deepEqual(
      (await as(alice, 'GET', `/http-apis/${aliceApi}/routes`)).json().routes.map((r: { routeKey: string }) => r.routeKey),
      ['GET /a'],
    );
    assert.equal((await as(alice, 'GET', '/functions/ALICE_FN/url')).json().authType, 'NONE');
    assert.equal((await as(alice, 'GET', '/activities/ALICE_ACT')).json().userId, 'alice');
    const sm = (await as(alice, 'GET', '/state-machines/ALICE_SM')).json();
    assert.deepEqual([sm.userId, sm.description, sm.definition], ['alice', '', PASS_MACHINE]);
    assert.equal((await as(alice, 'GET', `/executions/${aliceExecution}`)).json().status, 'RUNNING');
    const hersStill = (await as(alice, 'GET', `/map-runs/${aliceMapRun}`)).json();
    assert.deepEqual([hersStill.status, hersStill.maxConcurrency], ['RUNNING', 0]);
    assert.equal((await as(alice, 'GET', '/functions/ALICE_FN/policy')).json().policy.Statement.length, 1);
    await as(alice, 'POST', `/tasks/${running}/cancel`);
  });

  it('never lists another user’s tasks, dead letters or secrets', async () => {
    const mine = (await as(bob, 'GET', '/tasks?limit=500')).json().tasks;
    assert.ok(mine.length > 0 && mine.every((t: { userId: string }) => t.userId === 'bob'));
    assert.ok((await as(bob, 'GET', '/dlq')).json().tasks.every((t: { userId: string }) => t.userId === 'bob'));
    assert.equal((await as(bob, 'GET', '/tasks?userId=alice')).statusCode, 403);
    assert.equal((await as(bob, 'GET', '/functions?userId=alice')).statusCode, 403);
    assert.ok((await as(bob, 'GET', '/functions')).json().functions.every((f: { userId: string }) => f.userId === 'bob'));
    assert.ok((await as(alice, 'GET', '/dlq')).json().tasks.length > 0);
    assert.deepEqual(
      (await as(bob, 'GET', '/secrets')).json().secrets.map((s: { name: string }) => s.name),
      ['ALICE_TOKEN'],
      "bob's own, made by the walk",
    );
    const all = (await p.inject({ method: 'GET', url: '/tasks?limit=500' })).json().tasks;
    assert.ok(new Set(all.map((t: { userId: string }) => t.userId)).size >= 2, 'the admin sees everyone');
  });
});

describe('operations views for a user key', () => {
  it("answer /stats and /queues with the caller's own tasks only (issue 21 item 15)", async () => {
    const carol = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'carol' } })).json().key as string;
    const ok = (await as(carol, 'POST', '/tasks', { shell: 'true' })).json().taskId;
    const admins = (await p.inject({ method: 'POST', url: '/tasks', payload: { shell: 'true' } })).json().taskId;
    await until(async () => ((await p.store.get(admins))?.status === 'SUCCESS' ? true : null), 20_000);
    const bad = (await as(carol, 'POST', '/tasks', { shell: 'exit 1', maxAttempts: 1 })).json().taskId;
    await waitFinal(carol, ok);
    await waitFinal(carol, bad);
    const long = (await as(carol, 'POST', '/tasks', { shell: 'sleep 30', queue: 'carols' })).json().taskId;
    await until(async () => ((await as(carol, 'GET', `/tasks/${long}`)).json().status === 'RUNNING' ? true : null), 20_000);

    const stats = await as(carol, 'GET', '/stats');
    assert.equal(stats.statusCode, 200, stats.body);
    assert.deepEqual(stats.json().counts, { PENDING: 0, RUNNING: 1, SUCCESS: 1, FAILED: 1, TIMEOUT: 0, CANCELLED: 0, deadLettered: 1 });
    const timeline = stats.json().timeline as { finished: number; failed: number }[];
    assert.deepEqual([timeline.reduce((a, b) => a + b.finished, 0), timeline.reduce((a, b) => a + b.failed, 0)], [2, 1]);
    // Everyone's counts are shared between callers for a second (ctx.counts): wait them out.
    const everyone = async () => (await p.inject({ method: 'GET', url: '/stats' })).json().counts;
    await until(async () => ((await everyone()).SUCCESS > 1 ? true : null), 5_000);
    assert.ok((await everyone()).SUCCESS > 1, 'the admin sees every task');
    assert.deepEqual((await p.inject({ method: 'GET', url: '/stats?userId=carol' })).json().counts, stats.json().counts, 'or one user');
    assert.equal((await as(carol, 'GET', '/stats?userId=alice')).statusCode, 403);

    const queues = (await as(carol, 'GET', '/queues')).json();
    assert.deepEqual(
      queues.queues.map((q: { queue: string; pending: number; running: number }) => [q.queue, q.pending, q.running]),
      [['carols', 0, 1]],
    );
    assert.equal(queues.deadLettered, 1);
    assert.ok(
      !(await as(bob, 'GET', '/queues')).json().queues.some((q: { queue: string }) => q.queue === 'carols'),
      "another user's queue is not shown",
    );
    assert.ok(
      (await p.inject({ method: 'GET', url: '/queues' })).json().queues.some((q: { queue: string }) => q.queue === 'carols'),
      'the admin sees it',
    );
    await as(carol, 'POST', `/tasks/${long}/cancel`);
    await waitFinal(carol, long);
  });
});

describe('secrets', () => {
  const value = 'v3ry-s3cret-canary-9f1c';
  it('reach the task as environment variables and nothing stored or answered', async () => {
    const put = await as(alice, 'PUT', '/secrets/DB_PASSWORD', { value });
    assert.equal(put.statusCode, 201);
    assert.equal(put.body.includes(value), false);
    assert.equal((await as(alice, 'PUT', '/secrets/DB_PASSWORD', { value })).statusCode, 200, 'replacing answers 200');
    const r = await as(alice, 'POST', '/tasks', { shell: 'echo "pw=$DB_PASSWORD"; echo "err=$DB_PASSWORD" >&2', secrets: ['DB_PASSWORD'] });
    assert.equal(r.statusCode, 201, r.body);
    const id = r.json().taskId;
    const t = await waitFinal(alice, id);
    assert.equal(t.status, 'SUCCESS', JSON.stringify(t));
    assert.deepEqual(t.secrets, ['DB_PASSWORD']);
    const logs = (await as(alice, 'GET', `/tasks/${id}/logs`)).json();
    assert.match(logs.stdout, /^pw=\[REDACTED\]\n/, 'the task printed it; the stored log has it masked');
    assert.match(logs.stderr, /err=\[REDACTED\]/);

    // The task really saw the value: compare digests inside the sandbox (the command must not hold the value).
    const digest = createHash('sha256').update(value).digest('hex');
    const check = (
      await as(alice, 'POST', '/tasks', {
        shell: `[ "$(printf %s "$DB_PASSWORD" | sha256sum | cut -c1-64)" = ${digest} ] && echo same`,
        secrets: ['DB_PASSWORD'],
      })
    ).json().taskId;
    assert.equal((await waitFinal(alice, check)).status, 'SUCCESS');
    assert.match((await as(alice, 'GET', `/tasks/${check}/logs?stream=stdout`)).body, /^same/);

    for (const url of [
      `/tasks/${id}`,
      `/tasks/${id}/logs`,
      `/tasks/${id}/history`,
      '/tasks',
      '/secrets',
      `/tasks/${check}/logs?stream=stdout`,
    ]) {
      assert.equal((await as(alice, 'GET', url)).body.includes(value), false, url);
    }
    assert.equal((await p.inject({ method: 'GET', url: '/audit?limit=500' })).body.includes(value), false);
    assert.deepEqual(filesContaining(p.dir, [value]), [], 'no stored file holds the value (database, WAL, blobs)');
  });

  it('must exist, and belong to the submitter, before a task may name them', async () => {
    const missing = await as(alice, 'POST', '/tasks', { args: ['true'], secrets: ['NOPE'] });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().code, 'SECRET_NOT_FOUND');
    const foreign = await as(bob, 'POST', '/tasks', { args: ['true'], secrets: ['DB_PASSWORD'] });
    assert.equal(foreign.statusCode, 400, "bob cannot name alice's secret");
    assert.equal((await as(alice, 'DELETE', '/secrets/DB_PASSWORD')).statusCode, 200);
    assert.equal((await as(alice, 'DELETE', '/secrets/DB_PASSWORD')).statusCode, 404);
  });
});

describe('audit log', () => {
  it('records changing calls (who, what, target, from where, outcome) and executions; admins only', async () => {
    const id = (await as(bob, 'POST', '/tasks', { args: ['true'] })).json().taskId;
    await waitFinal(bob, id);
    await as(null, 'POST', '/tasks', { args: ['true'] });
    const entries = await until(async () => {
      const e = (await p.inject({ method: 'GET', url: `/audit?target=${id}` })).json().entries as { action: string }[];
      return e.some((x) => x.action === 'task.execute') ? e : null;
    });
    const submit = entries.find((e) => (e as { action: string }).action === 'POST /tasks') as Record<string, unknown>;
    assert.equal(submit.actor, 'bob');
    assert.equal(submit.outcome, '201');
    assert.equal(submit.source, '127.0.0.1');
    assert.ok(submit.keyId);
    const exec = entries.find((e) => e.action === 'task.execute') as Record<string, any>;
    assert.equal(exec.actor, 'bob');
    assert.equal(exec.outcome, 'SUCCESS');
    assert.equal(exec.detail.attempt, 1);
    const refused = (await p.inject({ method: 'GET', url: '/audit?action=POST%20/tasks&limit=500' })).json().entries as Record<
      string,
      unknown
    >[];
    assert.ok(
      refused.some((e) => e.outcome === '401' && e.actor === null),
      'refused calls are recorded too',
    );
    assert.ok((await p.inject({ method: 'GET', url: '/audit?action=DELETE%20/keys/:id' })).json().entries.length >= 1);
  });
});
