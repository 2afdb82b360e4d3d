/**
 * Circuit breakers on functions (issue 24): the configuration is stored with the function
 * (ports/functions.ts); the breaker's state is kept here, in this process's memory, and decided
 * by core/circuit-breaker.ts. invokeFunction (app/invoke.ts) asks `enter` before admitting an
 * invocation — an open breaker throws CircuitOpen, nothing runs — and reports how it ended with
 * `settle`.
 *
 * Where the state lives, on purpose: per process. Embedded, that is the one process every
 * invocation goes through. Scale-out, each API node keeps its own breaker for a function, opened
 * by the failures of the invocations it sent: a function failing behind N API nodes takes up to
 * N × failureThreshold failures to be opened everywhere, and up to N probes run after the
 * cooldown (one per node and `probes`). In exchange nothing is written per invocation and no
 * node waits on the store to fail fast; a failing dependency still sees its load fall to a few
 * probes per cooldown. Shared state in the store (writes on transitions only) would make the
 * first node's opening everyone's; it can come later behind this same class.
 *
 * The state of a function whose configuration is put again (a new updatedAt) or deleted starts
 * afresh; entries are kept for the functions with a breaker that this process invoked.
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
  type BreakerConfig,
  type BreakerState,
  type BreakerView,
  type Clock,
  type StoredBreakerConfig,
} from '../core/index.ts';
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
}

const keyOf = (userId: string, functionName: string) => `${userId}\0${functionName}`;

export class CircuitBreakers {
  private readonly clock: Clock;
  private readonly observer: BreakerObserver | null;
  private readonly entries = new Map<string, Entry>();

  constructor(clock: Clock, observer: BreakerObserver | null = null) {
    this.clock = clock;
    this.observer = observer;
    observer?.breakersFrom(() => this.gauge());
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
   *  deleted meanwhile. */
  settle(ticket: BreakerTicket | null, outcome: BreakerOutcome): void {
    if (!ticket) return;
    const entry = this.entries.get(ticket.key);
    if (!entry || entry.config.updatedAt !== ticket.updatedAt) return;
    entry.state = breakerRecord(entry.config, entry.state, this.clock.now(), outcome, ticket.probe);
  }

  /** The breaker as this process knows it now (closed, nothing counted, if it invoked none). */
  view(config: StoredBreakerConfig): BreakerView {
    const entry = this.entries.get(keyOf(config.userId, config.functionName));
    const state = entry && entry.config.updatedAt === config.updatedAt ? entry.state : BREAKER_CLOSED;
    return breakerViewOf(config, state, this.clock.now());
  }

  /** After the configuration is deleted: its state goes (and leaves the state gauge). */
  forget(userId: string, functionName: string): void {
    this.entries.delete(keyOf(userId, functionName));
  }

  /** Each breaker this process keeps, as the state gauge shows it. */
  private *gauge(): Iterable<{ userId: string; functionName: string; value: number }> {
    const now = this.clock.now();
    for (const { config, state } of this.entries.values())
      yield { userId: config.userId, functionName: config.functionName, value: breakerGaugeValue(breakerViewOf(config, state, now).state) };
  }

  private entryOf(key: string, config: StoredBreakerConfig): Entry {
    const entry = this.entries.get(key);
    if (entry && sameConfig(entry.config, config)) return entry;
    const fresh: Entry = { config, state: BREAKER_CLOSED };
    this.entries.set(key, fresh);
    return fresh;
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
