/**
 * Circuit breakers on functions (issue 24, seed 001: "prevent overwhelming external services").
 * A breaker counts its function's failures — it threw, crashed or timed out; a throttle or a
 * Hangar error is not the function's failure — and when `failureThreshold` of them fall within
 * `windowSeconds` it opens: invocations then fail fast, without running, until `cooldownSeconds`
 * have passed. Then it is half-open: up to `probes` invocations run as probes; the first probe
 * to succeed closes it, a probe that fails opens it again for another cooldown.
 *
 *   closed ──threshold failures in window──► open ──cooldown──► half-open ──probe ok──► closed
 *                                             ▲                     │
 *                                             └────probe failed─────┘
 *
 * Counting is by failures in a sliding window, not consecutive failures: a function that fails
 * one call in three against a dead service still opens, and successes between failures do not
 * hide an outage. Only the last `failureThreshold` failure times are kept (the older ones can
 * never make a count of `failureThreshold` again), so a breaker's state is small and bounded.
 *
 * Shared between processes (several API nodes invoking one function): each process counts the
 * failures it sees, and the transitions that matter to the others — opened, opened again,
 * closed — are shared through the store (BreakerTransition, written only when one happens); a
 * process adopts a transition newer than the last it knows, so one node's opening makes every
 * node fail fast. The move from open to half-open is not shared: each process probes on its own
 * once the cooldown has passed.
 *
 * Pure functions over a state value and a time (ms): no I/O, no clock of their own. Where the
 * state is kept and who calls these is app/circuit-breakers.ts.
 */
import { ErrorCode, InvalidInput, Unavailable } from './errors.ts';

/** A breaker as configured on a function (stored with it: ports/functions.ts). */
export interface BreakerConfig {
  /** Failures within the window that open the breaker: 1–1000. */
  failureThreshold: number;
  /** The sliding window failures are counted in, seconds: 1–86,400. */
  windowSeconds: number;
  /** How long the breaker stays open before a probe may run, seconds: 1–86,400. */
  cooldownSeconds: number;
  /** Invocations let through at once as probes while half-open: 1–100 (default 1). */
  probes: number;
}

/** A configuration as stored: whose, and when it was last put (a new put starts it afresh). */
export interface StoredBreakerConfig extends BreakerConfig {
  userId: string;
  functionName: string;
  /** ms since the epoch (the store's clock). */
  updatedAt: number;
  /** The last transition a process shared since the configuration was put (null: none). */
  transition: BreakerTransition | null;
}

/** A transition shared between processes: at `at`, the breaker opened (until `probeAt`) or
 *  closed (both null). The latest by `at` is the one kept. */
export interface BreakerTransition {
  at: number;
  openedAt: number | null;
  probeAt: number | null;
}

export const BREAKER_LIMITS = {
  failureThreshold: { min: 1, max: 1000 },
  windowSeconds: { min: 1, max: 86_400 },
  cooldownSeconds: { min: 1, max: 86_400 },
  probes: { min: 1, max: 100 },
} as const;

export const DEFAULT_BREAKER_PROBES = 1;

/** A configuration as asked for (probes may be left out), checked: InvalidInput otherwise. */
export function checkBreakerConfig(c: Omit<BreakerConfig, 'probes'> & { probes?: number }): BreakerConfig {
  const probes = c.probes ?? DEFAULT_BREAKER_PROBES;
  const checked: BreakerConfig = {
    failureThreshold: c.failureThreshold,
    windowSeconds: c.windowSeconds,
    cooldownSeconds: c.cooldownSeconds,
    probes,
  };
  for (const key of Object.keys(BREAKER_LIMITS) as (keyof BreakerConfig)[]) {
    const v = checked[key];
    const { min, max } = BREAKER_LIMITS[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new InvalidInput(
        ErrorCode.FunctionInvalid,
        `circuit breaker ${key} must be an integer from ${min} to ${max}, not ${String(v)}`,
      );
  }
  return checked;
}

/** A breaker's modes (the names the API and the dashboard show). */
export const BreakerMode = { Closed: 'closed', Open: 'open', HalfOpen: 'half-open' } as const;
export type BreakerMode = (typeof BreakerMode)[keyof typeof BreakerMode];

export type BreakerState =
  /** `failures`: the times of the last failures (at most failureThreshold, oldest first). */
  | { mode: typeof BreakerMode.Closed; failures: readonly number[] }
  /** Failing fast until `probeAt`. */
  | { mode: typeof BreakerMode.Open; openedAt: number; probeAt: number }
  /** `probing`: probes under way (at most config.probes). */
  | { mode: typeof BreakerMode.HalfOpen; openedAt: number; probing: number };

export const BREAKER_CLOSED: BreakerState = { mode: BreakerMode.Closed, failures: [] };

/** What an invocation is let do: run (as a probe or not), or fail fast for `retryAfterMs`. */
export type BreakerAdmission =
  | { run: true; probe: boolean; state: BreakerState }
  | { run: false; retryAfterMs: number; state: BreakerState };

/** While half-open with every probe under way, callers are told to come back after this. */
export const PROBE_BUSY_RETRY_MS = 1000;

/** Whether an invocation at `now` may run; the state it leaves (a probe taken). */
export function breakerAdmit(config: BreakerConfig, state: BreakerState, now: number): BreakerAdmission {
  switch (state.mode) {
    case BreakerMode.Closed:
      return { run: true, probe: false, state };
    case BreakerMode.Open:
      if (now < state.probeAt) return { run: false, retryAfterMs: state.probeAt - now, state };
      return { run: true, probe: true, state: { mode: BreakerMode.HalfOpen, openedAt: state.openedAt, probing: 1 } };
    case BreakerMode.HalfOpen:
      if (state.probing >= config.probes) return { run: false, retryAfterMs: PROBE_BUSY_RETRY_MS, state };
      return { run: true, probe: true, state: { ...state, probing: state.probing + 1 } };
    default:
      return unreachable(state);
  }
}

/** How an admitted invocation ended, for its breaker: the function's failure (threw, crashed,
 *  timed out), its success, or neither (Hangar could not run it: throttled, no host, …). */
export const BreakerOutcome = { Success: 'success', Failure: 'failure', Neither: 'neither' } as const;
export type BreakerOutcome = (typeof BreakerOutcome)[keyof typeof BreakerOutcome];

/**
 * The state after an invocation admitted as `probe` (breakerAdmit's answer) ended at `now`. An
 * invocation admitted before the breaker opened that ends while it is open or half-open changes
 * nothing: only probes decide a half-open breaker.
 */
export function breakerRecord(
  config: BreakerConfig,
  state: BreakerState,
  now: number,
  outcome: BreakerOutcome,
  probe: boolean,
): BreakerState {
  switch (state.mode) {
    case BreakerMode.Closed: {
      if (outcome !== BreakerOutcome.Failure) return state;
      const failures = [...inWindow(config, state.failures, now), now].slice(-config.failureThreshold);
      if (failures.length >= config.failureThreshold) return opened(config, now);
      return { mode: BreakerMode.Closed, failures };
    }
    case BreakerMode.Open:
      return state;
    case BreakerMode.HalfOpen: {
      if (!probe) return state;
      if (outcome === BreakerOutcome.Success) return BREAKER_CLOSED;
      if (outcome === BreakerOutcome.Failure) return opened(config, now);
      // The probe did not run: its place is free for the next invocation.
      return { ...state, probing: Math.max(0, state.probing - 1) };
    }
    default:
      return unreachable(state);
  }
}

/** What `before` → `after` (at `now`) tells the other processes, if anything: an opening (from
 *  closed, or a failed probe's reopening) or a closing (a probe succeeded). */
export function transitionOf(before: BreakerState, after: BreakerState, now: number): BreakerTransition | null {
  if (after.mode === BreakerMode.Open && (before.mode !== BreakerMode.Open || before.openedAt !== after.openedAt))
    return { at: now, openedAt: after.openedAt, probeAt: after.probeAt };
  if (after.mode === BreakerMode.Closed && before.mode === BreakerMode.HalfOpen) return { at: now, openedAt: null, probeAt: null };
  return null;
}

/** The state a process takes on from a transition another shared: open until its probe time,
 *  or closed with no failures counted. */
export function stateAfter(t: BreakerTransition): BreakerState {
  return t.openedAt !== null && t.probeAt !== null ? { mode: BreakerMode.Open, openedAt: t.openedAt, probeAt: t.probeAt } : BREAKER_CLOSED;
}

function opened(config: BreakerConfig, now: number): BreakerState {
  return { mode: BreakerMode.Open, openedAt: now, probeAt: now + config.cooldownSeconds * 1000 };
}

/** The failure times still within the window at `now`. */
function inWindow(config: BreakerConfig, failures: readonly number[], now: number): readonly number[] {
  const since = now - config.windowSeconds * 1000;
  const first = failures.findIndex((t) => t > since);
  return first === -1 ? [] : first === 0 ? failures : failures.slice(first);
}

/** What the API, the metrics and the dashboard show of a breaker at `now`. */
export interface BreakerView {
  /** An open breaker whose cooldown has passed shows half-open: its next invocation is a probe. */
  state: BreakerMode;
  /** Failures counted in the window now (closed only; 0 otherwise). */
  failuresInWindow: number;
  /** When it last opened (null while closed). */
  openedAt: number | null;
  /** When a probe may run (open only; null otherwise). */
  nextProbeAt: number | null;
}

export function breakerViewOf(config: BreakerConfig, state: BreakerState, now: number): BreakerView {
  switch (state.mode) {
    case BreakerMode.Closed:
      return {
        state: BreakerMode.Closed,
        failuresInWindow: inWindow(config, state.failures, now).length,
        openedAt: null,
        nextProbeAt: null,
      };
    case BreakerMode.Open:
      return now < state.probeAt
        ? { state: BreakerMode.Open, failuresInWindow: 0, openedAt: state.openedAt, nextProbeAt: state.probeAt }
        : { state: BreakerMode.HalfOpen, failuresInWindow: 0, openedAt: state.openedAt, nextProbeAt: null };
    case BreakerMode.HalfOpen:
      return { state: BreakerMode.HalfOpen, failuresInWindow: 0, openedAt: state.openedAt, nextProbeAt: null };
    default:
      return unreachable(state);
  }
}

/** The state gauge's value (hangar_function_circuit_breaker_state): 0 closed, 1 half-open, 2 open. */
export function breakerGaugeValue(mode: BreakerMode): number {
  switch (mode) {
    case BreakerMode.Closed:
      return 0;
    case BreakerMode.HalfOpen:
      return 1;
    case BreakerMode.Open:
      return 2;
    default:
      return unreachable(mode);
  }
}

/** An invocation refused, without running, because the function's circuit breaker is open:
 *  `retryAfter` seconds until a probe may run. */
export class CircuitOpen extends Unavailable {
  readonly functionName: string;
  constructor(functionName: string, retryAfter: number) {
    super(
      ErrorCode.FunctionCircuitOpen,
      `the circuit breaker of function ${functionName} is open: invocations fail fast for ${retryAfter} s more, then a probe runs`,
      retryAfter,
    );
    this.name = 'CircuitOpen';
    this.functionName = functionName;
  }
}

/** Whole seconds to wait, at least 1 (a Retry-After of 0 invites a busy loop). */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

function unreachable(x: never): never {
  throw new Error(`unexpected breaker state ${JSON.stringify(x)}`);
}
