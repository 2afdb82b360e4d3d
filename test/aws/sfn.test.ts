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
  DescribeMapRunCommand,
  type DescribeMapRunCommandOutput,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  UpdateMapRunCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { accountIdOf } from '../../src/aws/index.ts';
import { NO_SANDBOX, REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { refusedBy, sfnClient } from '../helpers/sfn.ts';
import { distributedMachine, mapRunCounts, seedExecution } from '../helpers/workflows.ts';
import { makeZip } from '../helpers/zip.ts';

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
  // Workers too: a Task's function runs in their sandbox.
  p = await testPlatform();
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

  it('takes a definition of up to 1 MiB, as AWS', async () => {
    // Pretty-printed Pass states with long comments: close to 1 MiB as text, more as a JSON string.
    const states: Record<string, unknown> = {};
    const n = 1800;
    for (let i = 0; i < n; i++)
      states[`S${i}`] = { Type: 'Pass', Comment: 'x'.repeat(480), ...(i + 1 < n ? { Next: `S${i + 1}` } : { End: true }) };
    const definition = JSON.stringify({ StartAt: 'S0', States: states }, null, 2);
    assert.ok(definition.length > 900_000 && definition.length <= 1_048_576, String(definition.length));
    const made = await alice.send(new CreateStateMachineCommand({ name: 'large', definition, roleArn: ROLE }));
    assert.equal(made.stateMachineArn, machineArn('large'));
    const got = await alice.send(new DescribeStateMachineCommand({ stateMachineArn: made.stateMachineArn }));
    assert.equal(got.definition, definition);
    const over = await refusedBy(
      alice.send(new CreateStateMachineCommand({ name: 'larger', definition: `${definition}${' '.repeat(150_000)}`, roleArn: ROLE })),
    );
    assert.equal(over.name, 'InvalidDefinition', over.message);
    assert.match(over.message, /over 1 MiB/);
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

describe('Step Functions API: malformed requests', () => {
  /** The statuses AWS's API model gives Step Functions' errors (@aws-sdk/client-sfn's httpError); 400 else. */
  const AWS_STATUS: Record<string, number> = { ResourceNotFound: 404, ConflictException: 409, ServiceQuotaExceededException: 402 };

  it('answers every operation’s bad bodies with a Step Functions error and its status, never a 5xx', async () => {
    // Unsigned requests, as HANGAR_AUTH=none takes them: this is about the bodies.
    const open = await testPlatform({ HANGAR_AUTH: 'none', HANGAR_WORKERS: '0' }, { api: true, workers: false });
    try {
      const operations = [
        'CreateStateMachine',
        'UpdateStateMachine',
        'DescribeStateMachine',
        'ListStateMachines',
        'DeleteStateMachine',
        'ValidateStateMachineDefinition',
        'TestState',
        'StartExecution',
        'StartSyncExecution',
        'DescribeExecution',
        'DescribeStateMachineForExecution',
        'StopExecution',
        'RedriveExecution',
        'ListExecutions',
        'GetExecutionHistory',
        'DescribeMapRun',
        'ListMapRuns',
        'UpdateMapRun',
        'SendTaskSuccess',
        'SendTaskFailure',
        'SendTaskHeartbeat',
        'CreateActivity',
        'DescribeActivity',
        'ListActivities',
        'DeleteActivity',
        'GetActivityTask',
        'PublishStateMachineVersion',
        'ListStateMachineVersions',
        'DeleteStateMachineVersion',
        'CreateStateMachineAlias',
        'DescribeStateMachineAlias',
        'UpdateStateMachineAlias',
        'ListStateMachineAliases',
        'DeleteStateMachineAlias',
      ];
      const bodies = [
        '',
        '{',
        '[]',
        'null',
        '"x"',
        '{"name":5,"definition":[],"roleArn":{},"type":1}',
        '{"stateMachineArn":7,"executionArn":[],"taskToken":9,"output":{},"maxResults":"9","nextToken":5,"reverseOrder":"yes","mapRunArn":3}',
        '{"mapRunArn":"arn:aws:states:us-east-1:000000000000:mapRun:m/l:00000000-0000-4000-8000-000000000000","maxConcurrency":"2","toleratedFailurePercentage":101}',
        '{"stateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:x","executionArn":"arn:aws:states:::execution","maxResults":-1}',
        '{"definition":"{\\"StartAt\\":1}","name":"x","maxResults":100000,"nextToken":"AAAA"}',
        `{"taskToken":"${'t'.repeat(3000)}","input":"${'x'.repeat(10)}","output":"{"}`,
        '{"routingConfiguration":[{"stateMachineVersionArn":5,"weight":"x"},null],"stateMachineVersionArn":[],"stateMachineAliasArn":{},"name":"a","publish":"yes","versionDescription":7}',
        '{"routingConfiguration":{},"stateMachineAliasArn":"arn:aws:states:us-east-1:000000000000:stateMachine:x:1","stateMachineVersionArn":"arn:aws:states:us-east-1:000000000000:stateMachine:x:a:b","revisionId":3}',
      ];
      let ok = 0;
      for (const operation of operations)
        for (const body of bodies) {
          const r = await fetch(`${open.url}/`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AWSStepFunctions.${operation}` },
            body,
          });
          const answer = (await r.json()) as { __type?: string };
          assert.ok(r.status < 500, `${operation} ${body.slice(0, 80)} → ${r.status} ${JSON.stringify(answer)}`);
          if (r.status === 200) ok++;
          // Each error with AWS's status for it: 400 but a few (ResourceNotFound 404...).
          else
            assert.ok(
              answer.__type && r.status === (AWS_STATUS[answer.__type] ?? 400),
              `${operation} ${body.slice(0, 80)} → ${r.status} ${JSON.stringify(answer)}`,
            );
        }
      // Some are fine as they are: listing with no arguments, say.
      assert.ok(ok > 0 && ok < operations.length * bodies.length);
      const unknown = await fetch(`${open.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.NoSuchOperation' },
        body: '{}',
      });
      assert.equal(unknown.status, 400);
      assert.equal(((await unknown.json()) as { __type: string }).__type, 'UnknownOperationException');
    } finally {
      await open.close();
    }
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

  /** DescribeExecution until the execution has ended. */
  const ended = async (executionArn: string) => {
    for (;;) {
      const d = await alice.send(new DescribeExecutionCommand({ executionArn }));
      if (d.status !== 'RUNNING') return d;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const historyOf = async (executionArn: string) => (await alice.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];

  it('starts an execution (idempotent by name and input while it runs), runs it to SUCCEEDED, and reads its history', async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'chain', definition: passDefinition({ done: true }), roleArn: ROLE }));
    const started = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('chain'), name: 'one', input: '{"a":1}' }));
    assert.equal(started.executionArn, executionArn('chain', 'one'));
    assert.ok(started.startDate instanceof Date);
    const d = await ended(started.executionArn!);
    assert.equal(d.status, 'SUCCEEDED');
    assert.equal(d.output, '{"done":true}');
    assert.equal(d.input, '{"a":1}');
    const events = await historyOf(started.executionArn!);
    assert.deepEqual(
      events.map((e) => e.type),
      ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'],
    );
    assert.deepEqual(events[0].executionStartedEventDetails, { input: '{"a":1}', inputDetails: { truncated: false }, roleArn: ROLE });
    assert.equal(events[2].stateExitedEventDetails?.output, '{"done":true}');
    // Ended: the name is taken for good.
    const again = await refusedBy(
      alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('chain'), name: 'one', input: '{"a":1}' })),
    );
    assert.equal(again.name, 'ExecutionAlreadyExists');

    // While it runs, the same start is answered with it; another input is refused.
    await alice.send(new CreateStateMachineCommand({ name: 'waits', definition: waitDefinition, roleArn: ROLE }));
    const w = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('waits'), name: 'w', input: '{}' }));
    const same = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('waits'), name: 'w', input: '{}' }));
    assert.equal(same.executionArn, w.executionArn);
    assert.equal(same.startDate?.getTime(), w.startDate?.getTime());
    const other = await refusedBy(
      alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('waits'), name: 'w', input: '{"b":2}' })),
    );
    assert.equal(other.name, 'ExecutionAlreadyExists');
    // A default name is a fresh UUID.
    const unnamed = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('chain') }));
    assert.match(unnamed.executionArn!, /:execution:chain:[0-9a-f-]{36}$/);
    const listed = await alice.send(new ListExecutionsCommand({ stateMachineArn: machineArn('waits'), statusFilter: 'RUNNING' }));
    assert.deepEqual(
      listed.executions?.map((e) => e.executionArn),
      [w.executionArn],
    );
  });

  it("names a Map's iterations by their Map state in the history, and a Parallel's events", async () => {
    const definition = JSON.stringify({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'Inner', States: { Inner: { Type: 'Pass', End: true } } },
          Next: 'Par',
        },
        Par: { Type: 'Parallel', Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }], End: true },
      },
    });
    await alice.send(new CreateStateMachineCommand({ name: 'mapped', definition, roleArn: ROLE }));
    const s = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('mapped'), input: '[1,2]' }));
    const d = await ended(s.executionArn!);
    assert.equal(d.status, 'SUCCEEDED', d.cause);
    assert.equal(d.output, '[[1,2]]');
    const events = await historyOf(s.executionArn!);
    assert.deepEqual(events.find((e) => e.type === 'MapStateStarted')?.mapStateStartedEventDetails, { length: 2 });
    const iterations = events
      .filter((e) => e.type?.startsWith('MapIteration'))
      .map((e) => [e.type, e.mapIterationStartedEventDetails ?? e.mapIterationSucceededEventDetails] as const)
      .sort((a, b) => `${a[0]}${a[1]?.index}`.localeCompare(`${b[0]}${b[1]?.index}`));
    assert.deepEqual(iterations, [
      ['MapIterationStarted', { name: 'M', index: 0 }],
      ['MapIterationStarted', { name: 'M', index: 1 }],
      ['MapIterationSucceeded', { name: 'M', index: 0 }],
      ['MapIterationSucceeded', { name: 'M', index: 1 }],
    ]);
    const parallel = events.filter((e) => e.type?.startsWith('ParallelState')).map((e) => e.type);
    assert.deepEqual(parallel, ['ParallelStateEntered', 'ParallelStateStarted', 'ParallelStateSucceeded', 'ParallelStateExited']);
    // Every event but the first follows one before it.
    for (const e of events.slice(1)) assert.ok(e.previousEventId! >= 1 && e.previousEventId! < e.id!, JSON.stringify(e));
  });

  it('stops a running execution: ABORTED, with ExecutionAborted last in its history', async () => {
    await alice.send(new CreateStateMachineCommand({ name: 'waits', definition: waitDefinition, roleArn: ROLE }));
    const w = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('waits'), name: 'to-stop' }));
    // Stopped once it waits (a stop before its runner's first step would end it before the Wait).
    while (!(await historyOf(w.executionArn!)).some((e) => e.type === 'WaitStateEntered')) await new Promise((r) => setTimeout(r, 20));
    const stopped = await alice.send(
      new StopExecutionCommand({ executionArn: w.executionArn, error: 'Enough', cause: 'the test stopped it' }),
    );
    assert.ok(stopped.stopDate instanceof Date);
    const d = await alice.send(new DescribeExecutionCommand({ executionArn: w.executionArn }));
    assert.deepEqual([d.status, d.error, d.cause], ['ABORTED', 'Enough', 'the test stopped it']);
    assert.equal(d.stopDate?.getTime(), stopped.stopDate.getTime());
    const events = await historyOf(w.executionArn!);
    const last = events[events.length - 1];
    assert.equal(last.type, 'ExecutionAborted');
    assert.deepEqual(last.executionAbortedEventDetails, { error: 'Enough', cause: 'the test stopped it' });
    assert.deepEqual(
      events.slice(0, 2).map((e) => e.type),
      ['ExecutionStarted', 'WaitStateEntered'],
    );
  });

  it('runs an EXPRESS machine to its end with StartSyncExecution; StartExecution of one is not kept', async () => {
    await alice.send(
      new CreateStateMachineCommand({ name: 'fast', definition: passDefinition({ quick: 1 }), roleArn: ROLE, type: 'EXPRESS' }),
    );
    const r = await alice.send(new StartSyncExecutionCommand({ stateMachineArn: machineArn('fast'), name: 'run-1', input: '{"x":1}' }));
    assert.equal(r.status, 'SUCCEEDED');
    assert.equal(r.output, '{"quick":1}');
    assert.equal(r.input, '{"x":1}');
    assert.equal(r.name, 'run-1');
    assert.equal(r.stateMachineArn, machineArn('fast'));
    assert.match(r.executionArn!, new RegExp(`^arn:aws:states:${REGION}:${account}:express:fast:run-1:[0-9a-f-]{36}$`));
    assert.ok(r.startDate instanceof Date && r.stopDate instanceof Date);
    assert.ok(r.billingDetails?.billedDurationInMilliseconds);

    const failing = JSON.stringify({ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Nope', Cause: 'on purpose' } } });
    await alice.send(new CreateStateMachineCommand({ name: 'fails', definition: failing, roleArn: ROLE, type: 'EXPRESS' }));
    const f = await alice.send(new StartSyncExecutionCommand({ stateMachineArn: machineArn('fails') }));
    assert.deepEqual([f.status, f.error, f.cause, f.output], ['FAILED', 'Nope', 'on purpose', undefined]);

    const started = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('fast'), name: 'async' }));
    assert.match(started.executionArn!, /:express:fast:async:[0-9a-f-]{36}$/);
    const d = await refusedBy(alice.send(new DescribeExecutionCommand({ executionArn: started.executionArn })));
    assert.equal(d.name, 'ExecutionDoesNotExist');
  });

  it('describes and lists the Map Run of a Distributed Map; a tolerated failure counts as failed; it is its user’s only', async () => {
    await alice.send(
      new CreateStateMachineCommand({
        name: 'runs-map',
        definition: distributedMachine({ MaxConcurrency: 2, ToleratedFailureCount: 1 }),
        roleArn: ROLE,
      }),
    );
    const s = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('runs-map'), name: 'mr-1', input: '[1,0,3]' }));
    const d = await ended(s.executionArn!);
    assert.equal(d.status, 'SUCCEEDED', d.cause);
    const events = await historyOf(s.executionArn!);
    const types = events.map((e) => e.type);
    assert.equal(types.indexOf('MapRunStarted'), types.indexOf('MapStateStarted') + 1, types.join());
    assert.equal(types.indexOf('MapStateSucceeded'), types.indexOf('MapRunSucceeded') + 1, types.join());
    const mapRunArn = events.find((e) => e.type === 'MapRunStarted')?.mapRunStartedEventDetails?.mapRunArn;
    assert.match(String(mapRunArn), new RegExp(`^arn:aws:states:${REGION}:${account}:mapRun:runs-map/batch:[0-9a-f-]{36}$`));

    const listed = await alice.send(new ListMapRunsCommand({ executionArn: s.executionArn }));
    assert.equal(listed.mapRuns?.length, 1);
    const [item] = listed.mapRuns ?? [];
    assert.equal(item.executionArn, s.executionArn);
    assert.equal(item.mapRunArn, mapRunArn);
    assert.equal(item.stateMachineArn, machineArn('runs-map/batch'));
    assert.ok(item.startDate instanceof Date && item.stopDate instanceof Date);

    const m = await alice.send(new DescribeMapRunCommand({ mapRunArn }));
    assert.equal(m.mapRunArn, mapRunArn);
    assert.equal(m.executionArn, s.executionArn);
    assert.equal(m.status, 'SUCCEEDED');
    assert.deepEqual([m.maxConcurrency, m.toleratedFailureCount, m.toleratedFailurePercentage], [2, 1, 0]);
    assert.ok(m.startDate instanceof Date && m.stopDate instanceof Date && m.stopDate >= m.startDate);
    const counts = mapRunCounts({ succeeded: 2, failed: 1, total: 3, resultsWritten: 3 });
    assert.deepEqual(m.itemCounts, counts);
    assert.deepEqual(m.executionCounts, counts);

    // An ended Map Run takes no update; bad ARNs, other ids and other users' runs are refused as AWS does.
    assert.equal((await refusedBy(alice.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 5 })))).name, 'ValidationException');
    assert.equal((await refusedBy(alice.send(new DescribeMapRunCommand({ mapRunArn: 'arn:aws:states:nope' })))).name, 'InvalidArn');
    const unknown = String(mapRunArn).replace(/:[0-9a-f-]{36}$/, ':00000000-0000-4000-8000-000000000000');
    assert.equal((await refusedBy(alice.send(new DescribeMapRunCommand({ mapRunArn: unknown })))).name, 'ResourceNotFound');
    const relabelled = String(mapRunArn).replace('/batch:', '/other:');
    assert.equal((await refusedBy(alice.send(new DescribeMapRunCommand({ mapRunArn: relabelled })))).name, 'ResourceNotFound');
    assert.equal((await refusedBy(bob.send(new DescribeMapRunCommand({ mapRunArn })))).name, 'ResourceNotFound');
    assert.equal((await refusedBy(bob.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 1 })))).name, 'ResourceNotFound');
    const bobs = await refusedBy(bob.send(new ListMapRunsCommand({ executionArn: s.executionArn })));
    assert.equal(bobs.name, 'ExecutionDoesNotExist');
  });

  it("lists a Map Run's child executions (ListExecutions with mapRunArn), describes each and reads its own history", async () => {
    await alice.send(
      new CreateStateMachineCommand({
        name: 'child-map',
        definition: distributedMachine({ MaxConcurrency: 2, ToleratedFailurePercentage: 50 }),
        roleArn: ROLE,
      }),
    );
    const s = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('child-map'), input: '[1,0,3,4]' }));
    assert.equal((await ended(s.executionArn!)).status, 'SUCCEEDED');
    const mapRunArn = (await alice.send(new ListMapRunsCommand({ executionArn: s.executionArn }))).mapRuns?.[0]?.mapRunArn;
    const all = (await alice.send(new ListExecutionsCommand({ mapRunArn }))).executions ?? [];
    // One per iteration, newest first (iterations start in index order); the one that failed (item 0) is the third.
    assert.deepEqual(
      all.map((e) => e.status),
      ['SUCCEEDED', 'SUCCEEDED', 'FAILED', 'SUCCEEDED'],
    );
    for (const e of all) {
      assert.match(String(e.executionArn), new RegExp(`^arn:aws:states:${REGION}:${account}:execution:child-map/batch:${e.name}$`));
      assert.match(String(e.name), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(e.stateMachineArn, machineArn('child-map/batch'));
      assert.equal(e.mapRunArn, mapRunArn);
      assert.equal(e.itemCount, 1);
      assert.ok(e.startDate instanceof Date && e.stopDate instanceof Date && e.stopDate >= e.startDate);
    }
    assert.equal(new Set(all.map((e) => e.name)).size, 4);
    assert.deepEqual((await alice.send(new ListExecutionsCommand({ mapRunArn }))).executions, all, 'stable across calls');
    // Paged and filtered as ListExecutions is; DescribeMapRun's executionCounts agree.
    const first = await alice.send(new ListExecutionsCommand({ mapRunArn, maxResults: 3 }));
    assert.equal(first.executions?.length, 3);
    const rest = await alice.send(new ListExecutionsCommand({ mapRunArn, maxResults: 3, nextToken: first.nextToken }));
    assert.deepEqual([...(first.executions ?? []), ...(rest.executions ?? [])], all);
    assert.equal(rest.nextToken, undefined);
    const failed = (await alice.send(new ListExecutionsCommand({ mapRunArn, statusFilter: 'FAILED' }))).executions ?? [];
    assert.deepEqual(failed, [all[2]]);
    const counts = (await alice.send(new DescribeMapRunCommand({ mapRunArn }))).executionCounts;
    assert.deepEqual([counts?.succeeded, counts?.failed, counts?.running, counts?.total], [3, 1, 0, all.length]);
    // mapRunArn with stateMachineArn, another user's Map Run, a bad token: AWS's errors.
    const both = await refusedBy(alice.send(new ListExecutionsCommand({ mapRunArn, stateMachineArn: machineArn('child-map') })));
    assert.equal(both.name, 'ValidationException');
    assert.equal((await refusedBy(bob.send(new ListExecutionsCommand({ mapRunArn })))).name, 'ResourceNotFound');
    const token = await refusedBy(alice.send(new ListExecutionsCommand({ mapRunArn, nextToken: 'nope' })));
    assert.equal(token.name, 'InvalidToken');

    const bad = await alice.send(new DescribeExecutionCommand({ executionArn: all[2].executionArn }));
    assert.deepEqual(
      [bad.status, bad.input, bad.error, bad.cause, bad.mapRunArn, bad.name, bad.stateMachineArn],
      ['FAILED', '0', 'Zero', 'no zeros', mapRunArn, all[2].name, machineArn('child-map/batch')],
    );
    const ok = await alice.send(new DescribeExecutionCommand({ executionArn: all[1].executionArn }));
    assert.deepEqual([ok.status, ok.input, ok.output, ok.error], ['SUCCEEDED', '3', '3', undefined]);
    const history = (await alice.send(new GetExecutionHistoryCommand({ executionArn: all[1].executionArn }))).events ?? [];
    assert.deepEqual(
      history.map((e) => e.type),
      [
        'ExecutionStarted',
        'WaitStateEntered',
        'WaitStateExited',
        'ChoiceStateEntered',
        'ChoiceStateExited',
        'PassStateEntered',
        'PassStateExited',
        'ExecutionSucceeded',
      ],
    );
    assert.equal(history[0].executionStartedEventDetails?.input, '3');
    assert.equal(history.at(-1)?.executionSucceededEventDetails?.output, '3');
    const reversed = await alice.send(
      new GetExecutionHistoryCommand({ executionArn: all[1].executionArn, reverseOrder: true, maxResults: 2 }),
    );
    assert.deepEqual(
      reversed.events?.map((e) => e.id),
      [8, 7],
    );
    const failedHistory = (await alice.send(new GetExecutionHistoryCommand({ executionArn: all[2].executionArn }))).events ?? [];
    assert.equal(failedHistory.at(-1)?.type, 'ExecutionFailed');
    assert.equal(failedHistory.at(-1)?.executionFailedEventDetails?.error, 'Zero');
    // Another user's, or a name of no iteration: none. A child is not stopped alone here.
    assert.equal(
      (await refusedBy(bob.send(new DescribeExecutionCommand({ executionArn: all[0].executionArn })))).name,
      'ExecutionDoesNotExist',
    );
    const none = String(all[0].executionArn).replace(/:[0-9a-f-]{36}$/, ':00000000-0000-4000-8000-000000000000');
    assert.equal((await refusedBy(alice.send(new DescribeExecutionCommand({ executionArn: none })))).name, 'ExecutionDoesNotExist');
    // An ended child is stopped already: StopExecution changes nothing and answers when it ended.
    const stop = await alice.send(new StopExecutionCommand({ executionArn: all[0].executionArn }));
    assert.equal(stop.stopDate?.getTime(), all[0].stopDate?.getTime());
    assert.equal((await alice.send(new DescribeExecutionCommand({ executionArn: all[0].executionArn }))).status, 'SUCCEEDED');
    // The state machine a child runs: its Map's ItemProcessor, with the Map Run and its label.
    const machine = await alice.send(new DescribeStateMachineForExecutionCommand({ executionArn: all[0].executionArn }));
    const processor = (JSON.parse(distributedMachine()) as { States: { Each: { ItemProcessor: { ProcessorConfig: unknown } } } }).States
      .Each.ItemProcessor;
    const { ProcessorConfig: _config, ...expected } = processor;
    assert.deepEqual(
      [machine.stateMachineArn, machine.name, JSON.parse(machine.definition ?? 'null'), machine.mapRunArn, machine.label, machine.roleArn],
      [machineArn('child-map/batch'), 'child-map/batch', expected, mapRunArn, 'batch', ROLE],
    );
    assert.equal(
      (await refusedBy(bob.send(new DescribeStateMachineForExecutionCommand({ executionArn: all[0].executionArn })))).name,
      'ExecutionDoesNotExist',
    );
  });

  it('a Map with an ItemBatcher has one child execution per batch, its input the batch', async () => {
    await alice.send(
      new CreateStateMachineCommand({
        name: 'batch-map',
        definition: distributedMachine({ ItemBatcher: { MaxItemsPerBatch: 2 } }),
        roleArn: ROLE,
      }),
    );
    const s = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('batch-map'), input: '[1,2,3]' }));
    assert.equal((await ended(s.executionArn!)).status, 'SUCCEEDED');
    const mapRunArn = (await alice.send(new ListMapRunsCommand({ executionArn: s.executionArn }))).mapRuns?.[0]?.mapRunArn;
    const children = (await alice.send(new ListExecutionsCommand({ mapRunArn }))).executions ?? [];
    assert.deepEqual(
      children.map((e) => [e.status, e.itemCount]),
      [
        ['SUCCEEDED', 1],
        ['SUCCEEDED', 2],
      ],
    );
    const inputs = [];
    for (const c of children) inputs.push((await alice.send(new DescribeExecutionCommand({ executionArn: c.executionArn }))).input);
    assert.deepEqual(inputs, ['{"Items":[3]}', '{"Items":[1,2]}']);
    assert.equal((await alice.send(new DescribeMapRunCommand({ mapRunArn }))).executionCounts?.succeeded, children.length);
  });

  it('UpdateMapRun changes a running Map Run; StopExecution aborts it (MapRunAborted)', async () => {
    await alice.send(
      new CreateStateMachineCommand({ name: 'slow-map', definition: distributedMachine({ MaxConcurrency: 1 }, 3600), roleArn: ROLE }),
    );
    const s = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('slow-map'), input: '[1,2,3]' }));
    let mapRunArn: string | undefined;
    while (!mapRunArn) {
      mapRunArn = (await alice.send(new ListMapRunsCommand({ executionArn: s.executionArn }))).mapRuns?.[0]?.mapRunArn;
      await new Promise((r) => setTimeout(r, 20));
    }
    const bad = await refusedBy(alice.send(new UpdateMapRunCommand({ mapRunArn, toleratedFailurePercentage: 101 })));
    assert.equal(bad.name, 'ValidationException');
    await alice.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 2, toleratedFailurePercentage: 50 }));
    for (;;) {
      const now: DescribeMapRunCommandOutput = await alice.send(new DescribeMapRunCommand({ mapRunArn }));
      assert.equal(now.status, 'RUNNING');
      assert.deepEqual([now.maxConcurrency, now.toleratedFailurePercentage], [2, 50]);
      if (now.itemCounts?.running === 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await alice.send(new StopExecutionCommand({ executionArn: s.executionArn }));
    const m = await alice.send(new DescribeMapRunCommand({ mapRunArn }));
    assert.equal(m.status, 'ABORTED');
    assert.deepEqual([m.itemCounts?.aborted, m.itemCounts?.pending, m.itemCounts?.running], [2, 1, 0]);
    assert.deepEqual(
      (await historyOf(s.executionArn!)).slice(-2).map((e) => e.type),
      ['MapRunAborted', 'ExecutionAborted'],
    );
  });

  it('StopExecution of a child execution aborts that iteration alone; its Map counts it a failure', async () => {
    await alice.send(
      new CreateStateMachineCommand({
        name: 'stop-child',
        definition: distributedMachine({ MaxConcurrency: 2, ToleratedFailureCount: 1 }, 3600),
        roleArn: ROLE,
      }),
    );
    const s = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('stop-child'), input: '[1,2,3]' }));
    let mapRunArn: string | undefined;
    while (!mapRunArn) {
      mapRunArn = (await alice.send(new ListMapRunsCommand({ executionArn: s.executionArn }))).mapRuns?.[0]?.mapRunArn;
      await new Promise((r) => setTimeout(r, 20));
    }
    /** The running children once `n` run, oldest first. */
    const running = async (n: number) => {
      for (;;) {
        const list = (await alice.send(new ListExecutionsCommand({ mapRunArn, statusFilter: 'RUNNING' }))).executions ?? [];
        if (list.length === n) return list.reverse();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const [first] = await running(2);
    const stopped = await alice.send(
      new StopExecutionCommand({ executionArn: first.executionArn, error: 'Enough', cause: 'stopped alone' }),
    );
    assert.ok(stopped.stopDate instanceof Date);
    // The parent's runner (here, or on another node through its inbox) aborts it; the third item starts.
    let child = await alice.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    while (child.status === 'RUNNING') {
      await new Promise((r) => setTimeout(r, 20));
      child = await alice.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    }
    assert.deepEqual([child.status, child.error, child.cause], ['ABORTED', 'Enough', 'stopped alone']);
    assert.equal(child.redriveStatus, 'REDRIVABLE_BY_MAP_RUN', 'its Map Run may redrive it (the parent runs)');
    const [second, third] = await running(2);
    assert.notEqual(second.executionArn, first.executionArn);
    assert.equal(
      (await alice.send(new DescribeExecutionCommand({ executionArn: s.executionArn }))).status,
      'RUNNING',
      'the parent goes on',
    );
    const counts = (await alice.send(new DescribeMapRunCommand({ mapRunArn }))).executionCounts;
    assert.deepEqual([counts?.aborted, counts?.failed, counts?.running, counts?.pending], [1, 0, 2, 0]);
    const aborted = (await alice.send(new ListExecutionsCommand({ mapRunArn, statusFilter: 'ABORTED' }))).executions ?? [];
    assert.deepEqual(
      aborted.map((e) => e.executionArn),
      [first.executionArn],
    );
    // Its own history: its start and its end at its own times, not the parent's.
    const own = await historyOf(first.executionArn!);
    assert.deepEqual([own[0].type, own.at(-1)?.type], ['ExecutionStarted', 'ExecutionAborted']);
    assert.equal(own.at(-1)?.executionAbortedEventDetails?.error, 'Enough');
    assert.equal(own[0].timestamp?.getTime(), child.startDate?.getTime());
    assert.equal(own.at(-1)?.timestamp?.getTime(), child.stopDate?.getTime());
    assert.ok((await historyOf(s.executionArn!)).some((e) => e.type === 'MapIterationAborted'));

    // A second one stopped passes the tolerated one failure: the Map fails once the last running one ends.
    await alice.send(new StopExecutionCommand({ executionArn: second.executionArn }));
    await alice.send(new StopExecutionCommand({ executionArn: third.executionArn }));
    const parent = await ended(s.executionArn!);
    assert.deepEqual([parent.status, parent.error], ['FAILED', 'States.ExceedToleratedFailureThreshold']);
    const after = await alice.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    assert.deepEqual([after.redriveStatus, after.redriveStatusReason], ['REDRIVABLE_BY_MAP_RUN', undefined], 'the parent may be redriven');
    const final = await alice.send(new DescribeMapRunCommand({ mapRunArn }));
    assert.deepEqual([final.status, final.executionCounts?.aborted, final.executionCounts?.failed], ['FAILED', 3, 0]);
  });

  it('runs a Distributed Map with a ResultWriter unchanged, STANDARD and EXPRESS: the output names the Map Run and its manifest', async () => {
    const made = await p.inject({ method: 'POST', url: '/projects', payload: { name: 'map-results' }, auth: aliceKey.key });
    assert.equal(made.statusCode, 201, made.body);
    // As a Distributed Map with an S3 export is written for AWS.
    const definition = JSON.stringify({
      StartAt: 'Process',
      States: {
        Process: {
          Type: 'Map',
          ItemsPath: '$.orders',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
            StartAt: 'Ship',
            States: { Ship: { Type: 'Pass', Parameters: { 'shipped.$': '$.id' }, End: true } },
          },
          Label: 'orders',
          ResultWriter: {
            Resource: 'arn:aws:states:::s3:putObject',
            Parameters: { Bucket: 'map-results', Prefix: 'shipping' },
          },
          End: true,
        },
      },
    });
    const input = JSON.stringify({ orders: [{ id: 'a' }, { id: 'b' }] });
    for (const type of ['STANDARD', 'EXPRESS'] as const) {
      const name = `exports-${type.toLowerCase()}`;
      await alice.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE, type }));
      const output =
        type === 'STANDARD'
          ? (await ended((await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn(name), input }))).executionArn!)).output
          : (await alice.send(new StartSyncExecutionCommand({ stateMachineArn: machineArn(name), input }))).output;
      const o = JSON.parse(output ?? 'null');
      assert.match(o.MapRunArn, new RegExp(`^arn:aws:states:${REGION}:${account}:mapRun:${name}/orders:[0-9a-f-]{36}$`));
      const id = o.MapRunArn.slice(o.MapRunArn.lastIndexOf(':') + 1);
      assert.deepEqual(o.ResultWriterDetails, { Bucket: 'map-results', Key: `shipping/${id}/manifest.json` });
    }
    // Each export is a version of the project.
    const project = await p.inject({ method: 'GET', url: `/projects/${made.json().projectId}`, auth: aliceKey.key });
    assert.equal(project.json().latestVersion, 2);
  });

  it("fails a Task whose function does not exist with Lambda.ResourceNotFoundException, in each integration's words", async () => {
    const call = (resource: string, parameters?: object) =>
      JSON.stringify({ StartAt: 'T', States: { T: { Type: 'Task', Resource: resource, Parameters: parameters, End: true } } });
    const direct = `arn:aws:lambda:${REGION}:${account}:function:missing`;
    await alice.send(new CreateStateMachineCommand({ name: 'missing-direct', definition: call(direct), roleArn: ROLE }));
    const viaInvoke = call('arn:aws:states:::lambda:invoke', { FunctionName: 'missing', Payload: {} });
    await alice.send(new CreateStateMachineCommand({ name: 'missing-invoke', definition: viaInvoke, roleArn: ROLE }));
    const d = await ended((await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('missing-direct') }))).executionArn!);
    assert.deepEqual([d.status, d.error, d.cause], ['FAILED', 'Lambda.ResourceNotFoundException', `Function not found: ${direct}`]);
    // lambda:invoke names the version it asked for ($LATEST), as AWS's recordings show.
    const i = await ended((await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('missing-invoke') }))).executionArn!);
    assert.equal(i.error, 'Lambda.ResourceNotFoundException');
    assert.match(
      i.cause!,
      new RegExp(
        `^Function not found: arn:aws:lambda:${REGION}:${account}:function:missing:\\$LATEST \\(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: [0-9a-f-]+; Proxy: null\\)$`,
      ),
    );
  });

  it('answers a .waitForTaskToken Task with SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat', { skip: NO_SANDBOX }, async () => {
    // A function that only returns: the Task then waits for its token, which its TaskScheduled
    // event shows (the resolved Parameters), as on AWS.
    const zip = makeZip({ 'index.js': 'exports.handler = async (e) => ({ echoed: e });' }).toString('base64');
    const fn = await p.inject({
      method: 'PUT',
      url: '/functions/echo',
      auth: aliceKey.key,
      payload: { zip, runtime: 'nodejs22.x', handler: 'index.handler' },
    });
    assert.equal(fn.statusCode, 201, fn.body);
    const definition = JSON.stringify({
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'echo', Payload: { 'token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    });
    await alice.send(new CreateStateMachineCommand({ name: 'asks', definition, roleArn: ROLE }));
    const tokenOf = async (arn: string) => {
      for (;;) {
        const scheduled = (await historyOf(arn)).find((e) => e.type === 'TaskScheduled');
        const started = (await historyOf(arn)).some((e) => e.type === 'TaskStarted');
        if (scheduled && started) {
          assert.equal(scheduled.taskScheduledEventDetails?.resourceType, 'lambda');
          assert.equal(scheduled.taskScheduledEventDetails?.resource, 'invoke.waitForTaskToken');
          assert.equal(scheduled.taskScheduledEventDetails?.region, REGION);
          return JSON.parse(scheduled.taskScheduledEventDetails!.parameters!).Payload.token as string;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const yes = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('asks'), name: 'yes' }));
    const no = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('asks'), name: 'no' }));
    const yesToken = await tokenOf(yes.executionArn!);
    const noToken = await tokenOf(no.executionArn!);

    // Only the owner may answer.
    const stranger = await refusedBy(bob.send(new SendTaskSuccessCommand({ taskToken: yesToken, output: '{}' })));
    assert.equal(stranger.name, 'TaskDoesNotExist');
    await alice.send(new SendTaskHeartbeatCommand({ taskToken: yesToken }));
    await alice.send(new SendTaskSuccessCommand({ taskToken: yesToken, output: '{"answer":"yes"}' }));
    await alice.send(new SendTaskFailureCommand({ taskToken: noToken, error: 'Declined', cause: 'said no' }));

    const y = await ended(yes.executionArn!);
    assert.equal(y.status, 'SUCCEEDED');
    assert.equal(y.output, '{"answer":"yes"}');
    const succeeded = (await historyOf(yes.executionArn!)).find((e) => e.type === 'TaskSucceeded');
    assert.deepEqual(succeeded?.taskSucceededEventDetails, {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      output: '{"answer":"yes"}',
      outputDetails: { truncated: false },
    });
    const n = await ended(no.executionArn!);
    assert.deepEqual([n.status, n.error, n.cause], ['FAILED', 'Declined', 'said no']);
    const failed = (await historyOf(no.executionArn!)).find((e) => e.type === 'TaskFailed');
    assert.deepEqual(failed?.taskFailedEventDetails, {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      error: 'Declined',
      cause: 'said no',
    });
    // Answered: no task waits on it any more.
    const late = await refusedBy(alice.send(new SendTaskSuccessCommand({ taskToken: yesToken, output: '{}' })));
    assert.equal(late.name, 'TaskDoesNotExist');

    // A Task naming the function's ARN: Lambda's own events, as AWS writes them.
    const direct = JSON.stringify({
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: `arn:aws:lambda:${REGION}:${account}:function:echo`, End: true } },
    });
    await alice.send(new CreateStateMachineCommand({ name: 'direct', definition: direct, roleArn: ROLE }));
    const call = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn('direct'), input: '{"hi":1}' }));
    const c = await ended(call.executionArn!);
    assert.equal(c.status, 'SUCCEEDED', c.cause);
    assert.deepEqual(JSON.parse(c.output!), { echoed: { hi: 1 } });
    const events = await historyOf(call.executionArn!);
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'ExecutionStarted',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ],
    );
    assert.deepEqual(events[2].lambdaFunctionScheduledEventDetails, {
      resource: `arn:aws:lambda:${REGION}:${account}:function:echo`,
      input: '{"hi":1}',
      inputDetails: { truncated: false },
    });
    assert.deepEqual(JSON.parse(events[4].lambdaFunctionSucceededEventDetails!.output!), { echoed: { hi: 1 } });
  });
});
