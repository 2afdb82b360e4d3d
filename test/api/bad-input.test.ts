/** Bad input gets a clear 4xx problem+json answer, never a 5xx, and accepted work is not lost. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';

let p: TestPlatform;
before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0', HANGAR_BODY_LIMIT: '4096' });
});
after(async () => p.close());

async function post(payload: string, contentType = 'application/json') {
  return p.inject({ method: 'POST', url: '/tasks', payload, headers: { 'content-type': contentType } });
}

function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) {
  assert.equal(res.statusCode, status);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const b = res.json();
  assert.equal(b.status, status);
  assert.equal(b.code, code);
  assert.equal(typeof b.title, 'string');
  assert.equal(typeof b.detail, 'string');
  assert.ok(b.type.startsWith('urn:hangar:problem:'));
  return b;
}

describe('bad input', () => {
  it('unknown fields → 400 naming the field', async () => {
    const b = assertProblem(await post(JSON.stringify({ command: 'noop', colour: 'red' })), 400, 'VALIDATION_FAILED');
    assert.match(b.detail, /colour/);
  });

  it('wrong types and ranges → 400 with the path', async () => {
    const b = assertProblem(await post(JSON.stringify({ command: 'noop', priority: 'high' })), 400, 'VALIDATION_FAILED');
    assert.ok(b.errors.some((e: { path: string }) => e.path.includes('priority')));
    assertProblem(await post(JSON.stringify({ command: 'noop', priority: 11 })), 400, 'VALIDATION_FAILED');
    assertProblem(await post(JSON.stringify({ command: 'noop', timeout: 0 })), 400, 'VALIDATION_FAILED');
    assertProblem(await post(JSON.stringify({ command: 'noop', env: { 'BAD-NAME': 'x' } })), 400, 'VALIDATION_FAILED');
    assertProblem(await post(JSON.stringify({ command: 'noop', resources: { cpu: 256, gpus: 1 } })), 400, 'VALIDATION_FAILED');
    assertProblem(await post(JSON.stringify({ command: 'noop', queue: '../etc' })), 400, 'VALIDATION_FAILED');
  });

  it('nothing to run, or two ways to run → 400', async () => {
    assertProblem(await post(JSON.stringify({ priority: 3 })), 400, 'VALIDATION_FAILED');
    assertProblem(await post(JSON.stringify({ args: ['true'], shell: 'true' })), 400, 'VALIDATION_FAILED');
    assertProblem(await post(JSON.stringify({ args: [] })), 400, 'VALIDATION_FAILED');
  });

  it('malformed JSON, an empty body and a non-object → 400', async () => {
    assertProblem(await post('{"command": '), 400, 'VALIDATION_FAILED');
    assertProblem(await post(''), 400, 'VALIDATION_FAILED');
    assertProblem(await post('[1,2]'), 400, 'VALIDATION_FAILED');
    assertProblem(await post('null'), 400, 'VALIDATION_FAILED');
  });

  it('JSON nested deeper than 32 levels → 400, never a 5xx; 32 levels are fine', async () => {
    for (const depth of [33, 1_000, 2_000]) {
      const body = `{"command":"noop","metadata":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
      const r = await p.inject({ method: 'POST', url: '/tasks', headers: { 'content-type': 'application/json' }, payload: body });
      assert.equal(r.statusCode, 400, `depth ${depth}: ${r.body.slice(0, 200)}`);
      assert.match(r.json().detail, /nested \d+ levels deep; at most 32/);
    }
    // Brackets inside strings do not count.
    const ok = await p.inject({
      method: 'POST',
      url: '/tasks',
      headers: { 'content-type': 'application/json' },
      payload: `{"command":"noop","metadata":{"s":"${'['.repeat(100)}\\"{","a":${'['.repeat(29)}${']'.repeat(29)}}}`,
    });
    assert.equal(ok.statusCode, 201, ok.body);
  });

  it('an oversized body → 413', async () => {
    assertProblem(await post(JSON.stringify({ command: 'noop', metadata: { pad: 'x'.repeat(10_000) } })), 413, 'BODY_TOO_LARGE');
  });

  it('an unsupported content type → 415', async () => {
    assertProblem(await post('command=noop', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('a body without a Content-Type, or a form (curl -d), → 415 saying what to send', async () => {
    const none = assertProblem(
      await p.inject({ method: 'POST', url: '/tasks', payload: Buffer.from('{"command":"noop"}') }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.equal(none.detail, 'the request has no Content-Type: send a JSON body with Content-Type: application/json');
    const form = assertProblem(await post('command=noop', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(
      form.detail,
      'Content-Type application/x-www-form-urlencoded is not accepted: send a JSON body with Content-Type: application/json',
    );
    const batch = assertProblem(
      await p.inject({ method: 'POST', url: '/tasks/batch', payload: Buffer.from('{"tasks":[]}') }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.match(batch.detail, /application\/json/);
    // An upload takes an archive, and says so.
    const project = (await p.inject({ method: 'POST', url: '/projects', payload: { name: 'p415' } })).json().id;
    const upload = assertProblem(
      await p.inject({ method: 'PUT', url: `/projects/${project}/files`, payload: Buffer.from('x') }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.match(upload.detail, /^the request has no Content-Type: send the body with a Content-Type of application\/gzip, /);
  });

  it('a POST with no body at all → 400 saying what to send', async () => {
    for (const url of ['/tasks', '/tasks/batch']) {
      const empty = assertProblem(await p.inject({ method: 'POST', url }), 400, 'VALIDATION_FAILED');
      assert.equal(empty.detail, 'the request has no body: send a JSON body with Content-Type: application/json');
    }
  });

  it("a batch's invalid entry is named by index, the first when several are", async () => {
    const batch = async (tasks: unknown[]) =>
      assertProblem(await p.inject({ method: 'POST', url: '/tasks/batch', payload: { tasks } }), 400, 'VALIDATION_FAILED');
    const ok = { command: 'noop' };
    assert.equal((await batch([ok, { command: 'noop', priority: 11 }])).index, 1, 'a field out of range');
    assert.equal((await batch([ok, ok, { priority: 3 }])).index, 2, 'an entry-level rule (nothing to run)');
    assert.equal((await batch([{ command: 'noop', colour: 'red' }])).index, 0, 'an unknown field');
    const two = await batch([ok, ok, ok, { args: [] }, ok, { args: ['a'], shell: 'b' }]);
    assert.equal(two.index, 3);
    assert.equal(two.errors.length, 2, 'every refusal is still listed');
    assert.equal((await batch([])).index, undefined, 'not about an entry');
  });

  it('bad ids, cursors and query values → 400; unknown tasks and routes → 404', async () => {
    assertProblem(await p.inject({ method: 'GET', url: '/tasks/not-a-uuid' }), 400, 'VALIDATION_FAILED');
    assertProblem(await p.inject({ method: 'GET', url: '/tasks?cursor=%%%' }), 400, 'INVALID_CURSOR');
    assertProblem(await p.inject({ method: 'GET', url: '/tasks?limit=0' }), 400, 'VALIDATION_FAILED');
    assertProblem(await p.inject({ method: 'GET', url: '/tasks?status=DONE' }), 400, 'VALIDATION_FAILED');
    assertProblem(await p.inject({ method: 'GET', url: '/tasks?bogus=1' }), 400, 'VALIDATION_FAILED');
    assertProblem(await p.inject({ method: 'GET', url: '/tasks/00000000-0000-4000-8000-000000000000' }), 404, 'TASK_NOT_FOUND');
    assertProblem(await p.inject({ method: 'GET', url: '/nope' }), 404, 'NOT_FOUND');
    assertProblem(await p.inject({ method: 'DELETE', url: '/tasks' }), 404, 'NOT_FOUND');
  });

  it('random bodies never produce a 5xx, and every accepted task is stored', async () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const values = (depth: number): unknown => {
      const kinds = depth > 2 ? ['str', 'num', 'bool', 'null'] : ['str', 'num', 'bool', 'null', 'arr', 'obj'];
      switch (pick(kinds)) {
        case 'str':
          return pick(['', 'noop', 'x'.repeat(300), '\u0000', '😀', '../../etc/passwd', 'cpu-intensive']);
        case 'num':
          return pick([0, -1, 1.5, 5, 1e308, -0, 2 ** 53 + 1]);
        case 'bool':
          return rnd() > 0.5;
        case 'null':
          return null;
        case 'arr':
          return Array.from({ length: Math.floor(rnd() * 3) }, () => values(depth + 1));
        default:
          return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [pick(FIELDS), values(depth + 1)]));
      }
    };
    const FIELDS = [
      'command',
      'args',
      'shell',
      'priority',
      'userId',
      'timeout',
      'metadata',
      'queue',
      'maxAttempts',
      'idempotencyKey',
      'resources',
      'env',
      'cpu',
      'memory',
      '__proto__',
      'constructor',
    ];
    const accepted: string[] = [];
    for (let i = 0; i < 300; i++) {
      const body = Object.fromEntries(Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => [pick(FIELDS), values(1)]));
      const res = await post(JSON.stringify(body));
      assert.ok(res.statusCode < 500, `${res.statusCode} for ${JSON.stringify(body)}: ${res.body}`);
      if (res.statusCode === 201) accepted.push(res.json().taskId);
    }
    for (const id of accepted) {
      const r = await p.inject({ method: 'GET', url: `/tasks/${id}` });
      assert.equal(r.statusCode, 200);
    }
  });
});
