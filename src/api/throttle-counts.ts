/**
 * HTTP API route throttles counted across every API node (scale-out): the gateway's
 * SharedThrottle (src/app/http-gateway.ts). The gateway tells it what this node let through and
 * asks what the others did, both answered from memory. Every FLUSH_MS, while it has routes in
 * hand, it adds this node's requests to each route's shared count (Store.countRequests, the
 * rate limit's counts under keys of their own) and reads back the totals; what the others added
 * since its last read (core othersTook) goes to the gateway with its next request on the route.
 * With the database unreachable each node throttles what it sees, and its counts wait.
 */
import type { SharedThrottle } from '../app/index.ts';
import { othersTook, type SharedCountSeen } from '../core/index.ts';
import type { Access } from '../store/index.ts';
import { FlushLoop, type RateLog } from './flush-loop.ts';

/** Keys of the shared counts that are routes' (the rate limit's are `u:` and `ip:`). */
const KEY_PREFIX = 'http-route:';

/** The counts' window. A route's total is read as it grows; a window's end restarts it, which
 *  costs what the others took within one flush (core othersTook reads a new window from
 *  nothing). So do the rate limit's prunes (each countRequests caller deletes, every key's, the
 *  windows older than two of its own: with its default of a second, every 10 s or so). An hour,
 *  the longest rate-limit window, so that this caller's prunes never cut one of those short. */
const WINDOW_MS = 3_600_000;

/** A route this node has not served for this long is forgotten (its counts no longer read);
 *  should it come back, the node starts a full burst, as a node new to it does. */
const FORGET_MS = 10_000;

interface RouteCount {
  /** Requests let through here and not yet added to the shared count. */
  pending: number;
  /** The shared count as last read; undefined until it is. */
  seen: SharedCountSeen | undefined;
  /** What the others took, heard and not yet handed to the gateway. */
  learned: number;
  /** When the gateway last asked about it (this host's clock). */
  usedAt: number;
}

type CountRequests = Access['countRequests'];

export class SharedThrottleCounts implements SharedThrottle {
  private readonly routes = new Map<string, RouteCount>();
  private readonly count: CountRequests;
  private readonly loop: FlushLoop;

  constructor(count: CountRequests, log: RateLog) {
    this.count = count;
    this.loop = new FlushLoop({
      flush: () => this.flush(),
      active: () => this.routes.size > 0,
      log,
      failing: 'http api throttles cannot be shared now; each API node throttles what it sees until the database answers',
      recovered: 'http api throttles are shared across API nodes again',
    });
  }

  took(key: string): void {
    this.route(key).pending++;
  }

  takenElsewhere(key: string): number {
    const r = this.route(key);
    const n = r.learned;
    r.learned = 0;
    return n;
  }

  private route(key: string): RouteCount {
    let r = this.routes.get(key);
    if (!r) this.routes.set(key, (r = { pending: 0, seen: undefined, learned: 0, usedAt: 0 }));
    r.usedAt = Date.now();
    this.loop.schedule();
    return r;
  }

  private async flush(): Promise<void> {
    const added = new Map<string, number>();
    const watch: string[] = [];
    for (const [key, r] of this.routes) {
      if (r.pending > 0) added.set(key, r.pending);
      else watch.push(KEY_PREFIX + key);
      r.pending = 0;
    }
    try {
      const taken = [...added].map(([key, n]) => ({ key: KEY_PREFIX + key, n }));
      const { counts } = await this.count(taken, WINDOW_MS, watch);
      for (const c of counts) {
        const key = c.key.slice(KEY_PREFIX.length);
        const r = this.routes.get(key);
        if (!r) continue;
        const heard = othersTook(r.seen, c, added.get(key) ?? 0);
        r.seen = heard.seen;
        r.learned += heard.taken;
      }
    } catch (err) {
      // Added at the next flush; meanwhile this node throttles what it sees.
      for (const [key, n] of added) {
        const r = this.routes.get(key);
        if (r) r.pending += n;
      }
      throw err;
    } finally {
      const idle = Date.now() - FORGET_MS;
      for (const [key, r] of this.routes) if (r.pending === 0 && r.usedAt < idle) this.routes.delete(key);
    }
  }

  /** Adds what is still counted here, then stops. */
  async close(): Promise<void> {
    await this.loop.close();
    if ([...this.routes.values()].some((r) => r.pending > 0)) await this.loop.flush();
  }
}
