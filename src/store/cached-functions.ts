/**
 * The reads every invocation makes — the function at its qualifier, its reserved concurrency
 * and its circuit breaker — answered from memory for up to `ttlMs`, in front of a backend's Functions port.
 *
 * Why: measured at 16 concurrent invocations on the embedded shape, the two SQLite reads cost
 * four fcntl calls per invocation (a WAL read lock taken and let go per statement) on a host
 * where a system call is dear (a PVM guest: the kernel's interrupt enabling was 8% of the API
 * process's CPU), besides the statements themselves.
 *
 * Consistency: every write through this port forgets everything read before it (a generation
 * count, so a read that was under way when a write began is not kept either), so this process
 * sees its own writes at once. Another process writing the same database (a `hangar worker` the
 * local autoscaler started, reading functions for Event invocations) is seen within `ttlMs`, as
 * a Lambda update reaches invocations within seconds (LastUpdateStatus InProgress meanwhile).
 * Nothing is kept of a function that is not there, so one created elsewhere is seen at once.
 * On PostgreSQL, where several API nodes and workers write, each write is also announced
 * (FunctionChanges: a NOTIFY after it, store/postgres/notifier.ts) and every other process
 * forgets its reads when it hears it, or when its LISTEN session drops (a notice may have been
 * lost); between a write's commit and the notice's arrival (milliseconds) another node may still
 * run what it read before, as a Lambda update reaches invocations within seconds.
 */
import type { FunctionSnapshot, Qualifier, StoredBreakerConfig } from '../core/index.ts';
import type { Functions } from './ports/functions.ts';

const KEPT = 1000;

/** How a backend shared by several processes tells them of writes (PostgreSQL's notifier). */
export interface FunctionChanges {
  /** After a write through this port: the other processes' caches are to forget. */
  announce(): void;
  /** Calls `forget` when another process wrote (or a notice may have been lost); answers the
   *  unsubscribe. Subscribed at the first read. */
  subscribe(forget: () => void): () => void;
}

export function cachedFunctionReads(
  inner: Functions,
  ttlMs = 1000,
  now: () => number = () => performance.now(),
  changes: FunctionChanges | null = null,
): Functions {
  let generation = 0;
  let subscribed = false;
  const snapshots = new Map<string, { at: number; value: FunctionSnapshot }>();
  const reserved = new Map<string, { at: number; value: number | null }>();
  const breakers = new Map<string, { at: number; value: StoredBreakerConfig | null }>();
  const forget = () => {
    generation++;
    snapshots.clear();
    reserved.clear();
    breakers.clear();
  };
  const keep = <T>(m: Map<string, { at: number; value: T }>, key: string, value: T, at: number) => {
    if (m.size >= KEPT) m.clear();
    m.set(key, { at, value });
  };

  const listen = () => {
    if (subscribed || !changes) return;
    subscribed = true;
    changes.subscribe(forget);
  };

  async function getFunction(userId: string, name: string, qualifier?: Qualifier): Promise<FunctionSnapshot | null> {
    listen();
    const key = `${userId}\0${name}\0${qualifierKey(qualifier)}`;
    const t = now();
    const hit = snapshots.get(key);
    if (hit && t - hit.at < ttlMs) return hit.value;
    const g = generation;
    const f = await inner.getFunction(userId, name, qualifier);
    if (f && g === generation) keep(snapshots, key, deepFreeze(f), t);
    return f;
  }

  /** A per-function read kept for ttlMs, null answers too (most functions have none). */
  function perFunction<T>(m: Map<string, { at: number; value: T }>, read: (userId: string, name: string) => Promise<T>) {
    return async (userId: string, name: string): Promise<T> => {
      listen();
      const key = `${userId}\0${name}`;
      const t = now();
      const hit = m.get(key);
      if (hit && t - hit.at < ttlMs) return hit.value;
      const g = generation;
      const r = await read(userId, name);
      if (g === generation) keep(m, key, r && typeof r === 'object' ? deepFreeze(r) : r, t);
      return r;
    };
  }
  const getConcurrency = perFunction(reserved, (u, n) => inner.getConcurrency(u, n));
  const getCircuitBreaker = perFunction(breakers, (u, n) => inner.getCircuitBreaker(u, n));

  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'getFunction') return getFunction;
      if (prop === 'getConcurrency') return getConcurrency;
      if (prop === 'getCircuitBreaker') return getCircuitBreaker;
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      // Reads pass through; anything else may write.
      if (typeof prop === 'string' && /^(get|list)[A-Z]/.test(prop)) return v.bind(target);
      return async (...args: unknown[]) => {
        forget();
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          forget();
          changes?.announce();
        }
      };
    },
  });
}

function qualifierKey(q: Qualifier | undefined): string {
  if (!q || q.kind === 'latest') return '$LATEST';
  return q.kind === 'version' ? `v${q.version}` : `a${q.alias}`;
}

/** Shared between callers: frozen, so a caller that changed it would fail loudly, not others. */
function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !ArrayBuffer.isView(o) && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
