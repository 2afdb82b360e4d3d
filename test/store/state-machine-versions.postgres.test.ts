import { after } from 'node:test';
import { describeStateMachineVersions } from '../conformance/state-machine-versions.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeStateMachineVersions('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { versions: store.stateMachineVersions, workflows: store.workflows, close: () => store.close() };
});
