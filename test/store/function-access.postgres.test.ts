import { after } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { describeFunctionAccess } from '../conformance/function-access.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeFunctionAccess('postgres', async (clock) => {
  const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema: freshSchema(), clock, poolSize: 4 });
  return { functions: store.functions, functionAccess: store.functionAccess, close: () => store.close() };
});
