import { after } from 'node:test';
import { describeProvisionedConcurrency } from '../conformance/provisioned-concurrency.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

describeProvisionedConcurrency('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { functions: store.functions, provisioned: store.provisioned, close: () => store.close() };
});
