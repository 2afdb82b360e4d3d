import { intParam, type Workload } from './context.ts';

/** Makes `requests` real HTTP GETs to the configured URL; any failed request fails the task. */
export const networkTest: Workload = async (ctx) => {
  const requests = intParam(ctx.metadata, 'requests', 3, 1, 100);
  const url = ctx.networkTestUrl;
  if (!url) throw new Error('no network test URL configured');
  ctx.log(`network-test: ${requests} GET requests to ${url}`);
  const t0 = performance.now();
  const statusCodes: number[] = [];
  const latencies: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`request ${i + 1} to ${url} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const body = new Uint8Array(await res.arrayBuffer());
    const latency = performance.now() - start;
    statusCodes.push(res.status);
    latencies.push(latency);
    bytes += body.byteLength;
    ctx.log(`network-test: request ${i + 1}: HTTP ${res.status}, ${body.byteLength} bytes, ${latency.toFixed(1)} ms`);
    if (!res.ok) throw new Error(`request ${i + 1} to ${url} returned HTTP ${res.status}`);
  }
  const duration = Math.round(performance.now() - t0);
  const averageLatencyMs = Math.round((latencies.reduce((a, b) => a + b, 0) / latencies.length) * 10) / 10;
  return { message: 'Network test completed', url, requests, statusCodes, averageLatencyMs, bytes, duration };
};
