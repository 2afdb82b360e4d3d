/** A circuit breaker's row as the port answers it (both backends). */
import type { BreakerConfig, BreakerTransition, StoredBreakerConfig } from '../core/index.ts';
import type { Row } from './row.ts';

export const breakerFromRow = (r: Row): StoredBreakerConfig => ({
  userId: String(r.user_id),
  functionName: String(r.function_name),
  failureThreshold: Number(r.failure_threshold),
  windowSeconds: Number(r.window_seconds),
  cooldownSeconds: Number(r.cooldown_seconds),
  probes: Number(r.probes),
  updatedAt: Number(r.updated_at),
  transition:
    Number(r.changed_at) === 0
      ? null
      : {
          at: Number(r.changed_at),
          openedAt: r.opened_at === null ? null : Number(r.opened_at),
          probeAt: r.probe_at === null ? null : Number(r.probe_at),
        },
});

/** opened_at, probe_at, changed_at: a transition's values, in order. */
export const transitionValues = (t: BreakerTransition): (number | null)[] => [t.openedAt, t.probeAt, t.at];

/** failure_threshold, window_seconds, cooldown_seconds, probes: the columns' values, in order. */
export const breakerValues = (c: BreakerConfig): number[] => [c.failureThreshold, c.windowSeconds, c.cooldownSeconds, c.probes];
