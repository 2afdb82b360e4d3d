/**
 * Shares an expensive read (task counts: a scan of the tasks table) between callers that come
 * within `ttlMs` of each other — health probes, dashboard refreshes, Prometheus scrapes — and
 * between callers while one read is in flight. A failed read is not kept.
 */
export function shareRecent<T>(read: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    const t = now();
    if (last && t - last.at < ttlMs) return last.value;
    const entry = { at: t, value: read() };
    last = entry;
    entry.value.catch(() => {
      if (last === entry) last = null;
    });
    return entry.value;
  };
}
