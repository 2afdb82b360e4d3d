/**
 * What a function's configuration gives its instances (embedded, the sandbox): the owner's
 * secrets as environment variables, kept out of its logs; the network it asks for (none by
 * default, the guarded egress as tasks); and a $LATEST whose configuration changed with its code
 * unchanged runs with the new configuration from the next invocation on. Skipped where the host
 * cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
let p: TestPlatform;
let alice: string;
const TOKEN = 'tok-4f1c9e2a7b3d5e60';

const zip = makeZip({
  'sec.js': `exports.handler = async () => { console.log('token is', process.env.API_TOKEN); return { token: process.env.API_TOKEN }; };`,
  'env.js': `exports.handler = async () => ({ colour: process.env.COLOUR, memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE });`,
  'net.js': `exports.handler = async (event) => {
  try { const r = await fetch(event.url, { signal: AbortSignal.timeout(5000) }); return 'reached ' + r.status; }
  catch (e) { return 'error ' + (e.cause?.code ?? e.name); }
};`,
});

const as = (method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: alice, ...(payload === undefined ? {} : { payload: payload as object }) });
const deploy = async (name: string, config: object) => {
  const r = await as('PUT', `/functions/${name}`, { zip: zip.toString('base64'), runtime: 'nodejs22.x', ...config });
  assert.ok(r.statusCode === 201 || r.statusCode === 200, r.body);
};

before(async () => {
  p = await testPlatform();
  alice = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json().key;
});
after(() => p?.close());

describe('a function configuration reaches its instances', { skip }, () => {
  it("gives the owner's secrets as environment variables and masks their values in the log", async () => {
    assert.equal((await as('PUT', '/secrets/API_TOKEN', { value: TOKEN })).statusCode < 300, true);
    await deploy('sec', { handler: 'sec.handler', secrets: ['API_TOKEN'] });
    const r = await as('POST', '/functions/sec/invoke?log=true', {});
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { token: TOKEN }, 'the function sees the value');
    const log = Buffer.from(String(r.headers['x-hangar-log-result']), 'base64').toString();
    assert.match(log, /token is /);
    assert.ok(!log.includes(TOKEN), `the log shows no secret value: ${log}`);
  });

  it('a secret deleted since the deploy: a new instance is refused, saying which', async () => {
    assert.equal((await as('PUT', '/secrets/GONE', { value: 'gone-value-123456' })).statusCode < 300, true);
    await deploy('gone', { handler: 'sec.handler', secrets: ['GONE'] });
    assert.equal((await as('DELETE', '/secrets/GONE')).statusCode, 200);
    const r = await as('POST', '/functions/gone/invoke', {});
    assert.equal(r.statusCode, 404, r.body);
    assert.match(r.json().detail, /GONE/);
  });

  it('has no network by default; with egress it reaches what the guarded proxy allows', async () => {
    const url = `${p.url}/health`;
    await deploy('offline', { handler: 'net.handler' });
    const off = await as('POST', '/functions/offline/invoke', { url });
    assert.match(off.json(), /^error /, 'no network at all');
    await deploy('online', { handler: 'net.handler', network: 'egress' });
    const on = await as('POST', '/functions/online/invoke', { url });
    assert.equal(on.json(), 'reached 200', 'through the proxy (this API is an allowed destination in tests, as for network-test)');
  });

  it('runs $LATEST with its new configuration after an update that keeps the code', async () => {
    await deploy('env', { handler: 'env.handler', environment: { COLOUR: 'red' }, memoryMb: 256 });
    assert.deepEqual((await as('POST', '/functions/env/invoke', {})).json(), { colour: 'red', memory: '256' });
    await deploy('env', { environment: { COLOUR: 'blue' }, memoryMb: 512 });
    assert.deepEqual(
      (await as('POST', '/functions/env/invoke', {})).json(),
      { colour: 'blue', memory: '512' },
      'not the warm instance of the old configuration',
    );
  });
});
