/**
 * `hangar function logs`: a real `hangar` process against a real platform with workers (the
 * sandbox): the latest invocations' logs oldest first, --since, and --follow printing an
 * invocation that ends while it runs. Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sinceOf } from '../../src/cli/commands/function-logs.ts';
import { testPlatform, until, type TestPlatform } from '../helpers/platform.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const HANGAR = join(import.meta.dirname, '..', '..', 'bin', 'hangar');
const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;

let p: TestPlatform;
let alice: string;
const env = () => ({ ...process.env, HANGAR_URL: p.url!, HANGAR_API_KEY: alice });

before(async () => {
  if (skip) return;
  p = await testPlatform();
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  const zip = makeZip({ 'index.js': `exports.handler = async (event) => { console.log('event', event.n); return event.n; };` });
  const r = await p.inject({
    method: 'PUT',
    url: '/functions/echo',
    auth: alice,
    payload: { zip: zip.toString('base64'), runtime: 'nodejs', handler: 'index.handler' },
  });
  assert.equal(r.statusCode, 201, r.body);
});
after(() => p?.close());

const invoke = async (n: number) => {
  const r = await p.inject({ method: 'POST', url: '/functions/echo/invoke', auth: alice, payload: { n } });
  assert.equal(r.statusCode, 200, r.body);
};
/** Waits until the records of `n` invocations are written (just after each answer). */
const recorded = (n: number) =>
  until(async () => {
    const r = await p.inject({ method: 'GET', url: '/functions/echo/invocations', auth: alice });
    return r.json().invocations.length >= n ? true : null;
  });

function hangar(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(HANGAR, args, { env: env(), timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

test('--since takes a duration before now or an ISO time', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  assert.equal(sinceOf('10m', now), now - 600_000);
  assert.equal(sinceOf('2h', now), now - 7_200_000);
  assert.equal(sinceOf('2026-01-01T11:00:00Z', now), now - 3_600_000);
  assert.equal(sinceOf('yesterday-ish', now), null);
});

describe('hangar function logs', { skip }, () => {
  test('prints the latest invocations oldest first, START to REPORT; --since; --json', async () => {
    await invoke(1);
    await invoke(2);
    await recorded(2);
    const r = await hangar('function', 'logs', 'echo');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^START RequestId: \S+ Version: \$LATEST\n[\s\S]*event 1\n[\s\S]*REPORT RequestId: [^\n]*\nSTART RequestId: [\s\S]*event 2\n[\s\S]*REPORT/,
    );
    const json = await hangar('function', 'logs', 'echo', '--since', '1h', '--json');
    assert.equal(json.code, 0, json.stderr);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.status),
      ['success', 'success'],
    );
    const none = await hangar('function', 'logs', 'echo', '--since', new Date(Date.now() + 3_600_000).toISOString());
    assert.equal(none.stdout, '');
    const bad = await hangar('function', 'logs', 'echo', '--since', 'soon');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--since takes/);
    const missing = await hangar('function', 'logs', 'nope');
    assert.notEqual(missing.code, 0);
  });

  test('--follow prints invocations as they end', async () => {
    // --since counts back from when the CLI has started, which on a loaded host can be seconds
    // after the invocation below ends: a window wide enough that it cannot fall outside.
    const child = spawn(HANGAR, ['function', 'logs', 'echo', '--follow', '--since', '10m'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await invoke(41);
      await until(async () => (out.includes('event 41') ? true : null), 20_000);
      await invoke(42);
      await until(async () => (out.includes('event 42') ? true : null), 20_000);
      assert.equal(out.match(/event 41/g)?.length, 1, 'each invocation once');
      assert.ok(out.indexOf('event 41') < out.indexOf('event 42'));
    } finally {
      child.kill();
    }
  });

  test('--follow --json: the latest first, then each new invocation, one a line, once each', async () => {
    await invoke(50);
    await recorded(1);
    const child = spawn(HANGAR, ['function', 'logs', 'echo', '--follow', '--json', '--limit', '1'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const lines = () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { log: string; status: string; requestId: string });
    try {
      await until(async () => (lines().length >= 1 ? true : null), 20_000);
      assert.match(lines()[0].log, /event 50\n/, 'the latest, first');
      for (const n of [51, 52, 53]) await invoke(n);
      await until(async () => (lines().length >= 4 ? true : null), 20_000);
      await invoke(54);
      await until(async () => (lines().length >= 5 ? true : null), 20_000);
      assert.deepEqual(
        lines().map((l) => /event (\d+)/.exec(l.log)?.[1]),
        ['50', '51', '52', '53', '54'],
      );
      assert.equal(new Set(lines().map((l) => l.requestId)).size, 5);
    } finally {
      child.kill();
    }
    const missing = await hangar('function', 'logs', 'nope', '--follow');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /nope|not found/i);
  });
});
