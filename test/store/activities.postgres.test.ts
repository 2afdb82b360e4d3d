import { after } from 'node:test';
import { describeActivities } from '../conformance/activities.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeActivities('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { activities: store.activities, workflows: store.workflows, close: () => store.close() };
});
