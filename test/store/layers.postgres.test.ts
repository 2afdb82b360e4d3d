import { after } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { describeLayers } from '../conformance/layers.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeLayers('postgres', async (clock) => {
  const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema: freshSchema(), clock, poolSize: 4 });
  return { layers: store.layers, close: () => store.close() };
});
