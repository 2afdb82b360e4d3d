/**
 * AccountDirectory (app/cross-account.ts): from an account id back to the users behind it, over
 * the users with keys of a real SQLite store. A user whose key comes after the directory last
 * read the keys is found once its reload interval has passed; an account nobody has is none.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AccountDirectory } from '../../src/app/index.ts';
import { accountIdOf } from '../../src/aws/index.ts';
import { SqliteStore } from '../../src/store/index.ts';

describe('AccountDirectory', () => {
  let dir: string;
  let store: SqliteStore;
  let now = 0;
  const key = (userId: string, revoke = false) =>
    store
      .createKey({ id: randomUUID(), hash: randomUUID(), prefix: 'hk_', userId, scope: 'user', name: null })
      .then(async (k) => (revoke ? await store.revokeKey(k.id) : k));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-accounts-'));
    store = new SqliteStore({ path: join(dir, 'db.sqlite') });
    now = 0;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the user of an account id, revoked keys and all, and nobody for an unknown one', async () => {
    await key('alice');
    await key('carol', true);
    const accounts = new AccountDirectory({ keys: store, accountOf: accountIdOf, now: () => now });
    assert.deepEqual(await accounts.usersOf(accountIdOf('alice')), ['alice']);
    // A user whose keys are all revoked still owns their functions.
    assert.deepEqual(await accounts.usersOf(accountIdOf('carol')), ['carol']);
    assert.deepEqual(await accounts.usersOf('000000000000'), []);
  });

  it('reads the keys again for an account it does not know, at most once an interval', async () => {
    await key('alice');
    const accounts = new AccountDirectory({ keys: store, accountOf: accountIdOf, now: () => now });
    assert.deepEqual(await accounts.usersOf(accountIdOf('alice')), ['alice']);
    await key('bob');
    // Read a moment ago: an unknown account waits for the next read.
    assert.deepEqual(await accounts.usersOf(accountIdOf('bob')), []);
    now += 1000;
    assert.deepEqual(await accounts.usersOf(accountIdOf('bob')), ['bob']);
  });

  it('keeps every user of an account id two user ids share', async () => {
    await key('alice');
    await key('bob');
    const accounts = new AccountDirectory({ keys: store, accountOf: () => '111111111111', now: () => now });
    assert.deepEqual((await accounts.usersOf('111111111111')).sort(), ['alice', 'bob']);
  });
});
