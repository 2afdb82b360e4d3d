/**
 * A Distributed Map's ItemReader input types through the real @aws-sdk/client-sfn against a
 * started Hangar (both shapes), each as a definition written for AWS runs unchanged: CSV with
 * a CSVDelimiter, a Parquet file, an S3 Inventory manifest (its gzipped CSV data files in another
 * project, the inventory's destination bucket) and an Athena UNLOAD manifest (ManifestType
 * ATHENA_DATA), gzipped CSV and JSONL objects; CreateStateMachine refuses ReaderConfig values AWS does not have, and JSONata
 * ResultWriter Arguments that do not parse, as InvalidDefinition.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CreateStateMachineCommand, DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { accountIdOf } from '../../src/aws/index.ts';
import { archiveOf } from '../helpers/archive.ts';
import { REGION } from '../helpers/lambda.ts';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { refusedBy, sfnClient } from '../helpers/sfn.ts';

let p: TestPlatform;
let alice: SFNClient;
let aliceKey: string;

const ROLE = 'arn:aws:iam::123456789012:role/StepFunctions';
const machineArn = (name: string) => `arn:aws:states:${REGION}:${accountIdOf('alice')}:stateMachine:${name}`;

/** A project of alice's holding these files. */
async function project(name: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const made = await p.inject({ method: 'POST', url: '/projects', payload: { name }, auth: aliceKey });
  assert.equal(made.statusCode, 201, made.body);
  const up = await p.inject({
    method: 'PUT',
    url: `/projects/${made.json().projectId}/files`,
    payload: await archiveOf(files),
    headers: { 'content-type': 'application/gzip' },
    auth: aliceKey,
  });
  assert.equal(up.statusCode, 201, up.body);
}

const mapOver = (reader: object, selector?: object) =>
  JSON.stringify({
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemReader: reader,
        ...(selector ? { ItemSelector: selector } : {}),
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'P',
          States: { P: { Type: 'Pass', End: true } },
        },
        End: true,
      },
    },
  });

/** Creates the machine and runs it to its end: its output, parsed. */
async function run(name: string, definition: string, input: object = {}): Promise<unknown> {
  await alice.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE }));
  const { executionArn } = await alice.send(new StartExecutionCommand({ stateMachineArn: machineArn(name), input: JSON.stringify(input) }));
  for (;;) {
    const d = await alice.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') {
      assert.equal(d.status, 'SUCCEEDED', `${d.error}: ${d.cause}`);
      return JSON.parse(d.output ?? 'null');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setUp(shape: 'embedded' | 'scale-out'): Promise<void> {
  p = await testPlatform({}, { api: true, workers: false }, shape);
  const k = (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json();
  aliceKey = k.key;
  alice = sfnClient(p.url!, k);
  const readings = parquetWriteBuffer({
    columnData: [
      { name: 'sensor', data: ['s1', 's2'], type: 'STRING' },
      { name: 'celsius', data: [21.5, 19], type: 'DOUBLE' },
      { name: 'count', data: [3n, 4n], type: 'INT64' },
    ],
  });
  await project('datasets', {
    'in/studios.psv': 'name|city\n"Ink | Co"|Oslo\nNeedle|Bergen\n',
    'in/readings.parquet': new Uint8Array(readings),
    'athena/q1-manifest.csv': 's3://datasets/athena/q1/part-0.gz\ns3://datasets/athena/q1/part-1.gz\n',
    'athena/q1/part-0.gz': gzipSync('{"order":1}\n{"order":2}\n'),
    'athena/q1/part-1.gz': gzipSync('{"order":3}\n'),
    'gz/rows.csv.gz': gzipSync('id,city\n1,Oslo\n'),
    'gz/more.jsonl': gzipSync('{"id":2,"city":"Bergen"}\n'),
  });
  // An S3 Inventory report, delivered to its destination bucket: the manifest and its data files.
  await project('inventory', {
    'datasets/daily/2026-12-06T00-00Z/manifest.json': JSON.stringify({
      sourceBucket: 'datasets',
      destinationBucket: 'arn:aws:s3:::inventory',
      version: '2016-11-30',
      creationTimestamp: '1765000000000',
      fileFormat: 'CSV',
      fileSchema: 'Bucket, Key, Size, LastModifiedDate',
      files: [{ key: 'datasets/daily/data/0.csv.gz', size: 120, MD5checksum: '0' }],
    }),
    'datasets/daily/data/0.csv.gz': gzipSync(
      '"datasets","in/studios.psv","48","2026-12-06T00:00:00.000Z"\n"datasets","in/readings.parquet","600","2026-12-06T00:00:01.000Z"\n',
    ),
  });
}

// Both shapes: a project's files on local disk (embedded) and in S3 (scale-out, PostgreSQL).
for (const shape of ['embedded', 'scale-out'] as const)
  describe(`Distributed Map ItemReader input types through the AWS SDK (${shape})`, () => {
    before(() => setUp(shape));
    after(() => p.close());

    it('reads pipe-delimited text (CSVDelimiter PIPE)', async () => {
      const output = await run(
        'studios-psv',
        mapOver({
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', CSVDelimiter: 'PIPE' },
          Parameters: { Bucket: 'datasets', Key: 'in/studios.psv' },
        }),
      );
      assert.deepEqual(output, [
        { name: 'Ink | Co', city: 'Oslo' },
        { name: 'Needle', city: 'Bergen' },
      ]);
    });

    it('reads a Parquet file: one item per row, its columns as fields', async () => {
      const output = await run(
        'readings-parquet',
        mapOver(
          {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: { InputType: 'PARQUET', MaxItems: 5 },
            Parameters: { Bucket: 'datasets', Key: 'in/readings.parquet' },
          },
          { 'sensor.$': '$$.Map.Item.Value.sensor', 'celsius.$': '$$.Map.Item.Value.celsius', 'count.$': '$$.Map.Item.Value.count' },
        ),
      );
      assert.deepEqual(output, [
        { sensor: 's1', celsius: 21.5, count: 3 },
        { sensor: 's2', celsius: 19, count: 4 },
      ]);
    });

    it("reads an S3 Inventory manifest (InputType MANIFEST): one item per object of its data files, in AWS's fields", async () => {
      const output = await run(
        'inventory-manifest',
        mapOver({
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'MANIFEST' },
          Parameters: { Bucket: 'inventory', Key: 'datasets/daily/2026-12-06T00-00Z/manifest.json' },
        }),
      );
      assert.deepEqual(output, [
        { Bucket: 'datasets', Key: 'in/studios.psv', Size: '48', LastModifiedDate: '2026-12-06T00:00:00.000Z' },
        { Bucket: 'datasets', Key: 'in/readings.parquet', Size: '600', LastModifiedDate: '2026-12-06T00:00:01.000Z' },
      ]);
    });

    it("reads an Athena UNLOAD manifest (ManifestType ATHENA_DATA): its gzipped JSONL files' items, in JSONata", async () => {
      const definition = JSON.parse(
        mapOver({
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { ManifestType: 'ATHENA_DATA', InputType: 'JSONL', MaxItems: '{% $states.input.max %}' },
          Arguments: { Bucket: 'datasets', Key: "{% 'athena/' & 'q1-manifest.csv' %}" },
        }),
      );
      definition.QueryLanguage = 'JSONata';
      assert.deepEqual(await run('athena-manifest', JSON.stringify(definition), { max: 2 }), [{ order: 1 }, { order: 2 }]);
    });

    it('gunzips gzipped objects: a .gz CSV by getObject, and every gzipped file a LOAD_AND_FLATTEN listing names', async () => {
      const csv = await run(
        'gz-csv',
        mapOver({
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
          Parameters: { Bucket: 'datasets', Key: 'gz/rows.csv.gz' },
        }),
      );
      assert.deepEqual(csv, [{ id: '1', city: 'Oslo' }]);
      const flattened = await run(
        'gz-flatten',
        mapOver({
          Resource: 'arn:aws:states:::s3:listObjectsV2',
          ReaderConfig: { InputType: 'JSONL', Transformation: 'LOAD_AND_FLATTEN' },
          Parameters: { Bucket: 'datasets', Prefix: 'gz/more' },
        }),
      );
      assert.deepEqual(flattened, [{ id: 2, city: 'Bergen' }]);
    });

    it('refuses ReaderConfig values AWS does not have and JSONata ResultWriter Arguments that do not parse (InvalidDefinition)', async () => {
      const refused = await refusedBy(
        alice.send(
          new CreateStateMachineCommand({
            name: 'bad-reader',
            roleArn: ROLE,
            definition: mapOver({
              Resource: 'arn:aws:states:::s3:getObject',
              ReaderConfig: { InputType: 'CSV', CSVDelimiter: 'COLON' },
              Parameters: { Bucket: 'datasets', Key: 'in/studios.psv' },
            }),
          }),
        ),
      );
      assert.equal(refused.name, 'InvalidDefinition');
      assert.match(
        refused.message,
        /SCHEMA_VALIDATION_FAILED: The value for the field 'CSVDelimiter' must be one of: COMMA, PIPE, SEMICOLON, SPACE, TAB/,
      );
      const writer = JSON.parse(mapOver({ Resource: 'arn:aws:states:::s3:listObjectsV2', Arguments: { Bucket: 'datasets' } }));
      writer.QueryLanguage = 'JSONata';
      writer.States.Each.ResultWriter = { Resource: 'arn:aws:states:::s3:putObject', Arguments: { Bucket: '{% $states.input.b. %}' } };
      const bad = await refusedBy(
        alice.send(new CreateStateMachineCommand({ name: 'bad-writer', roleArn: ROLE, definition: JSON.stringify(writer) })),
      );
      assert.equal(bad.name, 'InvalidDefinition');
      assert.match(bad.message, /INVALID_JSONATA_EXPRESSION: .* at \/States\/Each\/ResultWriter\/Arguments\/Bucket/);
    });
  });
