import { after } from 'node:test';
import { describeDomainNames } from '../conformance/domain-names.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeDomainNames('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { domainNames: store.domainNames, httpApis: store.httpApis, close: () => store.close() };
});
