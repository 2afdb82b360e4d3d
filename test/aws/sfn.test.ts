/**
 * The Step Functions API through the real AWS SDK (@aws-sdk/client-sfn) against a started
 * Hangar: state machines' whole lifecycle, executions, history and callbacks, Step Functions'
 * error names for bad input, and tenancy (another user's machines and executions are not found).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { accountIdOf } from '../../src/aws/index.ts';
import { REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { refusedBy, sfnClient } from '../helpers/sfn.ts';
import { seedExecution } from '../helpers/workflows.ts';

let p: TestPlatform;
let alice: SFNClient;
let bob: SFNClient;
let aliceKey: { keyId: string; key: string };

const ROLE = 'arn:aws:iam::123456789012:role/StepFunctions';
const account = accountIdOf('alice');
const machineArn = (name: string, acct = account) => `arn:aws:states:${REGION}:${acct}:stateMachine:${name}`;
const executionArn = (machine: string, name: string) => `arn:aws:states:${REGION}:${account}:execution:${machine}:${name}`;

const passDefinition = (result: unknown = { ok: true }) =>
  JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });
const waitDefinition = JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } });

before(async () => {
  p = await testPlatform({}, { api: true, workers: false });
  const key = async (userId: string) => (await p.inject({ method: 'POST', url: '/keys', payload: { userId } })).json();
  aliceKey = await key('alice');
  alice = sfnClient(p.url!, aliceKey);
  bob = sfnClient(p.url!, await key('bob'));
});
after(() => p.close());

describe('Step Functions state machines through the AWS SDK', () => {
  it('creates, describes, lists, updates and deletes a state machine', async () => {
    const definition = passDefinition();
    const created = await alice.send(new CreateStateMachineCommand({ name: 'hello', definition, roleArn: ROLE }));
    assert.equal(created.$metadata.httpStatusCode, 200);
    assert.equal(created.stateMachineArn, machineArn('hello'));
    assert.ok(created.creationDate instanceof Date);
    assert.ok(Math.abs(created.creationDate.getTime() - Date.now()) < 60_000);

    // The same request again is answered with the same machine (idempotent).
    const again = await alice.send(new CreateStateMachineCommand({ name: 'hello', definition, roleArn: ROLE }));
    assert.equal(again.stateMachineArn, created.stateMachineArn);
    assert.equal(again.creationDate?.getTime(), created.creationDate.getTime());

    const described = await alice.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    assert.equal(described.name, 'hello');
    assert.equal(described.status, 'ACTIVE');
    assert.equal(described.definition, definition);
    assert.equal(described.roleArn, ROLE);
    assert.equal(described.type, 'STANDARD');
    assert.equal(described.creationDate?.getTime(), created.creationDate.getTime());
    assert.deepEqual(described.loggingConfiguration, { level: 'OFF', includeExecutionData: false });
    assert.ok(described.revisionId);

    const updated = await alice.send(
      new UpdateStateMachineCommand({ stateMachineArn: created.stateMachineArn, definition: passDefinition(2) }),
    );
    assert.ok(updated.updateDate instanceof Date);
    assert.ok(updated.revisionId && updated.revisionId !== described.revisionId);
    const after = await alice.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    assert.equal(after.definition, passDefinition(2));
    assert.equal(after.revisionId, updated.revisionId);

    await alice.send(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    const gone = await refusedBy(alice.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn })));
    assert.equal(gone.name, 'StateMachineDoesNotExist');
    assert.equal(gone.status, 400);
    // As on AWS, deleting it again succeeds.
    await alice.send(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
  });

  it('pages ListStateMachines with an opaque nextToken', async () => {
    for (const name of ['page-a', 'page-b', 'page-c'])
      await alice.send(new CreateStateMachineCommand({ name, definition: passDefinition(), roleArn: ROLE, type: 'EXPRESS' }));
    const names: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await alice.send(new ListStateMachinesCommand({ maxResults: 2, nextToken }));
      assert.ok((page.stateMachines?.length ?? 0) <= 2);
      for (const m of page.stateMachines ?? []) {
        assert.equal(m.stateMachineArn, machineArn(m.name!));
        assert.ok(m.creationDate instanceof Date);
        names.push(m.name!);
      }
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.deepEqual(
      names.filter((n) => n.startsWith('page-')),
      ['page-a', 'page-b', 'page-c'],
    );
    assert.ok(pages >= 2);
    const bad = await refusedBy(alice.send(new ListStateMachinesCommand({ nextToken: 'not-a-token' })));
    assert.equal(bad.name, 'InvalidToken');
    const described = await alice.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn('page-a') }));
    assert.equal(described.type, 'EXPRESS');
  });

  it('refuses invalid definitions, names, types, ARNs and duplicates with Step Functions’ errors', async () => {
    const bad = await refusedBy(
      alice.send(
        new CreateStateMachineCommand({ name: 'broken', definition: JSON.stringify({ StartAt: 'Nope', States: {} }), roleArn: ROLE }),
      ),
    );
    assert.equal(bad.name, 'InvalidDefinition');
    assert.equal(bad.status, 400);
    assert.match(bad.message, /^Invalid State Machine Definition: '/);
    const notJson = await refusedBy(alice.send(new CreateStateMachineCommand({ name: 'broken', definition: '{', roleArn: ROLE })));
    assert.equal(notJson.name, 'InvalidDefinition');
    const name = await refusedBy(
      alice.send(new CreateStateMachineCommand({ name: 'has space', definition: passDefinition(), roleArn: ROLE })),
    );
    assert.equal(name.name, 'InvalidName');
    const type = await refusedBy(
      alice.send(new CreateStateMachineCommand({ name: 'typed', definition: passDefinition(), roleArn: ROLE, type: 'FAST' as never })),
    );
    assert.equal(type.name, 'ValidationException');
    const role = await refusedBy(
      alice.send(new CreateStateMachineCommand({ name: 'roled', definition: passDefinition(), roleArn: 'nope' })),
    );
    assert.equal(role.name, 'InvalidArn');
    const missing = await refusedBy(alice.send(new CreateStateMachineCommand({ name: 'def', roleArn: ROLE } as never)));
    assert.equal(missing.name, 'MissingRequiredParameter');

    await alice.send(new CreateStateMachineCommand({ name: 'taken', definition: passDefinition(), roleArn: ROLE }));
    const taken = await refusedBy(
      alice.send(new CreateStateMachineCommand({ name: 'taken', definition: passDefinition(1), roleArn: ROLE })),
    );
    assert.equal(taken.name, 'StateMachineAlreadyExists');
    const update = await refusedBy(
      alice.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('taken'), definition: JSON.stringify({ StartAt: 'X' }) })),
    );
    assert.equal(update.name, 'InvalidDefinition');
    const nothing = await refusedBy(alice.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('taken') })));
    assert.equal(nothing.name, 'MissingRequiredParameter');

    const arn = await refusedBy(alice.send(new DescribeStateMachineCommand({ stateMachineArn: 'arn:aws:lambda:us-east-1:1:function:x' })));
    assert.equal(arn.name, 'InvalidArn');
    const garbage = await refusedBy(alice.send(new DescribeStateMachineCommand({ stateMachineArn: 'taken' })));
    assert.equal(garbage.name, 'InvalidArn');
    const otherAccount = await refusedBy(
      alice.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn('taken', '000000000001') })),
    );
    assert.equal(otherAccount.name, 'StateMachineDoesNotExist');
    const version = await refusedBy(alice.send(new DescribeStateMachineCommand({ stateMachineArn: `${machineArn('taken')}:1` })));
    assert.equal(version.name, 'StateMachineDoesNotExist');
  });

  it("keeps each user's state machines their own", async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'private', definition: passDefinition(), roleArn: ROLE }));
    // Bob names Alice's machine by its ARN: not found, whichever operation.
    for (const call of [
      () => bob.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn('private') })),
      () => bob.send(new UpdateStateMachineCommand({ stateMachineArn: machineArn('private'), definition: passDefinition(3) })),
      () => bob.send(new StartExecutionCommand({ stateMachineArn: machineArn('private') })),
      () => bob.send(new ListExecutionsCommand({ stateMachineArn: machineArn('private') })),
    ])
      assert.equal((await refusedBy(call())).name, 'StateMachineDoesNotExist');
    // ...nor under his own account's ARN of that name.
    const own = await refusedBy(bob.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn('private', accountIdOf('bob')) })));
    assert.equal(own.name, 'StateMachineDoesNotExist');
    const listed = await bob.send(new ListStateMachinesCommand({}));
    assert.deepEqual(listed.stateMachines, []);
    // Bob's delete of it is refused (an ARN of another account names nothing of his) and does nothing.
    const deleted = await refusedBy(bob.send(new DeleteStateMachineCommand({ stateMachineArn: machineArn('private') })));
    assert.equal(deleted.name, 'StateMachineDoesNotExist');
    const still = await alice.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn('private') }));
    assert.equal(still.name, 'private');
    const execution = await refusedBy(bob.send(new DescribeExecutionCommand({ executionArn: executionArn('private', 'x') })));
    assert.equal(execution.name, 'ExecutionDoesNotExist');
  });

  it('validates definitions as ValidateStateMachineDefinition does', async () => {
    const ok = await alice.send(new ValidateStateMachineDefinitionCommand({ definition: passDefinition() }));
    assert.equal(ok.result, 'OK');
    assert.deepEqual(ok.diagnostics, []);
    const fail = await alice.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify({ StartAt: 'A', States: {} }) }));
    assert.equal(fail.result, 'FAIL');
    assert.ok((fail.diagnostics?.length ?? 0) > 0);
    for (const d of fail.diagnostics ?? []) {
      assert.equal(d.severity, 'ERROR');
      assert.ok(d.code);
      assert.ok(d.message);
    }
    const one = await alice.send(
      new ValidateStateMachineDefinitionCommand({
        definition: JSON.stringify({ StartAt: 'A', States: { B: { Type: 'Nope' } } }),
        maxResults: 1,
      }),
    );
    assert.equal(one.diagnostics?.length, 1);
    // Express machines cannot wait for callbacks.
    const express = await alice.send(
      new ValidateStateMachineDefinitionCommand({
        type: 'EXPRESS',
        definition: JSON.stringify({
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', End: true } },
        }),
      }),
    );
    assert.equal(express.result, 'FAIL');
  });

  it('refuses bad signatures and unknown operations', async () => {
    const forged = sfnClient(p.url!, { keyId: aliceKey.keyId, key: `${aliceKey.key}x` });
    const refused = await refusedBy(forged.send(new ListStateMachinesCommand({})));
    assert.equal(refused.name, 'InvalidSignatureException');
    assert.equal(refused.status, 403);
    const unknown = await refusedBy(sfnClient(p.url!, { keyId: 'AKIDNOTAKEY', key: 'x' }).send(new ListStateMachinesCommand({})));
    assert.equal(unknown.name, 'UnrecognizedClientException');
    const r = await fetch(`${p.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.ListStateMachines' },
      body: '{}',
    });
    assert.equal(r.status, 403);
    assert.equal(((await r.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
  });
});

describe('Step Functions executions through the AWS SDK', () => {
  it('refuses bad execution requests before running anything', async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'runs', definition: passDefinition(), roleArn: ROLE }));
    const input = await refusedBy(alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('runs'), input: '{nope' })));
    assert.equal(input.name, 'InvalidExecutionInput');
    const name = await refusedBy(alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('runs'), name: 'a/b' })));
    assert.equal(name.name, 'InvalidName');
    const missing = await refusedBy(alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('nothing') })));
    assert.equal(missing.name, 'StateMachineDoesNotExist');
    const sync = await refusedBy(alice.send(new StartSyncExecutionCommand({ stateMachineArn: machineArn('runs') })));
    assert.equal(sync.name, 'StateMachineTypeNotSupported');
    const list = await refusedBy(alice.send(new ListExecutionsCommand({})));
    assert.equal(list.name, 'ValidationException');
    const status = await refusedBy(
      alice.send(new ListExecutionsCommand({ stateMachineArn: machineArn('runs'), statusFilter: 'DONE' as never })),
    );
    assert.equal(status.name, 'ValidationException');
    const express = await refusedBy(alice.send(new ListExecutionsCommand({ stateMachineArn: machineArn('page-a') })));
    assert.equal(express.name, 'StateMachineTypeNotSupported');
    const none = await alice.send(new ListExecutionsCommand({ stateMachineArn: machineArn('runs') }));
    assert.deepEqual(none.executions, []);
    for (const call of [
      () => alice.send(new DescribeExecutionCommand({ executionArn: executionArn('runs', 'never') })),
      () => alice.send(new GetExecutionHistoryCommand({ executionArn: executionArn('runs', 'never') })),
      () => alice.send(new StopExecutionCommand({ executionArn: executionArn('runs', 'never') })),
      () => alice.send(new DescribeStateMachineForExecutionCommand({ executionArn: executionArn('runs', 'never') })),
      () => alice.send(new DescribeExecutionCommand({ executionArn: `arn:aws:states:${REGION}:${account}:express:runs:x:1234` })),
    ])
      assert.equal((await refusedBy(call())).name, 'ExecutionDoesNotExist');
    const arn = await refusedBy(alice.send(new DescribeExecutionCommand({ executionArn: machineArn('runs') })));
    assert.equal(arn.name, 'InvalidArn');
  });

  it('describes, lists and pages executions and reads their history in AWS event shapes', async () => {
    // Written into the store as a runner writes them: this test is about reading them.
    await alice.send(new CreateStateMachineCommand({ name: 'seen', definition: passDefinition({ ok: true }), roleArn: ROLE }));
    const done = await seedExecution(p, {
      userId: 'alice',
      machine: 'seen',
      name: 'done',
      input: '{"n":1}',
      events: [
        ['PassStateEntered', { name: 'P', input: { n: 1 } }],
        ['PassStateExited', { name: 'P', output: { ok: true } }],
      ],
      end: { status: 'SUCCEEDED', output: '{"ok":true}' },
    });
    await seedExecution(p, { userId: 'alice', machine: 'seen', name: 'broke', end: { status: 'FAILED', error: 'Boom', cause: 'why' } });
    await seedExecution(p, { userId: 'alice', machine: 'seen', name: 'going' });

    const d = await alice.send(new DescribeExecutionCommand({ executionArn: executionArn('seen', 'done') }));
    assert.equal(d.executionArn, executionArn('seen', 'done'));
    assert.equal(d.stateMachineArn, machineArn('seen'));
    assert.equal(d.name, 'done');
    assert.equal(d.status, 'SUCCEEDED');
    assert.equal(d.input, '{"n":1}');
    assert.equal(d.output, '{"ok":true}');
    assert.equal(d.startDate?.getTime(), done.startedAt);
    assert.ok(d.stopDate instanceof Date);
    const meta = await alice.send(
      new DescribeExecutionCommand({ executionArn: executionArn('seen', 'done'), includedData: 'METADATA_ONLY' }),
    );
    assert.equal(meta.input, undefined);
    assert.deepEqual(meta.inputDetails, { included: false });
    const broke = await alice.send(new DescribeExecutionCommand({ executionArn: executionArn('seen', 'broke') }));
    assert.deepEqual([broke.status, broke.error, broke.cause, broke.output], ['FAILED', 'Boom', 'why', undefined]);

    const forExecution = await alice.send(new DescribeStateMachineForExecutionCommand({ executionArn: executionArn('seen', 'done') }));
    assert.equal(forExecution.stateMachineArn, machineArn('seen'));
    assert.equal(forExecution.definition, passDefinition({ ok: true }));
    assert.equal(forExecution.roleArn, ROLE);
    assert.equal(forExecution.revisionId, done.revisionId);

    const listed = await alice.send(new ListExecutionsCommand({ stateMachineArn: machineArn('seen') }));
    assert.deepEqual(
      listed.executions?.map((e) => [e.name, e.status, e.executionArn]),
      [
        ['going', 'RUNNING', executionArn('seen', 'going')],
        ['broke', 'FAILED', executionArn('seen', 'broke')],
        ['done', 'SUCCEEDED', executionArn('seen', 'done')],
      ],
    );
    const failedOnly = await alice.send(new ListExecutionsCommand({ stateMachineArn: machineArn('seen'), statusFilter: 'FAILED' }));
    assert.deepEqual(
      failedOnly.executions?.map((e) => e.name),
      ['broke'],
    );
    const page1 = await alice.send(new ListExecutionsCommand({ stateMachineArn: machineArn('seen'), maxResults: 2 }));
    assert.equal(page1.executions?.length, 2);
    assert.ok(page1.nextToken);
    const page2 = await alice.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn('seen'), maxResults: 2, nextToken: page1.nextToken }),
    );
    assert.deepEqual(
      page2.executions?.map((e) => e.name),
      ['done'],
    );
    assert.equal(page2.nextToken, undefined);

    const history = await alice.send(new GetExecutionHistoryCommand({ executionArn: executionArn('seen', 'done') }));
    assert.deepEqual(
      history.events?.map((e) => [e.id, e.previousEventId, e.type]),
      [
        [1, 0, 'ExecutionStarted'],
        [2, 1, 'PassStateEntered'],
        [3, 2, 'PassStateExited'],
        [4, 3, 'ExecutionSucceeded'],
      ],
    );
    const [started, entered, exited, succeeded] = history.events ?? [];
    assert.ok(started.timestamp instanceof Date);
    assert.deepEqual(started.executionStartedEventDetails, { input: '{"n":1}', inputDetails: { truncated: false }, roleArn: ROLE });
    assert.deepEqual(entered.stateEnteredEventDetails, { name: 'P', input: '{"n":1}', inputDetails: { truncated: false } });
    assert.deepEqual(exited.stateExitedEventDetails, { name: 'P', output: '{"ok":true}', outputDetails: { truncated: false } });
    assert.deepEqual(succeeded.executionSucceededEventDetails, { output: '{"ok":true}', outputDetails: { truncated: false } });
    const reversed = await alice.send(
      new GetExecutionHistoryCommand({ executionArn: executionArn('seen', 'done'), reverseOrder: true, maxResults: 3 }),
    );
    assert.deepEqual(
      reversed.events?.map((e) => e.id),
      [4, 3, 2],
    );
    const rest = await alice.send(
      new GetExecutionHistoryCommand({
        executionArn: executionArn('seen', 'done'),
        reverseOrder: true,
        maxResults: 3,
        nextToken: reversed.nextToken,
      }),
    );
    assert.deepEqual(
      rest.events?.map((e) => e.id),
      [1],
    );
    // A reverse read's token does not continue a forward one.
    const mixed = await refusedBy(
      alice.send(new GetExecutionHistoryCommand({ executionArn: executionArn('seen', 'done'), nextToken: reversed.nextToken })),
    );
    assert.equal(mixed.name, 'InvalidToken');
    const bare = await alice.send(
      new GetExecutionHistoryCommand({ executionArn: executionArn('seen', 'done'), includeExecutionData: false }),
    );
    assert.equal(bare.events?.[0].executionStartedEventDetails?.input, undefined);

    // Bob names them by Alice's ARNs: not found.
    for (const call of [
      () => bob.send(new DescribeExecutionCommand({ executionArn: executionArn('seen', 'done') })),
      () => bob.send(new GetExecutionHistoryCommand({ executionArn: executionArn('seen', 'done') })),
      () => bob.send(new StopExecutionCommand({ executionArn: executionArn('seen', 'going') })),
    ])
      assert.equal((await refusedBy(call())).name, 'ExecutionDoesNotExist');
  });

  it('refuses callbacks with no task waiting on their token', async () => {
    const success = await refusedBy(alice.send(new SendTaskSuccessCommand({ taskToken: 'no-such-token', output: '{}' })));
    assert.equal(success.name, 'TaskDoesNotExist');
    const output = await refusedBy(alice.send(new SendTaskSuccessCommand({ taskToken: 'no-such-token', output: '{nope' })));
    assert.equal(output.name, 'InvalidOutput');
    const failure = await refusedBy(alice.send(new SendTaskFailureCommand({ taskToken: 'no-such-token', error: 'E' })));
    assert.equal(failure.name, 'TaskDoesNotExist');
    const heartbeat = await refusedBy(alice.send(new SendTaskHeartbeatCommand({ taskToken: 'no-such-token' })));
    assert.equal(heartbeat.name, 'TaskDoesNotExist');
    const empty = await refusedBy(alice.send(new SendTaskHeartbeatCommand({ taskToken: '' })));
    assert.equal(empty.name, 'InvalidToken');
  });

  // TODO(runner): these need the durable workflow runner (app/workflow-runner.ts), not merged yet;
  // turned on when main has "app: the durable workflow runner".
  it.todo('starts an execution (idempotent by name and input), runs it to SUCCEEDED, and reads its history');
  it.todo('stops a running execution: ABORTED, with ExecutionAborted last in its history');
  it.todo('runs an EXPRESS machine to its end with StartSyncExecution');
  it.todo('answers a .waitForTaskToken Task with SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat');
  void waitDefinition;
});
