/**
 * Hangar's frames exchange (src/functions/runtime-frames.ts): the FrameReader on byte streams cut
 * anywhere, and the RuntimeApi's side of it driven by a raw client over the real unix socket.
 * (The bootstrap's side, with real handlers: nodejs-bootstrap.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { type InvocationMeta, RuntimeApi } from '../../src/functions/runtime-api.ts';
import { encodeFrame, type Frame, FrameReader, FRAMES_PATH, FRAMES_PROTOCOL } from '../../src/functions/runtime-frames.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-frames-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A frame with its head as given text (encodeFrame only writes valid heads). */
function rawFrame(type: string, headText: string, body = Buffer.alloc(0)): Buffer {
  const head = Buffer.from(headText);
  const header = Buffer.alloc(9);
  header[0] = type.charCodeAt(0);
  header.writeUInt32BE(head.length, 1);
  header.writeUInt32BE(body.length, 5);
  return Buffer.concat([header, head, body]);
}

/** What a reader made of the chunks: frames (bodies as text) and errors, in order. */
function read(maxBody: number, chunks: Buffer[]): { frames: { type: string; head: unknown; body: string }[]; errors: string[] } {
  const frames: { type: string; head: unknown; body: string }[] = [];
  const errors: string[] = [];
  const reader = new FrameReader(
    maxBody,
    (f) => frames.push({ type: f.type, head: f.head, body: f.body === 'too-large' ? 'too-large' : f.body.toString() }),
    (m) => errors.push(m),
  );
  for (const c of chunks) reader.push(c);
  return { frames, errors };
}

const bytes = (b: Buffer) => [...b].map((x) => Buffer.from([x]));

describe('frame reader', () => {
  const stream = Buffer.concat([
    ...encodeFrame('N', {}),
    ...encodeFrame('R', { requestId: 'a' }, Buffer.from('{"result":"é"}')),
    ...encodeFrame('E', { requestId: 'b', errorType: 'TypeError' }, Buffer.from('{"errorType":"TypeError"}')),
    ...encodeFrame('N', {}),
  ]);
  const expected = [
    { type: 'N', head: {}, body: '' },
    { type: 'R', head: { requestId: 'a' }, body: '{"result":"é"}' },
    { type: 'E', head: { requestId: 'b', errorType: 'TypeError' }, body: '{"errorType":"TypeError"}' },
    { type: 'N', head: {}, body: '' },
  ];

  it('reads several frames from one chunk', () => {
    assert.deepEqual(read(1024, [stream]), { frames: expected, errors: [] });
  });

  it('reads frames cut at every byte boundary, and byte by byte', () => {
    for (let i = 0; i <= stream.length; i++) {
      assert.deepEqual(read(1024, [stream.subarray(0, i), stream.subarray(i)]), { frames: expected, errors: [] }, `cut at ${i}`);
    }
    for (let i = 0; i < stream.length; i++) {
      for (const j of [i + 1, i + 9, i + 20]) {
        const cuts = [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)];
        assert.deepEqual(read(1024, cuts), { frames: expected, errors: [] }, `cut at ${i} and ${j}`);
      }
    }
    assert.deepEqual(read(1024, bytes(stream)), { frames: expected, errors: [] });
  });

  it("skips a body over the limit, gives its frame as 'too-large', and reads the next frame", () => {
    const s = Buffer.concat([
      ...encodeFrame('R', { requestId: 'big' }, Buffer.alloc(11, 'x')),
      ...encodeFrame('R', { requestId: 'fits' }, Buffer.alloc(10, 'y')),
      ...encodeFrame('N', {}),
    ]);
    const want = {
      frames: [
        { type: 'R', head: { requestId: 'big' }, body: 'too-large' },
        { type: 'R', head: { requestId: 'fits' }, body: 'y'.repeat(10) },
        { type: 'N', head: {}, body: '' },
      ],
      errors: [],
    };
    assert.deepEqual(read(10, [s]), want);
    assert.deepEqual(read(10, bytes(s)), want);
    for (let i = 0; i <= s.length; i++) assert.deepEqual(read(10, [s.subarray(0, i), s.subarray(i)]), want, `cut at ${i}`);
  });

  it('takes a head that is not a JSON object as a protocol error, and reads nothing after it', () => {
    for (const head of ['null', '[1]', '"text"', '7', 'not json', '{"a":']) {
      const bad = rawFrame('R', head);
      const n = Buffer.concat(encodeFrame('N', {}));
      // Behind it in the same chunk, and in a later one.
      assert.deepEqual(read(1024, [Buffer.concat([bad, n]), n]), { frames: [], errors: ['frame head is not a JSON object'] }, head);
    }
  });

  it("stops when a frame's handler says so: the frames behind it in the chunk are not read", () => {
    const types: string[] = [];
    const reader = new FrameReader(
      1024,
      (f) => {
        types.push(f.type);
        if (f.type === 'Z') reader.stop();
      },
      () => assert.fail('no protocol error'),
    );
    reader.push(Buffer.concat([...encodeFrame('N', {}), rawFrame('Z', '{}'), ...encodeFrame('N', {})]));
    reader.push(Buffer.concat(encodeFrame('N', {})));
    assert.deepEqual(types, ['N', 'Z']);
  });

  it('takes a head over 64 KB as a protocol error as soon as its length is read, and reads one of 64 KB', () => {
    const header = Buffer.alloc(9);
    header[0] = 'R'.charCodeAt(0);
    header.writeUInt32BE(64 * 1024 + 1, 1);
    assert.deepEqual(read(1024, [header]), { frames: [], errors: [`frame head of ${64 * 1024 + 1} bytes`] });
    const pad = 64 * 1024 - '{"requestId":"x","pad":""}'.length;
    const head = JSON.stringify({ requestId: 'x', pad: ' '.repeat(pad) });
    assert.equal(head.length, 64 * 1024);
    const got = read(1024, [rawFrame('R', head, Buffer.from('1'))]);
    assert.deepEqual(got.errors, []);
    assert.equal(got.frames.length, 1);
    assert.equal(got.frames[0].body, '1');
  });
});

/** The runtime's end of the frames exchange, written here from the format. */
interface RawRuntime {
  socket: Duplex;
  /** The next frame from Hangar (waits for it). */
  next(): Promise<Frame>;
  /** Whether a frame from Hangar is waiting unread. */
  readonly pending: number;
  send(type: 'N' | 'R' | 'E' | 'I', head: object, body?: Buffer): void;
  closed: Promise<void>;
}

/** The upgrade, as the bootstrap asks for it; resolves with the refusal's status when refused. */
function upgrade(socketPath: string, path = FRAMES_PATH, protocol = FRAMES_PROTOCOL): Promise<RawRuntime | number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, headers: { connection: 'Upgrade', upgrade: protocol } });
    req.on('upgrade', (res, socket, head) => {
      assert.equal(res.statusCode, 101);
      assert.equal(res.headers.upgrade, FRAMES_PROTOCOL);
      resolve(rawRuntime(socket, head));
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

async function connect(socketPath: string): Promise<RawRuntime> {
  const r = await upgrade(socketPath);
  assert.ok(typeof r !== 'number', `the upgrade was refused: ${r}`);
  return r;
}

function rawRuntime(socket: Duplex, head: Buffer): RawRuntime {
  const queued: Frame[] = [];
  let waiting: ((f: Frame) => void) | null = null;
  const reader = new FrameReader(
    1 << 20,
    (f) => {
      if (waiting) {
        const w = waiting;
        waiting = null;
        w(f);
      } else queued.push(f);
    },
    (m) => socket.destroy(new Error(m)),
  );
  socket.on('data', (d: Buffer) => reader.push(d));
  if (head.length > 0) reader.push(head);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  return {
    socket,
    closed,
    get pending() {
      return queued.length;
    },
    next: () => {
      const f = queued.shift();
      return f ? Promise.resolve(f) : new Promise((resolve) => (waiting = resolve));
    },
    send(type, h, body) {
      for (const part of encodeFrame(type, h, body)) socket.write(part);
    },
  };
}

const meta = (requestId: string, over: Partial<InvocationMeta> = {}): InvocationMeta => ({
  requestId,
  deadlineMs: 1_900_000_000_000,
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f',
  ...over,
});

const body = (f: Frame) => (f.body === 'too-large' ? f.body : f.body.toString());

describe('runtime api over frames', () => {
  let api: RuntimeApi;
  let n = 0;
  beforeEach(async () => {
    api = new RuntimeApi(join(dir, `f-${n++}.sock`), 1024);
    await api.listen();
  });
  afterEach(() => api.close());

  it('refuses an upgrade to another path or protocol with 400', async () => {
    assert.equal(await upgrade(api.socketPath, '/2018-06-01/runtime/invocation/next'), 400);
    assert.equal(await upgrade(api.socketPath, FRAMES_PATH, 'websocket'), 400);
    assert.equal(await upgrade(api.socketPath, FRAMES_PATH, 'hangar-runtime-frames/2'), 400);
    // Neither refusal ended the init phase, and the exchange still upgrades.
    assert.equal(api.firstNextAt, null);
    const rt = await connect(api.socketPath);
    rt.socket.destroy();
  });

  it('ends the init phase at the first N, not at the upgrade', async () => {
    const rt = await connect(api.socketPath);
    assert.equal(api.firstNextAt, null);
    rt.send('N', {});
    assert.deepEqual(await api.ready, { kind: 'ready' });
    assert.equal(typeof api.firstNextAt, 'number');
  });

  it("gives an invocation as V with Lambda's fields, and takes R as the answer and the next N", async () => {
    const rt = await connect(api.socketPath);
    rt.send('N', {});
    const first = api.invoke(
      Buffer.from('{"a":1}'),
      meta('req-1', { traceId: 'Root=1-abc', clientContext: '{"custom":{"k":"v"}}', cognitoIdentity: '{"cognitoIdentityId":"x"}' }),
    );
    const v = await rt.next();
    assert.equal(v.type, 'V');
    assert.deepEqual(v.head, {
      requestId: 'req-1',
      deadlineMs: 1_900_000_000_000,
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f',
      traceId: 'Root=1-abc',
      clientContext: '{"custom":{"k":"v"}}',
      cognitoIdentity: '{"cognitoIdentityId":"x"}',
    });
    assert.equal(body(v), '{"a":1}');
    rt.send('R', { requestId: 'req-1' }, Buffer.from('"done"'));
    const o = await first;
    assert.ok(o.kind === 'result');
    assert.equal(o.payload.toString(), '"done"');

    // No N after the R: the answer asked for the next invocation.
    const second = api.invoke(Buffer.from('{}'), meta('req-2'));
    const v2 = await rt.next();
    assert.deepEqual(v2.head, { requestId: 'req-2', deadlineMs: 1_900_000_000_000, invokedFunctionArn: meta('').invokedFunctionArn });
    rt.send('R', { requestId: 'req-2' });
    const o2 = await second;
    assert.ok(o2.kind === 'result');
    assert.equal(o2.payload.length, 0);
  });

  it('refuses an answer with a wrong request id (X 400) and a second answer (X 403)', async () => {
    const rt = await connect(api.socketPath);
    rt.send('N', {});
    const outcome = api.invoke(Buffer.from('{}'), meta('req-3'));
    await rt.next();
    rt.send('R', { requestId: 'nope' }, Buffer.from('1'));
    const wrong = await rt.next();
    assert.equal(wrong.type, 'X');
    assert.equal(wrong.head.status, 400);
    assert.equal(wrong.head.errorType, 'InvalidRequestID');
    assert.equal(typeof wrong.head.errorMessage, 'string');
    assert.equal(api.busy, true, 'a refused answer does not end the invocation');
    rt.send('R', { requestId: 'req-3' }, Buffer.from('2'));
    const o = await outcome;
    assert.ok(o.kind === 'result');
    assert.equal(o.payload.toString(), '2');
    rt.send('E', { requestId: 'req-3', errorType: 'Late' }, Buffer.from('{}'));
    const again = await rt.next();
    assert.equal(again.type, 'X');
    assert.equal(again.head.status, 403);
    assert.equal(again.head.errorType, 'InvalidStateTransition');
  });

  it('fails an invocation answered over the size limit with Function.ResponseSizeTooLarge, and refuses with X 413', async () => {
    const rt = await connect(api.socketPath);
    rt.send('N', {});
    const outcome = api.invoke(Buffer.from('{}'), meta('req-4'));
    await rt.next();
    rt.send('R', { requestId: 'req-4' }, Buffer.alloc(1025, 'x'));
    const o = await outcome;
    assert.ok(o.kind === 'error');
    assert.equal(o.error.errorType, 'Function.ResponseSizeTooLarge');
    assert.match(JSON.parse(o.error.payload.toString()).errorMessage, /exceeded maximum allowed payload size \(1024 bytes\)/);
    const x = await rt.next();
    assert.equal(x.type, 'X');
    assert.equal(x.head.status, 413);
    assert.equal(x.head.errorType, 'RequestEntityTooLarge');
    // The connection reads on: the next invocation goes to the same runtime.
    const next = api.invoke(Buffer.from('{}'), meta('req-5'));
    assert.equal((await rt.next()).head.requestId, 'req-5');
    rt.send('R', { requestId: 'req-5' }, Buffer.alloc(1024, 'y'));
    assert.equal((await next).kind, 'result');
  });

  it("passes an E frame's document through, typed by its body or its head", async () => {
    const rt = await connect(api.socketPath);
    rt.send('N', {});
    const first = api.invoke(Buffer.from('{}'), meta('req-6'));
    await rt.next();
    const doc = JSON.stringify({ errorType: 'TypeError', errorMessage: 'x is not a function', trace: ['TypeError: x'] });
    rt.send('E', { requestId: 'req-6', errorType: 'Other' }, Buffer.from(doc));
    const o = await first;
    assert.ok(o.kind === 'error');
    assert.equal(o.error.errorType, 'TypeError');
    assert.equal(o.error.payload.toString(), doc);

    const second = api.invoke(Buffer.from('{}'), meta('req-7'));
    await rt.next();
    rt.send('E', { requestId: 'req-7', errorType: 'Custom.Thing' }, Buffer.from('plain words'));
    const o2 = await second;
    assert.ok(o2.kind === 'error');
    assert.equal(o2.error.errorType, 'Custom.Thing');
    assert.deepEqual(JSON.parse(o2.error.payload.toString()), { errorType: 'Custom.Thing', errorMessage: 'plain words' });
    assert.equal(rt.pending, 0, 'an accepted answer gets no frame back');
  });

  it('settles the init phase with an I frame, once', async () => {
    const rt = await connect(api.socketPath);
    const doc = JSON.stringify({ errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find module 'index'" });
    rt.send('I', { errorType: 'Runtime.ImportModuleError' }, Buffer.from(doc));
    const init = await api.ready;
    assert.ok(init.kind === 'error');
    assert.equal(init.error.errorType, 'Runtime.ImportModuleError');
    assert.equal(init.error.payload.toString(), doc);
    rt.send('I', { errorType: 'Again' }, Buffer.from(doc));
    const x = await rt.next();
    assert.equal(x.type, 'X');
    assert.equal(x.head.status, 403);
  });

  it('leaves the next invocation waiting for a new runtime when the waiting one hangs up', async () => {
    const gone = await connect(api.socketPath);
    gone.send('N', {});
    await api.ready;
    gone.socket.destroy();
    await gone.closed;
    // A request on another connection: by its answer the server has read the hang-up (it was
    // there before the connection was), so the invocation below is given after it.
    assert.equal(await upgrade(api.socketPath, '/elsewhere'), 400);
    const outcome = api.invoke(Buffer.from('{"b":2}'), meta('req-8'));
    const rt = await connect(api.socketPath);
    rt.send('N', {});
    const v = await rt.next();
    assert.equal(v.head.requestId, 'req-8');
    assert.equal(body(v), '{"b":2}');
    rt.send('R', { requestId: 'req-8' }, Buffer.from('3'));
    const o = await outcome;
    assert.ok(o.kind === 'result');
    assert.equal(o.payload.toString(), '3');
  });

  it('ends the connection at a frame type a runtime does not send, and reads nothing behind it', async () => {
    const rt = await connect(api.socketPath);
    rt.send('N', {});
    const outcome = api.invoke(Buffer.from('{}'), meta('req-9'));
    await rt.next();
    // One write: the answer behind the stray frame arrives in the same chunk.
    rt.socket.write(Buffer.concat([rawFrame('V', '{}'), ...encodeFrame('R', { requestId: 'req-9' }, Buffer.from('1'))]));
    await rt.closed;
    assert.equal(api.busy, true, 'the answer behind the stray frame was taken');
    api.fail({ errorType: 'Runtime.ExitError', payload: Buffer.from('{}') });
    assert.equal((await outcome).kind, 'error');
  });

  it('close() ends an upgraded connection', async () => {
    const rt = await connect(api.socketPath);
    rt.send('N', {});
    await api.ready;
    await api.close();
    await rt.closed;
    assert.equal(rt.socket.destroyed, true);
  });
});
