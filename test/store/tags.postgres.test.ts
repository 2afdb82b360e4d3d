import { after } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.ts';
import { describeResourceTags } from '../conformance/tags.ts';
import { TEST_DATABASE_URL, dropTestSchemas, freshSchema } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

describeResourceTags('postgres', async () => {
  const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema: freshSchema() });
  return {
    tags: store.tags,
    functions: store.functions,
    workflows: store.workflows,
    activities: store.activities,
    close: () => store.close(),
  };
});
