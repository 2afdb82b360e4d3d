import { after } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { describeExpressStarts } from '../conformance/express-starts.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

describeExpressStarts('postgres', async (clock) => {
  const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema: freshSchema(), clock });
  return { expressStarts: store.expressStarts, close: () => store.close() };
});
