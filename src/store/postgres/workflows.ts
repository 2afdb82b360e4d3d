/**
 * The workflows port on PostgreSQL. Whatever changes an execution locks its row first (FOR
 * UPDATE, or the UPDATE itself), so a commit, a stop and a post to one execution run one after
 * the other, whichever processes make them: a commit that finds the lease gone or the execution
 * ended writes nothing, and a post never lands between a commit's read of the inbox and its
 * wake time. Claims skip the rows another claim or commit holds (SKIP LOCKED) and re-check the
 * lease on the row they lock, so two claimers never share one. Creates and starts are one
 * INSERT that the unique key lets only one of two concurrent ones make.
 */
import {
  type Execution,
  type HistoryEventRecord,
  type StateMachine,
  type StateMachineInput,
  type StateMachinePatch,
  applyStateMachinePatch,
  sameStateMachine,
  workflowErrors,
} from '../../core/index.ts';
import type {
  ExecutionCommit,
  ExecutionEnd,
  ExecutionFrame,
  ExecutionQuery,
  ExecutionRedrive,
  ExecutionRuntime,
  InboxMessage,
  HistoryQuery,
  NewExecution,
  TaskTokenRecord,
  Workflows,
} from '../ports/workflows.ts';
import {
  endsWithoutFrames,
  redriveTokensText,
  EXECUTION_COLUMNS,
  eventFromRow,
  executionFromRow,
  executionValues,
  historyBound,
  inWakeOrder,
  listExecutionParams,
  sameRun,
  machineFromRow,
  machineValues,
  tokenFromRow,
  wakeAfterCommit,
} from '../workflow-row.ts';
import type { asl } from '../../core/index.ts';
import { abortRuns, MAP_RUN_COLUMNS, mapRunFromRow, mapRunValues } from '../map-run-row.ts';
import type { MapRunRecord, MapRunWrite } from '../ports/workflows.ts';
import type { Db, Tx } from './db.ts';
import type { Notifier } from './notifier.ts';
import { scheduledOn } from '../activity-row.ts';

/** MAP_RUN_COLUMNS' values: created, or its status, stop and counts moved on. */
const PUT_MAP_RUN = `INSERT INTO map_runs (${MAP_RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
  ON CONFLICT (id) DO UPDATE SET status = excluded.status, stopped_at = excluded.stopped_at, counts = excluded.counts`;

/** user_id, id. */
const SELECT_MAP_RUN = `SELECT * FROM map_runs WHERE user_id = $1 AND id = $2`;

/** user_id, the prefix: the Map Runs whose ids start with it (starts_with: byte order whatever the collation). */
const MAP_RUNS_BY_PREFIX = `SELECT * FROM map_runs WHERE user_id = $1 AND starts_with(id, $2) ORDER BY id`;

/** user_id, execution_id, the types, after, limit: the events of those types, oldest first. */
const HISTORY_OF_TYPES = `SELECT e.* FROM execution_events e JOIN executions x ON x.id = e.execution_id
  WHERE x.user_id = $1 AND x.id = $2 AND e.type = ANY($3::text[]) AND e.id > $4::bigint ORDER BY e.id LIMIT $5`;

/** user_id, execution_id, after (id; '' for the first page), limit. */
const LIST_MAP_RUNS = `SELECT * FROM map_runs WHERE user_id = $1 AND execution_id = $2 AND id > $3 ORDER BY id LIMIT $4`;

/** max_concurrency, tolerated_failure_count, tolerated_failure_percentage (null: unchanged), then user_id, id. */
const UPDATE_MAP_RUN = `UPDATE map_runs SET max_concurrency = coalesce($1, max_concurrency),
  tolerated_failure_count = coalesce($2, tolerated_failure_count), tolerated_failure_percentage = coalesce($3, tolerated_failure_percentage)
  WHERE user_id = $4 AND id = $5 AND status = 'RUNNING' RETURNING *`;

/** execution_id: its running Map Runs, which a stop aborts (the execution's row is locked). */
const RUNNING_MAP_RUNS = `SELECT * FROM map_runs WHERE execution_id = $1 AND status = 'RUNNING' ORDER BY id`;

/** execution_id: every frame of it. */
const DELETE_ALL_FRAMES = `DELETE FROM execution_frames WHERE execution_id = $1`;

/** now, redrive_token, id, user_id, the status and redrive_count it must still have: RUNNING
 *  again, due now and held by nobody, its end cleared, redriven once more (its frames its own
 *  again, should a release have raced the redrive). */
const REDRIVE_EXECUTION = `UPDATE executions SET status = 'RUNNING', output = NULL, error = NULL, cause = NULL, stopped_at = NULL,
  wake_at = $1, lease_owner = NULL, lease_until = NULL, redrive_count = redrive_count + 1, redrive_date = $1, redrive_token = $2,
  frames_released = false
  WHERE id = $3 AND user_id = $4 AND status = $5 AND redrive_count = $6 RETURNING *`;

/** now, execution_id, ids: its Map Runs run again with its redrive. */
const REDRIVE_MAP_RUNS = `UPDATE map_runs SET status = 'RUNNING', stopped_at = NULL, redrive_count = redrive_count + 1, redrive_date = $1
  WHERE execution_id = $2 AND id = ANY($3::text[])`;

/** stopped_at, counts, id. */
const ABORT_MAP_RUN = `UPDATE map_runs SET status = 'ABORTED', stopped_at = $1, counts = $2 WHERE id = $3`;

/** user_id, name, type, definition, role_arn, description, revision_id, now. Nothing if the name is taken. */
const INSERT_MACHINE = `INSERT INTO state_machines (user_id, name, type, definition, role_arn, description, revision_id, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (user_id, name) DO NOTHING RETURNING *`;

/** user_id, name. */
const SELECT_MACHINE = `SELECT * FROM state_machines WHERE user_id = $1 AND name = $2`;

/** user_id, name: the row, locked until the transaction ends. */
const LOCK_MACHINE = `SELECT * FROM state_machines WHERE user_id = $1 AND name = $2 FOR UPDATE`;

/** user_id, after (name; '' for the first page), limit. */
const LIST_MACHINES = `SELECT * FROM state_machines WHERE user_id = $1 AND name > $2 ORDER BY name LIMIT $3`;

/** type, definition, role_arn, description, revision_id, updated_at, user_id, name. */
const UPDATE_MACHINE = `UPDATE state_machines SET type = $1, definition = $2, role_arn = $3, description = $4, revision_id = $5, updated_at = $6
  WHERE user_id = $7 AND name = $8 RETURNING *`;

/** user_id, name. Its executions stay. */
const DELETE_MACHINE = `DELETE FROM state_machines WHERE user_id = $1 AND name = $2`;

/** EXECUTION_COLUMNS' values, wake_at, lease_owner, lease_until. Nothing if the name is taken. */
const INSERT_EXECUTION = `INSERT INTO executions (${EXECUTION_COLUMNS}, wake_at, lease_owner, lease_until)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
  ON CONFLICT (user_id, state_machine_name, name) DO NOTHING RETURNING *`;

/** execution_id, then the events' ids, previous ids, types, timestamps, details as arrays. */
const INSERT_EVENTS = `INSERT INTO execution_events (execution_id, id, previous_event_id, type, timestamp, details)
  SELECT $1, * FROM unnest($2::int[], $3::int[], $4::text[], $5::bigint[], $6::text[])`;

/** execution_id, frame ids, docs: created or replaced. */
const PUT_FRAMES = `INSERT INTO execution_frames (execution_id, frame_id, doc)
  SELECT $1, * FROM unnest($2::int[], $3::text[])
  ON CONFLICT (execution_id, frame_id) DO UPDATE SET doc = excluded.doc`;

/** execution_id, frame ids. */
const DELETE_FRAMES = `DELETE FROM execution_frames WHERE execution_id = $1 AND frame_id = ANY($2::int[])`;

/** user_id, id. */
const SELECT_EXECUTION = `SELECT * FROM executions WHERE user_id = $1 AND id = $2`;

/** user_id, id: the row, locked until the transaction ends. */
const LOCK_EXECUTION = `SELECT * FROM executions WHERE user_id = $1 AND id = $2 FOR UPDATE`;

/** id: whoever's. */
const SELECT_EXECUTION_BY_ID = `SELECT * FROM executions WHERE id = $1`;

/** user_id, state_machine_name, name. */
const FIND_EXECUTION = `SELECT * FROM executions WHERE user_id = $1 AND state_machine_name = $2 AND name = $3`;

/** user_id, state_machine_name (null: any), status (null: any), after (id; null: from the newest), limit, version
 *  (null: any), alias_name (null: any), redriven (null: any). */
const LIST_EXECUTIONS = `SELECT * FROM executions
  WHERE user_id = $1 AND ($2::text IS NULL OR state_machine_name = $2) AND ($3::text IS NULL OR status = $3)
    AND ($4::text IS NULL OR id < $4) AND ($6::integer IS NULL OR version = $6) AND ($7::text IS NULL OR alias_name = $7)
    AND ($8::boolean IS NULL OR (redrive_count > 0) = $8)
  ORDER BY id DESC LIMIT $5`;

/** user_id, execution_id, after, limit: the user's execution's events, oldest first. */
const HISTORY = `SELECT e.* FROM execution_events e JOIN executions x ON x.id = e.execution_id
  WHERE x.user_id = $1 AND x.id = $2 AND e.id > $3::bigint ORDER BY e.id LIMIT $4`;

/** user_id, execution_id, before, limit: newest first. */
const HISTORY_REVERSE = `SELECT e.* FROM execution_events e JOIN executions x ON x.id = e.execution_id
  WHERE x.user_id = $1 AND x.id = $2 AND e.id < $3::bigint ORDER BY e.id DESC LIMIT $4`;

/** execution_id. */
const LAST_EVENT_ID = `SELECT coalesce(max(id), 0) AS last FROM execution_events WHERE execution_id = $1`;

/** status, output, error, cause, stopped_at, id, frames_released: the execution ends, its wake and lease go, and
 *  what its runner kept of it (inbox, tokens) with them; its frames are endExecution's. */
const END_EXECUTION = `WITH inbox AS (DELETE FROM execution_inbox WHERE execution_id = $6),
  tokens AS (DELETE FROM task_tokens WHERE execution_id = $6)
UPDATE executions SET status = $1, output = $2, error = $3, cause = $4, stopped_at = $5,
  wake_at = NULL, lease_owner = NULL, lease_until = NULL, frames_released = $7 WHERE id = $6 RETURNING *`;

/** owner, now, lease_until, limit: due RUNNING executions nobody holds (or whose lease ended),
 *  oldest wake first (the partial index executions_due), leased to owner. Rows another claim or
 *  a commit holds are skipped, not waited for; a row changed since the statement began is
 *  checked again as it is now once locked. RETURNING keeps no order. */
const CLAIM = `WITH picked AS (
  SELECT id FROM executions
  WHERE status = 'RUNNING' AND wake_at <= $2 AND (lease_until IS NULL OR lease_until < $2)
  ORDER BY wake_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
UPDATE executions x SET lease_owner = $1, lease_until = $3 FROM picked WHERE x.id = picked.id RETURNING x.*`;

/** execution_id: its frames by id, its messages by seq and its last event id, in one statement
 *  so that they are of one snapshot (a commit in between cannot show half of itself). */
const RUNTIME = `SELECT 'frame' AS kind, frame_id::bigint AS n, doc AS text, NULL::bigint AS at FROM execution_frames WHERE execution_id = $1
UNION ALL SELECT 'inbox', seq, body, at FROM execution_inbox WHERE execution_id = $1
UNION ALL SELECT 'last', coalesce(max(id), 0), NULL, NULL FROM execution_events WHERE execution_id = $1
ORDER BY kind, n`;

/** execution_id: its unconsumed messages. */
const INBOX = `SELECT seq, body, at FROM execution_inbox WHERE execution_id = $1 ORDER BY seq`;

/** id: what a commit checks, the row locked until it ends. */
const LOCK_FOR_COMMIT = `SELECT user_id, status, lease_owner, redrive_count FROM executions WHERE id = $1 FOR UPDATE`;

/** execution_id, through. */
const CONSUME_INBOX = `DELETE FROM execution_inbox WHERE execution_id = $1 AND seq <= $2`;

/** execution_id: when the oldest message still waiting was posted (null: none waits). */
const OLDEST_MESSAGE = `SELECT min(at) AS at FROM execution_inbox WHERE execution_id = $1`;

/** execution_id, user_id, then in step: tokens, frame ids, activities, inputs, scheduled_at
 *  (nulls: not an activity's task). */
const INSERT_TOKENS = `INSERT INTO task_tokens (token, execution_id, user_id, frame_id, activity, input, scheduled_at)
  SELECT token, $1, $2, frame_id, activity, input, scheduled_at
  FROM unnest($3::text[], $4::int[], $5::text[], $6::text[], $7::bigint[]) AS t (token, frame_id, activity, input, scheduled_at)`;

/** execution_id, tokens. */
const DELETE_TOKENS = `DELETE FROM task_tokens WHERE execution_id = $1 AND token = ANY($2::text[])`;

/** wake_at, lease_until, id: the lease given up (owner cleared) when lease_until is null. */
const MOVE_ON = `UPDATE executions SET wake_at = $1, lease_until = $2, lease_owner = CASE WHEN $2::bigint IS NULL THEN NULL ELSE lease_owner END
  WHERE id = $3`;

/** until, id, owner. */
const RENEW = `UPDATE executions SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'RUNNING'`;

/** id, body, now: the next seq (taken under the row's lock, so concurrent posts never share
 *  one), the message, and the execution due now (LEAST ignores a NULL wake_at). Nothing unless
 *  RUNNING. */
const POST_MESSAGE = `WITH x AS (
  UPDATE executions SET inbox_seq = inbox_seq + 1, wake_at = LEAST(wake_at, $3::bigint)
  WHERE id = $1 AND status = 'RUNNING' RETURNING id, inbox_seq)
INSERT INTO execution_inbox (execution_id, seq, body, at) SELECT id, inbox_seq, $2, $3 FROM x`;

/** token. */
const SELECT_TOKEN = `SELECT * FROM task_tokens WHERE token = $1`;

/** before, limit: closed executions stopped before, oldest stop first (the partial index
 *  executions_closed), deleted with what hangs off them (ON DELETE CASCADE). Never a RUNNING one:
 *  a row a redrive or another purge holds is skipped, and one changed since the statement began
 *  is checked again as it is now once locked. */
const PURGE_EXECUTIONS = `DELETE FROM executions WHERE id IN (
  SELECT id FROM executions WHERE status <> 'RUNNING' AND stopped_at < $1 ORDER BY stopped_at LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING id`;

/** before, limit: executions that may keep frames for a redrive, stopped before, oldest stop
 *  first (the partial index executions_frames_kept), marked released (they leave the index) and
 *  locked until the transaction ends, as PURGE_EXECUTIONS locks them. */
const RELEASE_FRAMES = `UPDATE executions SET frames_released = true WHERE id IN (
  SELECT id FROM executions WHERE status IN ('FAILED', 'TIMED_OUT', 'ABORTED') AND NOT frames_released AND stopped_at < $1
  ORDER BY stopped_at LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING id`;

/** execution ids: every frame of each. */
const DELETE_FRAMES_OF = `DELETE FROM execution_frames WHERE execution_id = ANY($1::text[])`;

export class PgWorkflows implements Workflows {
  private readonly db: Db;
  private readonly notifier: Notifier;

  constructor(db: Db, notifier: Notifier) {
    this.notifier = notifier;
    this.db = db;
  }

  async createStateMachine(
    userId: string,
    input: StateMachineInput,
    revisionId: string,
    now: number,
  ): Promise<{ machine: StateMachine; created: boolean }> {
    // Again if the machine that took the name was deleted before it could be read.
    for (;;) {
      const [row] = await this.db.rows(INSERT_MACHINE, [userId, input.name, ...machineValues({ ...input, revisionId }), now]);
      if (row) return { machine: machineFromRow(row), created: true };
      const taken = await this.getStateMachine(userId, input.name);
      if (!taken) continue;
      if (!sameStateMachine(taken, input)) throw workflowErrors.machineExists(input.name);
      return { machine: taken, created: false };
    }
  }

  async getStateMachine(userId: string, name: string): Promise<StateMachine | null> {
    const [row] = await this.db.rows(SELECT_MACHINE, [userId, name]);
    return row ? machineFromRow(row) : null;
  }

  async listStateMachines(userId: string, page: { limit: number; after?: string }): Promise<StateMachine[]> {
    return (await this.db.rows(LIST_MACHINES, [userId, page.after ?? '', page.limit])).map(machineFromRow);
  }

  updateStateMachine(userId: string, name: string, patch: StateMachinePatch, revisionId: string, now: number): Promise<StateMachine> {
    return this.db.tx(async (tx) => {
      const [before] = await tx.query(LOCK_MACHINE, [userId, name]);
      if (!before) throw workflowErrors.machineNotFound(name);
      const m = machineFromRow(before);
      const next = applyStateMachinePatch(m, patch, revisionId, now);
      if (next === m) return m;
      const [row] = await tx.query(UPDATE_MACHINE, [...machineValues(next), next.updatedAt, userId, name]);
      return machineFromRow(row);
    });
  }

  async deleteStateMachine(userId: string, name: string): Promise<boolean> {
    return ((await this.db.query(DELETE_MACHINE, [userId, name])).rowCount ?? 0) > 0;
  }

  startExecution(n: NewExecution): Promise<{ execution: Execution; started: boolean }> {
    const e = n.execution;
    return this.db.tx(async (tx) => {
      // A concurrent start of the name waits here until the other commits (or rolls back).
      const [row] = await tx.query(INSERT_EXECUTION, [...executionValues(e), n.wakeAt, n.lease?.owner ?? null, n.lease?.until ?? null]);
      if (row) {
        await insertEvents(tx, e.id, n.events);
        await putFrames(tx, e.id, n.frames);
        return { execution: executionFromRow(row), started: true };
      }
      const [found] = await tx.query(FIND_EXECUTION, [e.userId, e.stateMachineName, e.name]);
      const taken = executionFromRow(found);
      if (taken.status === 'RUNNING' && taken.input === e.input) return { execution: taken, started: false };
      throw workflowErrors.executionExists(e.name);
    });
  }

  async getExecution(userId: string, id: string): Promise<Execution | null> {
    const [row] = await this.db.rows(SELECT_EXECUTION, [userId, id]);
    return row ? executionFromRow(row) : null;
  }

  async findExecution(userId: string, stateMachineName: string, name: string): Promise<Execution | null> {
    const [row] = await this.db.rows(FIND_EXECUTION, [userId, stateMachineName, name]);
    return row ? executionFromRow(row) : null;
  }

  async listExecutions(userId: string, q: ExecutionQuery): Promise<Execution[]> {
    const rows = await this.db.rows(
      LIST_EXECUTIONS,
      listExecutionParams(userId, q, (b) => b),
    );
    return rows.map(executionFromRow);
  }

  async history(userId: string, executionId: string, q: HistoryQuery): Promise<HistoryEventRecord[]> {
    const sql = q.reverse ? HISTORY_REVERSE : HISTORY;
    return (await this.db.rows(sql, [userId, executionId, historyBound(q.reverse, q.after), q.limit])).map(eventFromRow);
  }

  stopExecution(
    userId: string,
    executionId: string,
    end: { error: string | null; cause: string | null; stoppedAt: number; event: Omit<HistoryEventRecord, 'id' | 'previousEventId'> },
  ): Promise<Execution> {
    return this.db.tx(async (tx) => {
      const [row] = await tx.query(LOCK_EXECUTION, [userId, executionId]);
      if (!row) throw workflowErrors.executionNotFound(executionId);
      if (row.status !== 'RUNNING') return executionFromRow(row);
      const [last] = await tx.query(LAST_EVENT_ID, [executionId]);
      const aborted = abortRuns(await tx.query(RUNNING_MAP_RUNS, [executionId]), Number(last.last), end.stoppedAt);
      for (const r of aborted.runs) await tx.query(ABORT_MAP_RUN, [end.stoppedAt, r.counts, r.id]);
      const lastId = Number(last.last) + aborted.events.length;
      await insertEvents(tx, executionId, [...aborted.events, { ...end.event, id: lastId + 1, previousEventId: lastId }]);
      return endExecution(
        tx,
        executionId,
        { status: 'ABORTED', output: null, error: end.error, cause: end.cause, stoppedAt: end.stoppedAt },
        true,
      );
    });
  }

  redriveExecution(userId: string, executionId: string, r: ExecutionRedrive): Promise<Execution | null> {
    return this.db.tx(async (tx) => {
      const params = [r.now, redriveTokensText(r.tokens), executionId, userId, r.expect.status, r.expect.redriveCount];
      const [row] = await tx.query(REDRIVE_EXECUTION, params);
      if (!row) return null;
      await insertEvents(tx, executionId, r.events);
      await tx.query(DELETE_ALL_FRAMES, [executionId]);
      await putFrames(tx, executionId, r.frames);
      if (r.mapRunIds.length > 0) await tx.query(REDRIVE_MAP_RUNS, [r.now, executionId, r.mapRunIds]);
      return executionFromRow(row);
    });
  }

  async claimExecutions(owner: string, now: number, leaseMs: number, limit: number): Promise<Execution[]> {
    if (limit <= 0) return [];
    const rows = await this.db.rows(CLAIM, [owner, now, now + leaseMs, limit]);
    return inWakeOrder(rows).map(executionFromRow);
  }

  async loadRuntime(executionId: string): Promise<ExecutionRuntime> {
    const runtime: ExecutionRuntime = { frames: [], inbox: [], lastEventId: 0 };
    for (const r of await this.db.rows(RUNTIME, [executionId])) {
      if (r.kind === 'frame') runtime.frames.push({ frameId: Number(r.n), doc: String(r.text) });
      else if (r.kind === 'inbox') runtime.inbox.push({ seq: Number(r.n), body: String(r.text), at: Number(r.at) });
      else runtime.lastEventId = Number(r.n);
    }
    return runtime;
  }

  async inbox(executionId: string): Promise<InboxMessage[]> {
    return (await this.db.rows(INBOX, [executionId])).map((r) => ({ seq: Number(r.seq), body: String(r.body), at: Number(r.at) }));
  }

  commit(executionId: string, owner: string, c: ExecutionCommit): Promise<boolean> {
    return this.db.tx(async (tx) => {
      const [row] = await tx.query(LOCK_FOR_COMMIT, [executionId]);
      // A lease that lapsed is still the owner's until another runner claims it.
      if (row?.status !== 'RUNNING' || row.lease_owner !== owner || !sameRun(row, c)) return false;
      await insertEvents(tx, executionId, c.events);
      await putMapRuns(tx, executionId, String(row.user_id), c.mapRuns ?? []);
      if (c.end) {
        await endExecution(tx, executionId, c.end);
        return true;
      }
      await putFrames(tx, executionId, c.putFrames);
      if (c.deleteFrames.length > 0) await tx.query(DELETE_FRAMES, [executionId, c.deleteFrames]);
      if (c.consumedThrough !== undefined) await tx.query(CONSUME_INBOX, [executionId, c.consumedThrough]);
      const add = c.addTokens ?? [];
      if (add.length > 0)
        await tx.query(INSERT_TOKENS, [
          executionId,
          row.user_id,
          add.map((t) => t.token),
          add.map((t) => t.frameId),
          add.map((t) => t.activity?.name ?? null),
          add.map((t) => t.activity?.input ?? null),
          add.map((t) => t.activity?.scheduledAt ?? null),
        ]);
      const scheduled = scheduledOn(String(row.user_id), c);
      // Pollers of these activities, here and on other nodes, look once this commits.
      if (scheduled.length > 0) tx.onEnd((committed) => committed && this.notifier.activitiesNow(scheduled));
      if ((c.removeTokens ?? []).length > 0) await tx.query(DELETE_TOKENS, [executionId, c.removeTokens]);
      // No post lands before this transaction ends: it waits for the row's lock.
      const [oldest] = await tx.query(OLDEST_MESSAGE, [executionId]);
      const wakeAt = wakeAfterCommit(c.wakeAt, oldest.at === null ? null : Number(oldest.at));
      await tx.query(MOVE_ON, [wakeAt, c.leaseUntil, executionId]);
      return true;
    });
  }

  async renewLease(executionId: string, owner: string, until: number): Promise<boolean> {
    return ((await this.db.query(RENEW, [until, executionId, owner])).rowCount ?? 0) > 0;
  }

  async postMessage(executionId: string, body: string, now: number): Promise<boolean> {
    return ((await this.db.query(POST_MESSAGE, [executionId, body, now])).rowCount ?? 0) > 0;
  }

  async findTaskToken(token: string): Promise<TaskTokenRecord | null> {
    const [row] = await this.db.rows(SELECT_TOKEN, [token]);
    return row ? tokenFromRow(row) : null;
  }

  async getExecutionById(executionId: string): Promise<Execution | null> {
    const [row] = await this.db.rows(SELECT_EXECUTION_BY_ID, [executionId]);
    return row ? executionFromRow(row) : null;
  }

  async getMapRun(userId: string, id: string): Promise<MapRunRecord | null> {
    const [row] = await this.db.rows(SELECT_MAP_RUN, [userId, id]);
    return row ? mapRunFromRow(row) : null;
  }

  async listMapRuns(userId: string, executionId: string, page: { limit: number; after?: string }): Promise<MapRunRecord[]> {
    return (await this.db.rows(LIST_MAP_RUNS, [userId, executionId, page.after ?? '', page.limit])).map(mapRunFromRow);
  }

  async mapRunsByIdPrefix(userId: string, prefix: string): Promise<MapRunRecord[]> {
    return (await this.db.rows(MAP_RUNS_BY_PREFIX, [userId, prefix])).map(mapRunFromRow);
  }

  async historyOfTypes(
    userId: string,
    executionId: string,
    types: readonly string[],
    page: { limit: number; after: number },
  ): Promise<HistoryEventRecord[]> {
    return (await this.db.rows(HISTORY_OF_TYPES, [userId, executionId, [...types], page.after, page.limit])).map(eventFromRow);
  }

  async updateMapRun(userId: string, id: string, u: asl.MapRunUpdate): Promise<MapRunRecord | null> {
    const params = [u.maxConcurrency ?? null, u.toleratedFailureCount ?? null, u.toleratedFailurePercentage ?? null, userId, id];
    const [row] = await this.db.rows(UPDATE_MAP_RUN, params);
    return row ? mapRunFromRow(row) : this.getMapRun(userId, id);
  }

  async purgeExecutions(before: number, limit: number): Promise<string[]> {
    return (await this.db.rows(PURGE_EXECUTIONS, [before, limit])).map((r) => String(r.id));
  }

  releaseFrames(before: number, limit: number): Promise<number> {
    return this.db.tx(async (tx) => {
      const ids = (await tx.query(RELEASE_FRAMES, [before, limit])).map((r) => String(r.id));
      if (ids.length > 0) await tx.query(DELETE_FRAMES_OF, [ids]);
      return ids.length;
    });
  }
}

/** A commit's Map Runs: a few per commit at most (one per Distributed Map that moved). */
async function putMapRuns(tx: Tx, executionId: string, userId: string, runs: MapRunWrite[]): Promise<void> {
  for (const m of runs) await tx.query(PUT_MAP_RUN, mapRunValues(executionId, userId, m));
}

async function insertEvents(tx: Tx, executionId: string, events: HistoryEventRecord[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(INSERT_EVENTS, [
    executionId,
    events.map((e) => e.id),
    events.map((e) => e.previousEventId),
    events.map((e) => e.type),
    events.map((e) => e.timestamp),
    events.map((e) => e.details),
  ]);
}

async function putFrames(tx: Tx, executionId: string, frames: ExecutionFrame[]): Promise<void> {
  if (frames.length === 0) return;
  // One row per frame id, the last given winning (as one after the other would): an upsert of
  // one statement may not touch a row twice.
  const last = new Map(frames.map((f) => [f.frameId, f.doc]));
  await tx.query(PUT_FRAMES, [executionId, [...last.keys()], [...last.values()]]);
}

/** The execution ends; its frames go too unless `keepFrames` (a stop: a redrive restarts from
 *  them), but those `end.frames` keeps. */
async function endExecution(tx: Tx, executionId: string, end: ExecutionEnd, keepFrames = false): Promise<Execution> {
  const released = endsWithoutFrames(end, keepFrames);
  const [row] = await tx.query(END_EXECUTION, [end.status, end.output, end.error, end.cause, end.stoppedAt, executionId, released]);
  if (!keepFrames) {
    await tx.query(DELETE_ALL_FRAMES, [executionId]);
    await putFrames(tx, executionId, end.frames ?? []);
  }
  return executionFromRow(row);
}
