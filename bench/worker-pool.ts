/** The benchmarks' WorkerPool, wired as src/runtime/index.ts wires it for the `worker` role. */
import { join } from 'node:path';
import { DiskBlobStore, type BlobStore } from '../src/blobs/index.ts';
import { loadConfig } from '../src/config/index.ts';
import type { Executor } from '../src/executor/index.ts';
import { createLogger } from '../src/log/index.ts';
import { Metrics } from '../src/metrics/index.ts';
import type { Store } from '../src/store/index.ts';
import { WorkerPool } from '../src/worker/index.ts';

/** Metrics, execution audit, disk blobs under `dir` (unless given), the configuration's default
 *  heartbeat, poll and prefetch (unless given), a silent log; minus secrets, which the
 *  benchmarks' tasks do not use. */
export function workerRolePool(o: {
  store: Store;
  dir: string;
  executor: Executor;
  concurrency: number;
  workerId: string;
  blobs?: BlobStore;
  prefetch?: number;
}): WorkerPool {
  const config = loadConfig({ env: {} });
  return new WorkerPool({
    store: o.store,
    blobs: o.blobs ?? new DiskBlobStore(join(o.dir, 'blobs')),
    executor: o.executor,
    log: createLogger('silent'),
    metrics: new Metrics(o.store),
    workerId: o.workerId,
    concurrency: o.concurrency,
    workDir: join(o.dir, 'work'),
    heartbeatMs: config.heartbeatMs,
    pollMs: config.pollMs,
    audit: true,
    prefetch: o.prefetch ?? config.prefetch,
  });
}
