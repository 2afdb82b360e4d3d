/** Time is injected (stores, leases, retries), so tests control it and never sleep. */

export interface Clock {
  now(): number;
}

/** A clock that never answers earlier than it did before. The store stamps one event after
 *  another with it (a lane's task ends, the next one starts), and a host clock stepped back
 *  (NTP) or a database offset measured again would otherwise give the later event the earlier
 *  time: a terminal test saw a command start 5 ms before the previous one ended. Time stands
 *  still until the clock catches up, which delays deadlines no more than running back would. */
export function monotonic(clock: Clock): Clock {
  let last = Number.NEGATIVE_INFINITY;
  return {
    now() {
      const t = clock.now();
      if (t > last) last = t;
      return last;
    },
  };
}

/** The host's clock, never going back. */
export const systemClock: Clock = monotonic({ now: () => Date.now() });
