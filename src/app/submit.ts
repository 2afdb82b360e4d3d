/**
 * Submitting: one task (POST /tasks, a terminal's command) or a batch (POST /tasks/batch, all
 * or none, one transaction: Store.submitMany). Admission first (app/admission.ts), then the
 * store, then when each task should start (app/estimate.ts).
 */
import type { Principal } from '../auth/index.ts';
import { HangarError } from '../core/errors.ts';
import type { Task } from '../core/index.ts';
import type { Context, Span } from '../trace/index.ts';
import { admit, checkProjects } from './admission.ts';
import type { AppContext } from './context.ts';
import { taskOwner } from './ownership.ts';
import { newTask, type TaskRequest } from './task-request.ts';

/** The caller's span when tracing is on: the tasks keep its context, so their attempts join the trace. */
export type Trace = { span: Span; ctx: Context } | null;

export interface Submitted {
  task: Task;
  /** False when an idempotency key replayed an earlier submit. */
  created: boolean;
  /** Leased by a waiting worker as it was stored. */
  handedOff?: boolean;
  /** When it should start (ms since the epoch). */
  start: number;
}

/** What a surface does once the tasks are stored (its audit, its log line), before the estimate
 *  reads the store again: a task stored stays on record even if the estimate then fails. */
export type OnStored = (s: Omit<Submitted, 'start'>) => void;

export async function submitTask(
  app: AppContext,
  who: Principal,
  b: TaskRequest,
  headerKey: string | undefined,
  tr: Trace,
  onStored?: OnStored,
): Promise<Submitted> {
  const userId = taskOwner(who, b.userId);
  await admit(app, userId, [b]);
  const t = newTask(app, b, userId, b.idempotencyKey ?? headerKey ?? null, tr ? app.tracing.traceparent(tr.span) : null);
  await checkProjects(app.store, [t]);
  // Capacity as it was before this task: a worker that leases it at once must not count it busy.
  const snap = await app.estimator.snapshot();
  const { task, created, handedOff } = tr
    ? await app.tracing.span('store.submit', tr.ctx, { 'hangar.task_id': t.id }, () => app.store.submit(t))
    : await app.store.submit(t);
  tr?.span.setAttributes({ 'hangar.task_id': task.id, 'hangar.user_id': task.userId ?? '', 'hangar.created': created });
  if (created) app.metrics.submitted.inc({ queue: task.queue });
  onStored?.({ task, created, handedOff });
  const start = handedOff
    ? task.createdAt
    : task.status === 'PENDING'
      ? await app.estimator.estimate(task, snap)
      : (task.startedAt ?? task.createdAt);
  return { task, created, handedOff, start };
}

export interface SubmittedBatch {
  tasks: Omit<Submitted, 'handedOff'>[];
  /** How many were new (not replayed). */
  created: number;
  /** The owners the batch queued for, in order of first appearance. */
  users: (string | null)[];
}

/**
 * Every entry as submitTask, all or none. An entry without an idempotency key of its own gets
 * `headerKey` with `:<index>` appended, so a retried batch replays entry by entry.
 */
export async function submitBatch(
  app: AppContext,
  who: Principal,
  bodies: TaskRequest[],
  headerKey: string | undefined,
  tr: Trace,
  onStored?: (b: Omit<SubmittedBatch, 'tasks'> & { tasks: Task[] }) => void,
): Promise<SubmittedBatch> {
  const owners = bodies.map((b, index) => atIndex(index, () => taskOwner(who, b.userId)));
  const byOwner = new Map<string | null, TaskRequest[]>();
  bodies.forEach((b, i) => {
    byOwner.set(owners[i], [...(byOwner.get(owners[i]) ?? []), b]);
  });
  for (const [userId, theirs] of byOwner) await admit(app, userId, theirs, bodies);
  const traceParent = tr ? app.tracing.traceparent(tr.span) : null;
  const tasks = bodies.map((b, i) => newTask(app, b, owners[i], b.idempotencyKey ?? (headerKey ? `${headerKey}:${i}` : null), traceParent));
  await checkProjects(app.store, tasks);
  const snap = await app.estimator.snapshot(); // before the batch, as in submitTask
  const results = tr
    ? await app.tracing.span('store.submit_many', tr.ctx, { 'hangar.count': tasks.length }, () => app.store.submitMany(tasks))
    : await app.store.submitMany(tasks);
  const created = results.filter((r) => r.created).length;
  tr?.span.setAttributes({ 'hangar.count': results.length, 'hangar.created': created });
  for (const r of results) if (r.created) app.metrics.submitted.inc({ queue: r.task.queue });
  const users = [...byOwner.keys()];
  onStored?.({ tasks: results.map((r) => r.task), created, users });
  const starts = await app.estimator.estimateMany(
    results.map((r) => r.task),
    snap,
  );
  return { tasks: results.map((r, i) => ({ task: r.task, created: r.created, start: starts[i] })), created, users };
}

/** Runs `fn`; a refusal it throws names the batch entry it is about. */
function atIndex<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof HangarError ? err.atIndex(index) : err;
  }
}
