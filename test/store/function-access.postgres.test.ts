import { after } from 'node:test';
import { describeFunctionAccess } from '../conformance/function-access.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeFunctionAccess('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { functions: store.functions, functionAccess: store.functionAccess, close: () => store.close() };
});
