import { after } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { describeFunctionInvocations } from '../conformance/function-invocations.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeFunctionInvocations('postgres', async () => {
  const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema: freshSchema(), poolSize: 4 });
  return { invocations: store.functionInvocations, close: () => store.close() };
});
