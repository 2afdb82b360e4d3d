/**
 * A workflow's Task on a function whose circuit breaker is open, through the real
 * @aws-sdk/client-sfn against a started Hangar: the Task fails at once with Hangar.CircuitOpen
 * (the function does not run), a Catch naming it takes the other path, and without a Catch the
 * execution fails with it — STANDARD (the durable runner) and EXPRESS (StartSyncExecution).
 * Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
import { accountIdOf } from '../../src/aws/index.ts';
import { NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform, until } from '../helpers/platform.ts';
import { sfnClient } from '../helpers/sfn.ts';
import { makeZip } from '../helpers/zip.ts';

const skip = NO_SANDBOX;
let p: TestPlatform;
let alice: SFNClient;
let aliceKey: string;

const ROLE = 'arn:aws:iam::123456789012:role/StepFunctions';
const machineArn = (name: string) => `arn:aws:states:${REGION}:${accountIdOf('alice')}:stateMachine:${name}`;

/** A Task on the scraper, with a Catch on Hangar.CircuitOpen when `caught`. */
const definition = (caught: boolean) =>
  JSON.stringify({
    StartAt: 'Scrape',
    States: {
      Scrape: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'scraper', Payload: { fail: false } },
        ...(caught ? { Catch: [{ ErrorEquals: ['Hangar.CircuitOpen'], ResultPath: '$.breaker', Next: 'Later' }] } : {}),
        End: true,
      },
      ...(caught ? { Later: { Type: 'Pass', Parameters: { 'error.$': '$.breaker.Error', deferred: true }, End: true } } : {}),
    },
  });

const as = (method: string, url: string, payload?: unknown) =>
  p.inject({ method: method as 'POST', url, auth: aliceKey, ...(payload === undefined ? {} : { payload: payload as object }) });
/** The scraper's invocation records: how many times it ran. */
const runs = async () => ((await as('GET', '/functions/scraper/invocations')).json().invocations as unknown[]).length;

before(async () => {
  if (skip) return;
  p = await testPlatform();
  const k = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  aliceKey = k.key;
  alice = sfnClient(p.url!, k);
  const zip = makeZip({ 'index.js': `exports.handler = async (e) => { if (e.fail) throw new Error('site down'); return { ok: true }; };` });
  const put = await as('PUT', '/functions/scraper', { zip: zip.toString('base64'), runtime: 'nodejs22.x', handler: 'index.handler' });
  assert.equal(put.statusCode, 201, put.body);
  // One failure opens it, for an hour: no probe runs during the test.
  const breaker = await as('PUT', '/functions/scraper/circuit-breaker', { failureThreshold: 1, windowSeconds: 60, cooldownSeconds: 3600 });
  assert.equal(breaker.statusCode, 200, breaker.body);
  assert.equal((await as('POST', '/functions/scraper/invoke', { fail: true })).headers['x-hangar-function-error'], 'Unhandled');
  assert.equal((await as('GET', '/functions/scraper/circuit-breaker')).json().state, 'open');
  await until(async () => (await runs()) === 1);
});
after(() => p?.close());

describe('workflows on an open circuit breaker, through the AWS SDK', { skip }, () => {
  it('STANDARD: a Catch on Hangar.CircuitOpen takes the other path; without one the execution fails with it', async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'caught', definition: definition(true), roleArn: ROLE }));
    await alice.send(new CreateStateMachineCommand({ name: 'uncaught', definition: definition(false), roleArn: ROLE }));
    const ended = async (arn: string) =>
      until(async () => {
        const d = await alice.send(new DescribeExecutionCommand({ executionArn: arn }));
        return d.status !== 'RUNNING' && d;
      }, 30_000);

    const caught = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('caught'), input: '{}' }));
    const c = await ended(caught.executionArn!);
    assert.equal(c.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(c.output!), { error: 'Hangar.CircuitOpen', deferred: true });

    const uncaught = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('uncaught'), input: '{}' }));
    const u = await ended(uncaught.executionArn!);
    assert.equal(u.status, 'FAILED');
    assert.equal(u.error, 'Hangar.CircuitOpen');
    assert.match(u.cause ?? '', /circuit breaker of function scraper is open/);
    assert.equal(await runs(), 1, 'neither Task ran the function');
  });

  it('EXPRESS: the same, answered by StartSyncExecution', async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'fast', definition: definition(true), roleArn: ROLE, type: 'EXPRESS' }));
    const r = await alice.send(new StartSyncExecutionCommand({ stateMachineArn: machineArn('fast'), input: '{}' }));
    assert.equal(r.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(r.output!), { error: 'Hangar.CircuitOpen', deferred: true });
    assert.equal(await runs(), 1);
  });
});
