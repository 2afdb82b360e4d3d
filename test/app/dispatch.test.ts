/**
 * Scale-out dispatch (app/dispatch.ts) in one process, with real parts: an invocation through
 * invokeFunction on an "API node" without a host of its own goes through FunctionDispatcher to a
 * FunctionServer (its advert in the store), which runs it on a real sandboxed FunctionHost.
 * What the multi-process test (test/e2e/function-dispatch.test.ts) cannot reach cheaply: a host
 * that is advertised but does not answer is skipped for one that does; a replayed or forged
 * request is refused; with no host at all the invocation answers FunctionsUnavailable; a streamed
 * response crosses the hop at the pace its caller reads it (backpressure), with Lambda's 20 MB
 * limit. Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  CircuitBreakers,
  DISPATCH_KEY_PURPOSE,
  InvocationRecorder,
  deployFunction,
  FunctionDispatcher,
  FunctionServer,
  HOP_HEADER,
  HOP_VERSION,
  invokeFunction,
  publishLayerVersion,
  warmKeyOfSnapshot,
  type InvokeApp,
} from '../../src/app/index.ts';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { ErrorCode, Unavailable } from '../../src/core/index.ts';
import type { ProcessExecutor } from '../../src/executor/index.ts';
import { FunctionHost, type ResponseSink, STREAM_HIGH_WATER_BYTES, streamedHeld, writeStreamed } from '../../src/functions/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { Metrics } from '../../src/metrics/index.ts';
import { SecretBox } from '../../src/secrets/index.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { until } from '../helpers/platform.ts';
import { freePort } from '../helpers/process.ts';
import { sandboxTestDir, anyTestSandbox } from '../helpers/sandbox.ts';
import { makeZip } from '../helpers/zip.ts';

const { dir, workDir } = sandboxTestDir('hangar-dispatch-');
const { executor, skip } = await anyTestSandbox(workDir, 'dispatch');

const log = createLogger('silent');
const store = new SqliteStore({ path: join(dir, 'db.sqlite') });
const blobs = new DiskBlobStore(join(dir, 'blobs'));
// A keyring mid-rotation: API nodes sign with the current key's; hosts take either's.
const ring = new SecretBox(randomBytes(32), [randomBytes(32)]);
const key = ring.derive(DISPATCH_KEY_PURPOSE);
const keys = ring.deriveAll(DISPATCH_KEY_PURPOSE);
const clock = { now: () => Date.now() };
let host: FunctionHost;
let server: FunctionServer;
const dispatcher = new FunctionDispatcher({ fleet: store.functionFleet, clock, key, log });
/** An API node: no function host of its own, the dispatcher instead. */
const api: InvokeApp = {
  functions: store.functions,
  blobs,
  functionHost: { current: null },
  functionDispatch: dispatcher,
  invocations: new InvocationRecorder({ store: store.functionInvocations, blobs, metrics: new Metrics(store).functions, clock, log }),
  config: { awsRegion: 'us-east-1' },
  breakers: new CircuitBreakers({ clock }),
};
const invoke = (name: string) =>
  invokeFunction(api, 'alice', { functionName: name, payload: Buffer.from('{}'), accountId: '111111111111' });
const count = async (name: string) => JSON.parse((await invoke(name)).payload.toString()).count as number;

before(async () => {
  if (skip) return;
  host = new FunctionHost(
    { executor: executor as ProcessExecutor, workDir, region: 'us-east-1', codeDir: join(dir, 'code') },
    { idleMs: 60_000 },
  );
  const zip = makeZip({
    'index.js': 'let count = 0; exports.handler = async () => ({ count: ++count });',
    'echo.js': "exports.handler = async (e) => { console.log('echoing', e.s.length); return e; };",
    'throws.js': "exports.handler = async () => { throw new RangeError('too far'); };",
    // event.pieces of 64 KB, each filled with its number, as fast as the stream takes them.
    'flood.mjs': `export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType('application/x-flood');
  for (let i = 0; i < event.pieces; i++) {
    if (!responseStream.write(Buffer.alloc(65536, i % 251))) await new Promise((r) => responseStream.once('drain', r));
  }
  responseStream.end();
});`,
  });
  await deployFunction({ functions: store.functions, blobs }, 'alice', {
    name: 'counter',
    zip,
    config: { runtime: 'nodejs22.x', handler: 'index.handler', memoryMb: 512 },
  });
  for (const name of ['echo', 'throws', 'flood'])
    await deployFunction({ functions: store.functions, blobs }, 'alice', {
      name,
      zip,
      // Moving 5 MB each way at 0.29 vCPU (512 MB) took more than Lambda's default 3 s on a
      // loaded host: a time limit is not what this test is about.
      config: { runtime: 'nodejs22.x', handler: `${name}.handler`, memoryMb: 512, timeoutS: 60 },
    });
});
after(async () => {
  dispatcher.close();
  await server?.close(1000);
  await host?.close();
  await executor?.close();
  await store.close();
  await blobs.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('scale-out dispatch in one process', { skip }, () => {
  it('with no worker host advertised, an invocation answers FunctionsUnavailable (503)', async () => {
    await assert.rejects(invoke('counter'), (err: unknown) => err instanceof Unavailable && err.code === ErrorCode.FunctionsUnavailable);
  });

  it('an advertised host that does not answer is skipped for one that does; the warm instance is reused', async () => {
    // A host that died without withdrawing its advert: nothing listens at its address.
    await store.functionFleet.advertiseHost(
      { hostId: 'gone', address: 'http://127.0.0.1:9', capacity: 100, busy: 0, warm: {}, hop: HOP_VERSION },
      60_000,
    );
    server = await FunctionServer.start({
      host,
      clock,
      blobs,
      fleet: store.functionFleet,
      keys,
      hostId: 'live',
      bindHost: '127.0.0.1',
      port: 0,
      capacity: 1,
      heartbeatMs: 60_000,
      log,
    });
    // 'gone' is the less loaded (0 of 100): chosen first, refused, then 'live'.
    assert.equal(await count('counter'), 1);
    assert.equal(await count('counter'), 2, 'warm on the live host');
    const hosts = await store.functionFleet.listHosts();
    assert.deepEqual(hosts.map((h) => h.hostId).sort(), ['gone', 'live']);
  });

  it('what crosses the hop arrives whole: a 5 MB event and result, a function error, the log tail', async () => {
    const big = JSON.stringify({ s: 'x'.repeat(5 * 1024 * 1024) });
    const echoed = await invokeFunction(api, 'alice', {
      functionName: 'echo',
      payload: Buffer.from(big),
      accountId: '111111111111',
      logType: 'Tail',
    });
    assert.equal(echoed.payload.toString(), big);
    assert.equal(echoed.functionError, undefined);
    assert.match(Buffer.from(echoed.logTail ?? '', 'base64').toString(), /echoing 5242880\n[\s\S]*REPORT RequestId: /);
    const failed = await invoke('throws');
    assert.equal(failed.functionError, 'Unhandled');
    const doc = JSON.parse(failed.payload.toString());
    assert.equal(doc.errorType, 'RangeError');
    assert.equal(doc.errorMessage, 'too far');
    assert.match(failed.log.toString(), /^START RequestId: \S+ Version: \$LATEST\n/);
  });

  it('a version with layers runs with them there, advertised under the key an API node computes from its snapshot', async () => {
    const dep = await publishLayerVersion({ layers: store.layers, blobs }, 'alice', {
      name: 'dep',
      zip: makeZip({ 'nodejs/node_modules/dep/index.js': 'module.exports = 7;' }),
    });
    const { function: f } = await deployFunction({ functions: store.functions, blobs }, 'alice', {
      name: 'layered',
      zip: makeZip({ 'index.js': "exports.handler = async () => ({ count: require('dep') });" }),
      config: {
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        memoryMb: 512,
        layers: [{ name: 'dep', version: dep.version, code: dep.code }],
      },
    });
    assert.equal(await count('layered'), 7);
    assert.ok((host.warm()[warmKeyOfSnapshot('alice', f)] ?? 0) >= 1, 'the idle instance is found by the snapshot key');
  });

  it('the host refuses a request signed with another key, and a replay of a signed one', async () => {
    const other = new FunctionDispatcher({
      fleet: store.functionFleet,
      clock,
      key: randomBytes(32),
      log,
    });
    try {
      await assert.rejects(
        invokeFunction({ ...api, functionDispatch: other }, 'alice', {
          functionName: 'counter',
          payload: Buffer.from('{}'),
          accountId: '1',
        }),
        (err: unknown) => err instanceof Unavailable && /not answering/.test(err.message),
      );
    } finally {
      other.close();
    }
    // A request signed as an API node signs it (the wire: [u32 length][metadata JSON][event];
    // HMAC-SHA256 of the time and the body), sent twice.
    const f = await store.functions.getFunction('alice', 'counter');
    const meta = Buffer.from(
      JSON.stringify({
        owner: 'alice',
        accountId: '111111111111',
        f,
        requestId: randomUUID(),
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:counter',
        logType: 'None',
      }),
    );
    const head = Buffer.alloc(4);
    head.writeUInt32BE(meta.length);
    const body = Buffer.concat([head, meta, Buffer.from('{}')]);
    const time = String(Date.now());
    const headers = {
      'x-hangar-time': time,
      'x-hangar-signature': createHmac('sha256', key).update(`${time}\n`).update(body).digest('base64url'),
      [HOP_HEADER]: String(HOP_VERSION),
    };
    const send = () => fetch(`${server.address}/invocations`, { method: 'POST', headers, body });
    const first = await send();
    assert.equal(first.status, 200);
    assert.match(Buffer.from(await first.arrayBuffer()).toString(), /"count":3/);
    const replay = await send();
    assert.equal(replay.status, 409, 'a request id seen before is refused');
    await replay.arrayBuffer();
    assert.equal(await count('counter'), 4, 'the right key still works');
  });

  it('the hop has a version: a host refuses a request of another (or none) before running it; an API node sends only to hosts of its own, warning of the others', async () => {
    // A signed request of another version, as an API node of that version sends it.
    const f = await store.functions.getFunction('alice', 'counter');
    const meta = Buffer.from(
      JSON.stringify({ owner: 'alice', accountId: '1', f, requestId: randomUUID(), invokedFunctionArn: 'arn', logType: 'None' }),
    );
    const head = Buffer.alloc(4);
    head.writeUInt32BE(meta.length);
    const body = Buffer.concat([head, meta, Buffer.from('{}')]);
    const before = await count('counter');
    for (const hop of [undefined, '1', String(HOP_VERSION + 1)]) {
      const time = String(Date.now());
      const headers: Record<string, string> = {
        'x-hangar-time': time,
        'x-hangar-signature': createHmac('sha256', key).update(`${time}\n`).update(body).digest('base64url'),
        ...(hop === undefined ? {} : { [HOP_HEADER]: hop }),
      };
      const r = await fetch(`${server.address}/invocations`, { method: 'POST', headers, body });
      assert.equal(r.status, 400, `hop ${hop}`);
      assert.equal(r.headers.get(HOP_HEADER), String(HOP_VERSION));
      assert.equal(await r.text(), `this worker host takes hop version ${HOP_VERSION}, not ${hop ?? '1'}\n`);
    }
    assert.equal(await count('counter'), before + 1, 'none of them ran');

    // A host of another version, advertised as the least loaded: left out, with a warning naming both.
    const lines: Array<{ msg: string; host?: string; hostHop?: number; hop?: number }> = [];
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    });
    await store.functionFleet.advertiseHost(
      { hostId: 'old', address: 'http://127.0.0.1:9', capacity: 100, busy: 0, warm: {}, hop: 1 },
      60_000,
    );
    const node = new FunctionDispatcher({ fleet: store.functionFleet, clock, key, log: createLogger('warn', out) });
    try {
      const at = { ...api, functionDispatch: node };
      for (let i = 2; i <= 3; i++) {
        const r = await invokeFunction(at, 'alice', { functionName: 'counter', payload: Buffer.from('{}'), accountId: '111111111111' });
        assert.equal(JSON.parse(r.payload.toString()).count, before + i, 'run on the host of its own version');
      }
      const old = lines.filter((l) => l.host === 'old');
      assert.equal(old.length, 1, `warned once, never tried: ${JSON.stringify(lines)}`);
      assert.deepEqual([old[0].hostHop, old[0].hop], [1, HOP_VERSION]);
      assert.match(old[0].msg, new RegExp(`hop version 1, this API node sends ${HOP_VERSION}`));

      // Only hosts of another version: FunctionsUnavailable, saying so.
      const alone = new SqliteStore({ path: ':memory:' });
      const stranded = new FunctionDispatcher({ fleet: alone.functionFleet, clock, key, log });
      try {
        await alone.functionFleet.advertiseHost({ hostId: 'old', address: server.address, capacity: 1, busy: 0, warm: {} }, 60_000);
        await assert.rejects(
          invokeFunction({ ...api, functionDispatch: stranded }, 'alice', {
            functionName: 'counter',
            payload: Buffer.from('{}'),
            accountId: '1',
          }),
          (err: unknown) =>
            err instanceof Unavailable &&
            err.code === ErrorCode.FunctionsUnavailable &&
            err.message.includes(`hop version ${HOP_VERSION} (those advertised take 1)`),
        );
      } finally {
        stranded.close();
        await alone.close();
      }
    } finally {
      node.close();
      await store.functionFleet.withdrawHost('old');
    }
  });

  it("takes a request signed with the keyring's previous key: an API node not yet restarted with the new master key", async () => {
    assert.notDeepEqual(keys[1], key);
    const old = new FunctionDispatcher({ fleet: store.functionFleet, clock, key: keys[1], log });
    try {
      const r = await invokeFunction({ ...api, functionDispatch: old }, 'alice', {
        functionName: 'counter',
        payload: Buffer.from('{}'),
        accountId: '1',
      });
      // Taken and run (a refused signature rejects, as with another key above).
      assert.equal(r.functionError, undefined);
      assert.equal(typeof JSON.parse(r.payload.toString()).count, 'number');
    } finally {
      old.close();
    }
  });

  it('advertises HANGAR_FUNCTION_ADDRESS as set (a host alone gets the port listened on); warns of a loopback advert', async () => {
    const port = await freePort();
    const warnings: Array<{ msg: string; address: string }> = [];
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) warnings.push(JSON.parse(line));
    });
    const start = (hostId: string, setting: string | undefined, listen: number) =>
      FunctionServer.start({
        host,
        clock,
        blobs,
        fleet: store.functionFleet,
        keys,
        hostId,
        bindHost: '127.0.0.1',
        port: listen,
        address: loadConfig({ env: setting === undefined ? {} : { HANGAR_FUNCTION_ADDRESS: setting } }).functionAddress,
        capacity: 1,
        heartbeatMs: 60_000,
        log: createLogger('warn', out),
      });
    const started: FunctionServer[] = [];
    try {
      started.push(await start('by-host', '10.0.0.5', port));
      started.push(await start('by-url', 'http://proxy.internal:8091/', 0));
      const adverts = new Map((await store.functionFleet.listHosts()).map((h) => [h.hostId, h.address]));
      assert.equal(adverts.get('by-host'), `http://10.0.0.5:${port}`);
      assert.equal(adverts.get('by-url'), 'http://proxy.internal:8091');
      assert.equal(warnings.length, 0, 'nothing to warn of');
      started.push(await start('by-bind', undefined, 0));
      assert.match(started[2].address, /^http:\/\/127\.0\.0\.1:\d+$/, 'the default: the bind address');
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0].address, started[2].address);
      assert.match(warnings[0].msg, /loopback.*HANGAR_FUNCTION_ADDRESS/);
    } finally {
      for (const s of started) await s.close(0);
    }
    assert.throws(() => loadConfig({ env: { HANGAR_FUNCTION_ADDRESS: 'ftp://10.0.0.5' } }), /HANGAR_FUNCTION_ADDRESS.*a base URL/);
    assert.throws(() => loadConfig({ env: { HANGAR_FUNCTION_ADDRESS: '10.0.0.5:99999' } }), /HANGAR_FUNCTION_ADDRESS/);
  });

  it('a streamed response crosses the hop as written, at the pace its caller reads (Hangar holds a bounded part), past 6 MB; past 20 MB it fails as on Lambda', async () => {
    streamedHeld.peakBytes = 0;
    streamedHeld.waits = 0;
    const pieces = 128;
    // The caller's side: a stream it reads nothing of at first.
    const out = new PassThrough({ highWaterMark: STREAM_HIGH_WATER_BYTES });
    let type = '';
    const sink: ResponseSink = { start: (t) => void (type = t), chunk: (b) => writeStreamed(out, [b]) };
    const flood = (n: number, to: ResponseSink) =>
      invokeFunction(api, 'alice', { functionName: 'flood', payload: Buffer.from(JSON.stringify({ pieces: n })), accountId: '1' }, to);
    const ran = flood(pieces, sink);
    void ran.finally(() => out.end()).catch(() => {});
    // Once the host, or this node, has waited for a stream to drain, and a moment more in which
    // a hop without backpressure would bring most of the 8 MB here (not timed: the bytes held are).
    await until(async () => streamedHeld.waits > 0, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    const bound = STREAM_HIGH_WATER_BYTES + 4 * 65536;
    assert.ok(streamedHeld.peakBytes <= bound, `one stream held ${streamedHeld.peakBytes} bytes; at most ${bound}`);
    const h = createHash('sha256');
    let bytes = 0;
    for await (const c of out as AsyncIterable<Buffer>) {
      h.update(c);
      bytes += c.length;
    }
    const r = await ran;
    assert.deepEqual(
      [r.functionError, r.contentType, r.payload.length, type],
      [undefined, 'application/x-flood', 0, 'application/x-flood'],
    );
    const want = createHash('sha256');
    for (let i = 0; i < pieces; i++) want.update(Buffer.alloc(65536, i % 251));
    assert.deepEqual([bytes, h.digest('hex')], [pieces * 65536, want.digest('hex')]);
    assert.ok(streamedHeld.peakBytes <= bound, `one stream held ${streamedHeld.peakBytes} bytes; at most ${bound}`);

    let taken = 0;
    const over = await flood(21 * 16 + 1, { start: () => {}, chunk: (b) => void (taken += b.length) });
    assert.deepEqual([over.functionError, over.errorType], ['Unhandled', 'Function.ResponseSizeTooLarge']);
    assert.ok(taken <= 20 * 1024 * 1024, `${taken} bytes passed on`);
  });
});
