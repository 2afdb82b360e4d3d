/**
 * Hangar's Python runtime (src/functions/runtimes/python3/bootstrap.py) as a plain child process
 * of the host's /usr/bin/python3 (as Hangar runs it) talking to a real Runtime API server over
 * its unix socket: handlers written for AWS, unchanged. (In the sandbox: instance.test.ts.)
 * Every test runs twice: over the Runtime API's HTTP (as any runtime), and over Hangar's frames
 * exchange (src/functions/runtime-frames.ts), which the bootstrap uses when Hangar starts it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ARN, EXCHANGES, exchangeName, json, plainRuntimes } from './plain-runtime.ts';

const PYTHON = '/usr/bin/python3';
const BOOTSTRAP = fileURLToPath(new URL('../../src/functions/runtimes/python3/bootstrap.py', import.meta.url));
const startWith = plainRuntimes('hangar-pyboot-', [PYTHON, '-u', BOOTSTRAP]);
const skip = existsSync(PYTHON) ? false : `no ${PYTHON} on this host`;

for (const exchange of EXCHANGES)
  describe(`python bootstrap, plain process, over ${exchangeName(exchange)}`, { skip }, () => {
    const start = (handler: string, maxResponseBytes?: number) => startWith(handler, exchange, maxResponseBytes);

    it('keeps module state between invocations, and prints to the log', async () => {
      const p = await start('py_counter.handler');
      assert.deepEqual(await p.api.ready, { kind: 'ready' });
      const a = await p.invoke({ x: 1 });
      const b = await p.invoke({ x: 2 });
      assert.deepEqual(
        { ...json(a), remaining: 0 },
        { count: 1, echo: { x: 1 }, requestId: a.requestId, functionName: 'fn', memory: '128', remaining: 0, region: 'eu-west-1' },
      );
      assert.equal(json(b).count, 2);
      await p.logged(/^count is 2$/m);
    });

    it('answers with the bytes a handler returns, as they are', async () => {
      const p = await start('py_bytes.handler');
      assert.equal(json(await p.invoke({})), 'as sent');
    });

    it('loads a handler in a directory', async () => {
      const p = await start('pydir/mod.handler');
      assert.equal(json(await p.invoke({})), 'nested python');
    });

    it("gives Lambda's context", async () => {
      const p = await start('py_context.handler');
      const o = await p.invoke(
        {},
        { deadlineMs: Date.now() + 20_000, clientContext: '{"custom":{"a":"b"}}', traceId: 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700' },
      );
      const c = json(o);
      assert.equal(c.awsRequestId, o.requestId);
      assert.equal(c.invokedFunctionArn, ARN);
      assert.equal(c.functionName, 'fn');
      assert.equal(c.functionVersion, '$LATEST');
      assert.equal(c.memory, '128');
      assert.equal(c.logGroupName, '/aws/lambda/fn');
      assert.equal(c.logStreamName, '2026/12/05/[$LATEST]abc');
      assert.ok(c.remaining > 0 && c.remaining <= 20_000, `remaining ${c.remaining}`);
      assert.deepEqual(c.clientContext, { custom: { a: 'b' } });
      assert.equal(c.identity, null);
      assert.equal(c.traceId, 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700');
    });

    it("reports a raised error in Lambda's Python shape, and stays warm after it", async () => {
      const p = await start('py_errors.handler');
      const o = await p.invoke({});
      assert.ok(o.kind === 'error');
      assert.equal(o.error.errorType, 'ValidationError');
      const doc = json(o);
      assert.equal(doc.errorMessage, 'bad input');
      assert.equal(doc.requestId, o.requestId);
      // From the handler's frame on, as on Lambda: none of the runtime's own.
      assert.ok(Array.isArray(doc.stackTrace) && doc.stackTrace.length > 0, JSON.stringify(doc.stackTrace));
      assert.match(doc.stackTrace[0], /py_errors\.py", line 4, in handler\n/);
      assert.ok(!doc.stackTrace.some((f: string) => f.includes('bootstrap.py')), JSON.stringify(doc.stackTrace));
      assert.equal((await p.invoke({})).kind, 'error');
      await p.logged(/\[ERROR\] ValidationError: bad input/);
    });

    it('a refused answer (over the size limit) fails the invocation, is logged, and the runtime goes on', async () => {
      const p = await start('py_size.handler', 1024);
      const o = await p.invoke({ n: 2000 });
      assert.ok(o.kind === 'error');
      assert.equal(o.error.errorType, 'Function.ResponseSizeTooLarge');
      assert.equal(json(await p.invoke({ n: 3 })), 'xxx');
      await p.logged(new RegExp(`^\\[ERROR\\]\\t\\S+Z\\t${o.requestId}\\tRequestEntityTooLarge: `, 'm'));
    });

    for (const [handler, errorType, message] of [
      ['py_syntax.handler', 'Runtime.UserCodeSyntaxError', /Syntax error in module 'py_syntax'/],
      ['py_missing.handler', 'Runtime.ImportModuleError', /Unable to import module 'py_missing'/],
      ['py_counter.nope', 'Runtime.HandlerNotFound', /Handler 'nope' missing on module 'py_counter'/],
      ['nodot', 'Runtime.MalformedHandlerName', /Bad handler 'nodot'/],
    ] as const) {
      it(`reports ${handler} as an init error, ${errorType}`, async () => {
        const p = await start(handler);
        const init = await p.api.ready;
        assert.ok(init.kind === 'error');
        assert.equal(init.error.errorType, errorType);
        assert.match(JSON.parse(init.error.payload.toString()).errorMessage, message);
        assert.equal(await p.exited, 1);
      });
    }

    if (exchange === 'frames')
      it('offers the Runtime API at AWS_LAMBDA_RUNTIME_API beside the frames exchange', async () => {
        const p = await start('py_rapi.handler');
        assert.deepEqual(json(await p.invoke({})), { status: 404, errorType: 'NotFound', socketVar: null });
      });
  });
