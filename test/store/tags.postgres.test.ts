import { after } from 'node:test';
import { describeResourceTags } from '../conformance/tags.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

describeResourceTags('postgres', async () => {
  const store = await openTestStore();
  return {
    tags: store.tags,
    functions: store.functions,
    workflows: store.workflows,
    activities: store.activities,
    httpApis: store.httpApis,
    close: () => store.close(),
  };
});
