/**
 * Plain submits (no idempotency key to look up, no local worker to hand the task to): one
 * statement each, committed on its own, or several sharing one INSERT_TASKS under load; and
 * batches of new tasks (submitMany) through the same statement.
 */
import { HangarError } from '../../core/index.ts';
import { taskFromRow, type Row } from '../row.ts';
import type { NewTask, Task } from '../../core/index.ts';
import type { SubmitResult } from '../ports/index.ts';
import type { Db } from './db.ts';
import { FLUSH, INSERT_TASK, insertedResult, NEW_TASK_COLUMNS, newTaskParams } from './new-task.ts';
import type { Notifier } from './notifier.ts';

/** Grouped submits (submit): INSERT_TASKS statements in flight at once, and tasks in each. */
const GROUPS = 4;
const GROUP_MAX = 1000;

/** The new tasks of a batch as a JSON array ($1, one object per task, fields named as the
 *  columns, `i` its place in the batch), now ($2): inserted PENDING in batch order (so `seq`
 *  keeps it), each with its 'submitted' history row. Each user of the batch takes as many
 *  fair-share ranks as it has tasks there, in one upsert (users in a fixed order, so two
 *  batches of the same users cannot deadlock), and its tasks get them in batch order: the
 *  ranks one submit after another would have given them. */
const INSERT_TASKS = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i integer, id text, command text, args jsonb, shell text, queue text,
    priority integer, user_id text, timeout_s integer, visibility_timeout_s integer, max_attempts integer,
    idempotency_key text, request_hash text, resources jsonb, env jsonb, metadata jsonb, network text, image text,
    secrets jsonb, project_id text, lane text, trace_parent text)),
counts AS (SELECT coalesce(user_id, '') AS u, count(*) AS n FROM input GROUP BY 1),
ranks AS (
  INSERT INTO fair_users (user_id, last_rank)
  SELECT u, (SELECT rank FROM fair_clock WHERE id = 1) + n FROM counts ORDER BY u
  ON CONFLICT (user_id) DO UPDATE
    SET last_rank = greatest(fair_users.last_rank, (SELECT rank FROM fair_clock WHERE id = 1)) + excluded.last_rank - (SELECT rank FROM fair_clock WHERE id = 1)
  RETURNING user_id AS u, last_rank),
ranked AS (
  SELECT x.*, r.last_rank - c.n + row_number() OVER (PARTITION BY c.u ORDER BY x.i) AS fair_rank
  FROM input x JOIN counts c ON c.u = coalesce(x.user_id, '') JOIN ranks r ON r.u = c.u),
t AS (
  INSERT INTO tasks (${NEW_TASK_COLUMNS}, status)
  SELECT id, command, args, shell, queue, priority, user_id, timeout_s, visibility_timeout_s, max_attempts, max_attempts,
    idempotency_key, request_hash, resources, env, metadata, $2::bigint, $2::bigint, network, image, secrets, project_id, lane,
    trace_parent, fair_rank, priority, 'PENDING'
  FROM ranked ORDER BY i
  RETURNING *),
history AS (
  INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason)
  SELECT id, $2::bigint, 'PENDING', 0, NULL, 'submitted' FROM input ORDER BY i)
SELECT * FROM t`;

export class PlainSubmits {
  private readonly db: Db;
  private readonly notifier: Notifier;
  /** The plain submit (submit) running as a statement of its own, if any. */
  private alone: Promise<unknown> | null = null;
  /** Plain submits waiting to share one INSERT_TASKS (flushGroup). */
  private readonly grouped: { t: NewTask; resolve: (r: SubmitResult) => void; reject: (err: unknown) => void }[] = [];
  private groupsInFlight = 0;
  private groupScheduled = false;

  constructor(db: Db, notifier: Notifier) {
    this.db = db;
    this.notifier = notifier;
  }

  /** INSERT_TASKS through `run` (a transaction's or the pool's); the caller wakes the workers
   *  once it has committed. Returns the tasks in `tasks`' order. */
  async insertTasks(run: (sql: string, params: unknown[]) => Promise<Row[]>, tasks: NewTask[]): Promise<Task[]> {
    if (tasks.length === 0) return [];
    const input = tasks.map((t, i) => ({
      i,
      id: t.id,
      command: t.command,
      args: t.args,
      shell: t.shell,
      queue: t.queue,
      priority: t.priority,
      user_id: t.userId,
      timeout_s: t.timeout,
      visibility_timeout_s: t.visibilityTimeout,
      max_attempts: t.maxAttempts,
      idempotency_key: t.idempotencyKey,
      request_hash: t.requestHash,
      resources: t.resources,
      env: t.env,
      metadata: t.metadata,
      network: t.network,
      image: t.image,
      secrets: t.secrets.length > 0 ? t.secrets : null,
      project_id: t.projectId,
      lane: t.lane,
      trace_parent: t.traceParent ?? null,
    }));
    const byId = new Map<string, Task>();
    for (const row of await run(INSERT_TASKS, [JSON.stringify(input), this.db.now()])) byId.set(String(row.id), taskFromRow(row));
    return tasks.map((t) => byId.get(t.id) as Task);
  }

  /**
   * A submit with nothing to read first and no local worker to offer it to. Alone, it is
   * INSERT_TASK (which may push it to an idle worker elsewhere), committed on its own. While
   * one is in flight, those that follow share INSERT_TASKS statements, up to GROUPS of them in
   * flight and GROUP_MAX tasks each (what arrives meanwhile waits for the next): a submit's
   * cost in PostgreSQL is mostly the statement's, not the row's (measured, 100 submits in
   * flight: ~2-3k/s one statement each, whatever the users and the pool size, with PostgreSQL
   * on the CPU; a batch of 100 in one statement, ~25k tasks/s). Grouped tasks go in PENDING
   * and are claimed, never pushed: under such load the workers are busy anyway. A group of
   * one (two submits that merely overlapped) is an INSERT_TASK, so it may still be pushed.
   */
  async submit(t: NewTask): Promise<SubmitResult> {
    if (this.alone) {
      return new Promise((resolve, reject) => {
        this.grouped.push({ t, resolve, reject });
        this.scheduleGroup();
      });
    }
    const alone = this.insertAlone(t);
    const settled = alone.then(
      () => {},
      () => {},
    );
    this.alone = settled;
    try {
      return await alone;
    } finally {
      if (this.alone === settled) this.alone = null;
    }
  }

  /** INSERT_TASK committed on its own: pushed to an idle worker (answered once on disk), or
   *  PENDING and announced. */
  private async insertAlone(t: NewTask): Promise<SubmitResult> {
    const result = insertedResult((await this.db.rows(INSERT_TASK, [...newTaskParams(t, this.db.now()), this.notifier.channel]))[0]);
    if (!result.handedOff) this.notifier.readyNow();
    else await this.flush();
    return result;
  }

  /** Returns once what this store committed early (EARLY_COMMIT) is on disk. */
  async flush(): Promise<void> {
    await this.db.query(FLUSH);
  }

  private scheduleGroup(): void {
    if (this.groupScheduled || this.groupsInFlight >= GROUPS || this.grouped.length === 0) return;
    this.groupScheduled = true;
    setImmediate(() => {
      this.groupScheduled = false;
      void this.flushGroup();
    });
  }

  private async flushGroup(): Promise<void> {
    if (this.groupsInFlight >= GROUPS || this.grouped.length === 0) return;
    this.groupsInFlight++;
    // The submit that went in alone takes its fair-share rank first: on another connection, a
    // group sent now could take its user's ranks before it (a burst's first task would then be
    // claimed after the rest of its user's). Groups in flight at once still may interleave.
    if (this.alone) await this.alone;
    const group = this.grouped.splice(0, GROUP_MAX);
    try {
      if (group.length === 0) return; // Another flush took them while this one waited.
      if (group.length === 1) {
        // Only one waited: its own INSERT_TASK, which may still push it to an idle worker.
        group[0].resolve(await this.insertAlone(group[0].t));
        return;
      }
      const tasks = await this.insertTasks(
        (sql, params) => this.db.rows(sql, params),
        group.map((g) => g.t),
      );
      this.notifier.readyNow();
      group.forEach((g, i) => {
        g.resolve({ task: tasks[i], created: true });
      });
    } catch (err) {
      // Unreachable: each is told so (as a statement of its own would have been). Any other
      // error is one task's (say, a number out of its column's range): each goes again
      // on its own, so the others are kept.
      if (group.length === 1 || (err instanceof HangarError && err.status === 503)) for (const g of group) g.reject(err);
      else {
        for (const g of group) {
          this.insertAlone(g.t).then(g.resolve, g.reject);
        }
      }
    } finally {
      this.groupsInFlight--;
      this.scheduleGroup();
    }
  }
}
