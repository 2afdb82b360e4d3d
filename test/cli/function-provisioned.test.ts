/**
 * `hangar function provisioned put|get|list|delete`: real `hangar` processes against a real
 * platform with sandboxed functions (port 0), checked against the native API: a configuration
 * becomes READY with its instance started, shows as fields, a table and --json, and goes away;
 * bad input exits 1 with the API's problem, a missing option exits 2.
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
  await deployVersion1('warm', 'exports.handler = async () => process.env.AWS_LAMBDA_INITIALIZATION_TYPE;\n');
});
after(() => p?.close());

/** Alice's function `name` (index.js as given), published as version 1. */
async function deployVersion1(name: string, indexJs: string): Promise<void> {
  const made = await p.inject({
    method: 'PUT',
    url: `/functions/${name}`,
    auth: alice,
    payload: { zip: makeZip({ 'index.js': indexJs }).toString('base64'), runtime: 'nodejs', handler: 'index.handler' },
  });
  assert.equal(made.statusCode, 201, made.body);
  assert.equal((await p.inject({ method: 'POST', url: `/functions/${name}/versions`, auth: alice, payload: {} })).statusCode, 201);
}

const hangar = (...args: string[]) => runCli(p.url!, alice, args);

describe('hangar function provisioned', { skip }, () => {
  test('put, get (fields and --json), list (table and --json) and delete', async () => {
    const put = await hangar('function', 'provisioned', 'put', 'warm', '--qualifier', '1', '--count', '1');
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout, /^warm:1: provisioned concurrency 1 \((0|1) started, (IN_PROGRESS|READY)\)\n$/);

    // The instance starts in the background: READY once it has.
    let got = await hangar('function', 'provisioned', 'get', 'warm', '--qualifier', '1', '--json');
    for (let i = 0; got.code === 0 && JSON.parse(got.stdout).status !== 'READY' && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      got = await hangar('function', 'provisioned', 'get', 'warm', '--qualifier', '1', '--json');
    }
    assert.equal(got.code, 0, got.stderr);
    const config = JSON.parse(got.stdout);
    assert.deepEqual(
      { ...config, lastModified: undefined },
      {
        name: 'warm',
        qualifier: '1',
        requested: 1,
        allocated: 1,
        status: 'READY',
        statusReason: null,
        lastModified: undefined,
      },
    );

    const shown = await hangar('function', 'provisioned', 'get', 'warm', '--qualifier', '1');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^function\s+warm$/m);
    assert.match(shown.stdout, /^allocated\s+1$/m);
    assert.match(shown.stdout, /^status\s+READY$/m);

    const listed = await hangar('function', 'provisioned', 'list', 'warm', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const api = await p.inject({ method: 'GET', url: '/functions/warm/provisioned-concurrency', auth: alice });
    assert.deepEqual(JSON.parse(listed.stdout), api.json());
    const table = await hangar('function', 'provisioned', 'list', 'warm');
    assert.match(table.stdout, /^QUALIFIER\s+REQUESTED\s+ALLOCATED\s+STATUS\s+MODIFIED$/m);
    assert.match(table.stdout, /^1\s+1\s+1\s+READY\s+\S/m);

    const gone = await hangar('function', 'provisioned', 'delete', 'warm', '--qualifier', '1');
    assert.equal(gone.code, 0, gone.stderr);
    assert.equal(gone.stdout, 'warm:1: provisioned concurrency removed\n');
    assert.deepEqual((await p.inject({ method: 'GET', url: '/functions/warm/provisioned-concurrency', auth: alice })).json(), {
      configs: [],
    });
    const empty = await hangar('function', 'provisioned', 'list', 'warm');
    assert.match(empty.stdout, /^warm: no provisioned concurrency/);
  });

  test('a configuration whose instances fail their init shows FAILED and the init error', async () => {
    await deployVersion1('broken', "throw new Error('no settings at load');\n");
    const put = await hangar('function', 'provisioned', 'put', 'broken', '--qualifier', '1', '--count', '1');
    assert.equal(put.code, 0, put.stderr);
    let shown = await hangar('function', 'provisioned', 'get', 'broken', '--qualifier', '1');
    for (let i = 0; /^status\s+IN_PROGRESS$/m.test(shown.stdout) && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      shown = await hangar('function', 'provisioned', 'get', 'broken', '--qualifier', '1');
    }
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^status\s+FAILED$/m);
    assert.match(shown.stdout, /^reason\s+The function's init failed: Error: no settings at load$/m);
    const gone = await hangar('function', 'provisioned', 'rm', 'broken', '--qualifier', '1');
    assert.equal(gone.code, 0, gone.stderr);
  });

  test('refusals: the API’s problem and exit 1; a missing option exits 2', async () => {
    const latest = await hangar('function', 'provisioned', 'put', 'warm', '--qualifier', '$LATEST', '--count', '1');
    assert.equal(latest.code, 1);
    assert.match(latest.stderr, /unpublished function versions\.? \(FUNCTION_INVALID\)/);
    const tooMany = await hangar('function', 'provisioned', 'put', 'warm', '--qualifier', '1', '--count', '101');
    assert.equal(tooMany.code, 1);
    const none = await hangar('function', 'provisioned', 'get', 'warm', '--qualifier', '1');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no provisioned concurrency for warm:1/);
    const notThere = await hangar('function', 'provisioned', 'delete', 'warm', '--qualifier', '1');
    assert.equal(notThere.code, 1);
    assert.match(notThere.stderr, /FUNCTION_PROVISIONED_CONFIG_NOT_FOUND/);
    const missing = await hangar('function', 'provisioned', 'list', 'nope');
    assert.equal(missing.code, 1);
    const noCount = await hangar('function', 'provisioned', 'put', 'warm', '--qualifier', '1');
    assert.equal(noCount.code, 2);
    assert.match(noCount.stderr, /--count/);
  });
});
