import { after } from 'node:test';
import { describeStore } from '../conformance/store.ts';
import { dropTestSchemas, openTestStore } from '../helpers/postgres.ts';

after(() => dropTestSchemas());

// Every store gets a fresh schema of its own, created by its migration.
describeStore('postgres', async ({ clock, random, retry }) => openTestStore({ clock, random, retry, poolSize: 4 }));
