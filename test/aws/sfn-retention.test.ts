/**
 * Retention of closed STANDARD executions, as Step Functions users see it through the real AWS
 * SDK and the native API: once the retention job has run, an execution closed longer ago than
 * HANGAR_WORKFLOW_RETENTION_HOURS does not exist (ExecutionDoesNotExist, 404 problem+json), one
 * past its 14 days to redrive has lost its kept frames and says and answers NOT_REDRIVABLE for
 * the period, not a 5xx, and a running one is there whatever its age.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { accountIdOf } from '../../src/aws/index.ts';
import { REDRIVE_REASONS } from '../../src/core/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { Maintenance } from '../../src/worker/index.ts';
import { REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { refusedBy, sfnClient } from '../helpers/sfn.ts';
import { seedExecution, workflowsOf } from '../helpers/workflows.ts';

const DAY = 24 * 3_600_000;
const ROLE = 'arn:aws:iam::123456789012:role/StepFunctions';
const account = accountIdOf('alice');
const machineArn = `arn:aws:states:${REGION}:${account}:stateMachine:kept`;
const executionArn = (name: string) => `arn:aws:states:${REGION}:${account}:execution:kept:${name}`;

let p: TestPlatform;
/** Alice's key, and her through the SDK with it. */
let aliceKey: string;
let alice: SFNClient;

before(async () => {
  p = await testPlatform({ HANGAR_WORKERS: '0' });
  // The platform's own retention job runs at start: done before anything is seeded, it cannot
  // remove a seed closed long ago before the test looks at it.
  await p.retention();
  const made = await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } });
  aliceKey = made.json().key;
  alice = sfnClient(p.url!, made.json());
  const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
  await alice.send(new CreateStateMachineCommand({ name: 'kept', definition, roleArn: ROLE }));
});
after(() => p.close());

/** The retention job as the platform runs it (its defaults: 90 days), now; `store` in place of
 *  the platform's. */
async function retention(store: TestPlatform['store'] = p.store): Promise<void> {
  const m = new Maintenance({
    store,
    workflows: workflowsOf(p),
    blobs: p.blobs,
    log: createLogger('silent'),
    clock: { now: () => p.store.now() },
    reapEveryMs: 60_000,
    workerStaleMs: 60_000,
    retentionMs: p.config.retentionHours * 3_600_000,
    workflowRetentionMs: p.config.workflowRetentionHours * 3_600_000,
    retentionEveryMs: 60_000,
  });
  await m.purge();
}

const native = (method: 'GET' | 'POST', url: string) =>
  p.inject({ method, url, auth: aliceKey, ...(method === 'POST' ? { payload: {} } : {}) });

describe('retention of closed executions', () => {
  it('deletes one closed past the retention, frees the redrive state of one past its window, never touches a running one', async () => {
    assert.equal(p.config.workflowRetentionHours, 2160, 'the default: 90 days, as AWS');
    const now = Date.now();
    const old = await seedExecution(p, {
      userId: 'alice',
      machine: 'kept',
      name: 'old',
      at: now - 91 * DAY,
      events: [['PassStateEntered', { name: 'P' }]],
      end: { status: 'SUCCEEDED', output: '{}' },
    });
    const stale = await seedExecution(p, {
      userId: 'alice',
      machine: 'kept',
      name: 'stale',
      at: now - 15 * DAY,
      end: { status: 'FAILED', error: 'Boom', cause: 'it broke' },
      keepFrames: true,
    });
    const recent = await seedExecution(p, {
      userId: 'alice',
      machine: 'kept',
      name: 'recent',
      at: now - DAY,
      end: { status: 'FAILED', error: 'Boom', cause: 'it broke' },
      keepFrames: true,
    });
    // Started 400 days ago and waiting still (a year's Wait is legal).
    await seedExecution(p, { userId: 'alice', machine: 'kept', name: 'waiting', at: now - 400 * DAY });
    assert.equal((await workflowsOf(p).loadRuntime(stale.id)).frames.length, 1);

    await retention();

    // The old one is gone, through the SDK and natively.
    for (const call of [
      () => alice.send(new DescribeExecutionCommand({ executionArn: executionArn('old') })),
      () => alice.send(new GetExecutionHistoryCommand({ executionArn: executionArn('old') })),
    ]) {
      const gone = await refusedBy(call());
      assert.deepEqual([gone.name, gone.status], ['ExecutionDoesNotExist', 400]);
    }
    for (const url of [`/executions/${old.id}`, `/executions/${old.id}/history`]) {
      const r = await native('GET', url);
      assert.equal(r.statusCode, 404, r.body);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      assert.equal(r.json().code, 'EXECUTION_NOT_FOUND');
    }
    const listed = (await alice.send(new ListExecutionsCommand({ stateMachineArn: machineArn }))).executions ?? [];
    assert.deepEqual(listed.map((e) => e.name).sort(), ['recent', 'stale', 'waiting']);

    // Past its 14 days to redrive: kept, its frames released, not redrivable for the period.
    assert.deepEqual((await workflowsOf(p).loadRuntime(stale.id)).frames, []);
    const d = await alice.send(new DescribeExecutionCommand({ executionArn: executionArn('stale') }));
    assert.deepEqual(
      [d.status, d.error, d.redriveStatus, d.redriveStatusReason],
      ['FAILED', 'Boom', 'NOT_REDRIVABLE', REDRIVE_REASONS.period],
    );
    const refused = await refusedBy(alice.send(new RedriveExecutionCommand({ executionArn: executionArn('stale') })));
    assert.deepEqual([refused.name, refused.status, refused.message], ['ExecutionNotRedrivable', 400, REDRIVE_REASONS.period]);
    const nativeRefused = await native('POST', `/executions/${stale.id}/redrive`);
    assert.equal(nativeRefused.statusCode, 409, nativeRefused.body);
    assert.match(String(nativeRefused.headers['content-type']), /^application\/problem\+json/);
    assert.equal((await native('GET', `/executions/${stale.id}`)).json().status, 'FAILED');

    // Within its window: its frames stay, redrivable.
    assert.equal((await workflowsOf(p).loadRuntime(recent.id)).frames.length, 1);
    const r = await alice.send(new DescribeExecutionCommand({ executionArn: executionArn('recent') }));
    assert.equal(r.redriveStatus, 'REDRIVABLE');
    const recentNative = (await native('GET', `/executions/${recent.id}`)).json();
    assert.deepEqual([recentNative.redriveStatus, recentNative.redriveStatusReason], ['REDRIVABLE', null]);

    const waiting = await alice.send(new DescribeExecutionCommand({ executionArn: executionArn('waiting') }));
    assert.equal(waiting.status, 'RUNNING');
  });

  it('still removes old executions when an earlier step of the job fails', async () => {
    const gone = await seedExecution(p, {
      userId: 'alice',
      machine: 'kept',
      name: 'old-too',
      at: Date.now() - 91 * DAY,
      end: { status: 'SUCCEEDED', output: '{}' },
    });
    // The store as it is, but the fair-share step (before the workflows') fails.
    const failing = new Proxy(p.store, {
      get(target, key) {
        if (key === 'purgeFairShare')
          return async () => {
            throw new Error('the database refused');
          };
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    await retention(failing);
    assert.equal((await native('GET', `/executions/${gone.id}`)).statusCode, 404);
  });

  it('says NOT_REDRIVABLE of a failed execution that kept no frames, with the reason a redrive of it answers', async () => {
    // Ended FAILED keeping nothing to redrive from, as Hangar's executions did before redrive.
    const bare = await seedExecution(p, {
      userId: 'alice',
      machine: 'kept',
      name: 'bare',
      at: Date.now() - DAY,
      end: { status: 'FAILED', error: 'Boom', cause: 'it broke' },
    });
    const d = await alice.send(new DescribeExecutionCommand({ executionArn: executionArn('bare') }));
    assert.deepEqual([d.status, d.redriveStatus, d.redriveStatusReason], ['FAILED', 'NOT_REDRIVABLE', REDRIVE_REASONS.nothingKept]);
    const refused = await refusedBy(alice.send(new RedriveExecutionCommand({ executionArn: executionArn('bare') })));
    assert.deepEqual([refused.name, refused.message], ['ExecutionNotRedrivable', REDRIVE_REASONS.nothingKept]);
    const described = (await native('GET', `/executions/${bare.id}`)).json();
    assert.deepEqual([described.redriveStatus, described.redriveStatusReason], ['NOT_REDRIVABLE', REDRIVE_REASONS.nothingKept]);
    const nativeRefused = await native('POST', `/executions/${bare.id}/redrive`);
    assert.equal(nativeRefused.statusCode, 409, nativeRefused.body);
    assert.equal(nativeRefused.json().detail, REDRIVE_REASONS.nothingKept);
  });
});
