/**
 * BullMQ harness for bench/scale-out.ts (see common.mjs for the workloads), on Redis.
 *   node bullmq.mjs --workload w1|w2 --c 10 [--n 10000] [--redis redis://127.0.0.1:6379]
 * Library defaults apart from what BullMQ requires: ioredis connections with
 * maxRetriesPerRequest: null (mandatory for a Worker), a Queue connection and a Worker
 * connection of their own, Worker `concurrency` = C. Jobs are kept on completion (the default).
 * The queue (a name of this benchmark's own) is obliterated before each run; nothing else in
 * Redis is touched.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { installedVersion, main } from './common.mjs';

const version = installedVersion('bullmq');
const QUEUE = 'hangar-bench-noop';

let qconn;
let wconn;
let queue;
let worker;
let completedCount = 0;
/** A submitter process (two-process W2): it must leave the queue to the worker's process. */
let submitterOnly = false;

await main({
  name: 'bullmq',
  version,
  settings: (o) => ({ concurrency: o.c, 'ioredis maxRetriesPerRequest': null }),
  async reset(o) {
    qconn = new Redis(o.redis, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE, { connection: qconn });
    await queue.waitUntilReady();
    await queue.obliterate({ force: true });
  },
  async connect(o) {
    submitterOnly = true;
    qconn = new Redis(o.redis, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE, { connection: qconn });
    await queue.waitUntilReady();
  },
  async server() {
    const info = await qconn.info('server');
    return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
  },
  async enqueueBulk(jobs) {
    await queue.addBulk(jobs.map((data) => ({ name: 'noop', data })));
  },
  async enqueueOne(data) {
    await queue.add('noop', data);
  },
  async startWorker(o, onStart) {
    wconn = new Redis(o.redis, { maxRetriesPerRequest: null });
    worker = new Worker(
      QUEUE,
      async (job) => {
        onStart(job.data);
      },
      { connection: wconn, concurrency: o.c },
    );
    // Emitted once the job has been moved to `completed` in Redis.
    worker.on('completed', () => completedCount++);
    worker.on('error', (e) => process.stderr.write(`bullmq worker error: ${e?.message ?? e}\n`));
  },
  async completed() {
    return completedCount;
  },
  async close() {
    await worker?.close();
    if (!submitterOnly) await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    qconn?.disconnect();
    wconn?.disconnect();
  },
});
