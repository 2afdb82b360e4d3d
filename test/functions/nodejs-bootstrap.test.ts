/**
 * Hangar's Node runtime (src/functions/runtimes/nodejs/bootstrap.mjs) as a plain child process
 * talking to a real Runtime API server over its unix socket: handlers written for AWS, unchanged.
 * (In the sandbox, the same bootstrap reaches the socket through 127.0.0.1:9001: instance.test.ts.)
 * Every test runs twice: over the Runtime API's HTTP (as any runtime), and over Hangar's frames
 * exchange (src/functions/runtime-frames.ts), which the bootstrap uses when Hangar starts it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ResponseSink } from '../../src/functions/runtime-api.ts';
import { EXCHANGES, exchangeName, json, plainRuntimes } from './plain-runtime.ts';

const gates = mkdtempSync(join(tmpdir(), 'hangar-fngate-'));
after(() => rmSync(gates, { recursive: true, force: true }));

const BOOTSTRAP = fileURLToPath(new URL('../../src/functions/runtimes/nodejs/bootstrap.mjs', import.meta.url));
const startWith = plainRuntimes('hangar-fnboot-', [process.execPath, BOOTSTRAP]);

for (const exchange of EXCHANGES)
  describe(`node bootstrap, plain process, over ${exchangeName(exchange)}`, () => {
    const start = (handler: string) => startWith(handler, exchange);
    it('keeps module state between invocations (CommonJS)', async () => {
      const p = await start('counter.handler');
      assert.deepEqual(await p.api.ready, { kind: 'ready' });
      const a = await p.invoke({ x: 1 });
      const b = await p.invoke({ x: 2 });
      assert.deepEqual(json(a), { count: 1, echo: { x: 1 } });
      assert.deepEqual(json(b), { count: 2, echo: { x: 2 } });
    });

    it('loads ES modules with top-level await, .cjs, and nested paths and exports', async () => {
      const esm = await start('esm.handler');
      assert.equal(json(await esm.invoke({})).kind, 'esm');
      assert.equal(json(await esm.invoke({})).count, 2);
      const cjs = await start('cjs.handler');
      assert.equal(json(await cjs.invoke({})), 'from cjs');
      const nested = await start('lib/deep/nested.api.v1.handler');
      assert.equal(json(await nested.invoke({})), 'nested');
      const typeModule = await start('esmpkg/app.handler');
      assert.equal(json(await typeModule.invoke({})), 'app.js');
    });

    it('runs callback handlers, and waits for the empty event loop unless told not to', async () => {
      const p = await start('callback.handler');
      assert.deepEqual(json(await p.invoke({ n: 21 })), { via: 'callback', n: 42 });
      const e = await start('callback-error.handler');
      const err = await e.invoke({});
      assert.equal(err.kind, 'error');
      assert.equal(json(err).errorType, 'RangeError');
      assert.equal(json(err).errorMessage, 'too far');
      // callback(null, result) with a timer pending that changes the result: Lambda answers once
      // the event loop is empty, unless the handler set callbackWaitsForEmptyEventLoop = false.
      const w = await start('waits.handler');
      assert.deepEqual(json(await w.invoke({ wait: true })), { v: 'late' });
      assert.deepEqual(json(await w.invoke({ wait: false })), { v: 'early' });
    });

    it("gives Lambda's context", async () => {
      const p = await start('context.handler');
      const o = await p.invoke({}, { deadlineMs: Date.now() + 20_000, clientContext: '{"custom":{"a":"b"}}' });
      const c = json(o);
      assert.equal(c.awsRequestId, o.requestId);
      assert.equal(c.functionName, 'fn');
      assert.equal(c.functionVersion, '$LATEST');
      assert.equal(c.memoryLimitInMB, '128');
      assert.equal(c.invokedFunctionArn, 'arn:aws:lambda:eu-west-1:123456789012:function:fn');
      assert.equal(c.logGroupName, '/aws/lambda/fn');
      assert.equal(c.logStreamName, '2026/12/05/[$LATEST]abc');
      assert.ok(c.remaining > 0 && c.remaining <= 20_000, `remaining ${c.remaining}`);
      assert.equal(c.callbackWaitsForEmptyEventLoop, true);
      assert.deepEqual(c.clientContext, { custom: { a: 'b' } });
    });

    it('reports a thrown error as Lambda does, and stays warm after it', async () => {
      const p = await start('throws.handler');
      const o = await p.invoke({});
      assert.equal(o.kind, 'error');
      assert.equal(o.kind === 'error' && o.error.errorType, 'ValidationError');
      const doc = json(o);
      assert.equal(doc.errorType, 'ValidationError');
      assert.equal(doc.errorMessage, 'bad input');
      assert.ok(Array.isArray(doc.trace) && doc.trace[0] === 'ValidationError: bad input', JSON.stringify(doc.trace));
      assert.equal((await p.invoke({})).kind, 'error');
      assert.match(p.stdout(), /ERROR\tInvoke Error/);
    });

    it('prefixes console lines with the time, the request id and the level', async () => {
      const p = await start('counter.handler');
      const o = await p.invoke({});
      assert.match(p.stdout(), new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${o.requestId}\\tINFO\\tcount is 1$`, 'm'));
    });

    for (const [handler, errorType, message] of [
      ['syntax.handler', 'Runtime.UserCodeSyntaxError', /SyntaxError/],
      ['missing-dep.handler', 'Runtime.ImportModuleError', /no-such-package-anywhere/],
      ['nothere.handler', 'Runtime.ImportModuleError', /Cannot find module 'nothere'/],
      ['no-export.handler', 'Runtime.HandlerNotFound', /no-export\.handler is undefined or not exported/],
      ['../escape.handler', 'Runtime.MalformedHandlerName', /not a valid handler name/],
      ['nodot', 'Runtime.MalformedHandlerName', /Bad handler/],
    ] as const) {
      it(`reports ${handler} as an init error, ${errorType}`, async () => {
        const p = await start(handler);
        const init = await p.api.ready;
        assert.equal(init.kind, 'error');
        if (init.kind !== 'error') return;
        assert.equal(init.error.errorType, errorType);
        assert.match(JSON.parse(init.error.payload.toString()).errorMessage, message);
        assert.equal(await p.exited, 1);
      });
    }

    it("an unhandled rejection fails the invocation with Lambda's type and ends the process", async () => {
      const p = await start('reject.handler');
      const o = await p.invoke({});
      assert.equal(o.kind === 'error' && o.error.errorType, 'Runtime.UnhandledPromiseRejection');
      assert.match(json(o).errorMessage, /TypeError: nobody caught me/);
      assert.equal(await p.exited, 129);
    });

    it('a handler that exits the process fails the invocation, never hangs it', async () => {
      const p = await start('crash.handler');
      assert.equal(json(await p.invoke({})), 'alive');
      const o = await p.invoke({ crash: true });
      assert.equal(o.kind, 'error');
      assert.equal(o.kind === 'error' && o.error.errorType, 'Runtime.ExitError');
    });

    describe('response streaming (awslambda.streamifyResponse)', () => {
      /** A sink that keeps what arrives, and when: the outcome's settling is one more entry. */
      const recorder = () => {
        const seen: string[] = [];
        const sink: ResponseSink = { start: (t) => seen.push(`start ${t}`), chunk: (b) => void seen.push(b.toString('latin1')) };
        return { seen, sink };
      };

      it('passes each chunk on as it is written, before the handler ends', async () => {
        const p = await start('stream.handler');
        const gate = join(gates, `gate-${exchange}`);
        const { seen, sink } = recorder();
        // The handler waits for the gate, which is made only once its first chunk has arrived:
        // were chunks held until the end, this invocation would never end.
        const opened: ResponseSink = { start: sink.start, chunk: (b) => void (sink.chunk(b), writeFileSync(gate, '')) };
        const o = await p.invoke({ gate }, { sink: opened });
        seen.push('settled');
        assert.deepEqual(o.kind === 'result' && [o.payload.length, o.contentType], [0, 'application/octet-stream']);
        assert.deepEqual(seen, ['start application/octet-stream', 'first;', 'second', 'settled']);
      });

      it('answers the stream as one payload when nobody streams it, the prelude of HttpResponseStream.from first', async () => {
        const p = await start('stream.handler');
        const http = { statusCode: 201, headers: { 'x-a': 'b' }, cookies: ['c=1'] };
        const o = await p.invoke({ http, ms: 1 });
        assert.equal(o.kind, 'result');
        assert.equal(o.kind === 'result' && o.contentType, 'application/vnd.awslambda.http-integration-response');
        const prelude = Buffer.from(JSON.stringify(http));
        assert.deepEqual(o.kind === 'result' && o.payload, Buffer.concat([prelude, Buffer.alloc(8), Buffer.from('first;second')]));
        const typed = await p.invoke({ type: 'text/csv', ms: 1 });
        assert.deepEqual(typed.kind === 'result' && [typed.contentType, typed.payload.toString()], ['text/csv', 'first;second']);
      });

      it('ends the stream with the error thrown after the first chunk, and stays warm', async () => {
        const p = await start('stream.handler');
        const { seen, sink } = recorder();
        const o = await p.invoke({ fail: true, ms: 1 }, { sink });
        assert.deepEqual(seen, ['start application/octet-stream', 'first;']);
        assert.equal(o.kind === 'error' && o.error.errorType, 'Error');
        assert.equal(json(o).errorMessage, 'broke mid-stream');
        // Thrown before any byte: the invocation's error, nothing streamed.
        const early = recorder();
        const e = await p.invoke({ early: true }, { sink: early.sink });
        assert.deepEqual([early.seen, e.kind === 'error' && e.error.errorType], [[], 'TypeError']);
        assert.equal((await p.invoke({ ms: 1 })).kind, 'result');
      });

      it('fails a response past the limit with Function.ResponseSizeTooLarge', async () => {
        const p = await startWith('stream.handler', exchange, 8);
        const o = await p.invoke({ ms: 1 });
        assert.equal(o.kind === 'error' && o.error.errorType, 'Function.ResponseSizeTooLarge');
        // The refusal is logged under its request, and the runtime answers the next one (were it
        // stuck on the refused stream, this would never settle).
        await p.logged(new RegExp(`${o.requestId}\tERROR\tRequestEntityTooLarge`));
        const next = await p.invoke({ ms: 1 });
        assert.equal(next.kind === 'error' && next.error.errorType, 'Function.ResponseSizeTooLarge');
        await p.logged(new RegExp(`${next.requestId}\tERROR\tRequestEntityTooLarge`));
      });
    });
  });
