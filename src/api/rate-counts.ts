/**
 * The API's rate limit counted across every API node (scale-out): @fastify/rate-limit asks a
 * store to count each request, and this one answers at once from what it knows, never waiting
 * on the database. Every FLUSH_MS, while a key's window is open, it adds the requests it
 * counted to the shared counts (Store.countRequests) and reads back each key's total, so a
 * user whose requests a load balancer spreads over N nodes gets the limit once, not N times.
 * What it cannot see: what the other nodes took within the last flush, and, for a node's first
 * request of a key in a window, the others' counts (each node may let one through). With the
 * database unreachable each node still limits what it sees itself.
 */
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Access } from '../store/index.ts';
import { FlushLoop, type RateLog } from './flush-loop.ts';

/** How often windows long over are forgotten, ms. */
const SWEEP_MS = 10_000;

interface KeyState {
  /** When the key's window started, in the store's clock. */
  startedAt: number;
  /** The window's total as last read back (this node's flushed requests included). */
  known: number;
  /** Requests counted here and not yet added to the shared count. */
  pending: number;
  /** Requests on their way to the shared count (a flush in flight): still this window's until
   *  its answer counts them in `known`. */
  sending: number;
}

type CountRequests = Access['countRequests'];

export class SharedRateCounts {
  private readonly keys = new Map<string, KeyState>();
  private readonly count: CountRequests;
  private readonly windowMs: number;
  private readonly loop: FlushLoop;
  /** The store's clock minus this host's, ms, as of the last flush. */
  private skewMs = 0;
  private lastSweep = Date.now();

  constructor(count: CountRequests, windowMs: number, log: RateLog) {
    this.count = count;
    this.windowMs = windowMs;
    this.loop = new FlushLoop({
      flush: () => this.flush(),
      active: () => this.active(),
      log,
      failing: 'rate-limit counts cannot be shared now; each API node limits what it sees until the database answers',
      recovered: 'rate-limit counts are shared across API nodes again',
    });
  }

  /** Counts one request of `key`: the window's requests so far (here and, as last heard, on
   *  the other nodes) and the ms until it ends. */
  incr(key: string): { current: number; ttl: number } {
    const now = Date.now() + this.skewMs;
    let s = this.keys.get(key);
    if (!s) this.keys.set(key, (s = { startedAt: now, known: 0, pending: 0, sending: 0 }));
    else if (s.startedAt + this.windowMs <= now) {
      s.startedAt = now;
      s.known = 0;
    }
    s.pending++;
    this.loop.schedule();
    return { current: s.known + s.sending + s.pending, ttl: Math.max(0, s.startedAt + this.windowMs - now) };
  }

  /** A store class for @fastify/rate-limit that counts here. */
  storeClass(): FastifyRateLimitStoreCtor {
    const shared = this;
    return class implements FastifyRateLimitStore {
      incr(key: string, cb: (err: Error | null, res?: { current: number; ttl: number }) => void): void {
        cb(null, shared.incr(key));
      }
      child(): FastifyRateLimitStore {
        return this;
      }
    };
  }

  /** Something to add, or a window still open whose total the other nodes may be raising. */
  private active(): boolean {
    const now = Date.now() + this.skewMs;
    for (const s of this.keys.values()) if (s.pending > 0 || s.startedAt + this.windowMs > now) return true;
    return false;
  }

  private async flush(): Promise<void> {
    const now0 = Date.now() + this.skewMs;
    const taken: { key: string; n: number }[] = [];
    const watch: string[] = [];
    for (const [key, s] of this.keys) {
      if (s.pending > 0) taken.push({ key, n: s.pending });
      else if (s.startedAt + this.windowMs > now0) watch.push(key);
    }
    // Until the store answers, what is sent still counts here: a request arriving during the
    // round trip saw the window short by it (under load, a sixth request of five got through).
    for (const t of taken) {
      const s = this.keys.get(t.key)!;
      s.pending -= t.n;
      s.sending += t.n;
    }
    const sent = Date.now();
    try {
      const { now, counts } = await this.count(taken, this.windowMs, watch);
      this.skewMs = now - sent; // the store read its clock as the statement went out
      for (const t of taken) {
        const s = this.keys.get(t.key);
        if (s) s.sending -= t.n;
      }
      for (const c of counts) {
        const s = this.keys.get(c.key);
        // A watched key's row may hold a window that has ended: this node's own stands.
        if (s && c.startedAt + this.windowMs > now) {
          s.startedAt = c.startedAt;
          s.known = c.n;
        }
      }
    } catch (err) {
      // Counted again at the next flush; meanwhile this node limits what it sees.
      for (const t of taken) {
        const s = this.keys.get(t.key);
        if (s) {
          s.sending -= t.n;
          s.pending += t.n;
        }
      }
      throw err;
    } finally {
      this.sweep();
    }
  }

  /** Forgets keys whose window is over with nothing left to add. */
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_MS) return;
    this.lastSweep = now;
    for (const [key, s] of this.keys) if (s.pending === 0 && s.startedAt + this.windowMs <= now + this.skewMs) this.keys.delete(key);
  }

  /** Adds what is still counted here, then stops. */
  async close(): Promise<void> {
    await this.loop.close();
    if ([...this.keys.values()].some((s) => s.pending > 0)) await this.loop.flush();
  }
}
