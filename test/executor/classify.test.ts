/** An attempt's outcome from the facts of how its process ended (src/executor/classify.ts): one row per branch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, type Exit, type Reported, type StopReason, type Verdict } from '../../src/executor/classify.ts';

const containerInfo = { cpu: '256', memory: '512', architecture: 'x86_64' };
const context = { timeoutMs: 1500, containerInfo };

const exited = (code: number | null, signal: string | null = null): Exit => ({ kind: 'exited', code, signal });
const spawnFailed = (error: { message: string; code?: string }): Exit => ({ kind: 'spawn-failed', file: '/bin/prog', error });
const report = (text: string, truncated = false): Reported => {
  const data = Buffer.from(text);
  return { kind: 'builtin', report: { data, bytes: data.length + (truncated ? 1 : 0), truncated } };
};
const json = (body: unknown): Reported => report(JSON.stringify(body));
const program: Reported = { kind: 'program', stdoutBytes: 12, stderrBytes: 3, durationMs: 40 };
const programResult = (exitCode: number | null, signal: string | null) => ({
  exitCode,
  signal,
  stdoutBytes: 12,
  stderrBytes: 3,
  duration: 40,
});

/** A failure whose detailedResults carry only its message and the container. */
const failed = (status: Verdict['status'], failure: NonNullable<Verdict['failure']>): Verdict => ({
  status,
  failure,
  detailedResults: { success: false, error: { message: failure.message }, metadata: { containerInfo } },
});
const nonZero = (code: number) =>
  failed('FAILED', { code: 'NON_ZERO_EXIT', retryable: true, message: `exited with code ${code}`, exitCode: code, signal: null });
const signalled = (sig: string) =>
  failed('FAILED', { code: 'SIGNALLED', retryable: true, message: `killed by signal ${sig}`, exitCode: null, signal: sig });
const noReport = failed('FAILED', { code: 'WORKLOAD_ERROR', retryable: true, message: 'workload exited without reporting a result' });
const timedOut = failed('TIMEOUT', { code: 'TIMEOUT', retryable: false, message: 'timed out after 1.5s' });
const cancelled = failed('CANCELLED', { code: 'CANCELLED', retryable: false, message: 'cancelled' });

interface Case {
  name: string;
  exit: Exit;
  stop: StopReason | null;
  reported: Reported;
  want: Verdict;
  timeoutMs?: number;
}

const cases: Case[] = [
  // The process never started.
  {
    name: 'the spawn helper went away (ECHILD): an executor error, retried',
    exit: spawnFailed({ message: 'spawn: helper gone', code: 'ECHILD' }),
    stop: null,
    reported: program,
    want: failed('FAILED', { code: 'EXECUTOR_ERROR', retryable: true, message: 'executor error: spawn: helper gone' }),
  },
  {
    name: 'the spawn helper spoke nonsense (EPROTO): an executor error, retried',
    exit: spawnFailed({ message: 'spawn: bad answer', code: 'EPROTO' }),
    stop: null,
    reported: report(''),
    want: failed('FAILED', { code: 'EXECUTOR_ERROR', retryable: true, message: 'executor error: spawn: bad answer' }),
  },
  {
    name: 'the program cannot be spawned (ENOENT): SPAWN_FAILED with the errno, not retried',
    exit: spawnFailed({ message: 'spawn /bin/prog ENOENT', code: 'ENOENT' }),
    stop: null,
    reported: program,
    want: failed('FAILED', { code: 'SPAWN_FAILED', retryable: false, message: 'spawn /bin/prog: ENOENT' }),
  },
  {
    name: 'a spawn error without an errno: SPAWN_FAILED with its message',
    exit: spawnFailed({ message: 'something odd' }),
    stop: null,
    reported: program,
    want: failed('FAILED', { code: 'SPAWN_FAILED', retryable: false, message: 'spawn /bin/prog: something odd' }),
  },
  {
    name: 'a spawn failure wins over a cancel that came first',
    exit: spawnFailed({ message: 'spawn /bin/prog EACCES', code: 'EACCES' }),
    stop: 'cancel',
    reported: program,
    want: failed('FAILED', { code: 'SPAWN_FAILED', retryable: false, message: 'spawn /bin/prog: EACCES' }),
  },
  // Stopped by the executor: the exit says nothing.
  { name: 'timed out: TIMEOUT, whatever killed it', exit: exited(null, 'SIGTERM'), stop: 'timeout', reported: program, want: timedOut },
  {
    name: 'timed out: the timeout in seconds, to two places',
    exit: exited(null, 'SIGKILL'),
    stop: 'timeout',
    reported: program,
    timeoutMs: 1234,
    want: failed('TIMEOUT', { code: 'TIMEOUT', retryable: false, message: 'timed out after 1.23s' }),
  },
  {
    name: 'timed out although the built-in then reported success',
    exit: exited(0),
    stop: 'timeout',
    reported: json({ success: true }),
    want: timedOut,
  },
  { name: 'cancelled: CANCELLED, even if it exited 0 meanwhile', exit: exited(0), stop: 'cancel', reported: program, want: cancelled },
  { name: 'cancelled built-in', exit: exited(null, 'SIGKILL'), stop: 'cancel', reported: report(''), want: cancelled },
  // A built-in workload: its report decides, with its exit.
  {
    name: 'built-in reported success and exited 0: SUCCESS, its result and metadata, our containerInfo',
    exit: exited(0),
    stop: null,
    reported: json({ success: true, result: { n: 1 }, metadata: { phase: 'done', containerInfo: 'theirs' } }),
    want: {
      status: 'SUCCESS',
      failure: null,
      detailedResults: { success: true, result: { n: 1 }, metadata: { phase: 'done', containerInfo } },
    },
  },
  {
    name: 'built-in reported success without a result: an empty one; metadata that is no object is dropped',
    exit: exited(0),
    stop: null,
    reported: json({ success: true, metadata: ['x'] }),
    want: { status: 'SUCCESS', failure: null, detailedResults: { success: true, result: {}, metadata: { containerInfo } } },
  },
  {
    name: 'built-in reported success but exited 3: NON_ZERO_EXIT',
    exit: exited(3),
    stop: null,
    reported: json({ success: true }),
    want: nonZero(3),
  },
  {
    name: 'built-in reported success but was killed: SIGNALLED',
    exit: exited(null, 'SIGKILL'),
    stop: null,
    reported: json({ success: true }),
    want: signalled('SIGKILL'),
  },
  {
    name: 'built-in reported failure { error: { message } }: WORKLOAD_ERROR with its exit and metadata, retried',
    exit: exited(1),
    stop: null,
    reported: json({ success: false, error: { message: 'boom' }, metadata: { step: 2 } }),
    want: {
      status: 'FAILED',
      failure: { code: 'WORKLOAD_ERROR', retryable: true, message: 'boom', exitCode: 1, signal: null },
      detailedResults: { success: false, error: { message: 'boom' }, metadata: { step: 2, containerInfo } },
    },
  },
  {
    name: 'built-in reported failure { error: string }, then exited 0: still WORKLOAD_ERROR',
    exit: exited(0),
    stop: null,
    reported: json({ success: false, error: 'bad input' }),
    want: {
      status: 'FAILED',
      failure: { code: 'WORKLOAD_ERROR', retryable: true, message: 'bad input', exitCode: 0, signal: null },
      detailedResults: { success: false, error: { message: 'bad input' }, metadata: { containerInfo } },
    },
  },
  {
    name: 'built-in reported failure without a message, killed by a signal: "workload failed", with the signal',
    exit: exited(null, 'SIGSEGV'),
    stop: null,
    reported: json({ success: false, error: { code: 7 } }),
    want: {
      status: 'FAILED',
      failure: { code: 'WORKLOAD_ERROR', retryable: true, message: 'workload failed', exitCode: null, signal: 'SIGSEGV' },
      detailedResults: { success: false, error: { message: 'workload failed' }, metadata: { containerInfo } },
    },
  },
  { name: 'built-in exited 0 without a report: WORKLOAD_ERROR', exit: exited(0), stop: null, reported: report(''), want: noReport },
  {
    name: 'built-in report that is not JSON, exit 0: no report',
    exit: exited(0),
    stop: null,
    reported: report('{"success": tr'),
    want: noReport,
  },
  {
    name: 'built-in report that is a JSON array: no report',
    exit: exited(0),
    stop: null,
    reported: report('[{"success":true}]'),
    want: noReport,
  },
  {
    name: 'built-in report over the cap (truncated): no report, even if what was kept parses',
    exit: exited(0),
    stop: null,
    reported: report('{"success":true}', true),
    want: noReport,
  },
  {
    name: 'built-in without a report, killed by a signal: SIGNALLED',
    exit: exited(null, 'SIGKILL'),
    stop: null,
    reported: report(''),
    want: signalled('SIGKILL'),
  },
  {
    name: 'built-in without a report, exited 2: NON_ZERO_EXIT',
    exit: exited(2),
    stop: null,
    reported: report('not json'),
    want: nonZero(2),
  },
  // A real program: its exit decides; detailedResults describe the run either way.
  {
    name: 'program exited 0: SUCCESS, with its exit and output sizes',
    exit: exited(0),
    stop: null,
    reported: program,
    want: {
      status: 'SUCCESS',
      failure: null,
      detailedResults: { success: true, result: programResult(0, null), metadata: { containerInfo } },
    },
  },
  {
    name: 'program exited 42: NON_ZERO_EXIT, retried',
    exit: exited(42),
    stop: null,
    reported: program,
    want: { ...nonZero(42), detailedResults: { success: false, result: programResult(42, null), metadata: { containerInfo } } },
  },
  {
    name: 'program killed by a signal: SIGNALLED, retried',
    exit: exited(null, 'SIGTERM'),
    stop: null,
    reported: program,
    want: {
      ...signalled('SIGTERM'),
      detailedResults: { success: false, result: programResult(null, 'SIGTERM'), metadata: { containerInfo } },
    },
  },
];

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(classify(c.exit, c.stop, c.reported, { ...context, timeoutMs: c.timeoutMs ?? context.timeoutMs }), c.want);
  });
}
