/**
 * `hangar http-api create|list|get|export|rm`, `hangar http-api stage [create|rm]` and
 * `hangar http-api route add|list|rm`: real `hangar`
 * processes against a real platform (in this process, port 0), checked against the API.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { makeZip } from '../helpers/zip.ts';

const HANGAR = join(import.meta.dirname, '..', '..', 'bin', 'hangar');

let p: TestPlatform;
let alice: string;
before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0' });
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  const zip = makeZip({ 'index.mjs': 'export const handler = async () => 1;\n' }).toString('base64');
  const r = await p.inject({
    method: 'PUT',
    url: '/functions/web',
    auth: alice,
    payload: { zip, runtime: 'nodejs', handler: 'index.handler' },
  });
  assert.equal(r.statusCode, 201, r.body);
});
after(async () => p.close());

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(HANGAR, args, { env: { ...process.env, HANGAR_URL: p.url!, HANGAR_API_KEY: alice }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('hangar http-api', () => {
  test('create (stage variables too), route add (auth, throttle, cache), get, route list and rm, rm', async () => {
    const made = await hangar(
      'http-api',
      'create',
      'shop',
      '--throttle',
      '10/20',
      '--cors-origin',
      'https://a.example',
      '--cors-origin',
      'https://b.example',
      '--cors-method',
      'GET',
      '--cors-header',
      'content-type',
      '--cors-max-age',
      '600',
      '--stage-var',
      'env=prod',
      '--stage-var',
      'url=https://x.example/a?b=c',
      '--json',
    );
    assert.equal(made.code, 0, made.stderr);
    const api = JSON.parse(made.stdout);
    assert.deepEqual(api.throttle, { rate: 10, burst: 20 });
    assert.deepEqual(api.stageVariables, { env: 'prod', url: 'https://x.example/a?b=c' });
    assert.deepEqual(api.cors, {
      allowOrigins: ['https://a.example', 'https://b.example'],
      allowMethods: ['GET'],
      allowHeaders: ['content-type'],
      exposeHeaders: [],
      maxAgeS: 600,
      allowCredentials: false,
    });
    assert.match(api.url, new RegExp(`/http/${api.apiId}$`));

    const added = await hangar(
      'http-api',
      'route',
      'add',
      api.apiId,
      'GET /items/{id}',
      '--function',
      'web',
      '--auth',
      'key',
      '--cache-ttl',
      '30',
    );
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout.trim(), `${api.apiId}: GET /items/{id} → web (auth key, payload 2.0)`);
    const jwt = await hangar(
      'http-api',
      'route',
      'add',
      api.apiId,
      'ANY /{proxy+}',
      '--function',
      'web',
      '--auth',
      'jwt',
      '--issuer',
      'https://login.example.com/',
      '--audience',
      'shop',
      '--audience',
      'admin',
      '--jwks',
      'https://login.example.com/jwks',
      '--throttle',
      '1.5/3',
      '--payload-format',
      '1.0',
    );
    assert.equal(jwt.code, 0, jwt.stderr);
    assert.match(jwt.stdout, /payload 1\.0\)$/m);
    const lambda = await hangar(
      'http-api',
      'route',
      'add',
      api.apiId,
      'GET /guarded',
      '--function',
      'web',
      '--auth',
      'lambda',
      '--authorizer',
      'web',
      '--identity-source',
      '$request.header.X-Token',
      '--simple-responses',
      '--authorizer-ttl',
      '60',
    );
    assert.equal(lambda.code, 0, lambda.stderr);
    assert.equal(lambda.stdout.trim(), `${api.apiId}: GET /guarded → web (auth lambda web, payload 2.0)`);
    const classic = ['--auth', 'lambda', '--authorizer', 'web', '--authorizer-payload-format'];
    const v1 = await hangar('http-api', 'route', 'add', api.apiId, 'GET /guarded1', '--function', 'web', ...classic, '1.0');
    assert.equal(v1.code, 0, v1.stderr);
    assert.equal(v1.stdout.trim(), `${api.apiId}: GET /guarded1 → web (auth lambda web (1.0), payload 2.0)`);
    const badFormat = await hangar('http-api', 'route', 'add', api.apiId, 'GET /x', '--function', 'web', ...classic, '3.0');
    assert.notEqual(badFormat.code, 0);
    assert.match(badFormat.stderr, /--authorizer-payload-format must be 1\.0 or 2\.0, not '3\.0'/);
    const noAuthorizer = await hangar('http-api', 'route', 'add', api.apiId, 'GET /x', '--function', 'web', '--auth', 'lambda');
    assert.notEqual(noAuthorizer.code, 0);
    assert.match(noAuthorizer.stderr, /--auth lambda needs --authorizer/);
    const routes = (await p.inject({ method: 'GET', url: `/http-apis/${api.apiId}/routes`, auth: alice })).json().routes;
    assert.deepEqual(
      routes.map((r: { routeKey: string; auth: unknown; throttle: unknown; cacheTtlS: number; payloadFormatVersion: string }) => [
        r.routeKey,
        r.auth,
        r.throttle,
        r.cacheTtlS,
        r.payloadFormatVersion,
      ]),
      [
        [
          'ANY /{proxy+}',
          { kind: 'jwt', issuer: 'https://login.example.com/', audience: ['shop', 'admin'], jwksUrl: 'https://login.example.com/jwks' },
          { rate: 1.5, burst: 3 },
          0,
          '1.0',
        ],
        [
          'GET /guarded',
          {
            kind: 'lambda',
            functionName: 'web',
            qualifier: null,
            identitySource: ['$request.header.X-Token'],
            simpleResponses: true,
            resultTtlS: 60,
            payloadFormatVersion: '2.0',
          },
          null,
          0,
          '2.0',
        ],
        [
          'GET /guarded1',
          {
            kind: 'lambda',
            functionName: 'web',
            qualifier: null,
            identitySource: [],
            simpleResponses: false,
            resultTtlS: 0,
            payloadFormatVersion: '1.0',
          },
          null,
          0,
          '2.0',
        ],
        ['GET /items/{id}', { kind: 'key' }, null, 30, '2.0'],
      ],
    );

    const bad = await hangar('http-api', 'route', 'add', api.apiId, 'GET items', '--function', 'web');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /HTTP_ROUTE_INVALID/);
    assert.equal(
      (await hangar('http-api', 'route', 'add', api.apiId, 'GET /x', '--function', 'web', '--auth', 'jwt')).code,
      2,
      'a usage error',
    );
    assert.equal(
      (await hangar('http-api', 'route', 'add', api.apiId, 'GET /x', '--function', 'web', '--payload-format', '3.0')).code,
      2,
      'a payload format that is not 1.0 or 2.0: a usage error',
    );

    const shown = await hangar('http-api', 'get', api.apiId);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^api +${api.apiId}$`, 'm'));
    assert.match(shown.stdout, /^stage variables +env=prod url=https:\/\/x\.example\/a\?b=c$/m);
    assert.match(shown.stdout, /^GET \/items\/\{id\} +web +key +- +30 s +2\.0$/m);
    assert.match((await hangar('http-api', 'list')).stdout, new RegExp(`^${api.apiId} +shop `, 'm'));

    // export: the document GET /http-apis/{id}/openapi answers, as JSON or YAML.
    const native = (await p.inject({ method: 'GET', url: `/http-apis/${api.apiId}/openapi`, auth: alice })).json();
    const json = await hangar('http-api', 'export', api.apiId);
    assert.equal(json.code, 0, json.stderr);
    // (servers: the URL the request came to, which differs between inject and a real connection)
    assert.deepEqual({ ...JSON.parse(json.stdout), servers: null }, { ...native, servers: null });
    const yaml = await hangar('http-api', 'export', api.apiId, '--yaml', '--no-extensions');
    assert.equal(yaml.code, 0, yaml.stderr);
    const bare = parseYaml(yaml.stdout);
    assert.equal(bare.info.title, 'shop');
    assert.ok(Object.keys(bare.paths).includes('/items/{id}'));
    assert.doesNotMatch(yaml.stdout, /x-amazon-apigateway/);
    assert.equal((await hangar('http-api', 'export', 'nope')).code, 1);

    assert.equal((await hangar('http-api', 'route', 'rm', api.apiId, 'GET /items/{id}')).code, 0);
    const listed = await hangar('http-api', 'route', 'list', api.apiId);
    assert.doesNotMatch(listed.stdout, /GET \/items/);
    assert.match(listed.stdout, /^ANY \/\{proxy\+\} +web +jwt .* 1\.0$/m);

    assert.equal((await hangar('http-api', 'rm', api.apiId)).stdout.trim(), `${api.apiId}: deleted`);
    assert.match((await hangar('http-api', 'list')).stdout, /no HTTP APIs/);
  });
  test('deploy and stage: a stage with auto-deploy off serves the deployment it names; rollback', async () => {
    const api = JSON.parse((await hangar('http-api', 'create', 'staged', '--json')).stdout);
    assert.equal((await hangar('http-api', 'route', 'add', api.apiId, 'GET /a', '--function', 'web')).code, 0);
    const off = await hangar('http-api', 'stage', api.apiId, '$default', '--no-auto-deploy');
    assert.equal(off.stdout.trim(), `${api.apiId} $default: serves nothing yet (no deployment)`, off.stderr);
    const first = await hangar('http-api', 'deploy', api.apiId, '--stage', '$default', '--description', 'v1');
    const d1 = /deployment (\w+) \(stage \$default\)/.exec(first.stdout)?.[1];
    assert.ok(d1, first.stdout + first.stderr);
    const second = JSON.parse((await hangar('http-api', 'deploy', api.apiId, '--stage', '$default', '--json')).stdout);
    assert.match((await hangar('http-api', 'get', api.apiId)).stdout, new RegExp(`\\$default serves +deployment ${second.deploymentId}`));
    const back = await hangar('http-api', 'stage', api.apiId, '$default', '--deployment', d1);
    assert.equal(back.stdout.trim(), `${api.apiId} $default: serves deployment ${d1}`);
    const on = await hangar('http-api', 'stage', api.apiId, '$default', '--auto-deploy');
    assert.equal(on.stdout.trim(), `${api.apiId} $default: serves the API as it is (auto-deploy)`);
    const missing = await hangar('http-api', 'stage', api.apiId, 'nosuch', '--no-auto-deploy');
    assert.equal(missing.code, 1);
    assert.equal((await hangar('http-api', 'rm', api.apiId)).code, 0);
  });

  test('stage create and rm: named stages with --var, merged by stage --var; $default reset; list counts routes', async () => {
    const api = JSON.parse((await hangar('http-api', 'create', 'named', '--stage-var', 'env=dev', '--json')).stdout);
    assert.equal((await hangar('http-api', 'route', 'add', api.apiId, 'GET /a', '--function', 'web')).code, 0);
    assert.match((await hangar('http-api', 'list')).stdout, new RegExp(`^${api.apiId} +named +1 +`, 'm'));

    const made = await hangar('http-api', 'stage', 'create', api.apiId, 'prod', '--var', 'db=main', '--var', 'tier=gold');
    assert.equal(made.stdout.trim(), `${api.apiId} prod: created, served at ${api.url}/prod`, made.stderr);
    const viaApi = async () => (await p.inject({ method: 'GET', url: `/http-apis/${api.apiId}`, auth: alice })).json();
    assert.deepEqual(
      (await viaApi()).stages.map((s: { name: string; stageVariables: object }) => [s.name, s.stageVariables]),
      [['prod', { db: 'main', tier: 'gold' }]],
    );
    const merged = await hangar('http-api', 'stage', api.apiId, 'prod', '--var', 'tier=', '--var', 'region=eu');
    assert.equal(merged.code, 0, merged.stderr);
    assert.deepEqual((await viaApi()).stages[0].stageVariables, { db: 'main', region: 'eu' });
    // A stage's own throttles: --throttle and --route-throttle (none removes).
    const throttled = await hangar(
      'http-api',
      'stage',
      'create',
      api.apiId,
      'slow',
      '--throttle',
      '5/10',
      '--route-throttle',
      'GET /a=1/2',
    );
    assert.equal(throttled.code, 0, throttled.stderr);
    const slow = () =>
      (viaApi() as Promise<{ stages: { name: string; throttle: unknown; routeThrottles: unknown }[] }>).then((a) =>
        a.stages.find((s) => s.name === 'slow'),
      );
    assert.deepEqual(
      [(await slow())?.throttle, (await slow())?.routeThrottles],
      [{ rate: 5, burst: 10 }, { 'GET /a': { rate: 1, burst: 2 } }],
    );
    const unthrottled = await hangar('http-api', 'stage', api.apiId, 'slow', '--throttle', 'none', '--route-throttle', 'GET /a=none');
    assert.equal(unthrottled.code, 0, unthrottled.stderr);
    assert.deepEqual([(await slow())?.throttle, (await slow())?.routeThrottles], [null, {}]);
    const badLimit = await hangar('http-api', 'stage', api.apiId, 'slow', '--route-throttle', 'GET /a');
    assert.equal(badLimit.code, 2, 'a usage error');
    assert.equal((await hangar('http-api', 'stage', 'rm', api.apiId, 'slow')).code, 0);
    const taken = await hangar('http-api', 'stage', 'create', api.apiId, 'prod');
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /already exists/);
    const pinned = JSON.parse((await hangar('http-api', 'stage', 'create', api.apiId, 'beta', '--no-auto-deploy', '--json')).stdout);
    assert.deepEqual(
      pinned.stages.map((s: { name: string; autoDeploy: boolean }) => [s.name, s.autoDeploy]),
      [
        ['prod', true],
        ['beta', false],
      ],
    );

    assert.equal((await hangar('http-api', 'stage', 'rm', api.apiId, 'prod')).stdout.trim(), `${api.apiId} prod: deleted`);
    assert.deepEqual(
      (await viaApi()).stages.map((s: { name: string }) => s.name),
      ['beta'],
    );
    assert.equal((await hangar('http-api', 'stage', 'rm', api.apiId, 'prod')).code, 1);
    const reset = await hangar('http-api', 'stage', 'rm', api.apiId, '$default');
    assert.equal(reset.stdout.trim(), `${api.apiId} $default: settings reset`, reset.stderr);
    assert.deepEqual((await viaApi()).stageVariables, {});
    assert.equal((await hangar('http-api', 'rm', api.apiId)).code, 0);
  });
});
