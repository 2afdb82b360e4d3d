/**
 * Circuit breakers on functions (issue 24): the configuration is stored with the function
 * (ports/functions.ts); the breaker's state is kept here, in this process's memory, decided by
 * core/circuit-breaker.ts. invokeFunction (app/invoke.ts) asks `enter` before admitting an
 * invocation — an open breaker throws CircuitOpen, nothing runs — and reports how it ended with
 * `settle`.
 *
 * Several processes (API nodes) invoking one function: each counts the failures of the
 * invocations it sends, in memory — nothing is written per invocation. A transition that
 * matters to the others (opened, opened again after a failed probe, closed after a probe
 * succeeded) is written to the store (shareCircuitBreakerTransition), once, without making the
 * invocation wait; every process reads it with the configuration (kept in memory for up to a
 * second, forgotten at once on a write's notice: store/cached-functions.ts) and adopts one newer
 * than the last it knows. So one node's opening makes every node fail fast, and a restart does
 * not forget an open breaker. What is not shared: the failures counted (each node opens on its
 * own count, or on another's opening) and the move to half-open (each node probes on its own
 * after the cooldown: up to N × `probes` probes with N nodes).
 *
 * The state of a function whose configuration is put again (a new updatedAt) or deleted starts
 * afresh; entries are kept for the functions with a breaker that this process invoked or showed.
 */
import {
  breakerAdmit,
  breakerGaugeValue,
  type BreakerOutcome,
  CircuitOpen,
  BREAKER_CLOSED,
  ErrorCode,
  NotFound,
  breakerRecord,
  retryAfterSeconds,
  breakerViewOf,
  checkBreakerConfig,
  stateAfter,
  transitionOf,
  type BreakerConfig,
  type BreakerState,
  type BreakerTransition,
  type BreakerView,
  type Clock,
  type StoredBreakerConfig,
} from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import type { Functions } from '../store/index.ts';
import { getFunction, type FunctionsApp } from './functions.ts';

/** Where fail-fast refusals are counted and the breakers' states shown (metrics/functions.ts). */
export interface BreakerObserver {
  circuitRejected(userId: string, functionName: string): void;
  /** Where the state gauge reads its values (0 closed, 1 half-open, 2 open) at scrape time. */
  breakersFrom(read: () => Iterable<{ userId: string; functionName: string; value: number }>): void;
}

/** An invocation let through a breaker: what `settle` needs to record its outcome. */
export interface BreakerTicket {
  readonly key: string;
  readonly updatedAt: number;
  readonly probe: boolean;
}

interface Entry {
  config: StoredBreakerConfig;
  state: BreakerState;
  /** The time of the last transition this process made or adopted (0: none). */
  known: number;
}

const keyOf = (userId: string, functionName: string) => `${userId}\0${functionName}`;

export interface BreakerDeps {
  /** The store's clock: on PostgreSQL the database's, so every node's times agree. */
  clock: Clock;
  metrics?: BreakerObserver | null;
  /** Where transitions are shared with the other processes; absent: this process's only. */
  functions?: Pick<Functions, 'shareCircuitBreakerTransition'> | null;
  log?: Pick<Logger, 'warn'> | null;
}

export class CircuitBreakers {
  private readonly clock: Clock;
  private readonly observer: BreakerObserver | null;
  private readonly shared: Pick<Functions, 'shareCircuitBreakerTransition'> | null;
  private readonly log: Pick<Logger, 'warn'> | null;
  private readonly entries = new Map<string, Entry>();
  /** Writes of transitions under way (close() waits for them). */
  private readonly writes = new Set<Promise<unknown>>();

  constructor(deps: BreakerDeps) {
    this.clock = deps.clock;
    this.observer = deps.metrics ?? null;
    this.shared = deps.functions ?? null;
    this.log = deps.log ?? null;
    this.observer?.breakersFrom(() => this.gauge());
  }

  /**
   * Before an invocation of the function is admitted: null when it has no breaker (`config`
   * null), a ticket when it may run, CircuitOpen (counted) when its breaker is open.
   */
  enter(userId: string, functionName: string, config: StoredBreakerConfig | null): BreakerTicket | null {
    const key = keyOf(userId, functionName);
    if (!config) {
      this.entries.delete(key);
      return null;
    }
    const entry = this.entryOf(key, config);
    const a = breakerAdmit(config, entry.state, this.clock.now());
    entry.state = a.state;
    if (!a.run) {
      this.observer?.circuitRejected(userId, functionName);
      throw new CircuitOpen(functionName, retryAfterSeconds(a.retryAfterMs));
    }
    return { key, updatedAt: config.updatedAt, probe: a.probe };
  }

  /** How an invocation `enter` let through ended. Nothing, if its breaker was put again or
   *  deleted meanwhile. A transition it makes is shared. */
  settle(ticket: BreakerTicket | null, outcome: BreakerOutcome): void {
    if (!ticket) return;
    const entry = this.entries.get(ticket.key);
    if (!entry || entry.config.updatedAt !== ticket.updatedAt) return;
    const now = this.clock.now();
    const before = entry.state;
    entry.state = breakerRecord(entry.config, before, now, outcome, ticket.probe);
    const t = transitionOf(before, entry.state, now);
    if (t) this.share(entry, t);
  }

  /** The breaker as this process knows it now, with any newer transition another shared. */
  view(config: StoredBreakerConfig): BreakerView {
    const entry = this.entryOf(keyOf(config.userId, config.functionName), config);
    return breakerViewOf(config, entry.state, this.clock.now());
  }

  /** After the configuration is deleted: its state goes (and leaves the state gauge). */
  forget(userId: string, functionName: string): void {
    this.entries.delete(keyOf(userId, functionName));
  }

  /** Waits for the transitions being written. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }

  /** Each breaker this process keeps, as the state gauge shows it. */
  private *gauge(): Iterable<{ userId: string; functionName: string; value: number }> {
    const now = this.clock.now();
    for (const { config, state } of this.entries.values())
      yield { userId: config.userId, functionName: config.functionName, value: breakerGaugeValue(breakerViewOf(config, state, now).state) };
  }

  /** The function's entry for this configuration (a fresh one for a new configuration), brought
   *  up to the transition shared with it when that is newer than the last this process knows. */
  private entryOf(key: string, config: StoredBreakerConfig): Entry {
    let entry = this.entries.get(key);
    if (!entry || !sameConfig(entry.config, config)) {
      entry = { config, state: BREAKER_CLOSED, known: 0 };
      this.entries.set(key, entry);
    }
    const t = config.transition;
    if (t && t.at > entry.known) {
      entry.state = stateAfter(t);
      entry.known = t.at;
    }
    return entry;
  }

  /** Writes the transition for the other processes, without making the invocation wait; a
   *  failed write leaves them to count their own failures. */
  private share(entry: Entry, t: BreakerTransition): void {
    entry.known = t.at;
    if (!this.shared) return;
    const { userId, functionName, updatedAt } = entry.config;
    const write = this.shared
      .shareCircuitBreakerTransition(userId, functionName, updatedAt, t)
      .catch((err: unknown) => this.log?.warn({ err, userId, functionName }, 'circuit breaker transition not shared'))
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }
}

const sameConfig = (a: StoredBreakerConfig, b: StoredBreakerConfig): boolean =>
  a.updatedAt === b.updatedAt &&
  a.failureThreshold === b.failureThreshold &&
  a.windowSeconds === b.windowSeconds &&
  a.cooldownSeconds === b.cooldownSeconds &&
  a.probes === b.probes;

// The use cases the native API calls.

export interface BreakersApp extends FunctionsApp {
  functions: Functions;
  breakers: CircuitBreakers;
}

/** A breaker's configuration with its state as this process knows it. */
export interface CircuitBreakerView extends StoredBreakerConfig, BreakerView {}

const notFound = (name: string) => new NotFound(ErrorCode.FunctionCircuitBreakerNotFound, `function ${name} has no circuit breaker`);

/** Puts the function's breaker (core checks the values); a new one starts closed. */
export async function putCircuitBreaker(
  app: BreakersApp,
  userId: string,
  functionName: string,
  input: Omit<BreakerConfig, 'probes'> & { probes?: number },
): Promise<CircuitBreakerView> {
  const f = await getFunction(app, userId, functionName);
  const c = await app.functions.putCircuitBreaker(userId, f.name, checkBreakerConfig(input));
  return { ...c, ...app.breakers.view(c) };
}

/** NotFound (FUNCTION_NOT_FOUND) without the function, FUNCTION_CIRCUIT_BREAKER_NOT_FOUND without a breaker. */
export async function getCircuitBreaker(app: BreakersApp, userId: string, functionName: string): Promise<CircuitBreakerView> {
  const f = await getFunction(app, userId, functionName);
  const v = await circuitBreakerOf(app, userId, f.name);
  if (!v) throw notFound(f.name);
  return v;
}

/** The breaker of a function known to be there (its name as stored), or null: none. */
export async function circuitBreakerOf(app: BreakersApp, userId: string, name: string): Promise<CircuitBreakerView | null> {
  const c = await app.functions.getCircuitBreaker(userId, name);
  return c ? { ...c, ...app.breakers.view(c) } : null;
}

export async function deleteCircuitBreaker(app: BreakersApp, userId: string, functionName: string): Promise<void> {
  const f = await getFunction(app, userId, functionName);
  if (!(await app.functions.deleteCircuitBreaker(userId, f.name))) throw notFound(f.name);
  app.breakers.forget(userId, f.name);
}
