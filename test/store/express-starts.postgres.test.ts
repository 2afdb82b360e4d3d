import { after } from 'node:test';
import { describeExpressStarts } from '../conformance/express-starts.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

describeExpressStarts('postgres', async (clock) => {
  const store = await openTestStore({ clock });
  return { expressStarts: store.expressStarts, close: () => store.close() };
});
