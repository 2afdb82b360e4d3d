import { after } from 'node:test';
import { describeSealedValues } from '../conformance/sealed-values.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

describeSealedValues('postgres', async (sealer) => {
  const store = await openTestStore({ sealer });
  return { sealedValues: store.sealedValues, access: store, functions: store.functions, close: () => store.close() };
});
