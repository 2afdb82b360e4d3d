/**
 * Step Functions activities through the real AWS SDK (@aws-sdk/client-sfn) against a started
 * Hangar: activities' lifecycle; workers polling with GetActivityTask and answering with
 * SendTask*; Retry/Catch, TimeoutSeconds and HeartbeatSeconds on an activity's Task; the history
 * events AWS records (ActivityScheduled, ActivityStarted, ActivitySucceeded...); a missing
 * activity; concurrent pollers; tenancy. The scale-out shape runs this file again
 * (sfn-activities.scale-out.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DescribeMapRunCommand,
  DescribeActivityCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListActivitiesCommand,
  ListTagsForResourceCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { accountIdOf } from '../../src/aws/index.ts';
import { REGION } from '../helpers/lambda.ts';
import { type TestPlatform, testPlatform } from '../helpers/platform.ts';
import { refusedBy, sfnClient } from '../helpers/sfn.ts';

/** GetActivityTask's wait here (HANGAR_ACTIVITY_POLL_MS): AWS's is 60 s. */
const POLL_MS = 400;
const ROLE = 'arn:aws:iam::123456789012:role/StepFunctions';
const account = accountIdOf('alice');
const activityArn = (name: string, acct = account) => `arn:aws:states:${REGION}:${acct}:activity:${name}`;

let p: TestPlatform;
let alice: SFNClient;
let bob: SFNClient;
let aliceKey: { keyId: string; key: string };
let n = 0;

const SCALE_OUT = process.env.HANGAR_TEST_SHAPE === 'scale-out';
// No workers: an activity's task runs on the test's own "worker", through the API.
const ENV = { HANGAR_ACTIVITY_POLL_MS: String(POLL_MS), HANGAR_WORKERS: '0' };
const API_ONLY = { api: true, workers: false };

/** Another API node on p's database and bucket (scale-out). */
const otherNode = (env: Record<string, string> = {}) =>
  testPlatform(
    {
      ...ENV,
      HANGAR_DATABASE_SCHEMA: p.config.databaseSchema!,
      HANGAR_SECRETS_KEY: String(p.config.secretsKey),
      HANGAR_S3_BUCKET: p.config.s3Bucket!,
      HANGAR_S3_ENDPOINT: p.config.s3Endpoint!,
      ...env,
    },
    API_ONLY,
  );

before(async () => {
  p = await testPlatform(ENV, API_ONLY);
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  aliceKey = await key('alice');
  alice = sfnClient(p.url!, aliceKey);
  bob = sfnClient(p.url!, await key('bob'));
});
after(() => p.close());

/** A STANDARD machine of one activity Task (`task` is merged into the Task state); its ARN. */
async function machine(activity: string, task: object = {}, extra: object = {}): Promise<string> {
  const definition = JSON.stringify({
    StartAt: 'Work',
    States: { Work: { Type: 'Task', Resource: activityArn(activity), End: true, ...task }, ...extra },
  });
  return (await alice.send(new CreateStateMachineCommand({ name: `m${n++}`, definition, roleArn: ROLE }))).stateMachineArn!;
}

async function start(stateMachineArn: string, input: object = { n: 1 }): Promise<string> {
  return (await alice.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }))).executionArn!;
}

/** Such a machine, started. */
async function run(activity: string, task: object = {}, input: object = { n: 1 }, extra: object = {}): Promise<string> {
  return start(await machine(activity, task, extra), input);
}

async function activity(name: string): Promise<string> {
  return (await alice.send(new CreateActivityCommand({ name }))).activityArn!;
}

/** Polls until a task comes (as a worker's loop does). */
async function take(arn: string, workerName?: string, client = alice): Promise<{ taskToken: string; input: string }> {
  for (;;) {
    const t = await client.send(new GetActivityTaskCommand({ activityArn: arn, workerName }));
    if (t.taskToken) return { taskToken: t.taskToken, input: t.input! };
  }
}

async function ended(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const d = await alice.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  return (await alice.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
}

describe('Step Functions activities through the AWS SDK', () => {
  it('creates an activity idempotently, describes, lists in pages and deletes it', async () => {
    const first = await alice.send(new CreateActivityCommand({ name: 'life', tags: [{ key: 'team', value: 'a' }] }));
    assert.equal(first.activityArn, activityArn('life'));
    assert.ok(first.creationDate instanceof Date);
    // The same name again answers the same activity (AWS: idempotent, tags ignored).
    const again = await alice.send(new CreateActivityCommand({ name: 'life', tags: [{ key: 'other', value: 'b' }] }));
    assert.equal(again.activityArn, first.activityArn);
    assert.equal(again.creationDate?.getTime(), first.creationDate.getTime());
    const tagged = await alice.send(new ListTagsForResourceCommand({ resourceArn: first.activityArn }));
    assert.deepEqual(tagged.tags, [{ key: 'team', value: 'a' }], "the first create's tags, on the activity's ARN");
    const d = await alice.send(new DescribeActivityCommand({ activityArn: first.activityArn }));
    assert.deepEqual([d.activityArn, d.name, d.creationDate?.getTime()], [first.activityArn, 'life', first.creationDate.getTime()]);

    await alice.send(new CreateActivityCommand({ name: 'life-2' }));
    const page1 = await alice.send(new ListActivitiesCommand({ maxResults: 1 }));
    assert.equal(page1.activities?.length, 1);
    assert.ok(page1.nextToken);
    const rest = await alice.send(new ListActivitiesCommand({ maxResults: 1000, nextToken: page1.nextToken }));
    const names = [...(page1.activities ?? []), ...(rest.activities ?? [])].map((a) => a.name);
    assert.ok(names.includes('life') && names.includes('life-2'), names.join());

    await alice.send(new DeleteActivityCommand({ activityArn: first.activityArn }));
    await alice.send(new DeleteActivityCommand({ activityArn: first.activityArn }));
    assert.equal(
      (await refusedBy(alice.send(new DescribeActivityCommand({ activityArn: first.activityArn })))).name,
      'ActivityDoesNotExist',
    );
  });

  it("refuses bad names and ARNs with AWS's error names, and finds no other user's activity", async () => {
    assert.equal((await refusedBy(alice.send(new CreateActivityCommand({ name: 'has space' })))).name, 'InvalidName');
    assert.equal((await refusedBy(alice.send(new DescribeActivityCommand({ activityArn: 'nope' })))).name, 'InvalidArn');
    const arn = await activity('mine');
    for (const call of [
      () => bob.send(new DescribeActivityCommand({ activityArn: arn })),
      () => bob.send(new GetActivityTaskCommand({ activityArn: arn })),
      // The same name in bob's own account is not alice's activity either.
      () => bob.send(new GetActivityTaskCommand({ activityArn: activityArn('mine', accountIdOf('bob')) })),
    ])
      assert.equal((await refusedBy(call())).name, 'ActivityDoesNotExist');
    assert.ok(!(await bob.send(new ListActivitiesCommand({}))).activities?.some((a) => a.name === 'mine'));
  });

  it('answers an empty token after its wait when nothing is scheduled', async () => {
    const arn = await activity('idle');
    const t0 = Date.now();
    const r = await alice.send(new GetActivityTaskCommand({ activityArn: arn, workerName: 'w' }));
    const waited = Date.now() - t0;
    assert.equal(r.taskToken, undefined);
    assert.ok(waited >= POLL_MS - 20 && waited < POLL_MS + 2000, `waited ${waited} ms`);
  });

  it('a worker takes the task with GetActivityTask and completes the execution with SendTaskSuccess; the history is AWS’s', async () => {
    const arn = await activity('greet');
    const m = await machine('greet', {
      Parameters: { 'who.$': '$.who', fixed: 1 },
      TimeoutSeconds: 60,
      HeartbeatSeconds: 30,
      ResultPath: '$.result',
    });
    // One poll, waiting before the task is scheduled: it answers when the task comes (woken by
    // the commit that schedules it), not empty at the end of its wait.
    const t0 = Date.now();
    const polled = alice.send(new GetActivityTaskCommand({ activityArn: arn, workerName: 'worker-1' }));
    const execution = await start(m, { who: 'world' });
    const got = await polled;
    assert.ok(got.taskToken, `the poll answered empty after ${Date.now() - t0} ms`);
    const task = { taskToken: got.taskToken, input: got.input! };
    assert.deepEqual(JSON.parse(task.input), { who: 'world', fixed: 1 });
    await alice.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }));
    await alice.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"hello":"world"}' }));
    const d = await ended(execution);
    assert.equal(d.status, 'SUCCEEDED', d.cause);
    assert.deepEqual(JSON.parse(d.output!), { who: 'world', result: { hello: 'world' } });

    const events = await history(execution);
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'ExecutionStarted',
        'TaskStateEntered',
        'ActivityScheduled',
        'ActivityStarted',
        'ActivitySucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ],
    );
    const [scheduled, started, succeeded] = events.slice(2, 5);
    assert.deepEqual(scheduled.activityScheduledEventDetails, {
      resource: arn,
      input: JSON.stringify({ who: 'world', fixed: 1 }),
      inputDetails: { truncated: false },
      timeoutInSeconds: 60,
      heartbeatInSeconds: 30,
    });
    assert.deepEqual(started.activityStartedEventDetails, { workerName: 'worker-1' });
    assert.deepEqual(succeeded.activitySucceededEventDetails, { output: '{"hello":"world"}', outputDetails: { truncated: false } });
    assert.deepEqual(
      events.slice(2).map((e) => e.previousEventId),
      [2, 3, 4, 5, 6],
    );
  });

  it("a worker's SendTaskFailure is caught by a Catch (JSONata Arguments)", async () => {
    const arn = await activity('fails');
    const execution = await run(
      'fails',
      {
        QueryLanguage: 'JSONata',
        Arguments: { doubled: '{% $states.input.n * 2 %}' },
        Catch: [{ ErrorEquals: ['Worker.Broke'], Next: 'Handled', Output: '{% $states.errorOutput %}' }],
        End: undefined,
        Next: 'Unused',
      },
      { n: 21 },
      {
        Handled: { Type: 'Pass', End: true },
        Unused: { Type: 'Succeed' },
      },
    );
    const task = await take(arn);
    assert.deepEqual(JSON.parse(task.input), { doubled: 42 });
    await alice.send(new SendTaskFailureCommand({ taskToken: task.taskToken, error: 'Worker.Broke', cause: 'it broke' }));
    const d = await ended(execution);
    assert.equal(d.status, 'SUCCEEDED', d.cause);
    assert.deepEqual(JSON.parse(d.output!), { Error: 'Worker.Broke', Cause: 'it broke' });
    const failed = (await history(execution)).find((e) => e.type === 'ActivityFailed');
    assert.deepEqual(failed?.activityFailedEventDetails, { error: 'Worker.Broke', cause: 'it broke' });
  });

  it('Retry runs the activity again after a failure: a second task is scheduled', async () => {
    const arn = await activity('flaky');
    const execution = await run('flaky', { Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 1 }] });
    const first = await take(arn);
    await alice.send(new SendTaskFailureCommand({ taskToken: first.taskToken, error: 'Once' }));
    const second = await take(arn);
    assert.notEqual(second.taskToken, first.taskToken);
    await alice.send(new SendTaskSuccessCommand({ taskToken: second.taskToken, output: '"ok"' }));
    const d = await ended(execution);
    assert.equal(d.status, 'SUCCEEDED', d.cause);
    assert.equal(d.output, '"ok"');
  });

  it('fails the Task with States.HeartbeatTimeout when the worker stops heartbeating (counted from its start), and not while it beats', async () => {
    const arn = await activity('beats');
    const beating = await run('beats', { HeartbeatSeconds: 1 });
    const task = await take(arn);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 400));
      await alice.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }));
    }
    await alice.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{}' }));
    assert.equal((await ended(beating)).status, 'SUCCEEDED');

    const silent = await run('beats', { HeartbeatSeconds: 1 });
    // Not taken for 1.5 s: the heartbeat clock has not started (it starts with ActivityStarted).
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await alice.send(new DescribeExecutionCommand({ executionArn: silent }))).status, 'RUNNING');
    const t = await take(arn);
    const d = await ended(silent);
    assert.equal(d.status, 'FAILED');
    assert.equal(d.error, 'States.HeartbeatTimeout');
    const timedOut = (await history(silent)).find((e) => e.type === 'ActivityTimedOut');
    assert.equal(timedOut?.activityTimedOutEventDetails?.error, 'States.HeartbeatTimeout');
    // The task no longer waits: AWS answers a late answer with TaskTimedOut.
    assert.equal(
      (await refusedBy(alice.send(new SendTaskSuccessCommand({ taskToken: t.taskToken, output: '{}' })))).name,
      'TaskDoesNotExist',
    );
  });

  it('fails the Task with States.Timeout when no worker finishes it within TimeoutSeconds (counted from scheduling)', async () => {
    await activity('slow');
    const execution = await run('slow', { TimeoutSeconds: 1 });
    const d = await ended(execution);
    assert.equal(d.status, 'FAILED');
    assert.equal(d.error, 'States.Timeout');
    const types = (await history(execution)).map((e) => e.type);
    assert.deepEqual(types.slice(2), ['ActivityScheduled', 'ActivityTimedOut', 'ExecutionFailed']);
  });

  it('fails the execution with States.Runtime, uncaught and with no ActivityScheduled, when the activity does not exist', async () => {
    const arn = activityArn('never-made');
    const execution = await run(
      'never-made',
      { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: undefined, Next: 'Caught' },
      {},
      {
        Caught: { Type: 'Succeed' },
      },
    );
    const d = await ended(execution);
    assert.equal(d.status, 'FAILED');
    assert.equal(d.error, 'States.Runtime');
    assert.equal(
      d.cause,
      `An error occurred while executing the state 'Work' (entered at the event id #2). The activity ${arn} does not exist.`,
    );
    assert.deepEqual(
      (await history(execution)).map((e) => e.type),
      ['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed'],
    );
    // An activity of that name in another region is not this one.
    await activity('regional');
    const elsewhere = activityArn('regional').replace(`:${REGION}:`, ':eu-west-3:');
    const definition = JSON.stringify({ StartAt: 'Work', States: { Work: { Type: 'Task', Resource: elsewhere, End: true } } });
    const m = await alice.send(new CreateStateMachineCommand({ name: `m${n++}`, definition, roleArn: ROLE }));
    const other = await ended(await start(m.stateMachineArn!));
    assert.equal(other.error, 'States.Runtime');
  });

  it('gives each task to one poller only, however many poll at once', async () => {
    const arn = await activity('crowd');
    const pollers = Array.from({ length: 6 }, (_, i) => alice.send(new GetActivityTaskCommand({ activityArn: arn, workerName: `w${i}` })));
    const executions = await Promise.all([run('crowd', {}, { i: 0 }), run('crowd', {}, { i: 1 }), run('crowd', {}, { i: 2 })]);
    const answers = await Promise.all(pollers);
    const tokens = answers.filter((a) => a.taskToken).map((a) => a.taskToken!);
    // Every task went to one poller (those the wait outlasted are taken by the next polls).
    const rest: string[] = [];
    while (tokens.length + rest.length < 3) {
      const more = await Promise.all([1, 2].map(() => alice.send(new GetActivityTaskCommand({ activityArn: arn }))));
      rest.push(...more.filter((a) => a.taskToken).map((a) => a.taskToken!));
    }
    const all = [...tokens, ...rest];
    assert.equal(new Set(all).size, all.length, 'no task given twice');
    assert.equal(all.length, 3);
    for (const token of all) await alice.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    for (const e of executions) assert.equal((await ended(e)).status, 'SUCCEEDED');
  });

  it('scale-out: a poll on another API node is woken by the commit that schedules the task, and its answer reaches the execution', {
    skip: SCALE_OUT ? false : 'the scale-out shape only',
  }, async () => {
    const other = await otherNode();
    try {
      const worker = sfnClient(other.url!, aliceKey);
      const arn = await activity('across');
      const m = await machine('across');
      const t0 = Date.now();
      const polled = worker.send(new GetActivityTaskCommand({ activityArn: arn, workerName: 'remote' }));
      const execution = await start(m, { far: true });
      const got = await polled;
      assert.ok(got.taskToken, `the poll on the other node answered empty after ${Date.now() - t0} ms`);
      assert.deepEqual(JSON.parse(got.input!), { far: true });
      await worker.send(new SendTaskSuccessCommand({ taskToken: got.taskToken, output: '{"from":"other"}' }));
      const d = await ended(execution);
      assert.equal(d.status, 'SUCCEEDED', d.cause);
      assert.equal(d.output, '{"from":"other"}');
    } finally {
      await other.close();
    }
  });

  it('a scheduled task outlives the process that scheduled it: after a restart (embedded) or on another node (scale-out) a worker takes and finishes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-activity-restart-'));
    // Embedded: a platform of its own on a data directory that outlives it.
    const first = SCALE_OUT ? p : await testPlatform({ ...ENV, HANGAR_DATA_DIR: dir }, API_ONLY);
    let second: TestPlatform | null = null;
    try {
      const key = SCALE_OUT ? aliceKey : (await first.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
      const before = sfnClient(first.url!, key);
      const arn = (await before.send(new CreateActivityCommand({ name: 'durable' }))).activityArn!;
      const definition = JSON.stringify({
        StartAt: 'Work',
        States: { Work: { Type: 'Task', Resource: arn, HeartbeatSeconds: 30, End: true } },
      });
      const m = await before.send(new CreateStateMachineCommand({ name: `durable-${n++}`, definition, roleArn: ROLE }));
      const execution = (await before.send(new StartExecutionCommand({ stateMachineArn: m.stateMachineArn, input: '{"kept":1}' })))
        .executionArn!;
      for (;;) {
        const events = (await before.send(new GetExecutionHistoryCommand({ executionArn: execution }))).events ?? [];
        if (events.some((e) => e.type === 'ActivityScheduled')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      if (SCALE_OUT) second = await otherNode();
      else {
        await first.close();
        second = await testPlatform({ ...ENV, HANGAR_DATA_DIR: dir }, API_ONLY);
      }
      const after = sfnClient(second.url!, key);
      const task = await take(arn, 'after-restart', after);
      assert.deepEqual(JSON.parse(task.input), { kept: 1 });
      await after.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"done":true}' }));
      for (;;) {
        const d = await after.send(new DescribeExecutionCommand({ executionArn: execution }));
        if (d.status === 'RUNNING') {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        assert.equal(d.status, 'SUCCEEDED', d.cause);
        assert.equal(d.output, '{"done":true}');
        break;
      }
      const types = ((await after.send(new GetExecutionHistoryCommand({ executionArn: execution }))).events ?? []).map((e) => e.type);
      assert.deepEqual(types.slice(2), [
        'ActivityScheduled',
        'ActivityStarted',
        'ActivitySucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
    } finally {
      await second?.close();
      if (!SCALE_OUT) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a poll in flight does not hold the server open when it closes (AWS would hold it 60 s)', async () => {
    const own = await testPlatform({ HANGAR_WORKERS: '0' }, API_ONLY);
    const key = (await own.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
    const client = sfnClient(own.url!, key);
    const arn = (await client.send(new CreateActivityCommand({ name: 'closing' }))).activityArn!;
    const polled = client.send(new GetActivityTaskCommand({ activityArn: arn })).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await own.close();
    const took = Date.now() - t0;
    const answer = await polled;
    assert.ok(took < 5_000, `close took ${took} ms`);
    assert.ok(answer instanceof Error || answer.taskToken === undefined);
  });

  it('refuses an activity in an EXPRESS state machine, as AWS does', async () => {
    const definition = JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Task', Resource: activityArn('x'), End: true } } });
    const r = await refusedBy(
      alice.send(new CreateStateMachineCommand({ name: 'express-activity', definition, roleArn: ROLE, type: 'EXPRESS' })),
    );
    assert.equal(r.name, 'InvalidDefinition');
  });
});

// RedriveExecution, driven by activity workers (the test): a task failed on purpose the first
// time is answered with success once the execution is redriven.
describe('RedriveExecution through the AWS SDK', () => {
  /** A machine of `states` (starting at `startAt`), started with `input`. */
  async function startMachine(startAt: string, states: object, input: object = {}): Promise<string> {
    const definition = JSON.stringify({ StartAt: startAt, States: states });
    const m = (await alice.send(new CreateStateMachineCommand({ name: `m${n++}`, definition, roleArn: ROLE }))).stateMachineArn!;
    return start(m, input);
  }
  /** A Map over `items` whose iteration is one Task of the activity `work`, started. */
  const startMap = (work: string, processorConfig: object, items: number[]) =>
    startMachine(
      'Each',
      {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            ProcessorConfig: processorConfig,
            StartAt: 'Do',
            States: { Do: { Type: 'Task', Resource: work, Parameters: { 'n.$': '$' }, End: true } },
          },
          End: true,
        },
      },
      { items },
    );
  const scheduledOn = (events: HistoryEvent[], arn: string) =>
    events.filter((e) => e.type === 'ActivityScheduled' && e.activityScheduledEventDetails?.resource === arn).length;

  it('restarts a FAILED execution at the state that failed, keeps what succeeded, and is idempotent on clientToken', async () => {
    // First is a Pass state: an activity Task scheduled right after another one's success waits
    // for the lease (10 s) today, also without redrive; the Map below shows succeeded Tasks kept.
    const second = await activity('redrive-second');
    const execution = await startMachine('First', {
      First: { Type: 'Pass', Result: { one: 1 }, ResultPath: '$.first', Next: 'Second' },
      Second: { Type: 'Task', Resource: second, ResultPath: '$.second', End: true },
    });
    // Redriving a RUNNING execution is refused.
    const running = await refusedBy(alice.send(new RedriveExecutionCommand({ executionArn: execution })));
    assert.deepEqual([running.name, running.message], ['ExecutionNotRedrivable', 'Execution is RUNNING and cannot be redriven']);
    const failing = await take(second);
    await alice.send(new SendTaskFailureCommand({ taskToken: failing.taskToken, error: 'Flaky', cause: 'first time' }));
    const failed = await ended(execution);
    assert.deepEqual([failed.status, failed.error, failed.redriveCount, failed.redriveStatus], ['FAILED', 'Flaky', 0, 'REDRIVABLE']);
    assert.equal(failed.redriveStatusReason, undefined);

    const redriven = await alice.send(new RedriveExecutionCommand({ executionArn: execution, clientToken: 'token-1' }));
    assert.ok(redriven.redriveDate instanceof Date);
    // The same client token again: the same redrive, not a second one.
    const again = await alice.send(new RedriveExecutionCommand({ executionArn: execution, clientToken: 'token-1' }));
    assert.equal(again.redriveDate?.getTime(), redriven.redriveDate.getTime());
    const other = await refusedBy(alice.send(new RedriveExecutionCommand({ executionArn: execution, clientToken: 'token-2' })));
    assert.equal(other.name, 'ExecutionNotRedrivable');
    const during = await alice.send(new DescribeExecutionCommand({ executionArn: execution }));
    assert.deepEqual([during.status, during.redriveCount, during.stopDate], ['RUNNING', 1, undefined]);
    assert.equal(during.redriveDate?.getTime(), redriven.redriveDate.getTime());

    // Only the failed state runs again, with the input it had.
    const retried = await take(second);
    assert.deepEqual(JSON.parse(retried.input), JSON.parse(failing.input));
    await alice.send(new SendTaskSuccessCommand({ taskToken: retried.taskToken, output: '{"two":2}' }));
    const done = await ended(execution);
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    assert.deepEqual(JSON.parse(done.output!), { first: { one: 1 }, second: { two: 2 } });
    assert.deepEqual(
      [done.redriveCount, done.redriveStatus, done.redriveStatusReason],
      [1, 'NOT_REDRIVABLE', 'Execution is SUCCEEDED and cannot be redriven'],
    );
    assert.equal((await refusedBy(alice.send(new RedriveExecutionCommand({ executionArn: execution })))).name, 'ExecutionNotRedrivable');

    // One history: the failure, the redrive, then the failed state again.
    const events = await history(execution);
    const types = events.map((e) => e.type);
    assert.equal(types.filter((t) => t === 'PassStateEntered').length, 1);
    assert.equal(scheduledOn(events, second), 2);
    const at = types.indexOf('ExecutionRedriven');
    assert.deepEqual(types.slice(at - 1, at + 3), ['ExecutionFailed', 'ExecutionRedriven', 'TaskStateEntered', 'ActivityScheduled']);
    assert.deepEqual(events[at].executionRedrivenEventDetails, { redriveCount: 1 });
    assert.deepEqual(
      events.map((e) => e.id),
      events.map((_, i) => i + 1),
    );

    // ListExecutions' redriveFilter and redriveCount.
    const machineArn = done.stateMachineArn!;
    const listed = async (redriveFilter: 'REDRIVEN' | 'NOT_REDRIVEN') =>
      (await alice.send(new ListExecutionsCommand({ stateMachineArn: machineArn, redriveFilter }))).executions ?? [];
    const redrivenOnes = await listed('REDRIVEN');
    assert.deepEqual(
      redrivenOnes.map((e) => [e.executionArn, e.redriveCount]),
      [[execution, 1]],
    );
    assert.deepEqual(await listed('NOT_REDRIVEN'), []);
    // Not alice's execution for bob.
    assert.equal((await refusedBy(bob.send(new RedriveExecutionCommand({ executionArn: execution })))).name, 'ExecutionDoesNotExist');
  });

  it('reruns only the failed iterations of a Map, and redrives a stopped (ABORTED) execution', async () => {
    const work = await activity('redrive-map');
    const execution = await startMap(work, { Mode: 'INLINE' }, [1, 2, 3]);
    const tasks = [await take(work), await take(work), await take(work)];
    const byN = new Map(tasks.map((t) => [JSON.parse(t.input).n as number, t.taskToken]));
    await alice.send(new SendTaskSuccessCommand({ taskToken: byN.get(1)!, output: '"one"' }));
    await alice.send(new SendTaskSuccessCommand({ taskToken: byN.get(3)!, output: '"three"' }));
    await alice.send(new SendTaskFailureCommand({ taskToken: byN.get(2)!, error: 'Flaky' }));
    assert.equal((await ended(execution)).status, 'FAILED');

    const first = await alice.send(new RedriveExecutionCommand({ executionArn: execution, clientToken: 'map-1' }));
    const rerun = await take(work);
    assert.deepEqual(JSON.parse(rerun.input), { n: 2 });
    // Stopped while the rerun waits, then redriven again: the same iteration runs a third time.
    await alice.send(new StopExecutionCommand({ executionArn: execution, error: 'Stop' }));
    const stopped = await ended(execution);
    assert.deepEqual([stopped.status, stopped.redriveStatus], ['ABORTED', 'REDRIVABLE']);
    const second = await alice.send(new RedriveExecutionCommand({ executionArn: execution, clientToken: 'map-2' }));
    // Each of the last redrives' tokens (AWS keeps 10, 15 minutes each) answers its own redrive again.
    for (const [token, made] of [
      ['map-1', first],
      ['map-2', second],
    ] as const) {
      const again = await alice.send(new RedriveExecutionCommand({ executionArn: execution, clientToken: token }));
      assert.equal(again.redriveDate?.getTime(), made.redriveDate?.getTime(), token);
    }
    const third = await take(work);
    assert.deepEqual(JSON.parse(third.input), { n: 2 });
    await alice.send(new SendTaskSuccessCommand({ taskToken: third.taskToken, output: '"two"' }));
    const done = await ended(execution);
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    assert.deepEqual(JSON.parse(done.output!), ['one', 'two', 'three']);
    assert.equal(done.redriveCount, 2);
    const events = await history(execution);
    assert.equal(scheduledOn(events, work), 5);
    assert.deepEqual(
      events.filter((e) => e.type === 'ExecutionRedriven').map((e) => e.executionRedrivenEventDetails?.redriveCount),
      [1, 2],
    );
  });

  it("reruns only a Parallel's failed branch", async () => {
    const left = await activity('redrive-left');
    const right = await activity('redrive-right');
    const branch = (name: string, arn: string) => ({ StartAt: name, States: { [name]: { Type: 'Task', Resource: arn, End: true } } });
    const execution = await startMachine('Both', {
      Both: { Type: 'Parallel', Branches: [branch('Left', left), branch('Right', right)], End: true },
    });
    await alice.send(new SendTaskSuccessCommand({ taskToken: (await take(left)).taskToken, output: '"L"' }));
    await alice.send(new SendTaskFailureCommand({ taskToken: (await take(right)).taskToken, error: 'Flaky' }));
    assert.equal((await ended(execution)).status, 'FAILED');
    await alice.send(new RedriveExecutionCommand({ executionArn: execution }));
    await alice.send(new SendTaskSuccessCommand({ taskToken: (await take(right)).taskToken, output: '"R"' }));
    const done = await ended(execution);
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    assert.deepEqual(JSON.parse(done.output!), ['L', 'R']);
    const events = await history(execution);
    assert.deepEqual([scheduledOn(events, left), scheduledOn(events, right)], [1, 2]);
  });

  it('a Parallel or Map that failed after all its children succeeded (in its ResultSelector) runs again whole, and fails again, not left waiting', async () => {
    const pass = (name: string, result: number) => ({ StartAt: name, States: { [name]: { Type: 'Pass', Result: result, End: true } } });
    const broken = { 'x.$': '$.missing' };
    const parallel = await startMachine('P', {
      P: { Type: 'Parallel', Branches: [pass('A', 1), pass('B', 2)], ResultSelector: broken, End: true },
    });
    const map = await startMachine(
      'M',
      { M: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: pass('I', 3), ResultSelector: broken, End: true } },
      { items: [1, 2] },
    );
    for (const execution of [parallel, map]) {
      assert.equal((await ended(execution)).error, 'States.Runtime');
      await alice.send(new RedriveExecutionCommand({ executionArn: execution }));
      const again = await ended(execution);
      assert.deepEqual([again.status, again.error, again.redriveCount], ['FAILED', 'States.Runtime', 1]);
      const events = (await history(execution)).map((e) => e.type);
      const entered = events.filter((t) => t === 'ParallelStateEntered' || t === 'MapStateEntered').length;
      assert.equal(entered, 2, 'entered again after the redrive');
    }
  });

  /** A worker's answers to a task: its output (JSON text), or the error Flaky. */
  const succeed = (taskToken: string, output: string) => alice.send(new SendTaskSuccessCommand({ taskToken, output }));
  const flaky = (taskToken: string) => alice.send(new SendTaskFailureCommand({ taskToken, error: 'Flaky' }));
  /** The execution FAILED; it is redriven, and the next task of `arn` taken. */
  const redrivenTaking = async (execution: string, arn: string) => {
    assert.equal((await ended(execution)).status, 'FAILED');
    await alice.send(new RedriveExecutionCommand({ executionArn: execution }));
    return take(arn);
  };

  it('reruns only the failed branch of a Parallel inside a failed Map iteration (redrive is recursive)', async () => {
    const left = await activity('redrive-nested-left');
    const right = await activity('redrive-nested-right');
    const branch = (name: string, arn: string) => ({
      StartAt: name,
      States: { [name]: { Type: 'Task', Resource: arn, Parameters: { 'n.$': '$' }, End: true } },
    });
    const execution = await startMachine(
      'Each',
      {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Both',
            States: { Both: { Type: 'Parallel', Branches: [branch('Left', left), branch('Right', right)], End: true } },
          },
          End: true,
        },
      },
      { items: [1, 2] },
    );
    const byN = async (arn: string) => {
      const tasks = [await take(arn), await take(arn)];
      return new Map(tasks.map((t) => [JSON.parse(t.input).n as number, t.taskToken]));
    };
    const lefts = await byN(left);
    const rights = await byN(right);
    // Every Left succeeds, and the first iteration's Right; the second's Right fails it.
    for (const n of [1, 2]) await succeed(lefts.get(n)!, `"L${n}"`);
    await succeed(rights.get(1)!, '"R1"');
    await flaky(rights.get(2)!);
    const rerun = await redrivenTaking(execution, right);
    assert.deepEqual(JSON.parse(rerun.input), { n: 2 });
    await succeed(rerun.taskToken, '"R2"');
    const done = await ended(execution);
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    assert.deepEqual(JSON.parse(done.output!), [
      ['L1', 'R1'],
      ['L2', 'R2'],
    ]);
    // The second iteration's Left succeeded: it is not run again, only its Right is.
    const events = await history(execution);
    assert.deepEqual([scheduledOn(events, left), scheduledOn(events, right)], [2, 3]);
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(types.indexOf('ExecutionRedriven')).filter((t) => t === 'MapIterationStarted').length, 1);
  });

  it("reruns only the failed iteration of a Map inside a Parallel's failed branch, and a stopped sibling's unfinished ones", async () => {
    const work = await activity('redrive-nested-map');
    const other = await activity('redrive-nested-other');
    const execution = await startMachine(
      'Both',
      {
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Each',
              States: {
                Each: {
                  Type: 'Map',
                  ItemsPath: '$.items',
                  ItemProcessor: {
                    StartAt: 'Do',
                    States: { Do: { Type: 'Task', Resource: work, Parameters: { 'n.$': '$' }, End: true } },
                  },
                  End: true,
                },
              },
            },
            {
              StartAt: 'Others',
              States: {
                Others: {
                  Type: 'Map',
                  ItemsPath: '$.others',
                  ItemProcessor: {
                    StartAt: 'DoOther',
                    States: { DoOther: { Type: 'Task', Resource: other, Parameters: { 'n.$': '$' }, End: true } },
                  },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
      { items: [1, 2, 3], others: [10, 20] },
    );
    const tasks = [await take(work), await take(work), await take(work)];
    const byN = new Map(tasks.map((t) => [JSON.parse(t.input).n as number, t.taskToken]));
    const others = [await take(other), await take(other)];
    const otherByN = new Map(others.map((t) => [JSON.parse(t.input).n as number, t.taskToken]));
    // The second branch's 10 succeeds, its 20 is still running when the first branch fails.
    await succeed(otherByN.get(10)!, '"ten"');
    await succeed(byN.get(1)!, '"one"');
    await succeed(byN.get(3)!, '"three"');
    await flaky(byN.get(2)!);
    const rerun = await redrivenTaking(execution, work);
    assert.deepEqual(JSON.parse(rerun.input), { n: 2 });
    const rerunOther = await take(other);
    assert.deepEqual(JSON.parse(rerunOther.input), { n: 20 });
    await succeed(rerun.taskToken, '"two"');
    await succeed(rerunOther.taskToken, '"twenty"');
    const done = await ended(execution);
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    assert.deepEqual(JSON.parse(done.output!), [
      ['one', 'two', 'three'],
      ['ten', 'twenty'],
    ]);
    const events = await history(execution);
    assert.deepEqual([scheduledOn(events, work), scheduledOn(events, other)], [4, 3]);
  });

  it("redrives a Distributed Map's Map Run with its execution: only the failed child runs again", async () => {
    const work = await activity('redrive-dmap');
    const execution = await startMap(work, { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, [1, 2]);
    const tasks = [await take(work), await take(work)];
    const byN = new Map(tasks.map((t) => [JSON.parse(t.input).n as number, t.taskToken]));
    await alice.send(new SendTaskSuccessCommand({ taskToken: byN.get(1)!, output: '"one"' }));
    await alice.send(new SendTaskFailureCommand({ taskToken: byN.get(2)!, error: 'Flaky' }));
    assert.equal((await ended(execution)).status, 'FAILED');
    const [run] = (await alice.send(new ListMapRunsCommand({ executionArn: execution }))).mapRuns ?? [];
    assert.equal((await alice.send(new DescribeMapRunCommand({ mapRunArn: run.mapRunArn }))).status, 'FAILED');

    await alice.send(new RedriveExecutionCommand({ executionArn: execution }));
    const rerun = await take(work);
    assert.deepEqual(JSON.parse(rerun.input), { n: 2 });
    await alice.send(new SendTaskSuccessCommand({ taskToken: rerun.taskToken, output: '"two"' }));
    const done = await ended(execution);
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    assert.deepEqual(JSON.parse(done.output!), ['one', 'two']);
    const d = await alice.send(new DescribeMapRunCommand({ mapRunArn: run.mapRunArn }));
    assert.deepEqual([d.status, d.redriveCount, d.itemCounts?.succeeded, d.itemCounts?.failed], ['SUCCEEDED', 1, 2, 0]);
    assert.ok(d.redriveDate instanceof Date);
    const redriven = (await history(execution)).find((e) => e.type === 'MapRunRedriven');
    assert.deepEqual(redriven?.mapRunRedrivenEventDetails, { mapRunArn: run.mapRunArn, redriveCount: 1 });
  });
});
