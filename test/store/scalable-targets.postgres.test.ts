import { after } from 'node:test';
import { describeScalableTargets } from '../conformance/scalable-targets.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

describeScalableTargets('postgres', async (clock) => {
  const store = await openTestStore({ clock, poolSize: 4 });
  return { scalableTargets: store.scalableTargets, tags: store.tags, close: () => store.close() };
});
