/**
 * A Distributed Map reads its items from the blob store: a bucket is one of the owner's projects
 * and a key one of its files (app/workflow-items.ts). Through the native REST API and the durable
 * runner: items from a JSON Lines file and from a CSV file, the files under a prefix listed
 * (s3:listObjectsV2), and a missing key or another user's project failing with
 * States.ItemReaderFailed.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { archiveOf } from '../helpers/archive.ts';
import { type WorkflowApi, workflowApi } from '../helpers/workflow-api.ts';

let api: WorkflowApi;
before(async () => {
  api = await workflowApi();
});
after(() => api.p.close());

function run(key: string, reader: object, processor: object = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }) {
  return api.runToEnd(key, {
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemReader: reader,
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...processor },
        MaxConcurrency: 4,
        End: true,
      },
    },
  });
}

it('maps over a project file (JSON Lines, CSV), lists a prefix, and fails on a missing key or bucket', async () => {
  const { p, alice, bob, as } = api;
  const made = await as(alice, 'POST', '/projects', { name: 'studios' });
  assert.equal(made.statusCode, 201, made.body);
  const up = await p.inject({
    method: 'PUT',
    url: `/projects/${made.json().projectId}/files`,
    payload: await archiveOf({
      'in/studios.jsonl': '{"name":"Ink"}\n{"name":"Needle"}\n',
      'in/studios.csv': 'name,city\n"Ink, Inc.",Oslo\nNeedle,Bergen\n',
      'other.txt': 'x',
    }),
    headers: { 'content-type': 'application/gzip' },
    auth: alice,
  });
  assert.equal(up.statusCode, 201, up.body);

  const jsonl = await run(
    alice,
    {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL' },
      Parameters: { Bucket: 'studios', Key: 'in/studios.jsonl' },
    },
    { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'studio.$': '$.name' }, End: true } } },
  );
  assert.equal(jsonl.status, 'SUCCEEDED', `${jsonl.error}: ${jsonl.cause}`);
  assert.deepEqual(jsonl.output, [{ studio: 'Ink' }, { studio: 'Needle' }]);

  const csv = await run(alice, {
    Resource: 'arn:aws:states:::s3:getObject',
    ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
    Parameters: { Bucket: 'studios', Key: 'in/studios.csv' },
  });
  assert.deepEqual(csv.output, [
    { name: 'Ink, Inc.', city: 'Oslo' },
    { name: 'Needle', city: 'Bergen' },
  ]);

  const listed = await run(
    alice,
    { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: 'studios', Prefix: 'in/' } },
    { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'key.$': '$.Key', 'size.$': '$.Size' }, End: true } } },
  );
  assert.deepEqual(listed.output, [
    { key: 'in/studios.csv', size: 41 },
    { key: 'in/studios.jsonl', size: 33 },
  ]);

  const missing = await run(alice, { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'studios', Key: 'nope.json' } });
  assert.equal(missing.status, 'FAILED');
  assert.equal(missing.error, 'States.ItemReaderFailed');
  // Another user's project is no bucket of theirs.
  const other = await run(bob, { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'studios', Key: 'in/studios.jsonl' } });
  assert.equal(other.status, 'FAILED');
  assert.equal(other.error, 'States.ItemReaderFailed');
  assert.match(other.cause, /NoSuchBucket/);
});
