import { intParam, sleep, type Workload } from './context.ts';

/** Seed: "Any custom command will be processed with simulated execution time." */
export const customWorkload: Workload = async (ctx) => {
  const durationMs = intParam(ctx.metadata, 'durationMs', 200, 0, 60_000);
  ctx.log(`custom: processing '${ctx.command}' (${durationMs} ms)`);
  const t0 = performance.now();
  await sleep(durationMs);
  const duration = Math.round(performance.now() - t0);
  ctx.log(`custom: '${ctx.command}' done`);
  return { message: `Custom command '${ctx.command}' completed`, duration };
};
