import { after } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { describeStore } from '../conformance/store.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeStore('postgres', async ({ clock, random, retry }) =>
  PostgresStore.open({ url: TEST_DATABASE_URL, schema: freshSchema(), clock, random, retry, poolSize: 4 }),
);
