import { after } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { describeStateMachineVersions } from '../conformance/state-machine-versions.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeStateMachineVersions('postgres', async (clock) => {
  const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema: freshSchema(), clock, poolSize: 4 });
  return { versions: store.stateMachineVersions, workflows: store.workflows, close: () => store.close() };
});
