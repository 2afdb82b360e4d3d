export { buildApp } from './app.ts';
export type { ApiContext } from './context.ts';
export { StartEstimator, storeCapacity, type CapacityView } from '../app/index.ts';
export { parseTaskRequest } from './schemas.ts';
