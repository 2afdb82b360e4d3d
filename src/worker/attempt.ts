/**
 * One attempt of a task, from its lease to the outcome the pool records: the owner's secrets,
 * the project's files, the executor's run (its live output redacted as it streams), the files
 * it left stored back, the result redacted and stored as blobs, and the outcome naming them.
 * The pool holds the lease around it (the slot, heartbeats, a release, recording the outcome).
 */
import { join } from 'node:path';
import { coerceError, FUNCTION_EVENTS_QUEUE } from '../core/index.ts';
import type { ExecutionResult, Executor } from '../executor/types.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Lease, Outcome, OutputStream, Task } from '../core/index.ts';
import { StreamRedactor } from '../secrets/index.ts';
import { SpanKind, type Context, type Tracing } from '../trace/index.ts';
import type { OutputSink } from './live-output.ts';
import { projectFiles, storeProjectFiles, type ProjectFiles, type ProjectFilesOptions } from './attempt-files.ts';
import { redactResult, storeOutcome, type OutcomeOptions } from './attempt-outcome.ts';

export interface AttemptOptions extends ProjectFilesOptions, OutcomeOptions {
  executor: Executor;
  metrics?: Metrics;
  workerId: string;
  /** Root under which each attempt gets a fresh workspace directory. */
  workDir: string;
  /** Opens the owner's secrets a task names; a missing one rejects (the attempt fails, not retried). */
  revealSecrets?: (userId: string | null, names: string[]) => Promise<Record<string, string>>;
  /** Audit every execution (issue 4): its entry goes with the outcome, written in the same
   *  transaction, so a worker that dies right after recording an outcome loses neither. */
  audit?: boolean;
  /** Where running attempts' output goes live (followers read it from the store); none = no live output. */
  output?: OutputSink;
  /** Runs function events (tasks of FUNCTION_EVENTS_QUEUE) instead of a command: the app's
   *  (app/invoke-async.ts), given to the worker so that it knows nothing of functions. None:
   *  this worker leaves them to others (they wait, uncounted). */
  functionEvents?: FunctionEvents;
}

/** What runs a function event: its result to record, and what its summary keeps (`event`). */
export interface FunctionEvents {
  run(lease: Lease, signal: AbortSignal): Promise<{ result: ExecutionResult; summary: object }>;
}

/** A function event on a worker that runs none: back to the queue after this long, ms. */
const NO_EVENTS_HERE_MS = 5000;

/** Why an attempt's signal aborted. requeue: a prefetched lease that waited too long for a
 *  slot goes back to the queue. */
export type StopReason = 'cancel' | 'lost' | 'shutdown' | 'requeue';

/** How an attempt ended, for the pool: its lease was lost (nothing to record), it was stopped
 *  by a shutdown (its lease goes back), or it has an outcome to record. */
export type AttemptEnd = { kind: 'lost' } | { kind: 'shutdown' } | { kind: 'outcome'; result: ExecutionResult; outcome: Outcome };

/** The attempt's span in its task's trace, for its steps. */
export interface AttemptTrace {
  /** A child span of the attempt around one step (a no-op without tracing). */
  step: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  /** Attributes for the attempt's span (a no-op without tracing). */
  annotate: (attributes: Record<string, string | number>) => void;
}

/** What the pool lends one attempt. */
export interface AttemptContext extends AttemptTrace {
  /** Aborted with a StopReason. */
  signal: AbortSignal;
  log: Logger;
  /** The execution is over (called once its outcome is in hand; again is harmless). */
  freeSlot: () => void;
  /** How long the executor ran (not called when the attempt did not start). */
  onExecuted: (ms: number) => void;
}

/** Runs `fn` as the attempt's span in its task's trace (OpenTelemetry), when tracing is on. */
export function inAttemptSpan(tracing: Tracing, workerId: string, lease: Lease, fn: (trace: AttemptTrace) => Promise<void>): Promise<void> {
  const { task, attempt } = lease;
  const inSpan = (trace: Context) =>
    fn({
      step: (name, run) => (tracing.enabled ? tracing.span(name, trace, { 'hangar.task_id': task.id }, run) : run()),
      annotate: (attributes) => {
        if (tracing.enabled) tracing.annotate(trace, attributes);
      },
    });
  if (!tracing.enabled) return inSpan(tracing.extract(null));
  const attrs = {
    'hangar.task_id': task.id,
    'hangar.attempt': attempt,
    'hangar.worker_id': workerId,
    'hangar.queue': task.queue,
    'hangar.user_id': task.userId ?? '',
  };
  return tracing.span('task.attempt', tracing.extract(task.traceParent), attrs, (_span, ctx) => inSpan(ctx), SpanKind.CONSUMER);
}

/** Runs the attempt a lease grants; its end says what the pool has left to do. */
export async function runAttempt(o: AttemptOptions, lease: Lease, c: AttemptContext): Promise<AttemptEnd> {
  const { task, attempt } = lease;
  const { signal, log } = c;
  const waitFrom = Math.max(task.createdAt, task.runAfter);
  // In the store's clock, as createdAt is (this host's may be off the database's).
  o.metrics?.waitSeconds.observe({ queue: task.queue }, Math.max(0, o.store.now() - waitFrom) / 1000);
  log.debug('attempt started');
  // The executor creates and removes the workspace: it knows what kind it needs.
  const workspace = join(o.workDir, `${task.id}-${attempt}`);
  let secretEnv: Record<string, string> = {};
  let result: ExecutionResult | undefined;
  try {
    if (task.secrets.length > 0) {
      if (!o.revealSecrets) throw new Error('this worker has no access to secrets');
      secretEnv = await o.revealSecrets(task.userId, task.secrets);
    }
  } catch (err) {
    result = notRun('SECRET_UNAVAILABLE', `secrets could not be read: ${coerceError(err).message}`);
  }
  let files: ProjectFiles | null = null;
  if (!result && task.projectId) {
    try {
      files = await projectFiles(o, task.projectId, `${workspace}.project`);
    } catch (err) {
      // The blob store may be down for a moment: another attempt may find it back.
      result = notRun('PROJECT_UNAVAILABLE', `the project's files could not be read: ${coerceError(err).message}`, true);
    }
  }
  let eventSummary: object | null = null;
  if (!result && task.queue === FUNCTION_EVENTS_QUEUE) {
    const events = o.functionEvents;
    if (events) {
      const ev = await c.step('function.invoke', () => events.run(lease, signal));
      result = ev.result;
      eventSummary = ev.summary;
    } else {
      result = notRun('EXECUTOR_ERROR', 'this worker does not run function events', true);
      result.failure = { ...result.failure!, retryAfterMs: NO_EVENTS_HERE_MS };
    }
  }
  const ran = !result || eventSummary !== null;
  const live = result ? null : liveOutput(o.output, task, attempt, Object.values(secretEnv));
  result ??= await c.step(`sandbox.run`, () =>
    o.executor.run({
      taskId: task.id,
      attempt,
      command: task.command,
      args: task.args,
      shell: task.shell,
      env: task.secrets.length > 0 ? { ...task.env, ...secretEnv } : task.env,
      metadata: task.metadata,
      resources: task.resources,
      network: task.network,
      image: task.image,
      timeoutMs: task.timeout * 1000,
      workspace,
      signal,
      onOutput: live?.write,
      project: files ? { inDir: files.inDir, outDir: files.outDir } : undefined,
    }),
  );
  await live?.close();
  if (ran) c.onExecuted(result.finishedAt - result.startedAt);
  const projectNote = files ? await storeProjectFiles(o, files, task, result, log) : null;
  c.freeSlot();
  const reason = signal.aborted ? (signal.reason as StopReason) : null;
  if (reason === 'lost') return { kind: 'lost' };
  if (reason === 'shutdown') return { kind: 'shutdown' };
  const secretValues = Object.values(secretEnv);
  if (secretValues.length > 0) result = redactResult(result, secretValues);
  const done = result;
  c.annotate({ 'hangar.outcome': result.status, 'hangar.failure': result.failure?.code ?? '', 'hangar.exit_code': result.exitCode ?? -1 });
  const outcome = await c.step('blobs.store', () => storeOutcome(o, task, attempt, done, signal, log));
  if (projectNote) outcome.summary = { ...outcome.summary, project: projectNote };
  if (eventSummary) outcome.summary = { ...outcome.summary, event: eventSummary };
  if (o.audit) {
    outcome.audit = {
      // The execution's end in the store's clock, as the task's own times are.
      at: result.finishedAt + (o.store.now() - Date.now()),
      actor: task.userId,
      source: o.workerId,
      outcome: result.status,
      detail: { attempt, command: task.command, failure: result.failure?.code ?? null, runMs: result.finishedAt - result.startedAt },
    };
  }
  return { kind: 'outcome', result, outcome };
}

/** The attempt's live output writer, redacting the task's secret values as they stream by. */
function liveOutput(sink: OutputSink | undefined, task: Task, attempt: number, secretValues: string[]) {
  const writer = sink?.open(task.id, attempt);
  if (!writer) return null;
  if (secretValues.length === 0) return { write: (s: OutputStream, c: Buffer) => writer.write(s, c), close: () => writer.close() };
  const redactors = { stdout: new StreamRedactor(secretValues), stderr: new StreamRedactor(secretValues) };
  return {
    write: (s: OutputStream, c: Buffer) => writer.write(s, redactors[s].push(c)),
    close: () => {
      writer.write('stdout', redactors.stdout.end());
      writer.write('stderr', redactors.stderr.end());
      return writer.close();
    },
  };
}

/** An attempt that did not start (e.g. its secrets are gone): FAILED, not retried. */
function notRun(
  code: 'SECRET_UNAVAILABLE' | 'PROJECT_UNAVAILABLE' | 'EXECUTOR_ERROR',
  message: string,
  retryable = false,
): ExecutionResult {
  const now = Date.now();
  const empty = { data: Buffer.alloc(0), bytes: 0, truncated: false };
  return {
    status: 'FAILED',
    failure: { code, message, retryable },
    exitCode: null,
    signal: null,
    detailedResults: { success: false, error: message },
    stdout: empty,
    stderr: empty,
    startedAt: now,
    finishedAt: now,
  };
}

/** The sandbox's cgroup accounting of the attempt (absent with the plain process executor). */
export function observeSandbox(m: Metrics | undefined, queue: string, result: ExecutionResult): void {
  const meta = result.detailedResults.metadata as
    | { accounting?: { cpuUserMs?: number | null; cpuSystemMs?: number | null; peakMemoryBytes?: number | null; oomKilled?: boolean } }
    | undefined;
  const a = meta?.accounting;
  if (!m || !a) return;
  if (typeof a.cpuUserMs === 'number' && typeof a.cpuSystemMs === 'number')
    m.sandboxCpuSeconds.observe({ queue }, (a.cpuUserMs + a.cpuSystemMs) / 1000);
  if (typeof a.peakMemoryBytes === 'number') m.sandboxMemoryPeakBytes.observe({ queue }, a.peakMemoryBytes);
  if (a.oomKilled) m.sandboxOomKills.inc({ queue });
}
