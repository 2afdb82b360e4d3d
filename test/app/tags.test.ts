/** The tag use cases (src/app/tags.ts) on the embedded store: a create with tags is all or
 *  nothing, and tags are checked before anything is made. The AWS and native API tests
 *  (test/aws/tags*.test.ts, test/api/tags.test.ts) drive the rest on both backends. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTaggedFunction, createTaggedStateMachine, listTags, taggableFunction } from '../../src/app/index.ts';
import { DiskBlobStore } from '../../src/blobs/index.ts';
import { ErrorCode, systemClock } from '../../src/core/index.ts';
import { SqliteStore } from '../../src/store/index.ts';
import { makeZip } from '../helpers/zip.ts';

const config = { runtime: 'nodejs22.x', handler: 'index.handler' };
const zip = makeZip({ 'index.js': 'exports.handler = async () => 1;' });
const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
const code = (c: string) => (err: unknown) => (err as { code?: string }).code === c;

describe('tag use cases', () => {
  let dir: string;
  let store: SqliteStore;
  // A store that fails every call: the tag write after a create fails as a lost database would.
  let closed: SqliteStore;
  let app: { functions: SqliteStore['functions']; workflows: SqliteStore['workflows']; blobs: DiskBlobStore; tags: SqliteStore['tags'] };
  const wf = () => ({ ...app, stateMachineVersions: store.stateMachineVersions, clock: systemClock, workflowRunner: null });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-tags-app-'));
    store = new SqliteStore({ path: join(dir, 'db.sqlite') });
    closed = new SqliteStore({ path: join(dir, 'closed.sqlite') });
    await closed.close();
    app = { functions: store.functions, workflows: store.workflows, blobs: new DiskBlobStore(join(dir, 'blobs')), tags: store.tags };
  });
  afterEach(async () => {
    await store.close();
    await app.blobs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a function with its tags, and refuses tags before anything is made', async () => {
    await createTaggedFunction(app, 'alice', { name: 'f', zip, config, tags: { team: 'a' } });
    assert.deepEqual(await listTags(app, 'alice', taggableFunction(app, 'alice', 'f')), { team: 'a' });
    const other = makeZip({ 'index.js': 'exports.handler = async () => 2;' });
    await assert.rejects(
      createTaggedFunction(app, 'alice', { name: 'g', zip: other, config, tags: { 'aws:x': '1' } }),
      code(ErrorCode.TagInvalid),
    );
    assert.equal(await store.functions.getFunction('alice', 'g'), null);
    assert.equal((await app.blobs.list('functions/alice/')).length, 1, "only f's code was stored");
  });

  it('removes a new function or state machine again when its tags cannot be stored', async () => {
    const failing = { ...app, tags: closed.tags };
    await assert.rejects(createTaggedFunction(failing, 'alice', { name: 'f', zip, config, tags: { team: 'a' } }));
    assert.equal(await store.functions.getFunction('alice', 'f'), null);
    await assert.rejects(createTaggedStateMachine({ ...wf(), tags: closed.tags }, 'alice', { name: 'm', definition, tags: { team: 'a' } }));
    assert.equal(await store.workflows.getStateMachine('alice', 'm'), null);
    // Without tags there is nothing to store: the create stands.
    await createTaggedFunction(failing, 'alice', { name: 'untagged', zip, config });
    assert.ok(await store.functions.getFunction('alice', 'untagged'));
  });

  it('sets the tags of an idempotent repeat of a state machine create on the machine it finds', async () => {
    const first = await createTaggedStateMachine(wf(), 'alice', { name: 'm', definition, tags: { a: '1' } });
    const again = await createTaggedStateMachine(wf(), 'alice', { name: 'm', definition, tags: { b: '2' } });
    assert.deepEqual([first.created, again.created], [true, false]);
    assert.deepEqual(await store.tags.getTags('alice', 'states:stateMachine:m'), { a: '1', b: '2' });
  });
});
