/** The store's ports, one per role, and the whole `Store` a backend implements. */
export * from './access.ts';
export * from './activities.ts';
export * from './express-starts.ts';
export * from './dispatch.ts';
export * from './fleet.ts';
export * from './function-fleet.ts';
export * from './function-invocations.ts';
export * from './function-access.ts';
export * from './functions.ts';
export * from './http-apis.ts';
export * from './output.ts';
export * from './projects.ts';
export * from './store.ts';
export * from './task-queue.ts';
export * from './task-reads.ts';
export * from './provisioned-concurrency.ts';
export * from './workflows.ts';
