/**
 * Asynchronous (Event) invocation through the real AWS SDK against a started Hangar: 202 once
 * stored, then a worker runs it with Lambda's retries, maximum event age and destinations, and
 * a failure with no destination lands in the dead-letter queue. What ran is observed through
 * the native API: each event is a task of the reserved queue hangar.functions, whose result is
 * the function's response, and a destination function's result here is the record it got.
 * Embedded by default; lambda-async.scale-out.test.ts runs it on PostgreSQL + S3.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionEventInvokeConfigsCommand,
  paginateListFunctionEventInvokeConfigs,
  PutFunctionConcurrencyCommand,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import pg from 'pg';
import { accountIdOf } from '../../src/aws/index.ts';
import { TEST_DATABASE_URL, withClient } from '../helpers/postgres.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { makeZip } from '../helpers/zip.ts';

const REGION = 'us-east-1';
const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
const QUEUE = 'hangar.functions';

const CODE = makeZip({
  'ok.js': `exports.handler = async (event, context) => { console.log('got', JSON.stringify(event)); return { ok: true, got: event, requestId: context.awsRequestId }; };`,
  'fail.js': `exports.handler = async (event) => { throw new Error('boom ' + event.n); };`,
  // A destination: its result is the invocation record it received.
  'sink.js': `exports.handler = async (record) => record;`,
  // Its record does not double at each hop (a sink's does: it returns what it got).
  'small.js': `exports.handler = async () => 'ok';`,
  'env.js': `exports.handler = async () => ({ token: process.env.TOKEN ?? null });`,
  // When it ran: [start, end], ms since the epoch.
  'hold.js': `exports.handler = async (e) => { const start = Date.now(); await new Promise((r) => setTimeout(r, e.ms)); return [start, Date.now()]; };`,
});

interface Key {
  keyId: string;
  key: string;
}
interface TaskView {
  taskId: string;
  status: string;
  metadata: { function?: { name: string; requestId: string } };
  summary: { event?: { invokeCount: number; throttles: number; final: boolean } } | null;
  deadLettered: boolean;
  error: { code: string; message: string } | null;
  detailedResults?: { success: boolean; result?: Record<string, unknown>; metadata?: Record<string, unknown> } | null;
}

const FINAL = ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'];

/** A platform with two users, each an SDK client and a native API key. */
class World {
  p!: TestPlatform;
  alice!: LambdaClient;
  aliceKey!: Key;
  bob!: LambdaClient;

  async start(env: Record<string, string> = {}): Promise<void> {
    this.p = await testPlatform(env);
    const key = async (userId: string): Promise<Key> => (await this.p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
    const client = (k: Key) =>
      new LambdaClient({
        endpoint: this.p.url!,
        region: REGION,
        credentials: { accessKeyId: k.keyId, secretAccessKey: k.key },
        maxAttempts: 1,
      });
    this.aliceKey = await key('alice');
    this.alice = client(this.aliceKey);
    this.bob = client(await key('bob'));
  }

  create(name: string, handler: string, over: Record<string, unknown> = {}) {
    return this.alice.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: 'arn:aws:iam::123456789012:role/ignored',
        Handler: handler,
        Code: { ZipFile: CODE },
        ...over,
      }),
    );
  }

  /** A function that throws, with `retries` retries and the sink function `sink` as its
   *  OnFailure destination. */
  async failingInto(name: string, sink: string, retries: number): Promise<void> {
    await this.create(name, 'fail.handler');
    await this.create(sink, 'sink.handler');
    await this.alice.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: name,
        MaximumRetryAttempts: retries,
        DestinationConfig: { OnFailure: { Destination: this.arn(sink) } },
      }),
    );
  }

  /** The record an OnFailure destination got from failingInto's function, run `runs` times
   *  on the event {n}. */
  isFailureRecord(record: Record<string, any>, e: { fn: string; requestId: string; runs: number; n: number }): void {
    assert.deepEqual(record.requestContext, {
      requestId: e.requestId,
      functionArn: `${this.arn(e.fn)}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: e.runs,
    });
    assert.deepEqual(record.requestPayload, { n: e.n });
    assert.deepEqual(record.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    assert.equal(record.responsePayload.errorMessage, `boom ${e.n}`);
  }

  async event(name: string, payload: unknown, c: LambdaClient = this.alice): Promise<string> {
    const r = await c.send(
      new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }),
    );
    assert.equal(r.StatusCode, 202);
    assert.equal(r.Payload?.length ?? 0, 0);
    assert.match(r.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
    return r.$metadata.requestId!;
  }

  /** Alice's event tasks, newest first. */
  async tasks(): Promise<TaskView[]> {
    const r = await this.p.inject({ method: 'GET', url: `/tasks?queue=${QUEUE}&limit=500`, auth: this.aliceKey.key });
    assert.equal(r.statusCode, 200, r.body);
    return r.json().tasks;
  }

  /** The task of a function's event once it is final: by request id, or the first for `fn`. */
  async settled(match: { requestId?: string; fn?: string }): Promise<TaskView> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = (await this.tasks()).find((t) =>
        match.requestId ? t.metadata.function?.requestId === match.requestId : t.metadata.function?.name === match.fn,
      );
      if (found && FINAL.includes(found.status)) {
        const full = await this.p.inject({ method: 'GET', url: `/tasks/${found.taskId}`, auth: this.aliceKey.key });
        return full.json();
      }
      if (Date.now() > deadline) assert.fail(`no final event task for ${JSON.stringify(match)}: ${JSON.stringify(found)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  arn(name: string): string {
    return `arn:aws:lambda:${REGION}:${accountIdOf('alice')}:function:${name}`;
  }

  close(): Promise<void> {
    return this.p?.close();
  }
}

/**
 * A real fault of the platform's own database, until cleared: inserting the task of an event
 * for `fn` fails there. A trigger in its database (SQLite's file, or its PostgreSQL schema),
 * raising as a database briefly unavailable would (PostgreSQL's 57P03, "cannot connect now");
 * every other write goes through.
 */
async function failInserts(p: TestPlatform, fn: string): Promise<{ clear(): Promise<void> }> {
  if (p.config.databaseUrl) {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    const schema = p.config.databaseSchema;
    await client.query(`CREATE FUNCTION ${schema}.test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.queue = 'hangar.functions' AND NEW.metadata->'function'->>'name' = '${fn}' THEN
          RAISE EXCEPTION 'the database is starting up (a test fault)' USING ERRCODE = '57P03';
        END IF;
        RETURN NEW;
      END $$`);
    await client.query(`CREATE TRIGGER test_fault BEFORE INSERT ON ${schema}.tasks FOR EACH ROW EXECUTE FUNCTION ${schema}.test_fault()`);
    return {
      async clear() {
        await client.query(`DROP TRIGGER test_fault ON ${schema}.tasks; DROP FUNCTION ${schema}.test_fault()`);
        await client.end();
      },
    };
  }
  const db = new DatabaseSync(join(p.dir, 'hangar.db'), { timeout: 10_000 });
  db.exec(`CREATE TRIGGER test_fault BEFORE INSERT ON tasks
    WHEN NEW.queue = 'hangar.functions' AND json_extract(NEW.metadata, '$.function.name') = '${fn}'
    BEGIN SELECT RAISE(ABORT, 'disk I/O error (a test fault)'); END`);
  return {
    async clear() {
      db.exec('DROP TRIGGER test_fault');
      db.close();
    },
  };
}

/** The environment column of a function's rows ($LATEST's and its versions'), read with SQL
 *  from the platform's own database. */
async function rawEnvironments(p: TestPlatform, fn: string): Promise<string[]> {
  if (p.config.databaseUrl) {
    const schema = p.config.databaseSchema;
    const sql = `SELECT environment::text AS e FROM ${schema}.functions WHERE name = $1
      UNION ALL SELECT environment::text FROM ${schema}.function_versions WHERE function_name = $1`;
    return withClient(async (client) => (await client.query(sql, [fn])).rows.map((r) => String(r.e)));
  }
  const db = new DatabaseSync(join(p.dir, 'hangar.db'), { readOnly: true });
  try {
    const sql = `SELECT environment AS e FROM functions WHERE name = ?1
      UNION ALL SELECT environment FROM function_versions WHERE function_name = ?1`;
    return (db.prepare(sql).all(fn) as { e: string }[]).map((r) => r.e);
  } finally {
    db.close();
  }
}

/** The World of one describe's tests: started before them, closed after them. */
function world(env: Record<string, string> = {}): World {
  const w = new World();
  before(() => w.start(env));
  after(() => w.close());
  return w;
}

async function refused(run: Promise<unknown>): Promise<{ name: string; status: number; message: string }> {
  try {
    await run;
  } catch (err) {
    const e = err as Error & { $metadata: { httpStatusCode: number } };
    return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
  }
  assert.fail('the call was not refused');
}

describe('Lambda Event invocations through the AWS SDK', { skip }, () => {
  const w = world();

  it('answers 202 once stored; a worker runs the function; its log and response are the task', async () => {
    await w.create('hello', 'ok.handler');
    const requestId = await w.event('hello', { n: 1 });
    const t = await w.settled({ requestId });
    assert.equal(t.status, 'SUCCESS');
    assert.deepEqual(t.detailedResults?.result, { ok: true, got: { n: 1 }, requestId });
    assert.equal(t.summary?.event?.invokeCount, 1);
    const logs = await w.p.inject({ method: 'GET', url: `/tasks/${t.taskId}/logs?stream=stdout`, auth: w.aliceKey.key });
    assert.match(logs.body, new RegExp(`^START RequestId: ${requestId} Version: \\$LATEST\\n`));
    assert.match(logs.body, /got \{"n":1\}/);
    assert.match(logs.body, new RegExp(`REPORT RequestId: ${requestId}\\t`));
    // Recorded as every invocation is (GET /functions/{name}/invocations), as an Event.
    const recorded = async () =>
      (await w.p.inject({ method: 'GET', url: `/functions/hello/invocations?requestId=${requestId}`, auth: w.aliceKey.key })).json()
        .invocations as { invocationType: string; status: string }[];
    for (let waited = 0; (await recorded()).length === 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      (await recorded()).map((i) => [i.invocationType, i.status]),
      [['Event', 'success']],
    );
    // Nobody else sees it: bob lists none of alice's events, and cannot read the task.
    const bobKey = (await w.p.inject({ method: 'POST', url: '/keys', payload: { userId: 'bob' } })).json();
    const theirs = await w.p.inject({ method: 'GET', url: `/tasks?queue=${QUEUE}`, auth: bobKey.key });
    assert.deepEqual(theirs.json().tasks, []);
    assert.equal((await w.p.inject({ method: 'GET', url: `/tasks/${t.taskId}`, auth: bobKey.key })).statusCode, 404);
  });

  it("a worker runs an event with the function's variables, which its database keeps sealed", async () => {
    const TOKEN = 'tok-7d0c3e91-sealed-at-rest';
    await w.create('envy', 'env.handler', { Environment: { Variables: { TOKEN } } });
    await w.alice.send(new PublishVersionCommand({ FunctionName: 'envy' }));
    const t = await w.settled({ requestId: await w.event('envy', {}) });
    assert.equal(t.status, 'SUCCESS');
    assert.deepEqual(t.detailedResults?.result, { token: TOKEN });
    const rows = await rawEnvironments(w.p, 'envy');
    assert.equal(rows.length, 2);
    for (const r of rows) for (const needle of [TOKEN, 'TOKEN']) assert.ok(!r.includes(needle), r);
  });

  it('the native API takes type=Event too (202, the task named); users cannot submit to the reserved queue', async () => {
    const r = await w.p.inject({
      method: 'POST',
      url: '/functions/hello/invoke?type=Event',
      auth: w.aliceKey.key,
      payload: { n: 2 },
    });
    assert.equal(r.statusCode, 202, r.body);
    assert.equal(r.body, '');
    const taskId = r.headers['x-hangar-task-id'];
    const t = await w.settled({ requestId: String(r.headers['x-hangar-request-id']) });
    assert.equal(t.taskId, taskId);
    assert.equal(t.status, 'SUCCESS');
    const submit = await w.p.inject({ method: 'POST', url: '/tasks', auth: w.aliceKey.key, payload: { command: 'echo', queue: QUEUE } });
    assert.equal(submit.statusCode, 400, submit.body);
    assert.match(submit.json().detail, /reserved/);
  });

  it('retries a throwing handler MaximumRetryAttempts times, then sends the record to OnFailure (not a dead letter)', async () => {
    await w.failingInto('flaky', 'on-failure', 1);
    const requestId = await w.event('flaky', { n: 7 });
    const t = await w.settled({ requestId });
    assert.equal(t.status, 'FAILED');
    assert.equal(t.deadLettered, false);
    assert.equal(t.summary?.event?.invokeCount, 2);
    assert.equal(t.error?.code, 'FUNCTION_ERROR');
    const history = (await w.p.inject({ method: 'GET', url: `/tasks/${t.taskId}/history`, auth: w.aliceKey.key })).json();
    const runs = (history.history ?? history).filter((h: { status: string }) => h.status === 'RUNNING');
    assert.equal(runs.length, 2);
    const sink = await w.settled({ fn: 'on-failure' });
    assert.equal(sink.status, 'SUCCESS');
    const record = sink.detailedResults?.result as Record<string, any>;
    assert.equal(record.version, '1.0');
    assert.ok(!Number.isNaN(Date.parse(record.timestamp)));
    w.isFailureRecord(record, { fn: 'flaky', requestId, runs: 2, n: 7 });
    assert.equal(record.responsePayload.errorType, 'Error');
  });

  it('a destination the store cannot take the record for now gets it once the store can: tried again, not a dead letter', async () => {
    await w.failingInto('shaky', 'late-sink', 0);
    const fault = await failInserts(w.p, 'late-sink');
    let requestId: string;
    try {
      requestId = await w.event('shaky', { n: 11 });
      // Its function ran and failed; its record could not be stored: the task waits to deliver.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const t = (await w.tasks()).find((x) => x.metadata.function?.requestId === requestId);
        const event = t?.summary?.event as { delivery?: { tries: number; condition: string } } | undefined;
        if (event?.delivery) {
          assert.equal(event.delivery.condition, 'RetriesExhausted');
          assert.equal(t?.deadLettered, false);
          assert.equal(FINAL.includes(String(t?.status)), false, String(t?.status));
          break;
        }
        if (t && FINAL.includes(t.status)) assert.fail(`ended before its record was delivered: ${JSON.stringify(t)}`);
        if (Date.now() > deadline) assert.fail(`no delivery tried again: ${JSON.stringify(t)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal((await w.tasks()).filter((t) => t.metadata.function?.name === 'late-sink').length, 0);
    } finally {
      await fault.clear();
    }
    const t = await w.settled({ requestId });
    assert.equal(t.status, 'FAILED');
    assert.equal(t.deadLettered, false, JSON.stringify(t.error));
    assert.equal(t.error?.code, 'FUNCTION_ERROR');
    // The function ran once; the attempts after it only delivered.
    assert.equal(t.summary?.event?.invokeCount, 1);
    const history = (await w.p.inject({ method: 'GET', url: `/tasks/${t.taskId}/history`, auth: w.aliceKey.key })).json();
    const reasons = (history.history as { reason: string | null }[]).map((h) => String(h.reason));
    assert.ok(
      reasons.some((r) => r.includes('DESTINATION_UNAVAILABLE')),
      JSON.stringify(reasons),
    );
    const record = (await w.settled({ fn: 'late-sink' })).detailedResults?.result as Record<string, any>;
    w.isFailureRecord(record, { fn: 'shaky', requestId, runs: 1, n: 11 });
  });

  it('a destination that does not exist is a permanent failure: a dead letter at once', async () => {
    await w.failingInto('orphan', 'doomed-sink', 0);
    await w.alice.send(new DeleteFunctionCommand({ FunctionName: 'doomed-sink' }));
    const requestId = await w.event('orphan', { n: 12 });
    const t = await w.settled({ requestId });
    assert.equal(t.status, 'FAILED');
    assert.equal(t.deadLettered, true);
    assert.match(t.error?.message ?? '', /destination .*doomed-sink could not take the record/);
    assert.equal(t.summary?.event?.invokeCount, 1);
    const history = (await w.p.inject({ method: 'GET', url: `/tasks/${t.taskId}/history`, auth: w.aliceKey.key })).json();
    assert.equal((history.history as { status: string }[]).filter((h) => h.status === 'RUNNING').length, 1);
  });

  it('sends a success to OnSuccess with the response', async () => {
    await w.create('ok2', 'ok.handler');
    await w.create('on-success', 'sink.handler');
    await w.alice.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'ok2',
        DestinationConfig: { OnSuccess: { Destination: w.arn('on-success') } },
      }),
    );
    const requestId = await w.event('ok2', { n: 3 });
    assert.equal((await w.settled({ requestId })).status, 'SUCCESS');
    const record = (await w.settled({ fn: 'on-success' })).detailedResults?.result as Record<string, any>;
    assert.equal(record.requestContext.condition, 'Success');
    assert.equal(record.requestContext.approximateInvokeCount, 1);
    assert.deepEqual(record.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
    assert.deepEqual(record.responsePayload, { ok: true, got: { n: 3 }, requestId });
  });

  it('a function that is its own OnSuccess destination stops after 16 hops, as Lambda stops recursive loops', async () => {
    await w.create('loop', 'small.handler');
    await w.alice.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'loop', DestinationConfig: { OnSuccess: { Destination: w.arn('loop') } } }),
    );
    await w.event('loop', { n: 0 });
    const deadline = Date.now() + 90_000;
    let last: TaskView | undefined;
    for (;;) {
      const loops = (await w.tasks()).filter((t) => t.metadata.function?.name === 'loop');
      last = loops.find((t) => t.status === 'SUCCESS' && (t.metadata.function as { hops?: number }).hops === 16);
      if (last) break;
      if (Date.now() > deadline) assert.fail(`no 16th hop: ${loops.length} events`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const full = (await w.p.inject({ method: 'GET', url: `/tasks/${last.taskId}`, auth: w.aliceKey.key })).json() as TaskView;
    assert.match(String(full.detailedResults?.metadata?.destinationError), /loop of destinations/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await w.tasks()).filter((t) => t.metadata.function?.name === 'loop').length, 17);
  });

  it('MaximumRetryAttempts 0 and no destination: one run, then the dead-letter queue, from which it can be redriven', async () => {
    await w.create('once', 'fail.handler');
    await w.alice.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'once', MaximumRetryAttempts: 0 }));
    const requestId = await w.event('once', { n: 0 });
    const t = await w.settled({ requestId });
    assert.equal(t.status, 'FAILED');
    assert.equal(t.deadLettered, true);
    assert.equal(t.summary?.event?.invokeCount, 1);
    const dlq = (await w.p.inject({ method: 'GET', url: '/dlq', auth: w.aliceKey.key })).json();
    assert.ok(dlq.tasks.some((d: TaskView) => d.taskId === t.taskId));
    const redrive = await w.p.inject({ method: 'POST', url: `/dlq/${t.taskId}/redrive`, auth: w.aliceKey.key });
    assert.equal(redrive.statusCode, 200, redrive.body);
    // Run again, afresh (a new life: one run), and dead-lettered again.
    const deadline = Date.now() + 60_000;
    let again: TaskView;
    do {
      await new Promise((r) => setTimeout(r, 100));
      again = (await w.p.inject({ method: 'GET', url: `/tasks/${t.taskId}`, auth: w.aliceKey.key })).json();
    } while (!(again.status === 'FAILED' && again.deadLettered) && Date.now() < deadline);
    assert.equal(again.status, 'FAILED');
    assert.equal(again.summary?.event?.invokeCount, 1);
  });

  it('a throttled event waits, uncounted, and runs once there is room', async () => {
    await w.create('narrow', 'ok.handler');
    await w.alice.send(new PutFunctionConcurrencyCommand({ FunctionName: 'narrow', ReservedConcurrentExecutions: 0 }));
    const requestId = await w.event('narrow', { n: 4 });
    // It waits (attempts that found no room), never run, never dropped.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const t = (await w.tasks()).find((x) => x.metadata.function?.requestId === requestId);
      if (t && (t.summary?.event?.throttles ?? 0) >= 2) {
        assert.equal(t.status === 'PENDING' || t.status === 'RUNNING', true, t.status);
        assert.equal(t.summary?.event?.invokeCount, 0);
        break;
      }
      if (Date.now() > deadline) assert.fail(`not throttled: ${JSON.stringify(t)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await w.alice.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'narrow' }));
    const t = await w.settled({ requestId });
    assert.equal(t.status, 'SUCCESS');
    assert.equal(t.summary?.event?.invokeCount, 1);
    assert.ok((t.summary?.event?.throttles ?? 0) >= 2);
  });

  it('an event and a synchronous invocation share the reserved concurrency: never two at once', async () => {
    await w.create('one-at-a-time', 'hold.handler', { Timeout: 30 });
    await w.alice.send(new PutFunctionConcurrencyCommand({ FunctionName: 'one-at-a-time', ReservedConcurrentExecutions: 1 }));
    const requestId = await w.event('one-at-a-time', { ms: 2000 });
    for (const deadline = Date.now() + 30_000; ; ) {
      const t = (await w.tasks()).find((x) => x.metadata.function?.requestId === requestId);
      if (t?.status === 'RUNNING') break;
      if (Date.now() > deadline) assert.fail(`the event never ran: ${JSON.stringify(t)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    // While the event holds the one slot (or, had this taken it first, the event waits).
    const ran: number[][] = [];
    let refused = false;
    try {
      const r = await w.alice.send(new InvokeCommand({ FunctionName: 'one-at-a-time', Payload: Buffer.from('{"ms":0}') }));
      ran.push(JSON.parse(Buffer.from(r.Payload!).toString()));
    } catch (err) {
      assert.equal((err as Error).name, 'TooManyRequestsException', String(err));
      refused = true;
    }
    const t = await w.settled({ requestId });
    assert.equal(t.status, 'SUCCESS');
    ran.push(t.detailedResults?.result as unknown as number[]);
    assert.ok(refused || (t.summary?.event?.throttles ?? 0) > 0, 'one of them waited for the other');
    if (ran.length === 2) {
      const [a, b] = ran.sort((x, y) => x[0] - y[0]);
      assert.ok(b[0] >= a[1], `ran together: ${JSON.stringify(ran)}`);
    }
  });

  it('EventInvokeConfig: Put, Get, Update, List, Delete, per qualifier', async () => {
    await w.create('cfg', 'ok.handler');
    const put = await w.alice.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'cfg',
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: w.arn('on-failure') } },
      }),
    );
    assert.equal(put.FunctionArn, `${w.arn('cfg')}:$LATEST`);
    assert.equal(put.MaximumRetryAttempts, 1);
    assert.equal(put.MaximumEventAgeInSeconds, 3600);
    assert.equal(put.DestinationConfig?.OnFailure?.Destination, w.arn('on-failure'));
    assert.ok(put.LastModified instanceof Date);
    const updated = await w.alice.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumRetryAttempts: 0 }));
    assert.equal(updated.MaximumRetryAttempts, 0);
    assert.equal(updated.MaximumEventAgeInSeconds, 3600);
    const got = await w.alice.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: w.arn('cfg') }));
    assert.equal(got.MaximumRetryAttempts, 0);
    assert.equal(got.DestinationConfig?.OnFailure?.Destination, w.arn('on-failure'));
    // A Put replaces the whole configuration.
    const replaced = await w.alice.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumEventAgeInSeconds: 60 }));
    assert.equal(replaced.MaximumRetryAttempts, undefined);
    assert.equal(replaced.DestinationConfig?.OnFailure?.Destination, undefined);
    const list = await w.alice.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg' }));
    assert.deepEqual(
      list.FunctionEventInvokeConfigs?.map((c) => [c.FunctionArn, c.MaximumEventAgeInSeconds]),
      [[`${w.arn('cfg')}:$LATEST`, 60]],
    );
    await w.alice.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'cfg' }));
    const gone = await refused(w.alice.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cfg' })));
    assert.deepEqual([gone.name, gone.status], ['ResourceNotFoundException', 404]);
    const none = await refused(w.alice.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumRetryAttempts: 1 })));
    assert.deepEqual([none.name, none.status], ['ResourceNotFoundException', 404]);
    const noVersion = await refused(
      w.alice.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', Qualifier: '7', MaximumRetryAttempts: 1 })),
    );
    assert.deepEqual([noVersion.name, noVersion.status], ['ResourceNotFoundException', 404]);
  });

  it('ListFunctionEventInvokeConfigs pages with Marker and MaxItems (1 to 50); the native list with cursor and limit', async () => {
    await w.create('paged', 'ok.handler');
    const qualifiers = ['$LATEST', 'a1', 'a2', 'a3', 'a4'];
    for (const q of qualifiers) {
      if (q !== '$LATEST') await w.alice.send(new CreateAliasCommand({ FunctionName: 'paged', Name: q, FunctionVersion: '$LATEST' }));
      await w.alice.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'paged', Qualifier: q, MaximumRetryAttempts: 1 }));
    }
    const pages: string[][] = [];
    for await (const page of paginateListFunctionEventInvokeConfigs({ client: w.alice, pageSize: 2 }, { FunctionName: 'paged' }))
      pages.push((page.FunctionEventInvokeConfigs ?? []).map((c) => String(c.FunctionArn).split(':').at(-1) ?? ''));
    assert.deepEqual(pages, [['$LATEST', 'a1'], ['a2', 'a3'], ['a4']]);
    const first = await w.alice.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'paged', MaxItems: 4 }));
    assert.equal(first.FunctionEventInvokeConfigs?.length, 4);
    const last = await w.alice.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'paged', MaxItems: 4, Marker: first.NextMarker }),
    );
    assert.deepEqual([last.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn), last.NextMarker], [[`${w.arn('paged')}:a4`], undefined]);
    const all = await w.alice.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'paged', MaxItems: 50 }));
    assert.deepEqual([all.FunctionEventInvokeConfigs?.length, all.NextMarker], [5, undefined]);
    for (const MaxItems of [0, 51]) {
      const r = await refused(w.alice.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'paged', MaxItems })));
      assert.deepEqual([r.name, r.status], ['InvalidParameterValueException', 400], r.message);
    }
    // The native list: the same keyset, its own names.
    const native = async (query: string) => {
      const r = await w.p.inject({ method: 'GET', url: `/functions/paged/event-configs?${query}`, auth: w.aliceKey.key });
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as { eventConfigs: { qualifier: string; maximumRetryAttempts: number }[]; nextCursor: string | null };
    };
    const p1 = await native('limit=3');
    assert.deepEqual([p1.eventConfigs.map((c) => c.qualifier), p1.nextCursor], [['$LATEST', 'a1', 'a2'], 'a2']);
    const p2 = await native(`limit=3&cursor=${p1.nextCursor}`);
    assert.deepEqual([p2.eventConfigs.map((c) => c.qualifier), p2.nextCursor], [['a3', 'a4'], null]);
    assert.equal(p2.eventConfigs[0].maximumRetryAttempts, 1);
    const tooMany = await w.p.inject({ method: 'GET', url: '/functions/paged/event-configs?limit=0', auth: w.aliceKey.key });
    assert.equal(tooMany.statusCode, 400);
    const missing = await w.p.inject({ method: 'GET', url: '/functions/nope/event-configs', auth: w.aliceKey.key });
    assert.deepEqual([missing.statusCode, missing.json().code], [404, 'FUNCTION_NOT_FOUND']);
  });

  it('DeleteAlias and DeleteFunction of a version take their EventInvokeConfig with them; DeleteFunction takes all', async () => {
    await w.create('gone', 'ok.handler');
    await w.alice.send(new PublishVersionCommand({ FunctionName: 'gone' }));
    await w.alice.send(new CreateAliasCommand({ FunctionName: 'gone', Name: 'live', FunctionVersion: '$LATEST' }));
    for (const Qualifier of ['$LATEST', '1', 'live'])
      await w.alice.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'gone', Qualifier, MaximumRetryAttempts: 0 }));
    const listed = async () =>
      ((await w.alice.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'gone' }))).FunctionEventInvokeConfigs ?? []).map(
        (c) => String(c.FunctionArn).split(':').at(-1),
      );
    assert.deepEqual(await listed(), ['$LATEST', '1', 'live']);
    await w.alice.send(new DeleteAliasCommand({ FunctionName: 'gone', Name: 'live' }));
    assert.deepEqual(await listed(), ['$LATEST', '1']);
    // An alias made again under that name does not inherit the old one's settings.
    await w.alice.send(new CreateAliasCommand({ FunctionName: 'gone', Name: 'live', FunctionVersion: '1' }));
    const fresh = await refused(w.alice.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'gone', Qualifier: 'live' })));
    assert.deepEqual([fresh.name, fresh.status], ['ResourceNotFoundException', 404]);
    await w.alice.send(new DeleteAliasCommand({ FunctionName: 'gone', Name: 'live' }));
    await w.alice.send(new DeleteFunctionCommand({ FunctionName: 'gone', Qualifier: '1' }));
    assert.deepEqual(await listed(), ['$LATEST']);
    await w.alice.send(new DeleteFunctionCommand({ FunctionName: 'gone' }));
    await w.create('gone', 'ok.handler');
    assert.deepEqual(await listed(), []);
  });

  it('the native API sets the same configuration (a destination by name), and refuses bad input as problem+json', async () => {
    const url = '/functions/cfg/event-config';
    const put = await w.p.inject({
      method: 'PUT',
      url,
      auth: w.aliceKey.key,
      payload: { maximumRetryAttempts: 1, onFailure: 'on-failure' },
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(
      { ...(put.json() as object), lastModified: undefined },
      {
        name: 'cfg',
        qualifier: '$LATEST',
        maximumRetryAttempts: 1,
        maximumEventAgeSeconds: null,
        onSuccess: null,
        onFailure: w.arn('on-failure'),
        lastModified: undefined,
      },
    );
    const viaLambda = await w.alice.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cfg' }));
    assert.equal(viaLambda.DestinationConfig?.OnFailure?.Destination, w.arn('on-failure'));
    assert.equal((await w.p.inject({ method: 'GET', url, auth: w.aliceKey.key })).json().maximumRetryAttempts, 1);
    const bad = await w.p.inject({ method: 'PUT', url, auth: w.aliceKey.key, payload: { maximumEventAgeSeconds: 10 } });
    assert.equal(bad.statusCode, 400);
    assert.match(String(bad.headers['content-type']), /^application\/problem\+json/);
    const sqs = await w.p.inject({
      method: 'PUT',
      url,
      auth: w.aliceKey.key,
      payload: { onSuccess: 'arn:aws:sqs:us-east-1:123456789012:q' },
    });
    assert.equal(sqs.statusCode, 400);
    assert.equal((await w.p.inject({ method: 'DELETE', url, auth: w.aliceKey.key })).statusCode, 200);
    const gone = await w.p.inject({ method: 'GET', url, auth: w.aliceKey.key });
    assert.deepEqual([gone.statusCode, gone.json().code], [404, 'FUNCTION_EVENT_CONFIG_NOT_FOUND']);
  });

  it('refuses bad input in the AWS error shape', async () => {
    const bad = async (input: Record<string, unknown>, pattern: RegExp) => {
      const r = await refused(w.alice.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', ...input })));
      assert.deepEqual([r.name, r.status], ['InvalidParameterValueException', 400], r.message);
      assert.match(r.message, pattern);
    };
    await bad({ MaximumRetryAttempts: 3 }, /MaximumRetryAttempts/);
    await bad({ MaximumEventAgeInSeconds: 59 }, /MaximumEventAgeInSeconds/);
    await bad({ MaximumEventAgeInSeconds: 21_601 }, /MaximumEventAgeInSeconds/);
    await bad(
      { DestinationConfig: { OnFailure: { Destination: `arn:aws:sqs:${REGION}:${accountIdOf('alice')}:q` } } },
      /do not exist in Hangar yet/,
    );
    await bad({ DestinationConfig: { OnSuccess: { Destination: `arn:aws:sns:${REGION}:${accountIdOf('alice')}:t` } } }, /sns/);
    await bad(
      { DestinationConfig: { OnSuccess: { Destination: `arn:aws:lambda:${REGION}:${accountIdOf('bob')}:function:x` } } },
      /not a function of your account/,
    );
    const dlq = await refused(
      w.create('with-dlq', 'ok.handler', { DeadLetterConfig: { TargetArn: `arn:aws:sqs:${REGION}:${accountIdOf('alice')}:dlq` } }),
    );
    assert.deepEqual([dlq.name, dlq.status], ['InvalidParameterValueException', 400]);
    assert.match(dlq.message, /dead-letter queue \(GET \/dlq\)/);
    const big = await refused(
      w.alice.send(new InvokeCommand({ FunctionName: 'hello', InvocationType: 'Event', Payload: Buffer.alloc(1024 * 1024 + 1, 0x20) })),
    );
    assert.deepEqual([big.name, big.status], ['RequestTooLargeException', 413]);
    const notJson = await refused(
      w.alice.send(new InvokeCommand({ FunctionName: 'hello', InvocationType: 'Event', Payload: Buffer.from('{nope') })),
    );
    assert.equal(notJson.status, 400);
  });

  it("refuses another user's function: its events and its configuration", async () => {
    const asArn = await refused(w.event(w.arn('hello'), {}, w.bob));
    assert.deepEqual([asArn.name, asArn.status], ['ResourceNotFoundException', 404]);
    const byName = await refused(w.event('hello', {}, w.bob));
    assert.deepEqual([byName.name, byName.status], ['ResourceNotFoundException', 404]);
    const put = await refused(w.bob.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'flaky', MaximumRetryAttempts: 0 })));
    assert.deepEqual([put.name, put.status], ['ResourceNotFoundException', 404]);
    const get = await refused(w.bob.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: w.arn('flaky') })));
    assert.equal(get.status, 404);
    // Alice's configuration is as she left it.
    const mine = await w.alice.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'flaky' }));
    assert.equal(mine.MaximumRetryAttempts, 1);
  });
});

/** A series' value in the platform's /metrics (0 when it has no such series yet). */
async function metric(p: TestPlatform, series: string): Promise<number> {
  const text = (await p.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe("Lambda's asynchronous invocation metrics in /metrics", { skip }, () => {
  const w = world();

  it('counts events received, their age at each run, and those dropped, with or without an OnFailure destination', async () => {
    await w.create('m-ok', 'ok.handler');
    await w.create('m-dead', 'fail.handler');
    await w.alice.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'm-dead', MaximumRetryAttempts: 1 }));
    await w.failingInto('m-handled', 'm-sink', 0);
    const events = [
      await w.event('m-ok', { n: 1 }),
      await w.event('m-ok', { n: 2 }),
      await w.event('m-dead', { n: 3 }),
      await w.event('m-handled', { n: 4 }),
    ];
    for (const requestId of events) await w.settled({ requestId });
    assert.equal((await w.settled({ fn: 'm-sink' })).status, 'SUCCESS');
    const fn = (name: string) => `user="alice",function="${name}"`;
    const received = (name: string) => metric(w.p, `hangar_function_async_events_received_total{${fn(name)}}`);
    assert.deepEqual(
      [await received('m-ok'), await received('m-dead'), await received('m-handled'), await received('m-sink')],
      [2, 1, 1, 1],
      'a record sent to a destination is an event it received',
    );
    const dropped = (name: string, onFailure: boolean) =>
      metric(w.p, `hangar_function_async_events_dropped_total{${fn(name)},reason="retries_exhausted",on_failure="${onFailure}"}`);
    assert.equal(await dropped('m-dead', false), 1);
    assert.equal(await dropped('m-handled', true), 1);
    assert.equal(await dropped('m-ok', false), 0);
    // One age per run: m-ok twice, m-dead's first run and its retry, m-handled once, m-sink once.
    assert.equal(await metric(w.p, 'hangar_function_async_event_age_seconds_count'), 6);
    assert.ok((await metric(w.p, 'hangar_function_async_event_age_seconds_sum')) >= 0);
  });

  it('counts an event whose function was deleted while it waited as dropped, undeliverable', async () => {
    await w.create('m-gone', 'ok.handler');
    await w.alice.send(new PutFunctionConcurrencyCommand({ FunctionName: 'm-gone', ReservedConcurrentExecutions: 0 }));
    const requestId = await w.event('m-gone', { n: 5 });
    // It waits (throttled, each wait an attempt that found no room), then its function goes.
    const deadline = Date.now() + 30_000;
    while (!((await w.tasks()).find((t) => t.metadata.function?.requestId === requestId)?.summary?.event?.throttles ?? 0)) {
      if (Date.now() > deadline) assert.fail('the event never waited');
      await new Promise((r) => setTimeout(r, 20));
    }
    await w.alice.send(new DeleteFunctionCommand({ FunctionName: 'm-gone' }));
    const t = await w.settled({ requestId });
    assert.deepEqual([t.status, t.error?.code, t.deadLettered], ['FAILED', 'EVENT_UNDELIVERABLE', true]);
    const series = 'hangar_function_async_events_dropped_total{user="alice",function="m-gone",reason="undeliverable",on_failure="false"}';
    assert.equal(await metric(w.p, series), 1);
  });
});

describe('Lambda Event invocations: maximum event age', { skip }, () => {
  // Lambda's own retry waits (HANGAR_RETRY_BASE_MS 1000: the first retry a minute later): an
  // event allowed 60 s is not retried, it goes to OnFailure as EventAgeExceeded.
  const w = world({ HANGAR_RETRY_BASE_MS: '1000' });

  it('an event whose retry would come after its maximum age ends EventAgeExceeded', async () => {
    await w.create('old', 'fail.handler');
    await w.create('aged', 'sink.handler');
    await w.alice.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'old',
        MaximumEventAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: w.arn('aged') } },
      }),
    );
    const requestId = await w.event('old', { n: 9 });
    const t = await w.settled({ requestId });
    assert.equal(t.status, 'FAILED');
    assert.equal(t.error?.code, 'EVENT_AGE_EXCEEDED');
    assert.equal(t.deadLettered, false);
    const record = (await w.settled({ fn: 'aged' })).detailedResults?.result as Record<string, any>;
    assert.equal(record.requestContext.condition, 'EventAgeExceeded');
    assert.equal(record.requestContext.approximateInvokeCount, 1);
    assert.equal(record.responsePayload.errorMessage, 'boom 9');
    const series = 'hangar_function_async_events_dropped_total{user="alice",function="old",reason="max_event_age",on_failure="true"}';
    assert.equal(await metric(w.p, series), 1);
  });
});
