/**
 * Issue 24's done-when: "a SIGKILL of every Hangar process in the middle of a Standard
 * execution (in a Wait, in a Map) ends with the execution completed once, with the right
 * output". Real processes on both shapes: `hangar up` on SQLite (killed and started again on
 * its data directory), and `hangar server` + `hangar worker` on PostgreSQL and S3 (every one
 * killed, new ones started). Driven through the Step Functions and Lambda APIs with the AWS SDK.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { accountIdOf } from '../../src/aws/identity.ts';
import { startCluster } from '../helpers/cluster.ts';
import { lambdaClient } from '../helpers/lambda.ts';
import { until } from '../helpers/platform.ts';
import { ADMIN, type HangarProcess, startHangar, TEST_EXECUTOR_ENV } from '../helpers/process.ts';
import { sfnClient } from '../helpers/sfn.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
const CODE = makeZip({
  'double.js': `exports.handler = async (e) => { await new Promise((r) => setTimeout(r, 300)); return { i: e.i * 2 }; };`,
});
const MARK = "exports.handler = async (e) => { console.log('mark ' + JSON.stringify(e)); return e; };";
const ITEMS = [1, 2, 3, 4, 5, 6].map((i) => ({ i }));
const OUTPUT = ITEMS.map(({ i }) => ({ i: i * 2 }));
const LEASE = { HANGAR_WORKFLOW_LEASE_MS: '1000' };

function definition(account: string): string {
  return JSON.stringify({
    StartAt: 'Pause',
    States: {
      Pause: { Type: 'Wait', Seconds: 2, Next: 'Each' },
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 2,
        ItemProcessor: {
          StartAt: 'Double',
          States: { Double: { Type: 'Task', Resource: `arn:aws:lambda:us-east-1:${account}:function:double`, End: true } },
        },
        End: true,
      },
    },
  });
}

interface Shape {
  /** The API's URL now. */
  url(): string;
  /** SIGKILLs every Hangar process and starts them again (same store). */
  killAll(): Promise<void>;
  close(): Promise<void>;
}

async function newKey(url: string): Promise<{ keyId: string; key: string; userId: string }> {
  const res = await fetch(`${url}/keys`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'alice' }),
  });
  assert.equal(res.status, 201);
  return (await res.json()) as { keyId: string; key: string; userId: string };
}

async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  return (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

/** Starts the execution, kills everything once `when` holds of its history, and checks its end. */
async function crashDuring(shape: Shape, when: (events: HistoryEvent[]) => boolean): Promise<void> {
  const key = await newKey(shape.url());
  const account = accountIdOf(key.userId);
  const lambda = lambdaClient(shape.url(), key);
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'double',
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/ignored',
      Handler: 'double.handler',
      Code: { ZipFile: CODE },
      Timeout: 30,
    }),
  );
  let sfn = sfnClient(shape.url(), key);
  const machine = await sfn.send(
    new CreateStateMachineCommand({ name: 'crashy', definition: definition(account), roleArn: 'arn:aws:iam::123456789012:role/sfn' }),
  );
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: 'once', input: JSON.stringify({ items: ITEMS }) }),
  );
  await until(async () => when(await history(sfn, executionArn!)), 30_000, 20);
  await shape.killAll();
  sfn = sfnClient(shape.url(), key);
  const done = await until(
    async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? null : d;
    },
    60_000,
    100,
  );
  assert.equal(done.status, 'SUCCEEDED', `${done.error}: ${done.cause}`);
  assert.deepEqual(JSON.parse(done.output!), OUTPUT);
  const events = await history(sfn, executionArn!);
  assert.equal(events.filter((e) => e.type === 'ExecutionSucceeded').length, 1, 'ended once');
  assert.equal(events.filter((e) => e.type === 'ExecutionStarted').length, 1);
  assert.equal(events.filter((e) => e.type === 'MapIterationSucceeded').length, ITEMS.length, 'each iteration ended once');
  assert.deepEqual(
    events.map((e) => Number(e.id)),
    events.map((_, i) => i + 1),
    'event ids without a gap or a repeat',
  );
}

const inWait = (events: HistoryEvent[]) => events.some((e) => e.type === 'WaitStateEntered');
const inMap = (events: HistoryEvent[]) => events.filter((e) => e.type === 'MapIterationSucceeded').length >= 2;

describe('a Standard execution survives SIGKILL of every process: embedded (hangar up, SQLite)', { skip, timeout: 180_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function embedded(): Promise<Shape> {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-wf-crash-'));
    chmodSync(dir, 0o711);
    dirs.push(dir);
    const env = { HANGAR_DATA_DIR: join(dir, 'data'), ...LEASE };
    let p: HangarProcess = await startHangar(['up'], env);
    return {
      url: () => p.url,
      async killAll() {
        p.child.kill('SIGKILL');
        await p.exited;
        p = await startHangar(['up'], env);
      },
      async close() {
        p.child.kill('SIGTERM');
        await p.exited;
      },
    };
  }

  for (const [name, when] of [
    ['in a Wait', inWait],
    ['in a Map', inMap],
  ] as const) {
    it(`killed ${name}: completed once, with the right output`, async () => {
      const shape = await embedded();
      try {
        await crashDuring(shape, when);
      } finally {
        await shape.close();
      }
    });
  }

  // An asynchronous Express execution keeps no history, but one accepted must still run (AWS:
  // at least once): killed in its Wait, it runs again from its start after the restart.
  it('an asynchronous Express execution killed in its Wait runs again after the restart', async () => {
    const shape = await embedded();
    try {
      const key = await newKey(shape.url());
      const account = accountIdOf(key.userId);
      await lambdaClient(shape.url(), key).send(
        new CreateFunctionCommand({
          FunctionName: 'mark',
          Runtime: 'nodejs22.x',
          Role: 'arn:aws:iam::123456789012:role/ignored',
          Handler: 'mark.handler',
          Code: { ZipFile: makeZip({ 'mark.js': MARK }) },
        }),
      );
      const sfn = sfnClient(shape.url(), key);
      const machine = await sfn.send(
        new CreateStateMachineCommand({
          name: 'quick',
          type: 'EXPRESS',
          roleArn: 'arn:aws:iam::123456789012:role/sfn',
          definition: JSON.stringify({
            StartAt: 'Pause',
            States: {
              Pause: { Type: 'Wait', Seconds: 2, Next: 'Mark' },
              Mark: { Type: 'Task', Resource: `arn:aws:lambda:us-east-1:${account}:function:mark`, End: true },
            },
          }),
        }),
      );
      await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: JSON.stringify({ order: 42 }) }));
      await shape.killAll();
      const logs = async () => {
        const res = await fetch(`${shape.url()}/functions/mark/logs`, { headers: { authorization: `Bearer ${key.key}` } });
        assert.equal(res.status, 200);
        return ((await res.json()) as { logs: { log: string }[] }).logs;
      };
      const [first] = await until(
        async () => {
          const l = await logs();
          return l.length > 0 ? l : null;
        },
        30_000,
        100,
      );
      assert.match(first.log, /mark \{"order":42\}/);
    } finally {
      await shape.close();
    }
  });
});

// Scale-out: killed in the Map only (the Wait before it parks the execution as on SQLite; the
// embedded cases cover a kill during the Wait), to keep CI's time.
describe('a Standard execution survives SIGKILL of every process: scale-out (server + worker, PostgreSQL)', {
  skip,
  timeout: 240_000,
}, () => {
  for (const [name, when] of [['in a Map', inMap]] as const) {
    it(`killed ${name}: completed once, with the right output`, async () => {
      const c = await startCluster({ env: { ...LEASE, HANGAR_WORKER_STALE_MS: '1500' } });
      try {
        await c.addWorker({ HANGAR_WORKERS: '2' });
        let server = c.servers[0];
        await crashDuring(
          {
            url: () => server.url,
            async killAll() {
              for (const p of [...c.servers, ...c.workers]) p.child.kill('SIGKILL');
              await Promise.all([...c.servers, ...c.workers].map((p) => p.exited));
              server = await c.addServer();
              await c.addWorker({ HANGAR_WORKERS: '2' });
            },
            close: async () => {},
          },
          when,
        );
      } finally {
        await c.close();
      }
    });
  }
});
