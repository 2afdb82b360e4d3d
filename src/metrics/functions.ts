/**
 * Function metrics (issue 23), counted by the process that runs the invocation.
 *
 * Label cardinality, sized for 1,000 functions: counters carry {user, function} (functions are
 * per user, so the name alone is ambiguous), a series per function and outcome that has happened:
 * at most ~5,000 series for 1,000 functions, cheap for Prometheus. Histograms do not: each label
 * set is ~20 series (buckets, sum, count), 60,000 for 1,000 functions by status, which would
 * dwarf everything else Hangar exports. Durations are therefore by status only and init
 * durations by runtime; a function's own durations are in its invocation records (REST,
 * `hangar function logs`, the dashboard's function page). The concurrency gauge is the process's
 * invocations in flight, summed over API nodes by Prometheus.
 *
 * Circuit breakers (app/circuit-breakers.ts) are kept by each API process (their openings and
 * closings shared through the store): the state gauge is the breaker as the process scraped
 * knows it (on scale-out, one series per node: `max by (user, function)` tells whether any node
 * fails fast; half-open is a node's own), for the functions with a breaker it has invoked.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const DURATION_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const INIT_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** From a run straight off the queue to Lambda's 6 h maximum event age. */
const EVENT_AGE_BUCKETS_S = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 180, 300, 600, 1800, 3600, 10_800, 21_600];

/** Why an asynchronous event ended without a successful run (the dropped counter's reason):
 *  past its maximum event age (Lambda's EventAgeExceeded; a throttled event ends so too), its
 *  function failed on every try (RetriesExhausted), or its function or payload is gone. */
export type EventDropReason = 'max_event_age' | 'retries_exhausted' | 'undeliverable';

/** What one invocation that ran tells the metrics. */
export interface InvocationFacts {
  userId: string;
  functionName: string;
  /** success | error | timeout */
  status: string;
  durationMs: number;
  /** On a cold start only. */
  initDurationMs: number | null;
  /** nodejs | python3 | provided */
  runtime: string;
}

export class FunctionMetrics {
  private readonly invocations: Counter<'user' | 'function' | 'status'>;
  private readonly errors: Counter<'user' | 'function'>;
  private readonly throttles: Counter<'user' | 'function'>;
  private readonly coldStarts: Counter<'user' | 'function'>;
  private readonly duration: Histogram<'status'>;
  private readonly initDuration: Histogram<'runtime'>;
  private readonly eventsReceived: Counter<'user' | 'function'>;
  private readonly eventsDropped: Counter<'user' | 'function' | 'reason' | 'on_failure'>;
  private readonly eventAge: Histogram;
  private readonly circuitRejections: Counter<'user' | 'function'>;
  private concurrent: () => number = () => 0;
  private breakers: () => Iterable<{ userId: string; functionName: string; value: number }> = () => [];

  constructor(registry: Registry) {
    const registers = [registry];
    this.invocations = new Counter({
      name: 'hangar_function_invocations_total',
      help: 'Function invocations that ran, by user, function and status (success, error, timeout)',
      labelNames: ['user', 'function', 'status'],
      registers,
    });
    // One series per function that had one: labelled by user and function.
    const perFunction = (name: string, help: string) => new Counter({ name, help, labelNames: ['user', 'function'], registers });
    this.errors = perFunction(
      'hangar_function_errors_total',
      'Function invocations that failed (threw, crashed or timed out), as Lambda counts Errors',
    );
    this.throttles = perFunction(
      'hangar_function_throttles_total',
      'Function invocations refused over the reserved concurrency (429 TooManyRequestsException)',
    );
    this.coldStarts = perFunction(
      'hangar_function_cold_starts_total',
      'Function invocations that started a new instance (an init phase ran)',
    );
    this.duration = new Histogram({
      name: 'hangar_function_duration_seconds',
      help: "Function invocations' duration (REPORT Duration, without init), by status",
      labelNames: ['status'],
      buckets: DURATION_BUCKETS_S,
      registers,
    });
    this.initDuration = new Histogram({
      name: 'hangar_function_init_duration_seconds',
      help: "Cold starts' init phase (REPORT Init Duration), by runtime",
      labelNames: ['runtime'],
      buckets: INIT_BUCKETS_S,
      registers,
    });
    // Lambda's asynchronous invocation metrics (AsyncEventsReceived, AsyncEventAge,
    // AsyncEventsDropped), counted where Hangar queues and runs events.
    this.eventsReceived = perFunction(
      'hangar_function_async_events_received_total',
      'Events queued for a function (Event invocations, and the records sent to it as a destination), as Lambda counts AsyncEventsReceived',
    );
    this.eventsDropped = new Counter({
      name: 'hangar_function_async_events_dropped_total',
      help: 'Events that ended without a successful run, as Lambda counts AsyncEventsDropped, by reason (max_event_age, retries_exhausted, undeliverable) and on_failure (true: its record went to the OnFailure destination first; false: a dead letter)',
      labelNames: ['user', 'function', 'reason', 'on_failure'],
      registers,
    });
    this.eventAge = new Histogram({
      name: 'hangar_function_async_event_age_seconds',
      help: "Events' age (since queued, or redriven) when an attempt to run them starts, as Lambda's AsyncEventAge: retries and throttled waits make it grow",
      buckets: EVENT_AGE_BUCKETS_S,
      registers,
    });
    this.circuitRejections = perFunction(
      'hangar_function_circuit_rejections_total',
      'Function invocations failed fast, without running, because the circuit breaker was open (503 FUNCTION_CIRCUIT_OPEN)',
    );
    const self = this;
    new Gauge({
      name: 'hangar_function_circuit_breaker_state',
      help: "Each function circuit breaker's state in this process: 0 closed, 1 half-open (a probe may run), 2 open (failing fast)",
      labelNames: ['user', 'function'],
      registers,
      collect() {
        this.reset();
        for (const b of self.breakers()) this.set({ user: b.userId, function: b.functionName }, b.value);
      },
    });
    new Gauge({
      name: 'hangar_function_concurrent_executions',
      help: 'Function invocations running in this process now',
      registers,
      collect() {
        this.set(self.concurrent());
      },
    });
  }

  /** Where the concurrency gauge reads its value at scrape time (the process's function host). */
  concurrencyFrom(read: () => number): void {
    this.concurrent = read;
  }

  /** Where the breaker state gauge reads its values at scrape time (app/circuit-breakers.ts). */
  breakersFrom(read: () => Iterable<{ userId: string; functionName: string; value: number }>): void {
    this.breakers = read;
  }

  /** An invocation refused by an open circuit breaker. */
  circuitRejected(userId: string, functionName: string): void {
    this.circuitRejections.inc({ user: userId, function: functionName });
  }

  ran(f: InvocationFacts): void {
    const fn = { user: f.userId, function: f.functionName };
    this.invocations.inc({ ...fn, status: f.status });
    if (f.status !== 'success') this.errors.inc(fn);
    this.duration.observe({ status: f.status }, f.durationMs / 1000);
    if (f.initDurationMs !== null) {
      this.coldStarts.inc(fn);
      this.initDuration.observe({ runtime: f.runtime }, f.initDurationMs / 1000);
    }
  }

  throttled(userId: string, functionName: string): void {
    this.throttles.inc({ user: userId, function: functionName });
  }

  eventReceived(userId: string, functionName: string): void {
    this.eventsReceived.inc({ user: userId, function: functionName });
  }

  /** An attempt to run an event starts, the event `ageMs` old. */
  eventAttempt(ageMs: number): void {
    this.eventAge.observe(Math.max(0, ageMs) / 1000);
  }

  eventDropped(userId: string, functionName: string, reason: EventDropReason, onFailure: boolean): void {
    this.eventsDropped.inc({ user: userId, function: functionName, reason, on_failure: String(onFailure) });
  }
}
