export * from './types.ts';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/store.ts';
