export * from './ports/index.ts';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/store.ts';
export { uuidv7 } from './ids.ts';
export { shareRecent } from './recent.ts';
export type { Sealer } from './sealed-environment.ts';
