import { after } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { describeProvisionedConcurrency } from '../conformance/provisioned-concurrency.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

describeProvisionedConcurrency('postgres', async (clock) => {
  const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema: freshSchema(), clock, poolSize: 4 });
  return { functions: store.functions, provisioned: store.provisioned, close: () => store.close() };
});
