import { intParam, type Workload } from './context.ts';

/** A real numeric loop: sum of sqrt(i) * sin(i) over N iterations. */
export const cpuIntensive: Workload = async (ctx) => {
  const iterations = intParam(ctx.metadata, 'iterations', 5_000_000, 1, 1e9);
  ctx.log(`cpu-intensive: computing ${iterations} iterations`);
  const t0 = performance.now();
  let checksum = 0;
  for (let i = 0; i < iterations; i++) checksum += Math.sqrt(i) * Math.sin(i);
  const duration = Math.round(performance.now() - t0);
  ctx.log(`cpu-intensive: done in ${duration} ms, checksum ${checksum.toFixed(6)}`);
  return { message: 'CPU-intensive task completed', iterations, duration, checksum };
};
