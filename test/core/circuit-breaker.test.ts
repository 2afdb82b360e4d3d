/** The circuit breaker's decisions (core/circuit-breaker.ts): examples, then properties over
 *  any sequence of invocations and outcomes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  breakerAdmit,
  BreakerMode,
  BreakerOutcome,
  type BreakerConfig,
  type BreakerState,
  breakerGaugeValue,
  checkBreakerConfig,
  CircuitOpen,
  BREAKER_CLOSED,
  ErrorCode,
  InvalidInput,
  PROBE_BUSY_RETRY_MS,
  breakerRecord,
  retryAfterSeconds,
  stateAfter,
  transitionOf,
  Unavailable,
  breakerViewOf,
} from '../../src/core/index.ts';

const config: BreakerConfig = { failureThreshold: 3, windowSeconds: 10, cooldownSeconds: 30, probes: 1 };

/** Runs one invocation at `t` that ends at once with `outcome`: the state after, and whether it ran. */
function call(c: BreakerConfig, s: BreakerState, t: number, outcome: BreakerOutcome): { state: BreakerState; ran: boolean } {
  const a = breakerAdmit(c, s, t);
  if (!a.run) return { state: a.state, ran: false };
  return { state: breakerRecord(c, a.state, t, outcome, a.probe), ran: true };
}

function fail(c: BreakerConfig, s: BreakerState, ...times: number[]): BreakerState {
  for (const t of times) s = call(c, s, t, BreakerOutcome.Failure).state;
  return s;
}

describe('circuit breaker: configuration', () => {
  it('takes integers within limits, probes 1 by default; refuses others as FUNCTION_INVALID', () => {
    assert.deepEqual(checkBreakerConfig({ failureThreshold: 5, windowSeconds: 60, cooldownSeconds: 30 }), {
      failureThreshold: 5,
      windowSeconds: 60,
      cooldownSeconds: 30,
      probes: 1,
    });
    for (const bad of [
      { failureThreshold: 0, windowSeconds: 60, cooldownSeconds: 30 },
      { failureThreshold: 1.5, windowSeconds: 60, cooldownSeconds: 30 },
      { failureThreshold: 5, windowSeconds: 0, cooldownSeconds: 30 },
      { failureThreshold: 5, windowSeconds: 60, cooldownSeconds: 86_401 },
      { failureThreshold: 5, windowSeconds: 60, cooldownSeconds: 30, probes: 0 },
      { failureThreshold: 1001, windowSeconds: 60, cooldownSeconds: 30 },
    ])
      assert.throws(
        () => checkBreakerConfig(bad),
        (e: unknown) => e instanceof InvalidInput && e.code === ErrorCode.FunctionInvalid,
        JSON.stringify(bad),
      );
  });
});

describe('circuit breaker: transitions', () => {
  it('opens at the threshold of failures within the window, not before; successes do not reset the count', () => {
    let s = fail(config, BREAKER_CLOSED, 1000, 2000);
    assert.equal(s.mode, BreakerMode.Closed);
    s = call(config, s, 2500, BreakerOutcome.Success).state;
    assert.deepEqual(breakerViewOf(config, s, 3000), { state: 'closed', failuresInWindow: 2, openedAt: null, nextProbeAt: null });
    s = fail(config, s, 3000);
    assert.deepEqual(s, { mode: BreakerMode.Open, openedAt: 3000, probeAt: 33_000 });
  });

  it('forgets failures older than the window', () => {
    const s = fail(config, BREAKER_CLOSED, 0, 5000, 10_000, 14_000);
    // At 10 s the failure at 0 is out (window 10 s, exclusive), at 14 s the one at 5 s is not.
    assert.equal(s.mode, BreakerMode.Open);
    const t = fail(config, BREAKER_CLOSED, 0, 10_000, 20_000);
    assert.equal(t.mode, BreakerMode.Closed);
    assert.equal(breakerViewOf(config, t, 20_000).failuresInWindow, 1);
    assert.equal(breakerViewOf(config, t, 31_000).failuresInWindow, 0);
  });

  it('open: refuses until the cooldown is over, saying how long; neither outcome of older calls changes it', () => {
    const open = fail(config, BREAKER_CLOSED, 0, 1, 2);
    const a = breakerAdmit(config, open, 10_002);
    assert.deepEqual(a, { run: false, retryAfterMs: 20_000, state: open });
    assert.equal(breakerRecord(config, open, 10_003, BreakerOutcome.Success, false), open, 'a call admitted before it opened');
    assert.deepEqual(breakerViewOf(config, open, 10_002), { state: 'open', failuresInWindow: 0, openedAt: 2, nextProbeAt: 30_002 });
    assert.equal(breakerViewOf(config, open, 30_002).state, 'half-open', 'past the cooldown the next call is a probe');
  });

  it('half-open: one probe at a time; its success closes, its failure opens again for another cooldown', () => {
    const open = fail(config, BREAKER_CLOSED, 0, 1, 2);
    const probe = breakerAdmit(config, open, 30_002);
    assert.ok(probe.run && probe.probe);
    assert.deepEqual(probe.state, { mode: BreakerMode.HalfOpen, openedAt: 2, probing: 1 });
    assert.deepEqual(breakerAdmit(config, probe.state, 30_003), { run: false, retryAfterMs: PROBE_BUSY_RETRY_MS, state: probe.state });
    assert.deepEqual(breakerRecord(config, probe.state, 30_010, BreakerOutcome.Success, true), BREAKER_CLOSED);
    assert.deepEqual(breakerRecord(config, probe.state, 30_010, BreakerOutcome.Failure, true), {
      mode: BreakerMode.Open,
      openedAt: 30_010,
      probeAt: 60_010,
    });
    // A probe that could not run (throttled, no host) frees its place; nothing else changes.
    assert.deepEqual(breakerRecord(config, probe.state, 30_010, BreakerOutcome.Neither, true), {
      mode: BreakerMode.HalfOpen,
      openedAt: 2,
      probing: 0,
    });
    // A call admitted before it opened, ending now, does not decide it.
    assert.equal(breakerRecord(config, probe.state, 30_010, BreakerOutcome.Success, false), probe.state);
  });

  it('lets `probes` probes run at once', () => {
    const c = { ...config, probes: 2 };
    const open = fail(c, BREAKER_CLOSED, 0, 1, 2);
    const first = breakerAdmit(c, open, 40_000);
    assert.ok(first.run);
    const second = breakerAdmit(c, first.state, 40_000);
    assert.ok(second.run && second.probe);
    assert.equal(breakerAdmit(c, second.state, 40_000).run, false);
  });

  it('throttles and Hangar errors are not failures', () => {
    let s: BreakerState = BREAKER_CLOSED;
    for (let t = 0; t < 10; t++) s = call(config, s, t, BreakerOutcome.Neither).state;
    assert.deepEqual(s, BREAKER_CLOSED);
  });

  it('shows state as a gauge value and fails fast with CircuitOpen, a 503 Unavailable with Retry-After', () => {
    assert.deepEqual([breakerGaugeValue('closed'), breakerGaugeValue('half-open'), breakerGaugeValue('open')], [0, 1, 2]);
    const e = new CircuitOpen('scraper', retryAfterSeconds(1500));
    assert.ok(e instanceof Unavailable);
    assert.equal(e.code, ErrorCode.FunctionCircuitOpen);
    assert.equal(e.retryAfter, 2);
    assert.equal(e.status, 503);
    assert.equal(retryAfterSeconds(0), 1, 'never 0: no busy loop');
  });
});

describe('circuit breaker: transitions shared between processes', () => {
  it('shares an opening, a reopening and a closing; not the move to half-open, nor a failure counted', () => {
    const open = fail(config, BREAKER_CLOSED, 0, 1, 2);
    assert.deepEqual(transitionOf(BREAKER_CLOSED, open, 2), { at: 2, openedAt: 2, probeAt: 30_002 });
    const probing = breakerAdmit(config, open, 30_002).state;
    assert.equal(transitionOf(open, probing, 30_002), null);
    const reopened = breakerRecord(config, probing, 30_010, BreakerOutcome.Failure, true);
    assert.deepEqual(transitionOf(probing, reopened, 30_010), { at: 30_010, openedAt: 30_010, probeAt: 60_010 });
    const closed = breakerRecord(config, probing, 30_010, BreakerOutcome.Success, true);
    assert.deepEqual(transitionOf(probing, closed, 30_010), { at: 30_010, openedAt: null, probeAt: null });
    const counted = fail(config, BREAKER_CLOSED, 5);
    assert.equal(transitionOf(BREAKER_CLOSED, counted, 5), null);
  });

  it('a process takes on what another shared: open until its probe, or closed afresh', () => {
    assert.deepEqual(stateAfter({ at: 2, openedAt: 2, probeAt: 30_002 }), { mode: BreakerMode.Open, openedAt: 2, probeAt: 30_002 });
    assert.deepEqual(stateAfter({ at: 9, openedAt: null, probeAt: null }), BREAKER_CLOSED);
  });
});

describe('circuit breaker: properties', () => {
  const configs = fc.record({
    failureThreshold: fc.integer({ min: 1, max: 6 }),
    windowSeconds: fc.integer({ min: 1, max: 20 }),
    cooldownSeconds: fc.integer({ min: 1, max: 20 }),
    probes: fc.integer({ min: 1, max: 3 }),
  });
  /** Steps: a gap of time, then a call that ends (at once, or later: held) with an outcome. */
  const steps = fc.array(
    fc.record({
      gapMs: fc.integer({ min: 0, max: 15_000 }),
      outcome: fc.constantFrom(BreakerOutcome.Success, BreakerOutcome.Failure, BreakerOutcome.Neither),
      hold: fc.boolean(),
    }),
    { maxLength: 60 },
  );

  /** Plays the steps; held calls end at the next step. Checks `each` after every transition. */
  function play(
    c: BreakerConfig,
    ss: { gapMs: number; outcome: BreakerOutcome; hold: boolean }[],
    each: (s: BreakerState, t: number) => void,
  ) {
    let s: BreakerState = BREAKER_CLOSED;
    let t = 0;
    const held: { probe: boolean; outcome: BreakerOutcome }[] = [];
    const log: { t: number; ran: boolean; before: BreakerState; outcome: BreakerOutcome }[] = [];
    for (const step of ss) {
      t += step.gapMs;
      for (const h of held.splice(0)) {
        s = breakerRecord(c, s, t, h.outcome, h.probe);
        each(s, t);
      }
      const before = s;
      const a = breakerAdmit(c, s, t);
      s = a.state;
      each(s, t);
      log.push({ t, ran: a.run, before, outcome: step.outcome });
      if (!a.run) continue;
      if (step.hold) held.push({ probe: a.probe, outcome: step.outcome });
      else {
        s = breakerRecord(c, s, t, step.outcome, a.probe);
        each(s, t);
      }
    }
    return log;
  }

  it('never has more probes under way than configured, nor fewer than none; a closed one keeps at most threshold failures', () => {
    fc.assert(
      fc.property(configs, steps, (c, ss) => {
        play(c, ss, (s) => {
          if (s.mode === BreakerMode.HalfOpen) assert.ok(s.probing >= 0 && s.probing <= c.probes, JSON.stringify(s));
          if (s.mode === BreakerMode.Closed) assert.ok(s.failures.length < c.failureThreshold, JSON.stringify(s));
          if (s.mode === BreakerMode.Open) assert.equal(s.probeAt - s.openedAt, c.cooldownSeconds * 1000);
        });
      }),
    );
  });

  it('a call is refused only while open before the probe time, or half-open with every probe under way', () => {
    fc.assert(
      fc.property(configs, steps, (c, ss) => {
        for (const e of play(c, ss, () => {}))
          if (!e.ran)
            assert.ok(
              (e.before.mode === BreakerMode.Open && e.t < e.before.probeAt) ||
                (e.before.mode === BreakerMode.HalfOpen && e.before.probing >= c.probes),
              JSON.stringify(e),
            );
          else assert.ok(e.before.mode !== BreakerMode.Open || e.t >= e.before.probeAt);
      }),
    );
  });

  it('only failures open a closed breaker: with none it stays closed and runs every call', () => {
    fc.assert(
      fc.property(configs, steps, (c, ss) => {
        const noFailures = ss.map((s) => ({ ...s, outcome: s.outcome === BreakerOutcome.Failure ? BreakerOutcome.Success : s.outcome }));
        for (const e of play(c, noFailures, (s) => assert.equal(s.mode, BreakerMode.Closed))) assert.ok(e.ran);
      }),
    );
  });

  it('threshold failures within the window always open it', () => {
    fc.assert(
      fc.property(configs, fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 10 }), (c, gaps) => {
        // threshold failures, the first and last within windowSeconds of each other
        let s: BreakerState = BREAKER_CLOSED;
        let t = 1000;
        const spread = Math.floor((c.windowSeconds * 1000 - 1) / Math.max(1, c.failureThreshold - 1));
        for (let i = 0; i < c.failureThreshold; i++) {
          s = fail(c, s, t);
          t += Math.min(spread, gaps[i % gaps.length]);
        }
        assert.equal(s.mode, BreakerMode.Open);
      }),
    );
  });
});
