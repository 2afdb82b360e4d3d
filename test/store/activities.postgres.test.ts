import { after } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { describeActivities } from '../conformance/activities.ts';
import { dropTestSchemas, freshSchema, TEST_DATABASE_URL } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeActivities('postgres', async (clock) => {
  const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema: freshSchema(), clock, poolSize: 4 });
  return { activities: store.activities, workflows: store.workflows, close: () => store.close() };
});
