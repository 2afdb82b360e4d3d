/**
 * The HTTP load generator of bench/dispatch.ts. It runs in a worker thread so that building
 * requests and parsing responses does not share an event loop with the server it measures
 * (the two still share the machine's cores, as a client on the same host would).
 *
 * Times are milliseconds on the process-wide monotonic clock (process.hrtime), the one clock
 * both threads read the same way; performance.now() has a different origin in each thread.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadJob {
  url: string;
  /** 'paced': open loop, request i is issued at start + i / rate whatever is outstanding.
   *  'closed': `concurrency` requests in flight until `count` have been sent. */
  mode: 'paced' | 'closed';
  count: number;
  /** Requests per second ('paced'). */
  rate: number;
  /** Keep-alive sockets ('paced') or requests in flight ('closed'). */
  concurrency: number;
  /** Unmeasured requests sent first, closed loop with `concurrency` in flight. */
  warmup: number;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** POSTed to this path (default /tasks) with this body (default a no-op task naming its index). */
  path?: string;
  body?: string;
}

export interface LoadResult {
  /** Per request i (0..count-1): hrtime ms just before the request was issued. */
  sentAt: number[];
  /** hrtime ms when the whole response had arrived. */
  doneAt: number[];
  /** Issue time minus scheduled time ('paced'), ms: how late the pacer was. */
  lag: number[];
  status: number[];
  errors: number;
  firstSent: number;
  lastDone: number;
}

export const hrMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function post(agent: http.Agent, url: URL, i: number, job: LoadJob): Promise<number> {
  const body = job.body ?? JSON.stringify({ command: 'noop', metadata: { i } });
  const apiKey = job.apiKey;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: job.path ?? '/tasks',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
      },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `count` requests through `send(base + k)`, `concurrency` in flight; each recorded at index k of
 * `out` (send time, done time, status; a throw counts as an error) unless `out` is null.
 */
export async function closedLanes(
  count: number,
  base: number,
  concurrency: number,
  send: (i: number) => Promise<number>,
  out: LoadResult | null,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const k = next++;
      const t0 = hrMs();
      let status = 0;
      try {
        status = await send(base + k);
      } catch {
        if (out) out.errors++;
      }
      if (out) {
        out.sentAt[k] = t0;
        out.doneAt[k] = hrMs();
        out.status[k] = status;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency, maxFreeSockets: job.concurrency });
  const out: LoadResult = {
    sentAt: new Array<number>(job.count).fill(0),
    doneAt: new Array<number>(job.count).fill(0),
    lag: [],
    status: new Array<number>(job.count).fill(0),
    errors: 0,
    firstSent: 0,
    lastDone: 0,
  };

  const closedLoop = (count: number, base: number, record: boolean) =>
    closedLanes(count, base, job.concurrency, (i) => post(agent, url, i, job), record ? out : null);

  // Warm-up: negative indices, so the server side can tell them apart.
  if (job.warmup > 0) await closedLoop(job.warmup, -job.warmup, false);

  if (job.mode === 'closed') {
    await closedLoop(job.count, 0, true);
  } else {
    const interval = 1000 / job.rate;
    const inflight: Promise<void>[] = [];
    const start = hrMs();
    let i = 0;
    await new Promise<void>((done) => {
      const tick = () => {
        const now = hrMs();
        const due = Math.min(job.count, Math.floor((now - start) / interval) + 1);
        while (i < due) {
          const k = i++;
          const t0 = hrMs();
          out.lag.push(t0 - (start + k * interval));
          out.sentAt[k] = t0;
          inflight.push(
            post(agent, url, k, job).then(
              (s) => {
                out.doneAt[k] = hrMs();
                out.status[k] = s;
              },
              () => {
                out.doneAt[k] = hrMs();
                out.errors++;
              },
            ),
          );
        }
        if (i < job.count) setTimeout(tick, Math.max(0, start + i * interval - hrMs()));
        else done();
      };
      tick();
    });
    await Promise.all(inflight);
  }
  out.firstSent = Math.min(...out.sentAt);
  out.lastDone = Math.max(...out.doneAt);
  agent.destroy();
  return out;
}

// Only when started as the load worker (bench/functions.ts imports closedLanes into a worker of its own).
if (parentPort && (workerData as LoadJob | undefined)?.mode) {
  const port = parentPort;
  runLoad(workerData as LoadJob).then(
    (r) => port.postMessage({ ok: true, result: r }),
    (err: unknown) => port.postMessage({ ok: false, error: String((err as Error)?.stack ?? err) }),
  );
}
