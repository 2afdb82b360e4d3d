/**
 * Issue 24's example, end to end, on either shape (test/e2e/directory-pipeline.test.ts runs
 * both, one after the other): the one command (`node
 * examples/directory-pipeline/run.ts --shape S`) starts the fixture internet and a Hangar of its
 * own — `hangar up`, or `hangar server` + `hangar worker` on PostgreSQL and S3 —, deploys seed
 * 001's pipeline and runs it four times under injected faults (lib/scenario.ts). Checked here,
 * from the story it prints with --json: the index finds the artists stored (SQLite FTS5 in the
 * project embedded, PostgreSQL full-text search on scale-out), the dead-letter queue holds exactly
 * the studios that kept failing (and empties on a redrive), and the scraper's circuit breaker
 * opened under the outage, failed the rest fast (Hangar.CircuitOpen, no request to the sites)
 * and closed again after its cooldown.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { STUDIOS } from '../../examples/directory-pipeline/fixture/data.ts';
import type { Shape } from '../../examples/directory-pipeline/lib/local-hangar.ts';
import type { Backend } from '../../examples/directory-pipeline/lib/pipeline.ts';
import type { Story } from '../../examples/directory-pipeline/lib/scenario.ts';
import { TEST_DATABASE_URL } from './postgres.ts';
import { TEST_EXECUTOR_ENV } from './process.ts';

const skip = TEST_EXECUTOR_ENV.HANGAR_EXECUTOR === 'process' ? 'no sandbox on this host: functions run only sandboxed' : false;
const RUN = fileURLToPath(new URL('../../examples/directory-pipeline/run.ts', import.meta.url));

function runExample(shape: Shape): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', RUN, '--json', '--shape', shape, '--postgres', TEST_DATABASE_URL],
      { env: { ...process.env, ...TEST_EXECUTOR_ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // run.ts stops its Hangar and fixture itself; this only bounds a hung run.
    const timer = setTimeout(() => child.kill('SIGTERM'), 150_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const artistsOf = (city: string) =>
  STUDIOS.filter((s) => s.city === city && s.id !== 'berlin-dead-ink-collective').flatMap((s) => s.artists);

const BACKEND: Record<Shape, Backend> = { embedded: 'sqlite', 'scale-out': 'postgres' };

export function describeDirectoryPipeline(shape: Shape): void {
  describe(`examples/directory-pipeline (${shape}): one command, seed 001 under injected faults`, { skip, timeout: 180_000 }, () => {
    it(`indexes the artists (${BACKEND[shape]}), dead-letters what keeps failing, and the breaker opens and closes`, async (t) => {
      const run = await runExample(shape);
      assert.equal(run.code, 0, `run.ts failed:\n${run.stderr}`);
      const story = JSON.parse(run.stdout) as Story & { backend: Backend };
      try {
        assert.equal(story.backend, BACKEND[shape]);
        check(story);
      } catch (e) {
        // What the runs did, and the dead letters' causes: what a failure here needs to be read.
        t.diagnostic(run.stderr);
        for (const step of story.steps)
          t.diagnostic(`${step.name}: ${JSON.stringify(step.report.deadLetters.map((l) => [l.studioId, l.error, l.cause]))}`);
        throw e;
      }
    });
  });
}

function check(story: Story): void {
  const [berlin, outage, after, redriven] = story.steps;

  // 1. Berlin: 12 studios; one site always failing is retried (3 requests) and dead-lettered,
  // the slow one and the one failing once are stored.
  assert.equal(berlin.execution.status, 'SUCCEEDED');
  assert.deepEqual(berlin.execution.output && [berlin.execution.output.studios, berlin.execution.output.deadLetters], [12, 1]);
  assert.deepEqual(
    berlin.report.deadLetters.map((l) => [l.studioId, l.error]),
    [['berlin-dead-ink-collective', 'SiteUnavailable']],
  );
  assert.equal(berlin.report.counts.studios, 11);
  // Three artists per studio; the two invalid entries each page lists are dropped by validate.
  assert.equal(berlin.report.counts.artists, artistsOf('berlin').length);
  assert.equal(berlin.siteRequests, 12 + 2 + 1, 'one request a studio, two retries of the dead one, one of the flaky one');
  const maras = artistsOf('berlin')
    .filter((a) => a.name.startsWith('Mara '))
    .map((a) => a.name)
    .sort();
  assert.deepEqual(berlin.report.searches.mara.map((f) => f.name).sort(), maras, 'a search finds the artists stored');
  const names = (found: { name: string }[]) => found.map((f) => f.name).sort();
  assert.deepEqual(
    names(berlin.report.searches.blackwork),
    artistsOf('berlin')
      .filter((a) => a.styles.includes('blackwork'))
      .map((a) => a.name)
      .sort(),
  );
  assert.deepEqual(
    [...new Set(berlin.report.searches['"slow hand" OR flaky'].map((f) => f.studioId))].sort(),
    ['berlin-flaky-flash', 'berlin-slow-hand-studio'],
    'the slow studio and the one failing once are stored',
  );
  assert.equal(berlin.breaker.state, 'closed', 'three failures of one site do not open the breaker');

  // 2. Hamburg during an outage: every studio dead-lettered; the breaker opened and the rest
  // failed fast, so the sites got far fewer requests than 12 studios × 3 attempts.
  assert.equal(outage.execution.status, 'SUCCEEDED');
  assert.equal(outage.execution.output?.deadLetters, 12);
  const hamburgLetters = outage.report.deadLetters.filter((l) => l.studioId.startsWith('hamburg-'));
  assert.equal(hamburgLetters.length, 12);
  assert.ok(
    hamburgLetters.filter((l) => l.error === 'Hangar.CircuitOpen').length >= 8,
    `most fail fast: ${hamburgLetters.map((l) => l.error)}`,
  );
  assert.ok(outage.siteRequests <= 18, `the breaker spared the sites: ${outage.siteRequests} requests, not 36`);
  assert.equal(outage.report.counts.studios, 11, 'nothing of Hamburg stored');

  // 3. After the outage and the cooldown: the probe closes the breaker, Hamburg is stored and
  // leaves the dead-letter queue; the dead Berlin site stays in it.
  assert.equal(after.execution.status, 'SUCCEEDED');
  assert.equal(after.execution.output?.deadLetters, 0);
  assert.equal(after.breaker.state, 'closed');
  assert.deepEqual(
    after.report.deadLetters.map((l) => l.studioId),
    ['berlin-dead-ink-collective'],
  );
  assert.equal(after.report.counts.studios, 23);
  assert.equal(after.report.counts.artists, artistsOf('berlin').length + artistsOf('hamburg').length);
  const japaneseInHamburg = artistsOf('hamburg').filter((a) => a.styles.includes('japanese'));
  assert.deepEqual(names(after.report.searches['japanese AND hamburg']), japaneseInHamburg.map((a) => a.name).sort());

  // 4. The dead site fixed, a redrive of the dead-letter queue runs it alone, stores it and
  // empties the queue.
  assert.equal(redriven.execution.status, 'SUCCEEDED');
  assert.deepEqual(redriven.execution.output && [redriven.execution.output.studios, redriven.execution.output.deadLetters], [1, 0]);
  assert.equal(redriven.siteRequests, 1);
  assert.deepEqual(redriven.report.deadLetters, []);
  assert.equal(redriven.report.counts.studios, 24);

  // The breaker's transitions, as polled: closed → open → (half-open → open)* → half-open → closed.
  const states = story.breakerStates;
  assert.equal(states[0], 'closed');
  assert.equal(states.at(-1), 'closed');
  assert.equal(states.at(-2), 'half-open');
  assert.ok(states.indexOf('open') > 0, `${states}`);
  assert.ok((story.rejections ?? 0) >= hamburgLetters.filter((l) => l.error === 'Hangar.CircuitOpen').length, 'counted in /metrics');

  // After each run's Index, the index holds one document per artist stored.
  for (const step of story.steps) assert.equal(step.report.counts.indexed, step.report.counts.artists, step.name);
}
