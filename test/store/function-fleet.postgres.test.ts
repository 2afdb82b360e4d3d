import { after } from 'node:test';
import { describeFunctionFleet } from '../conformance/function-fleet.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeFunctionFleet('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { functions: store.functions, fleet: store.functionFleet, close: () => store.close() };
});
