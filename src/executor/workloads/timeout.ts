import { sleep, type Workload } from './context.ts';

const FIVE_MINUTES = 5 * 60 * 1000;

/** Seed: "Long-running task (5 minutes)"; in practice it ends by being killed at the task timeout. */
export const timeoutWorkload: Workload = async (ctx) => {
  ctx.log('timeout: starting a long-running task (5 minutes)');
  const t0 = performance.now();
  await sleep(FIVE_MINUTES);
  const duration = Math.round(performance.now() - t0);
  ctx.log('timeout: finished');
  return { message: 'Long-running task completed', duration };
};
