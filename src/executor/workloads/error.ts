import type { Workload } from './context.ts';

/** Seed: "Simulates task failure for testing error handling." */
export const errorWorkload: Workload = async (ctx) => {
  ctx.log('error: simulating a task failure');
  throw new Error('Simulated task failure');
};
