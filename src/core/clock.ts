/** Time is injected (stores, leases, retries), so tests control it and never sleep. */

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
