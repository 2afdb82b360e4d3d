/**
 * Where a synchronous invocation runs on the scale-out shape (pure: app/dispatch.ts gathers the
 * facts). Lambda's frontend asks a placement service for a warm sandbox of the exact version
 * and cold-starts one on a worker with room otherwise; Hangar's API node does the same from the
 * worker hosts' adverts: a host holding an idle warm instance of the version first (no cold
 * start), the least loaded of those; else the least loaded host, where the cold start costs the
 * least. Ties are broken at random so that API nodes choosing at once spread their invocations.
 */

export interface HostChoice {
  hostId: string;
  /** Invocations it runs at once before it counts as loaded; at least 1 is assumed. */
  capacity: number;
  /** Invocations running on it, as far as the chooser knows. */
  busy: number;
  /** Idle warm instances of the invocation's version on it, as far as the chooser knows. */
  warm: number;
}

export function chooseHost<H extends HostChoice>(hosts: readonly H[], random: () => number = Math.random): H | null {
  if (hosts.length === 0) return null;
  const warm = hosts.filter((h) => h.warm > 0);
  const pool = warm.length ? warm : hosts;
  const load = (h: HostChoice) => h.busy / Math.max(1, h.capacity);
  const least = Math.min(...pool.map(load));
  const best = pool.filter((h) => load(h) === least);
  return best[Math.floor(random() * best.length)] ?? best[0];
}
