/**
 * The example's story, with faults injected into the fixture's internet:
 *
 *   1. A run over Berlin: one studio's site always fails (retried, then dead-lettered), one is
 *      slow, one fails once (a retry saves it). The index then finds Berlin's artists.
 *   2. A run over Hamburg during an outage of every site: the scraper's failures open its
 *      circuit breaker; the rest fail fast with Hangar.CircuitOpen, without a request, and go to
 *      the dead-letter queue.
 *   3. The outage ends; after the breaker's cooldown the next run over Hamburg probes, the
 *      breaker closes, and the studios leave the dead-letter queue.
 *   4. The dead site is fixed: a redrive of the dead-letter queue stores it and empties the queue.
 *
 * run.ts prints what it sees; test/e2e/directory-pipeline.test.ts checks it.
 */
import type { Fixture } from '../fixture/server.ts';
import { type Hangar, until } from './hangar.ts';
import {
  BREAKER,
  type BreakerState,
  breaker,
  type Deployed,
  type Execution,
  type Report,
  redrive,
  report,
  runPipeline,
} from './pipeline.ts';

export const FAULTS = {
  studios: {
    'berlin-dead-ink-collective': { mode: 'fail' },
    'berlin-slow-hand-studio': { mode: 'slow', ms: 2000 },
    'berlin-flaky-flash': { mode: 'flaky', times: 1 },
  },
} as const;

/** Queries the example searches for, after each run. */
export const QUERIES = ['blackwork', 'mara', 'japanese AND hamburg', '"slow hand" OR flaky'];

export interface Step {
  name: string;
  execution: Execution;
  seconds: number;
  report: Report;
  breaker: BreakerState;
  /** Requests the studio websites got during the run. */
  siteRequests: number;
}

export interface Story {
  steps: Step[];
  /** Every breaker state seen while polling, each change once: closed → open → half-open → closed. */
  breakerStates: string[];
  /** Invocations of find-artists the breaker failed fast, from /metrics (null: no admin key to read it). */
  rejections: number | null;
}

/** hangar_function_circuit_rejections_total of find-artists, summed over its series. */
async function rejections(admin: Hangar): Promise<number> {
  const text = await admin.call<string>('GET', '/metrics');
  let n = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('hangar_function_circuit_rejections_total{') && line.includes('function="find-artists"'))
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
  return n;
}

export async function runScenario(
  h: Hangar,
  d: Deployed,
  fixture: Fixture,
  say: (line: string) => void = () => {},
  admin: Hangar | null = null,
): Promise<Story> {
  const steps: Step[] = [];
  const breakerStates: string[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const s = (await breaker(h).catch(() => null))?.state;
      if (s && breakerStates.at(-1) !== s) breakerStates.push(s);
      await new Promise((r) => setTimeout(r, 150));
    }
  })();

  async function step(name: string, run: () => Promise<Execution | null>): Promise<Step> {
    say(`▶ ${name}`);
    const before = fixture.requests().length;
    const t0 = Date.now();
    const execution = await run();
    if (!execution) throw new Error(`${name}: nothing to run`);
    const seconds = (Date.now() - t0) / 1000;
    const siteRequests = fixture
      .requests()
      .slice(before)
      .filter((r) => r.kind === 'site').length;
    const s: Step = { name, execution, seconds, report: await report(h, d, QUERIES), breaker: await breaker(h), siteRequests };
    say(
      `  execution ${execution.id}: ${execution.status} in ${seconds.toFixed(1)} s` +
        (execution.output ? `, ${execution.output.studios} studios, ${execution.output.deadLetters} dead-lettered` : '') +
        (execution.error ? ` (${execution.error}: ${execution.cause})` : ''),
    );
    say(`  the sites got ${siteRequests} requests; find-artists' breaker is ${s.breaker.state}`);
    say(`  directory: ${s.report.counts.studios} studios, ${s.report.counts.artists} artists`);
    for (const [q, found] of Object.entries(s.report.searches))
      say(`  search ${JSON.stringify(q)}: ${found.map((f) => `${f.name} (${f.studio})`).join(', ') || 'nothing'}`);
    say(`  dead-letter queue: ${s.report.deadLetters.map((l) => `${l.studioId} [${l.error}]`).join(', ') || 'empty'}`);
    steps.push(s);
    return s;
  }

  try {
    fixture.setFaults(FAULTS);
    await step('Berlin, one site always failing, one slow, one failing once', () => runPipeline(h, d, { city: 'berlin' }));

    fixture.setFaults({ ...FAULTS, outage: true });
    await step('Hamburg, during an outage of every studio website', () => runPipeline(h, d, { city: 'hamburg' }));

    fixture.setFaults(FAULTS);
    say(`… the outage is over; waiting for the breaker's cooldown (${BREAKER.cooldownSeconds} s)`);
    // Seen by the poller, so that the states it records have the half-open one before the run.
    const pastOpen = () => {
      const i = breakerStates.lastIndexOf('open');
      return i >= 0 && i < breakerStates.length - 1 ? true : undefined;
    };
    await until('the breaker to be half-open', async () => pastOpen(), 60_000, 50);
    await step('Hamburg again, after the outage', () => runPipeline(h, d, { city: 'hamburg' }));

    fixture.setFaults({});
    await step("Dead Ink's site is back: redrive the dead-letter queue", () => redrive(h, d));
  } finally {
    polling = false;
    await poller;
  }
  say(`breaker states seen: ${breakerStates.join(' → ')}`);
  const rejected = admin ? await rejections(admin) : null;
  if (rejected !== null) say(`invocations of find-artists the breaker failed fast (/metrics): ${rejected}`);
  return { steps, breakerStates, rejections: rejected };
}
