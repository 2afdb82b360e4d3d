import { after } from 'node:test';
import { describeFunctionInvocations } from '../conformance/function-invocations.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeFunctionInvocations('postgres', async () => {
  const store = await openTestStore({ poolSize: 4 });
  return { invocations: store.functionInvocations, close: () => store.close() };
});
