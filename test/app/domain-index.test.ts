/** The gateway's index of custom domain names over a real SQLite store: a Host looked up with its
 *  port, case and trailing dot aside; a Host that named none is remembered only until the index
 *  is read again, so a name made since is found. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { DomainIndex } from '../../src/app/index.ts';
import { checkDomainNameConfig } from '../../src/core/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { SqliteStore } from '../../src/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'hangar-domain-index-'));
const store = new SqliteStore({ path: join(dir, 'a.db') });
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('finds a domain by Host, and a name made after a miss once the index is read again', async () => {
  const index = new DomainIndex(() => store.domainNames.servedDomains(), createLogger('silent'));
  await index.start();
  try {
    const config = checkDomainNameConfig({});
    await store.domainNames.createDomainName('alice', 'api.example.test', config, {});
    assert.equal(index.forHost('api.example.test'), undefined, 'not read again yet');
    await index.refresh();
    for (const host of ['api.example.test', 'API.Example.test:8080', 'api.example.test.'])
      assert.equal(index.forHost(host)?.domainName, 'api.example.test', host);
    assert.equal(index.forHost('other.example.test:8080'), undefined);
    await store.domainNames.createDomainName('alice', 'other.example.test', config, {});
    await index.refresh();
    assert.equal(index.forHost('other.example.test:8080')?.domainName, 'other.example.test');
    assert.equal(index.forHost('[::1]:8080'), undefined);
  } finally {
    index.close();
  }
});
