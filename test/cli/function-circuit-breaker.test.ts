/**
 * `hangar function breaker`: a real `hangar` process against a real platform (port 0): put,
 * show (fields and --json), --off; bad values exit 1 with the API's problem, options that do
 * not go together exit 2. The breaker opening is test/api/function-circuit-breaker.test.ts's.
 * Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NO_SANDBOX } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { runCli } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = NO_SANDBOX;

let p: TestPlatform;
let alice: string;
before(async () => {
  if (skip) return;
  p = await testPlatform();
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
  const made = await p.inject({
    method: 'PUT',
    url: '/functions/scraper',
    auth: alice,
    payload: {
      zip: makeZip({ 'index.js': 'exports.handler = async () => 1;\n' }).toString('base64'),
      runtime: 'nodejs',
      handler: 'index.handler',
    },
  });
  assert.equal(made.statusCode, 201, made.body);
});
after(() => p?.close());

const hangar = (...args: string[]) => runCli(p.url!, alice, args);

describe('hangar function breaker', { skip }, () => {
  test('puts a breaker, shows it (fields and --json) and takes it --off', async () => {
    const put = await hangar('function', 'breaker', 'scraper', '--threshold', '5', '--window', '60', '--cooldown', '30');
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.stdout, 'scraper: circuit breaker on: opens at 5 failures in 60 s, probes after 30 s\n');
    const shown = await hangar('function', 'breaker', 'scraper');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      /^function +scraper\nstate +closed\nthreshold +5 failures in 60 s\ncooldown +30 s\nprobes +1\nfailures +0\n$/,
    );
    const json = JSON.parse((await hangar('function', 'breaker', 'scraper', '--json')).stdout);
    assert.deepEqual(
      { ...json, updatedAt: undefined },
      {
        name: 'scraper',
        failureThreshold: 5,
        windowSeconds: 60,
        cooldownSeconds: 30,
        probes: 1,
        state: 'closed',
        failuresInWindow: 0,
        openedAt: null,
        nextProbeAt: null,
        updatedAt: undefined,
      },
    );
    const off = await hangar('function', 'breaker', 'scraper', '--off');
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, 'scraper: circuit breaker removed\n');
    const none = await hangar('function', 'breaker', 'scraper');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no circuit breaker/);
  });

  test('bad values exit 1 with the problem; options that do not go together exit 2', async () => {
    const bad = await hangar('function', 'breaker', 'scraper', '--threshold', '0', '--window', '60', '--cooldown', '30');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /failureThreshold must be an integer from 1 to 1000/);
    const partial = await hangar('function', 'breaker', 'scraper', '--threshold', '3');
    assert.equal(partial.code, 2);
    assert.match(partial.stderr, /needs --threshold, --window and --cooldown/);
    const both = await hangar('function', 'breaker', 'scraper', '--off', '--threshold', '3');
    assert.equal(both.code, 2);
  });
});
