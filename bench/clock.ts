/** Clocks and pacing shared by the benchmarks (bench/dispatch.ts, bench/scale-out.ts and the
 *  peers' harnesses in bench/peers, which import this file too). */

/** Milliseconds on the process-wide monotonic clock, the same in every thread. */
export const hrMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Paces `count` calls at `everyMs` on an absolute schedule (open loop: a call is never awaited
 *  before the next is due). Returns how late each call was against its schedule, ms. */
export async function paced(count: number, everyMs: number, fn: (i: number) => void): Promise<number[]> {
  const lag: number[] = [];
  const start = performance.now();
  let i = 0;
  await new Promise<void>((done) => {
    const step = () => {
      const t = performance.now();
      const due = Math.min(count, Math.floor((t - start) / everyMs) + 1);
      while (i < due) {
        lag.push(performance.now() - (start + i * everyMs));
        fn(i++);
      }
      if (i < count) setTimeout(step, Math.max(0, start + i * everyMs - performance.now()));
      else done();
    };
    step();
  });
  return lag;
}

/** Polls `cond` until it holds (true) or `timeoutMs` passes (false). */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, pollMs = 1): Promise<boolean> {
  const end = hrMs() + timeoutMs;
  while (!(await cond())) {
    if (hrMs() > end) return false;
    await sleep(pollMs);
  }
  return true;
}
