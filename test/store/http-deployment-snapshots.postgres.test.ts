import { after } from 'node:test';
import { describeHttpDeploymentSnapshots } from '../conformance/http-deployment-snapshots.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeHttpDeploymentSnapshots('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { snapshots: store.httpDeploymentSnapshots, httpApis: store.httpApis, close: () => store.close() };
});
