import { after } from 'node:test';
import { describeHttpApis } from '../conformance/http-apis.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeHttpApis('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { httpApis: store.httpApis, tags: store.tags, close: () => store.close() };
});
