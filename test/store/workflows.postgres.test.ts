import { after } from 'node:test';
import { describeWorkflows } from '../conformance/workflows.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeWorkflows('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { workflows: store.workflows, close: () => store.close() };
});
