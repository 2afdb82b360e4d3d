/**
 * Following a function's logs (GET /functions/{name}/logs/live, `hangar function logs --follow`):
 * the records from a point on, oldest first, then each one as the recorder writes it
 * (app/invocation-recorder.ts), until the consumer stops.
 *
 * Records carry their writer's end time (endedAt), not a write order, and are written in batches
 * a moment after they end, on any node: one may be written after another that ended later. So a
 * follower does not keep a cursor; it subscribes to the store's notices of written records first,
 * reads what is there, then on each notice reads again from the earliest end the notice names,
 * leaving out what it has sent (by request id). A record committed before a read is in it; one
 * committed after comes with a notice that reaches this follower (it subscribed before reading):
 * nothing falls between the first read and the live part. Across processes a notice can be lost
 * (a LISTEN session lost meanwhile): there the follower also reads again when no notice came for
 * `pollMs`, the records that ended since LOOK_BACK_MS before its previous read (what was written
 * since, a moment after it ended) — not from its newest record, which would read a function's
 * last busy seconds again at every poll once it is idle.
 *
 * What it does not promise: a record written more than KEEP_MS after it ended (a store down that
 * long under the recorder's retries, or that much clock skew between nodes) is not sent to a
 * follower already past it; the listing routes still have it.
 */
import type { Clock, InvocationRecord } from '../core/index.ts';
import type { InvocationNotice } from '../store/index.ts';
import { getFunction } from './functions.ts';
import { type InvocationsApp, withLogs } from './invocations.ts';

/** How far before the newest record sent a notice may still send older ones, ms; the request
 *  ids sent within it are kept to leave them out. */
const KEEP_MS = 60_000;
/** What a poll (or a notice that names no function) reads again before the previous read, ms:
 *  well over the recorder's batch delay. */
const LOOK_BACK_MS = 5000;
/** Records per read. */
const PAGE = 200;

export interface FollowInvocationsOptions {
  /** Epoch ms: every record that ended at or after it, then new ones. Without it, the latest
   *  `tail` and then every record that ends after the oldest of them (after now if none). */
  since?: number;
  /** An event's record (its end and request id): resume after it; `since` is its end. */
  after?: Place;
  tail: number;
  /** Read again after this long without a notice, ms; null where no notice is lost (the store
   *  has no cross-process wake-ups: every writer is in this process). */
  pollMs: number | null;
  /** Tail 0 starts at its now; a poll looks back from the time of the read before it. */
  clock: Clock;
}

type Logged = InvocationRecord & { log: Buffer };

type Place = Pick<InvocationRecord, 'endedAt' | 'requestId'>;
/** The listings' order (by end, then request id), oldest first. */
const byEnd = (a: Place, b: Place): number => a.endedAt - b.endedAt || (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0);

export interface InvocationFollower {
  /** The records with their logs, as described above, until `signal` aborts. */
  follow(signal: AbortSignal): AsyncGenerator<Logged>;
}

/** A follower of a function's records; NotFound (before anything is sent) when the user has no
 *  such function, as every other read of it. */
export async function followInvocationLogs(
  app: InvocationsApp,
  userId: string,
  functionName: string,
  o: FollowInvocationsOptions,
): Promise<InvocationFollower> {
  const name = (await getFunction(app, userId, functionName)).name;
  const store = app.functionInvocations;
  /** Every record of the function that ended at or after `from`, oldest first. */
  const readFrom = async (from: number): Promise<InvocationRecord[]> => {
    const out: InvocationRecord[] = [];
    let after: string | undefined;
    do {
      const page = await store.listInvocations({ userId, functionName: name, since: Math.max(0, from), after, limit: PAGE });
      out.push(...page.items);
      after = page.nextCursor ?? undefined;
    } while (after);
    return out.sort(byEnd);
  };

  async function* run(signal: AbortSignal): AsyncGenerator<Logged> {
    // The earliest end the notices since the last read named; lookBack: a notice named none.
    let noticed: number | null = null;
    let lookBack = false;
    let wake: (() => void) | null = null;
    const off = store.subscribeInvocations((n: InvocationNotice) => {
      if (n === '*') lookBack = true;
      else if (n.userId === userId && n.functionName === name) noticed = Math.min(noticed ?? n.since, n.since);
      else return;
      wake?.();
    });
    try {
      let floor = o.since;
      if (floor === undefined) {
        const latest = o.tail > 0 ? await store.listInvocations({ userId, functionName: name, limit: o.tail }) : null;
        // Fewer than `tail` in all: all of them. (The read below has them again, and any since.)
        floor = latest === null ? o.clock.now() : latest.nextCursor === null ? 0 : (latest.items.at(-1)?.endedAt ?? 0);
      }
      /** Request id -> end of what was sent, within KEEP_MS of the newest. */
      const sent = new Map<string, number>();
      let newest = floor;
      let readAt = o.clock.now();
      let batch = await readFrom(floor);
      // Resuming: what is there and sorts at or before the last event was sent (and is read
      // again from `floor`, its end).
      const resumed = o.after;
      if (resumed) for (const r of batch) if (byEnd(r, resumed) <= 0) sent.set(r.requestId, r.endedAt);
      while (!signal.aborted) {
        for (const r of batch) {
          if (sent.has(r.requestId)) continue;
          sent.set(r.requestId, r.endedAt);
          newest = Math.max(newest, r.endedAt);
          for (const l of await withLogs([r], app.blobs)) yield l;
          if (signal.aborted) return;
        }
        for (const [id, end] of sent) if (end < newest - KEEP_MS) sent.delete(id);
        if (noticed === null && !lookBack) {
          const polled = await napUntilNotice(o.pollMs, signal, (f) => (wake = f));
          if (polled) lookBack = true;
        }
        if (signal.aborted) return;
        let from: number = noticed ?? Number.POSITIVE_INFINITY;
        if (lookBack) from = Math.min(from, readAt - LOOK_BACK_MS);
        noticed = null;
        lookBack = false;
        readAt = o.clock.now();
        batch = await readFrom(Math.max(from, floor, newest - KEEP_MS));
      }
    } finally {
      off();
    }
  }
  return { follow: run };
}

/** Waits for `wake` (handed to setWake, null again after), the signal, or `pollMs` (null: no
 *  limit); true when the wait ran out. */
function napUntilNotice(pollMs: number | null, signal: AbortSignal, setWake: (f: (() => void) | null) => void): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const done = (polled: boolean) => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', aborted);
      setWake(null);
      resolve(polled);
    };
    const aborted = () => done(false);
    const timer = pollMs === null ? null : setTimeout(() => done(true), pollMs);
    signal.addEventListener('abort', aborted, { once: true });
    setWake(() => done(false));
  });
}
