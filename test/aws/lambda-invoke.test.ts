/**
 * Lambda's Invoke through the real AWS SDK against a started Hangar (embedded: SQLite, disk,
 * the sandbox): handlers written for AWS run unchanged on warm sandboxed instances. Skipped,
 * with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  type LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { accountIdOf } from '../../src/aws/index.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { lambdaClient, NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = NO_SANDBOX;
let p: TestPlatform;
let alice: LambdaClient;
let bob: LambdaClient;

const client = (k: { keyId: string; key: string }) => lambdaClient(p.url!, k);

/** Handlers as written for AWS Lambda. */
const CODE = makeZip({
  'index.js': `let count = 0;
exports.handler = async (event, context) => {
  count++;
  console.log('count is', count);
  return { count, echo: event, awsRequestId: context.awsRequestId, functionName: context.functionName,
    functionVersion: context.functionVersion, memoryLimitInMB: context.memoryLimitInMB,
    invokedFunctionArn: context.invokedFunctionArn, remaining: context.getRemainingTimeInMillis(),
    clientContext: context.clientContext };
};`,
  'callback.js': `exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { via: 'callback', n: event.n * 2 }), 5); };`,
  'throws.js': `class ValidationError extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } }
exports.handler = async () => { throw new ValidationError('bad input'); };`,
  'env.js': `exports.handler = async () => ({ token: process.env.TOKEN ?? null, stage: process.env.STAGE ?? null });`,
  'slow.js': `exports.handler = async () => { console.log('going to sleep'); await new Promise((r) => setTimeout(r, 5000)); return 'woke'; };`,
  'app.py': `count = 0
def handler(event, context):
    global count
    count += 1
    print("python count", count)
    return {"count": count, "echo": event, "requestId": context.aws_request_id, "memory": context.memory_limit_in_mb}
`,
});

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('utf8');
const json = (r: InvokeCommandOutput) => JSON.parse(text(r.Payload));
const log = (r: InvokeCommandOutput) => Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
const invoke = (c: LambdaClient, name: string, payload: unknown = {}, over: Record<string, unknown> = {}) =>
  c.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), ...over }));

async function refused(run: Promise<unknown>): Promise<{ name: string; status: number; message: string; body: Record<string, unknown> }> {
  try {
    await run;
  } catch (err) {
    const e = err as Error & { $metadata: { httpStatusCode: number }; $response?: unknown } & Record<string, unknown>;
    return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message, body: e };
  }
  assert.fail('the call was not refused');
}

const create = (c: LambdaClient, name: string, handler: string, over: Record<string, unknown> = {}) =>
  c.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: handler,
      Code: { ZipFile: CODE },
      MemorySize: 512,
      ...over,
    }),
  );

before(async () => {
  p = await testPlatform();
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  alice = client(await key('alice'));
  bob = client(await key('bob'));
});
after(() => p?.close());

describe('Lambda Invoke through the AWS SDK', { skip }, () => {
  it('runs an async handler warm: context fields, module state, START/END/REPORT with Init Duration on the cold start only', async () => {
    await create(alice, 'counter', 'index.handler');
    const t0 = performance.now();
    const cold = await invoke(alice, 'counter', { hello: 'world' }, { LogType: 'Tail' });
    const coldMs = performance.now() - t0;
    assert.equal(cold.StatusCode, 200);
    assert.equal(cold.FunctionError, undefined);
    assert.equal(cold.ExecutedVersion, '$LATEST');
    const body = json(cold);
    assert.equal(body.count, 1);
    assert.deepEqual(body.echo, { hello: 'world' });
    assert.equal(body.functionName, 'counter');
    assert.equal(body.functionVersion, '$LATEST');
    assert.equal(body.memoryLimitInMB, '512');
    assert.equal(body.invokedFunctionArn, `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:counter`);
    assert.ok(body.remaining > 0 && body.remaining <= 3000, `remaining ${body.remaining}`);
    const coldLog = log(cold);
    const id = body.awsRequestId;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.ok(coldLog.startsWith(`START RequestId: ${id} Version: $LATEST\n`), coldLog);
    assert.match(coldLog, /count is 1/);
    assert.match(coldLog, new RegExp(`\nEND RequestId: ${id}\n`));
    const report = new RegExp(
      `REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 512 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d\\d ms\\n$`,
    );
    assert.match(coldLog, report);

    const warms: number[] = [];
    let warm!: InvokeCommandOutput;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      warm = await invoke(alice, 'counter', { i }, { LogType: 'Tail' });
      warms.push(performance.now() - t);
    }
    assert.equal(json(warm).count, 6, 'module state kept while warm');
    const warmLog = log(warm);
    assert.match(
      warmLog,
      /REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 512 MB\tMax Memory Used: \d+ MB\n$/,
    );
    assert.doesNotMatch(warmLog, /Init Duration/);
    warms.sort((a, b) => a - b);
    // Reported, not asserted (timings are the benchmark's, not a test's).
    console.log(
      `# cold invoke round trip ${coldMs.toFixed(1)} ms (${/Init Duration: ([\d.]+) ms/.exec(coldLog)?.[1]} ms init); ` +
        `warm round trips through the Lambda API: ${warms.map((w) => w.toFixed(1)).join(', ')} ms`,
    );
    // Without LogType, no log.
    assert.equal((await invoke(alice, 'counter')).LogResult, undefined);
  });

  it('passes the client context, and qualifies by version and alias', async () => {
    await create(alice, 'quals', 'index.handler', { Publish: true });
    await alice.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'quals', ZipFile: makeZip({ 'index.js': 'exports.handler = async () => "v2";' }) }),
    );
    await alice.send(new PublishVersionCommand({ FunctionName: 'quals' }));
    await alice.send(new CreateAliasCommand({ FunctionName: 'quals', Name: 'prod', FunctionVersion: '1' }));
    const ctx = Buffer.from(JSON.stringify({ custom: { a: 1 } })).toString('base64');
    const v1 = await invoke(alice, 'quals', {}, { Qualifier: 'prod', ClientContext: ctx });
    assert.equal(v1.ExecutedVersion, '1');
    const b = json(v1);
    assert.equal(b.invokedFunctionArn, `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:quals:prod`);
    assert.equal(b.functionVersion, '1');
    assert.deepEqual(b.clientContext?.custom ?? b.clientContext?.Custom, { a: 1 });
    const v2 = await invoke(alice, 'quals:2');
    assert.equal(v2.ExecutedVersion, '2');
    assert.equal(text(v2.Payload), '"v2"');
    assert.equal(text((await invoke(alice, 'quals')).Payload), '"v2"', '$LATEST');
  });

  it('keeps Environment.Variables sealed in the database, shows them to their owner and gives them to the handler', async () => {
    const TOKEN = 'tok-4f1e9b7c2a-not-in-the-db';
    const vars = { TOKEN, STAGE: 'prod' };
    await create(alice, 'envy', 'env.handler', { Environment: { Variables: { TOKEN } } });
    const updated = await alice.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'envy', Environment: { Variables: vars } }));
    assert.deepEqual(updated.Environment, { Variables: vars });
    assert.deepEqual((await alice.send(new GetFunctionConfigurationCommand({ FunctionName: 'envy' }))).Environment, { Variables: vars });
    assert.deepEqual((await alice.send(new GetFunctionCommand({ FunctionName: 'envy' }))).Configuration?.Environment, { Variables: vars });
    const v = await alice.send(new PublishVersionCommand({ FunctionName: 'envy' }));
    assert.deepEqual(v.Environment, { Variables: vars });
    const got = await alice.send(new GetFunctionConfigurationCommand({ FunctionName: 'envy', Qualifier: v.Version }));
    assert.deepEqual(got.Environment, { Variables: vars });

    for (const qualifier of [undefined, v.Version, undefined])
      assert.deepEqual(json(await invoke(alice, 'envy', {}, { Qualifier: qualifier })), { token: TOKEN, stage: 'prod' });

    // The rows themselves, $LATEST's and version 1's, read with SQL.
    const db = new DatabaseSync(join(p.dir, 'hangar.db'), { readOnly: true });
    try {
      const rows = db
        .prepare(
          `SELECT environment FROM functions WHERE name = 'envy' UNION ALL SELECT environment FROM function_versions WHERE function_name = 'envy'`,
        )
        .all() as { environment: string }[];
      assert.equal(rows.length, 2);
      for (const r of rows) for (const needle of [TOKEN, 'STAGE']) assert.ok(!r.environment.includes(needle), r.environment);
    } finally {
      db.close();
    }
  });

  it('runs a callback-style handler', async () => {
    await create(alice, 'cb', 'callback.handler');
    const r = await invoke(alice, 'cb', { n: 21 });
    assert.deepEqual(json(r), { via: 'callback', n: 42 });
    // Invoke is data, not a change: no audit entry (CreateFunction is one).
    const actions = ((await p.inject({ method: 'GET', url: '/audit?actor=alice&limit=500' })).json().entries as { action: string }[]).map(
      (e) => e.action,
    );
    assert.ok(actions.includes('lambda:CreateFunction') && !actions.includes('lambda:Invoke'), actions.join(', '));
  });

  it('answers a thrown error as Lambda: 200, FunctionError Unhandled, {errorType, errorMessage, trace}', async () => {
    await create(alice, 'thrower', 'throws.handler');
    const r = await invoke(alice, 'thrower');
    assert.equal(r.StatusCode, 200);
    assert.equal(r.FunctionError, 'Unhandled');
    const e = json(r);
    assert.equal(e.errorType, 'ValidationError');
    assert.equal(e.errorMessage, 'bad input');
    assert.ok(Array.isArray(e.trace) && e.trace[0].startsWith('ValidationError: bad input'), JSON.stringify(e));
  });

  it('answers a timeout as Lambda, and the next invocation is a cold start', async () => {
    await create(alice, 'sleeper', 'slow.handler', { Timeout: 1 });
    const r = await invoke(alice, 'sleeper', {}, { LogType: 'Tail' });
    assert.equal(r.StatusCode, 200);
    assert.equal(r.FunctionError, 'Unhandled');
    const e = json(r);
    assert.equal(e.errorType, 'Sandbox.Timedout');
    assert.match(e.errorMessage, /Task timed out after 1\.00 seconds/);
    const l = log(r);
    assert.match(l, /going to sleep/);
    assert.match(l, /Task timed out after 1\.00 seconds\nEND RequestId/);
    const again = await invoke(alice, 'sleeper', {}, { LogType: 'Tail' });
    assert.match(log(again), /Init Duration/, 'a timed-out instance is not reused');
  });

  it('DryRun answers 204 and runs nothing; Event answers 202 (lambda-async.test.ts follows it); another type is refused', async () => {
    await create(alice, 'dry', 'index.handler');
    const dry = await invoke(alice, 'dry', {}, { InvocationType: 'DryRun' });
    assert.equal(dry.StatusCode, 204);
    assert.equal(json(await invoke(alice, 'dry')).count, 1, 'the dry run did not run the handler');
    const ev = await invoke(alice, 'dry', {}, { InvocationType: 'Event' });
    assert.equal(ev.StatusCode, 202);
    const other = await refused(invoke(alice, 'dry', {}, { InvocationType: 'Later' as 'Event' }));
    assert.equal(other.name, 'InvalidParameterValueException');
    assert.equal(other.status, 400);
  });

  it('refuses bad payloads: not JSON, over 6 MB', async () => {
    await create(alice, 'payloads', 'index.handler');
    const bad = await refused(alice.send(new InvokeCommand({ FunctionName: 'payloads', Payload: Buffer.from('{nope') })));
    assert.equal(bad.name, 'InvalidRequestContentException');
    assert.equal(bad.status, 400);
    const big = await refused(
      alice.send(new InvokeCommand({ FunctionName: 'payloads', Payload: Buffer.from(`"${'x'.repeat(6 * 1024 * 1024)}"`) })),
    );
    assert.equal(big.name, 'RequestTooLargeException');
    assert.equal(big.status, 413);
  });

  it('throttles over reserved concurrency (0: every invocation) with TooManyRequestsException 429', async () => {
    await create(alice, 'reserved', 'index.handler');
    await alice.send(new PutFunctionConcurrencyCommand({ FunctionName: 'reserved', ReservedConcurrentExecutions: 0 }));
    const r = await refused(invoke(alice, 'reserved'));
    assert.equal(r.name, 'TooManyRequestsException');
    assert.equal(r.status, 429);
    assert.equal(r.body.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    // Reserved 1: one at a time; a second while the first runs is throttled.
    await create(alice, 'one', 'slow.handler', { Timeout: 2 });
    await alice.send(new PutFunctionConcurrencyCommand({ FunctionName: 'one', ReservedConcurrentExecutions: 1 }));
    const first = invoke(alice, 'one');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await refused(invoke(alice, 'one'));
    assert.equal(second.name, 'TooManyRequestsException');
    assert.equal((await first).FunctionError, 'Unhandled', 'the first ran (and timed out)');
  });

  it("refuses another user's function, by name and by ARN, as ResourceNotFoundException", async () => {
    await create(alice, 'private', 'index.handler');
    const byName = await refused(invoke(bob, 'private'));
    assert.equal(byName.name, 'ResourceNotFoundException');
    assert.equal(byName.status, 404);
    const arn = `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:private`;
    assert.equal((await refused(invoke(bob, arn))).name, 'ResourceNotFoundException');
  });

  it('runs a Python handler, warm', async () => {
    await create(alice, 'py', 'app.handler', { Runtime: 'python3.12' });
    const a = json(await invoke(alice, 'py', { x: 1 }));
    assert.equal(a.count, 1);
    assert.deepEqual(a.echo, { x: 1 });
    assert.equal(Number(a.memory), 512);
    assert.match(a.requestId, /^[0-9a-f-]{36}$/);
    const b = await invoke(alice, 'py', {}, { LogType: 'Tail' });
    assert.equal(json(b).count, 2);
    assert.match(log(b), /python count 2/);
  });
});
