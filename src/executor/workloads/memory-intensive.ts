import { formatMB, intParam, type Workload } from './context.ts';

const CHUNK_MB = 1;
const DOUBLES_PER_MB = (1024 * 1024) / 8;

/** Allocates `megabytes` MB in 1 MB arrays, writes every element, then sums them all. */
export const memoryIntensive: Workload = async (ctx) => {
  const megabytes = intParam(ctx.metadata, 'megabytes', 64, 1, 65_536);
  ctx.log(`memory-intensive: allocating ${megabytes} MB`);
  const t0 = performance.now();
  let peakHeapUsed = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage.rss();
  const chunks: Float64Array[] = [];
  for (let mb = 0; mb < megabytes; mb += CHUNK_MB) {
    const a = new Float64Array(DOUBLES_PER_MB * CHUNK_MB);
    for (let i = 0; i < a.length; i++) a[i] = (i % 1000) + mb;
    chunks.push(a);
    if (mb % 16 === 0) {
      peakHeapUsed = Math.max(peakHeapUsed, process.memoryUsage().heapUsed);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
  }
  let sum = 0;
  for (const a of chunks) for (let i = 0; i < a.length; i++) sum += a[i];
  const mu = process.memoryUsage();
  peakHeapUsed = Math.max(peakHeapUsed, mu.heapUsed);
  peakRss = Math.max(peakRss, mu.rss);
  const duration = Math.round(performance.now() - t0);
  ctx.log(`memory-intensive: processed ${chunks.length} MB in ${duration} ms (peak rss ${formatMB(peakRss)})`);
  return {
    message: 'Memory-intensive task completed',
    allocatedMB: chunks.length * CHUNK_MB,
    duration,
    checksum: sum,
    peakHeapUsed: formatMB(peakHeapUsed),
    peakRss: formatMB(peakRss),
  };
};
