/**
 * A Distributed Map's ResultWriter in the core: its plan, the transformations (NONE, COMPACT,
 * FLATTEN) of the iterations' results, the files of an export and their manifest, and the
 * in-memory runner carrying a write out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  childIndex,
  childName,
  childRunPrefix,
  type ExecutionInfo,
  exportResults,
  type IterationRecord,
  type Json,
  type JsonObject,
  mapEnd,
  mapRunOf,
  type ResultWriteRequest,
  runExecution,
  type StateMachineDefinition,
  StatesFailure,
  transformResults,
  type WriterPlan,
  writerPlan,
} from '../../src/core/asl/index.ts';

const scope = (data: Json) => ({ data, context: {}, variables: {}, random: Math.random });
const RUN_ID = 'ad9b5f27-090b-3ac6-9beb-243cd77144a7';
const execution: ExecutionInfo = {
  id: 'arn:aws:states:us-east-2:123456789012:execution:csvProcess:e1',
  name: 'e1',
  input: {},
  startTime: '2025-02-04T01:49:50.000Z',
  roleArn: 'arn:aws:iam::123456789012:role/r',
  stateMachineId: 'arn:aws:states:us-east-2:123456789012:stateMachine:csvProcess',
  stateMachineName: 'csvProcess',
  redriveCount: 0,
};
const plan = (o: Partial<WriterPlan>): WriterPlan => ({
  transformation: 'NONE',
  outputType: 'JSON',
  destination: { bucket: 'out', prefix: 'jobs' },
  label: 'Map',
  runId: RUN_ID,
  ...o,
});
const T0 = Date.parse('2025-02-04T01:49:50.099Z');
const records: IterationRecord[] = [
  { index: 0, input: { n: 0 }, startMs: T0, stopMs: T0 + 64, outcome: { ok: true, output: [{ id: 'a' }, { id: 'b' }] } },
  { index: 1, input: { n: 1 }, startMs: T0, stopMs: T0 + 70, outcome: { ok: false, error: 'Boom', cause: 'it broke' } },
  { index: 2, input: { n: 2 }, startMs: T0 + 1, stopMs: T0 + 80, outcome: { ok: true, output: { id: 'c' } } },
  { index: 3, input: { n: 3 } },
];
const run = mapRunOf(execution, plan({}));

describe('ResultWriter', () => {
  it('plans from WriterConfig alone, from Resource and Parameters (NONE), or from all three; Parameters see the input', () => {
    const newId = () => RUN_ID;
    assert.deepEqual(writerPlan({ Type: 'Map', ResultWriter: { WriterConfig: { Transformation: 'FLATTEN' } } }, 'M', scope({}), newId), {
      transformation: 'FLATTEN',
      outputType: 'JSON',
      destination: null,
      label: 'M',
      runId: RUN_ID,
    });
    const exported = writerPlan(
      {
        Type: 'Map',
        Label: 'getOrders',
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'out', 'Prefix.$': '$.prefix' } },
      },
      'M',
      scope({ prefix: 'runs/7' }),
      newId,
    );
    assert.deepEqual(exported, {
      transformation: 'NONE',
      outputType: 'JSON',
      destination: { bucket: 'out', prefix: 'runs/7' },
      label: 'getOrders',
      runId: RUN_ID,
    });
    const all = writerPlan(
      {
        Type: 'Map',
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'out' },
          WriterConfig: { Transformation: 'COMPACT', OutputType: 'JSONL' },
        },
      },
      'M',
      scope({}),
      newId,
    );
    assert.equal(all?.transformation, 'COMPACT');
    assert.equal(all?.outputType, 'JSONL');
    assert.deepEqual(all?.destination, { bucket: 'out', prefix: '' });
    assert.equal(writerPlan({ Type: 'Map' }, 'M', scope({}), newId), null);
    assert.throws(
      () => writerPlan({ Type: 'Map', ResultWriter: { Resource: 'arn:aws:states:::s3:getObject', Parameters: {} } }, 'M', scope({}), newId),
      (e) => e instanceof StatesFailure && e.error === 'States.Runtime',
    );
  });

  it('names the Map Run and its children as AWS does: mapRun:MACHINE/LABEL:ID, stable name-based child UUIDs', () => {
    assert.equal(run.arn, `arn:aws:states:us-east-2:123456789012:mapRun:csvProcess/Map:${RUN_ID}`);
    assert.equal(run.stateMachineArn, 'arn:aws:states:us-east-2:123456789012:stateMachine:csvProcess/Map');
    assert.match(childName(RUN_ID, 0), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(childName(RUN_ID, 0), childName(RUN_ID, 0));
    assert.notEqual(childName(RUN_ID, 0), childName(RUN_ID, 1));
    // A child's name leads back to its run (its first 23 characters) and its index.
    assert.equal(childRunPrefix(childName(RUN_ID, 7)), RUN_ID.slice(0, 23));
    assert.deepEqual(
      [0, 1, 9_999, 2 ** 40].map((i) => childIndex(RUN_ID, childName(RUN_ID, i))),
      [0, 1, 9_999, 2 ** 40],
    );
    // A run of the same prefix reads another index from it (its mask differs).
    assert.notEqual(childIndex('ad9b5f27-090b-3ac6-9beb-000000000000', childName(RUN_ID, 0)), 0);
    assert.equal(childIndex('ffffffff-090b-3ac6-9beb-243cd77144a7', childName(RUN_ID, 0)), null);
    assert.equal(childRunPrefix('not-a-uuid'), null);
  });

  it('NONE gives each child execution record: Input and Output as JSON text, dates in ISO 8601, Error and Cause when it failed', () => {
    const [ok, failed] = transformResults('NONE', run, records) as JsonObject[];
    const name = childName(RUN_ID, 0);
    assert.deepEqual(ok, {
      ExecutionArn: `arn:aws:states:us-east-2:123456789012:execution:csvProcess/Map:${name}`,
      Input: '{"n":0}',
      InputDetails: { Included: true },
      Name: name,
      Output: '[{"id":"a"},{"id":"b"}]',
      OutputDetails: { Included: true },
      RedriveCount: 0,
      RedriveStatus: 'NOT_REDRIVABLE',
      RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
      StartDate: '2025-02-04T01:49:50.099Z',
      StateMachineArn: 'arn:aws:states:us-east-2:123456789012:stateMachine:csvProcess/Map',
      Status: 'SUCCEEDED',
      StopDate: '2025-02-04T01:49:50.163Z',
    });
    assert.equal(failed.Status, 'FAILED');
    assert.equal(failed.Error, 'Boom');
    assert.equal(failed.Cause, 'it broke');
    assert.equal(failed.Output, undefined);
    assert.deepEqual(Object.keys(failed), [...Object.keys(failed)].sort());
    // Never started: not among the results.
    assert.equal(transformResults('NONE', run, records).length, 3);
  });

  it('COMPACT gives the outputs; FLATTEN spreads array outputs and keeps a failed child as its NONE record', () => {
    assert.deepEqual(transformResults('COMPACT', run, records), [
      [{ id: 'a' }, { id: 'b' }],
      { Error: 'Boom', Cause: 'it broke' },
      { id: 'c' },
    ]);
    const flat = transformResults('FLATTEN', run, records);
    assert.deepEqual(flat.slice(0, 2), [{ id: 'a' }, { id: 'b' }]);
    assert.equal((flat[2] as JsonObject).Status, 'FAILED');
    assert.deepEqual(flat[3], { id: 'c' });
  });

  it('exports SUCCEEDED_0, FAILED_0 and PENDING_0 under <Prefix>/<run id>/ with a manifest listing their keys and sizes', () => {
    const { request, output } = exportResults(plan({ transformation: 'FLATTEN' }), run, records);
    const folder = `jobs/${RUN_ID}/`;
    assert.deepEqual(output, { MapRunArn: run.arn, ResultWriterDetails: { Bucket: 'out', Key: `${folder}manifest.json` } });
    assert.equal(request.bucket, 'out');
    const files = Object.fromEntries(request.files.map((f) => [f.key, f.body]));
    assert.deepEqual(Object.keys(files), [
      `${folder}SUCCEEDED_0.json`,
      `${folder}FAILED_0.json`,
      `${folder}PENDING_0.json`,
      `${folder}manifest.json`,
    ]);
    // The transformation shapes the succeeded ones; the failed and pending are records to recover from.
    assert.deepEqual(JSON.parse(files[`${folder}SUCCEEDED_0.json`]), [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    assert.equal(JSON.parse(files[`${folder}FAILED_0.json`])[0].Error, 'Boom');
    assert.deepEqual(JSON.parse(files[`${folder}PENDING_0.json`]), [
      { Input: '{"n":3}', InputDetails: { Included: true }, Status: 'PENDING' },
    ]);
    const manifest = JSON.parse(files[`${folder}manifest.json`]);
    assert.deepEqual(manifest, {
      DestinationBucket: 'out',
      MapRunArn: run.arn,
      ResultFiles: {
        FAILED: [{ Key: `${folder}FAILED_0.json`, Size: Buffer.byteLength(files[`${folder}FAILED_0.json`]) }],
        PENDING: [{ Key: `${folder}PENDING_0.json`, Size: Buffer.byteLength(files[`${folder}PENDING_0.json`]) }],
        SUCCEEDED: [{ Key: `${folder}SUCCEEDED_0.json`, Size: Buffer.byteLength(files[`${folder}SUCCEEDED_0.json`]) }],
      },
    });
  });

  it('writes JSON Lines as .jsonl, one record a line; a status without iterations has no file; an empty Prefix is no folder', () => {
    const { request } = exportResults(
      plan({ outputType: 'JSONL', transformation: 'COMPACT', destination: { bucket: 'out', prefix: '' } }),
      run,
      [records[0], records[2]],
    );
    assert.deepEqual(
      request.files.map((f) => f.key),
      [`${RUN_ID}/SUCCEEDED_0.jsonl`, `${RUN_ID}/manifest.json`],
    );
    assert.equal(request.files[0].body, '[{"id":"a"},{"id":"b"}]\n{"id":"c"}\n');
    assert.deepEqual(JSON.parse(request.files[1].body).ResultFiles.FAILED, []);
    const slash = exportResults(plan({ destination: { bucket: 'out', prefix: 'jobs/' } }), run, [records[0]]);
    assert.equal(slash.request.files[0].key, `jobs/${RUN_ID}/SUCCEEDED_0.json`);
  });

  it('writes a failed Map Run too, then fails as the Map would have', () => {
    const end = mapEnd({ count: undefined, percentage: undefined }, plan({}), execution, records);
    assert.equal(end.kind, 'write');
    if (end.kind === 'write') assert.deepEqual(end.after, { ok: false, error: 'Boom', cause: 'it broke' });
    const inline = mapEnd({ count: 1, percentage: undefined }, plan({ destination: null, transformation: 'FLATTEN' }), execution, records);
    assert.equal(inline.kind, 'complete');
  });
});

describe('ResultWriter in the in-memory runner', () => {
  const machine = (writer: JsonObject, processor?: StateMachineDefinition): StateMachineDefinition => ({
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        ToleratedFailureCount: 5,
        ItemProcessor: processor ?? {
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 2, Next: 'F' }], Default: 'P' },
            P: { Type: 'Pass', Parameters: { 'pair.$': 'States.Array($, $)' }, OutputPath: '$.pair', End: true },
            F: { Type: 'Fail', Error: 'Two', Cause: 'no twos' },
          },
        },
        ResultWriter: writer,
        End: true,
      },
    },
  });

  it('shapes the output with WriterConfig alone (FLATTEN), with no write; JSONL leaves the output an array', async () => {
    for (const OutputType of ['JSON', 'JSONL']) {
      const r = await runExecution(machine({ WriterConfig: { Transformation: 'FLATTEN', OutputType } }), { items: [1, 3] });
      assert.equal(r.status, 'SUCCEEDED');
      if (r.status === 'SUCCEEDED') assert.deepEqual(r.output, [1, 1, 3, 3]);
    }
  });

  it("evaluates a JSONata ResultWriter's Arguments against the state input", async () => {
    const written: ResultWriteRequest[] = [];
    const r = await runExecution(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            Items: '{% $states.input.items %}',
            ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', Output: '{% $states.input * 10 %}', End: true } } },
            ResultWriter: {
              Resource: 'arn:aws:states:::s3:putObject',
              Arguments: { Bucket: '{% $states.input.bucket %}', Prefix: 'j' },
              WriterConfig: { Transformation: 'COMPACT' },
            },
            End: true,
          },
        },
      },
      { items: [1, 2], bucket: 'jb' },
      { writeResults: async (w) => void written.push(w) },
    );
    assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r));
    assert.equal(written[0].bucket, 'jb');
    assert.equal(written[0].files[0].body, '[10,20]');
    assert.match(written[0].files[0].key, /^j\/[0-9a-f-]{36}\/SUCCEEDED_0\.json$/);
  });

  it('exports through the writer it is given; the state output points at the manifest; no writer fails the Map', async () => {
    const written: ResultWriteRequest[] = [];
    const r = await runExecution(
      machine({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'out', 'Prefix.$': '$.prefix' } }),
      { items: [1, 2, 3], prefix: 'p' },
      { execution: { stateMachineName: 'sm' }, writeResults: async (w) => void written.push(w) },
    );
    assert.equal(r.status, 'SUCCEEDED', JSON.stringify(r));
    const output = (r as { output: JsonObject }).output;
    const arn = output.MapRunArn as string;
    assert.match(arn, /^arn:aws:states:us-east-1:111111111111:mapRun:sm\/M:[0-9a-f-]{36}$/);
    const id = arn.slice(arn.lastIndexOf(':') + 1);
    assert.deepEqual(output.ResultWriterDetails, { Bucket: 'out', Key: `p/${id}/manifest.json` });
    assert.deepEqual(
      written[0].files.map((f) => f.key),
      [`p/${id}/SUCCEEDED_0.json`, `p/${id}/FAILED_0.json`, `p/${id}/manifest.json`],
    );
    const succeeded = JSON.parse(written[0].files[0].body) as JsonObject[];
    assert.deepEqual(
      succeeded.map((s) => s.Output),
      ['[1,1]', '[3,3]'],
    );

    const none = await runExecution(machine({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'out' } }), { items: [1] });
    assert.equal(none.status, 'FAILED');
    const failing = await runExecution(
      machine({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'out' } }),
      { items: [1] },
      {
        writeResults: async () => {
          throw new StatesFailure('States.ResultWriterFailed', 'no bucket');
        },
      },
    );
    assert.equal(failing.status, 'FAILED');
    if (failing.status === 'FAILED') assert.equal(failing.error, 'States.ResultWriterFailed');
  });
});
