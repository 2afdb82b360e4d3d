/**
 * `hangar domain-name create|list|get|map|mappings|unmap|rm`: real `hangar` processes against a
 * real platform (in this process, port 0), checked against the API.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testPlatform, type TestPlatform, userKey } from '../helpers/platform.ts';

const HANGAR = join(import.meta.dirname, '..', '..', 'bin', 'hangar');

let p: TestPlatform;
let alice: string;
before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0', HANGAR_DOMAIN_NAME_SUFFIXES: 'example.test' });
  alice = (await userKey(p, 'alice')).key;
});
after(async () => p.close());

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(HANGAR, args, { env: { ...process.env, HANGAR_URL: p.url!, HANGAR_API_KEY: alice }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('hangar domain-name', () => {
  test('create, map under a key, list, get, unmap, rm; a bad key refused, a mapped API kept', async () => {
    const api = (await p.inject({ method: 'POST', url: '/http-apis', auth: alice, payload: { name: 'shop' } })).json();
    const made = await hangar('domain-name', 'create', 'Cli.Example.test', '--certificate-arn', 'arn:aws:acm:x');
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /cli\.example\.test: created/);
    const mapped = await hangar('domain-name', 'map', 'cli.example.test', api.apiId, '--key', 'v1/shop', '--json');
    assert.equal(mapped.code, 0, mapped.stderr);
    const m = JSON.parse(mapped.stdout);
    assert.deepEqual([m.apiId, m.stage, m.apiMappingKey], [api.apiId, '$default', 'v1/shop']);
    const bad = await hangar('domain-name', 'map', 'cli.example.test', api.apiId, '--key', '/v2');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /apiMappingKey/);
    assert.match((await hangar('domain-name', 'list')).stdout, /cli\.example\.test\s+arn:aws:acm:x/);
    const got = await hangar('domain-name', 'get', 'cli.example.test');
    assert.match(got.stdout, new RegExp(`${m.apiMappingId}\\s+v1/shop\\s+${api.apiId}\\s+\\$default`));
    // `http-api rm` of a mapped API: refused, the mapping named, nothing deleted.
    const kept = await hangar('http-api', 'rm', api.apiId);
    assert.notEqual(kept.code, 0);
    assert.match(kept.stderr, /cli\.example\.test\/v1\/shop/);
    assert.equal((await p.inject({ method: 'GET', url: `/http-apis/${api.apiId}`, auth: alice })).statusCode, 200);
    assert.equal((await hangar('domain-name', 'unmap', 'cli.example.test', m.apiMappingId)).code, 0);
    assert.match((await hangar('domain-name', 'mappings', 'cli.example.test')).stdout, /no mappings/);
    assert.equal((await hangar('domain-name', 'rm', 'cli.example.test')).code, 0);
    const gone = await p.inject({ method: 'GET', url: '/domain-names/cli.example.test', auth: alice });
    assert.equal(gone.statusCode, 404);
  });
});
