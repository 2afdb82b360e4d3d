import { after } from 'node:test';
import { describeFunctions } from '../conformance/functions.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeFunctions('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { functions: store.functions, close: () => store.close() };
});
