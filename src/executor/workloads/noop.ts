import type { Workload } from './context.ts';

/** Returns immediately; measures the platform's own overhead (benchmarks). */
export const noop: Workload = async (ctx) => {
  ctx.log('noop: nothing to do');
  return { message: 'No-op task completed', duration: 0 };
};
