/**
 * A Distributed Map's ResultWriter exports into the blob store: a bucket is one of the owner's
 * projects and the files become its next version (app/workflow-results.ts). Through the native
 * REST API and the durable runner: a NONE export with a tolerated failure (SUCCEEDED_0.json,
 * FAILED_0.json, manifest.json, the project's other files kept), a FLATTEN JSON Lines export, a
 * WriterConfig alone shaping the output, and a missing bucket failing with States.ResultWriterFailed.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { writeProjectResults } from '../../src/app/index.ts';
import { StatesFailure } from '../../src/core/asl/index.ts';
import { archiveFiles } from '../../src/projects/index.ts';
import { archiveOf } from '../helpers/archive.ts';
import { type WorkflowApi, workflowApi } from '../helpers/workflow-api.ts';

let api: WorkflowApi;
before(async () => {
  api = await workflowApi();
});
after(() => api.p.close());

/** Items 1..3; the item 2 fails (Error "Two"), tolerated; the others give [n, n]. */
const PROCESSOR = {
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
  StartAt: 'C',
  States: {
    C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 2, Next: 'F' }], Default: 'P' },
    P: { Type: 'Pass', Parameters: { 'pair.$': 'States.Array($.n, $.n)' }, OutputPath: '$.pair', End: true },
    F: { Type: 'Fail', Error: 'Two', Cause: 'no twos' },
  },
};

function run(key: string, writer: object, label?: string) {
  const map = {
    Type: 'Map',
    ItemsPath: '$.items',
    ItemSelector: { 'n.$': '$$.Map.Item.Value' },
    ItemProcessor: PROCESSOR,
    ToleratedFailureCount: 1,
    ResultWriter: writer,
    ...(label ? { Label: label } : {}),
    End: true,
  };
  return api.runToEnd(key, { StartAt: 'M', States: { M: map } }, { items: [1, 2, 3], out: 'results' });
}

async function projectFiles(key: string, id: string): Promise<Map<string, string>> {
  const r = await api.as(key, 'GET', `/projects/${id}/files`);
  assert.equal(r.statusCode, 200, r.body);
  return new Map((await archiveFiles(r.rawPayload)).map((f) => [f.name, f.data.toString('utf8')]));
}

it('exports NONE records into a project as its next version, FAILED_0.json for a tolerated failure, and points at the manifest', async () => {
  const { p, alice, bob, as } = api;
  const made = await as(alice, 'POST', '/projects', { name: 'results' });
  assert.equal(made.statusCode, 201, made.body);
  const projectId = made.json().projectId as string;
  const up = await p.inject({
    method: 'PUT',
    url: `/projects/${projectId}/files`,
    payload: await archiveOf({ 'keep.txt': 'kept' }),
    headers: { 'content-type': 'application/gzip' },
    auth: alice,
  });
  assert.equal(up.statusCode, 201, up.body);

  const e = await run(alice, { Resource: 'arn:aws:states:::s3:putObject', Parameters: { 'Bucket.$': '$.out', Prefix: 'runs' } }, 'orders');
  assert.equal(e.status, 'SUCCEEDED', `${e.error}: ${e.cause}`);
  const arn = e.output.MapRunArn as string;
  assert.match(arn, new RegExp(`^arn:aws:states:[a-z0-9-]+:\\d{12}:mapRun:${e.machine}/orders:[0-9a-f-]{36}$`));
  const runId = arn.slice(arn.lastIndexOf(':') + 1);
  const folder = `runs/${runId}/`;
  assert.deepEqual(e.output.ResultWriterDetails, { Bucket: 'results', Key: `${folder}manifest.json` });

  const files = await projectFiles(alice, projectId);
  assert.equal(files.get('keep.txt'), 'kept');
  const manifest = JSON.parse(files.get(`${folder}manifest.json`)!);
  assert.equal(manifest.DestinationBucket, 'results');
  assert.equal(manifest.MapRunArn, arn);
  assert.deepEqual(manifest.ResultFiles.PENDING, []);
  assert.deepEqual(manifest.ResultFiles.SUCCEEDED, [
    { Key: `${folder}SUCCEEDED_0.json`, Size: Buffer.byteLength(files.get(`${folder}SUCCEEDED_0.json`)!) },
  ]);
  assert.deepEqual(manifest.ResultFiles.FAILED, [
    { Key: `${folder}FAILED_0.json`, Size: Buffer.byteLength(files.get(`${folder}FAILED_0.json`)!) },
  ]);
  const succeeded = JSON.parse(files.get(`${folder}SUCCEEDED_0.json`)!);
  assert.deepEqual(
    succeeded.map((s: { Input: string; Output: string; Status: string }) => [s.Input, s.Output, s.Status]),
    [
      ['{"n":1}', '[1,1]', 'SUCCEEDED'],
      ['{"n":3}', '[3,3]', 'SUCCEEDED'],
    ],
  );
  assert.ok(succeeded[0].ExecutionArn.endsWith(`:execution:${e.machine}/orders:${succeeded[0].Name}`));
  assert.ok(Date.parse(succeeded[0].StartDate) <= Date.parse(succeeded[0].StopDate));
  const [failed] = JSON.parse(files.get(`${folder}FAILED_0.json`)!);
  assert.deepEqual([failed.Status, failed.Error, failed.Cause, failed.Input], ['FAILED', 'Two', 'no twos', '{"n":2}']);
  // The records name the Map Run's child executions as GET /map-runs/{id}/executions lists them.
  const children = (await p.inject({ method: 'GET', url: `/map-runs/${runId}/executions`, auth: alice })).json().executions;
  const listed = new Map(children.map((c: { executionArn: string; status: string }) => [c.executionArn, c.status]));
  for (const r of [...succeeded, failed]) assert.equal(listed.get(r.ExecutionArn), r.Status, r.ExecutionArn);

  // FLATTEN as JSON Lines: the pairs spread, one a line.
  const flat = await run(alice, {
    Resource: 'arn:aws:states:::s3:putObject',
    Parameters: { Bucket: projectId, Prefix: 'flat/' },
    WriterConfig: { Transformation: 'FLATTEN', OutputType: 'JSONL' },
  });
  assert.equal(flat.status, 'SUCCEEDED', `${flat.error}: ${flat.cause}`);
  const flatKey = (flat.output.ResultWriterDetails.Key as string).replace(/manifest\.json$/, 'SUCCEEDED_0.jsonl');
  const after = await projectFiles(alice, projectId);
  assert.equal(after.get(flatKey), '1\n1\n3\n3\n');
  assert.ok(after.has(`${folder}manifest.json`), 'the earlier export stays');

  // WriterConfig alone: the output is shaped, nothing is written.
  const inline = await run(alice, { WriterConfig: { Transformation: 'FLATTEN' } });
  assert.equal(inline.status, 'SUCCEEDED', `${inline.error}: ${inline.cause}`);
  assert.equal(inline.output.length, 5);
  assert.deepEqual([inline.output[0], inline.output[1], inline.output[3], inline.output[4]], [1, 1, 3, 3]);
  assert.equal(inline.output[2].Status, 'FAILED');
  assert.equal((await projectFiles(alice, projectId)).size, after.size);

  // Another user's project is no bucket of theirs.
  const other = await run(bob, { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'results', Prefix: 'x' } });
  assert.equal(other.status, 'FAILED');
  assert.equal(other.error, 'States.ResultWriterFailed');
  assert.match(other.cause, /NoSuchBucket/);
});

it('adds nothing when a write is redone (its files are there already); refuses a key that is no file path', async () => {
  const { p, alice, as } = api;
  const made = await as(alice, 'POST', '/projects', { name: 'again' });
  const projectId = made.json().projectId as string;
  const app = { store: p.store, blobs: p.blobs, clock: { now: () => Date.now() } };
  const request = {
    bucket: 'again',
    files: [
      { key: 'r/1/SUCCEEDED_0.json', body: '[1]' },
      { key: 'r/1/manifest.json', body: '{}' },
    ],
  };
  await writeProjectResults(app, 'alice', request);
  await writeProjectResults(app, 'alice', request);
  const project = (await as(alice, 'GET', `/projects/${projectId}`)).json();
  assert.equal(project.latestVersion, 1);
  assert.deepEqual([...(await projectFiles(alice, projectId)).keys()], ['r/1/SUCCEEDED_0.json', 'r/1/manifest.json']);
  await assert.rejects(
    writeProjectResults(app, 'alice', { bucket: 'again', files: [{ key: 'r/../../x', body: '' }] }),
    (e) => e instanceof StatesFailure && e.error === 'States.ResultWriterFailed',
  );
});
