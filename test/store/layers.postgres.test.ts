import { after } from 'node:test';
import { describeLayers } from '../conformance/layers.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeLayers('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { layers: store.layers, close: () => store.close() };
});
