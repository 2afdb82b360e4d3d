export { WorkerPool, type PoolOptions } from './pool.ts';
export { Maintenance, type MaintenanceOptions } from './maintenance.ts';
export { OutputSink, OutputWriter, type OutputSinkOptions } from './live-output.ts';
