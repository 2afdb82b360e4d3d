/**
 * The workflows port on SQLite. Reads run directly; every change is one write of the batch
 * (write-batch.ts), which reads, decides and writes in one transaction. The store is one process
 * and its writes run one at a time, so a claim, a commit or a post never interleaves with
 * another: what a write checks is still true when it writes. A write may run twice when its
 * batch is retried, so everything it stores (ids, times) is made before it and passed in.
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
  ExecutionQuery,
  ExecutionRedrive,
  ExecutionRuntime,
  InboxMessage,
  HistoryQuery,
  NewExecution,
  TaskTokenRecord,
  Workflows,
} from '../ports/workflows.ts';
import type { asl } from '../../core/index.ts';
import { scheduledOn } from '../activity-row.ts';
import { abortRuns, MAP_RUN_COLUMNS, mapRunFromRow, mapRunValues } from '../map-run-row.ts';
import type { MapRunRecord } from '../ports/workflows.ts';
import type { Row } from '../row.ts';
import {
  endsWithoutFrames,
  redriveTokensText,
  EXECUTION_COLUMNS,
  eventFromRow,
  executionFromRow,
  executionValues,
  frameFromRow,
  historyBound,
  inWakeOrder,
  inboxFromRow,
  listExecutionParams,
  sameRun,
  machineFromRow,
  machineValues,
  tokenFromRow,
  wakeAfterCommit,
} from '../workflow-row.ts';
import type { SqliteContext } from './context.ts';

/** user_id, name, type, definition, role_arn, description, revision_id, now. Nothing if the name is taken. */
const INSERT_MACHINE = `INSERT INTO state_machines (user_id, name, type, definition, role_arn, description, revision_id, created_at, updated_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) ON CONFLICT (user_id, name) DO NOTHING RETURNING *`;

/** user_id, name. */
const SELECT_MACHINE = `SELECT * FROM state_machines WHERE user_id = ? AND name = ?`;

/** user_id, after (name; '' for the first page), limit. */
const LIST_MACHINES = `SELECT * FROM state_machines WHERE user_id = ? AND name > ? ORDER BY name LIMIT ?`;

/** type, definition, role_arn, description, revision_id, updated_at, then user_id, name. */
const UPDATE_MACHINE = `UPDATE state_machines SET type = ?, definition = ?, role_arn = ?, description = ?, revision_id = ?, updated_at = ?
  WHERE user_id = ? AND name = ? RETURNING *`;

/** user_id, name. Its executions stay. */
const DELETE_MACHINE = `DELETE FROM state_machines WHERE user_id = ? AND name = ?`;

/** EXECUTION_COLUMNS' values, wake_at, lease_owner, lease_until. Nothing if the name is taken. */
const INSERT_EXECUTION = `INSERT INTO executions (${EXECUTION_COLUMNS}, wake_at, lease_owner, lease_until)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (user_id, state_machine_name, name) DO NOTHING RETURNING *`;

/** execution_id, id, previous_event_id, type, timestamp, details. */
const INSERT_EVENT = `INSERT INTO execution_events (execution_id, id, previous_event_id, type, timestamp, details) VALUES (?, ?, ?, ?, ?, ?)`;

/** execution_id, frame_id, doc: created or replaced. */
const PUT_FRAME = `INSERT INTO execution_frames (execution_id, frame_id, doc) VALUES (?, ?, ?)
  ON CONFLICT (execution_id, frame_id) DO UPDATE SET doc = excluded.doc`;

/** execution_id, frame_id. */
const DELETE_FRAME = `DELETE FROM execution_frames WHERE execution_id = ? AND frame_id = ?`;

/** user_id, id. */
const SELECT_EXECUTION = `SELECT * FROM executions WHERE user_id = ? AND id = ?`;

/** id: whoever's. */
const SELECT_EXECUTION_BY_ID = `SELECT * FROM executions WHERE id = ?`;

/** user_id, state_machine_name, name. */
const FIND_EXECUTION = `SELECT * FROM executions WHERE user_id = ? AND state_machine_name = ? AND name = ?`;

/** user_id, state_machine_name (null: any), status (null: any), after (id; null: from the newest), limit,
 *  version (null: any), alias_name (null: any), redriven (1, 0; null: any). */
const LIST_EXECUTIONS = `SELECT * FROM executions
  WHERE user_id = ?1 AND (?2 IS NULL OR state_machine_name = ?2) AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR id < ?4)
    AND (?6 IS NULL OR version = ?6) AND (?7 IS NULL OR alias_name = ?7) AND (?8 IS NULL OR (redrive_count > 0) = ?8)
  ORDER BY id DESC LIMIT ?5`;

/** user_id, execution_id, after, limit: the user's execution's events, oldest first. */
const HISTORY = `SELECT e.* FROM execution_events e JOIN executions x ON x.id = e.execution_id
  WHERE x.user_id = ? AND x.id = ? AND e.id > ? ORDER BY e.id LIMIT ?`;

/** user_id, execution_id, before, limit: newest first. */
const HISTORY_REVERSE = `SELECT e.* FROM execution_events e JOIN executions x ON x.id = e.execution_id
  WHERE x.user_id = ? AND x.id = ? AND e.id < ? ORDER BY e.id DESC LIMIT ?`;

/** execution_id. */
const LAST_EVENT_ID = `SELECT coalesce(max(id), 0) AS last FROM execution_events WHERE execution_id = ?`;

/** status, output, error, cause, stopped_at, frames_released, then id: the execution ends, its
 *  wake and lease go. */
const END_EXECUTION = `UPDATE executions SET status = ?, output = ?, error = ?, cause = ?, stopped_at = ?,
  wake_at = NULL, lease_owner = NULL, lease_until = NULL, frames_released = ? WHERE id = ? RETURNING *`;

/** execution_id: what a runner keeps of an execution, gone when it ends (its frames but those
 *  kept for a redrive). */
const DELETE_FRAMES = `DELETE FROM execution_frames WHERE execution_id = ?`;
const DELETE_INBOX = `DELETE FROM execution_inbox WHERE execution_id = ?`;
const DELETE_TOKENS = `DELETE FROM task_tokens WHERE execution_id = ?`;

/** now, limit, then owner, lease_until: due RUNNING executions nobody holds (or whose lease
 *  ended), oldest wake first (the partial index executions_due), leased to owner. */
const CLAIM = `UPDATE executions SET lease_owner = ?3, lease_until = ?4
  WHERE id IN (SELECT id FROM executions WHERE status = 'RUNNING' AND wake_at <= ?1 AND (lease_until IS NULL OR lease_until < ?1)
    ORDER BY wake_at, id LIMIT ?2)
  RETURNING *`;

/** execution_id. */
const FRAMES = `SELECT * FROM execution_frames WHERE execution_id = ? ORDER BY frame_id`;
const INBOX = `SELECT * FROM execution_inbox WHERE execution_id = ? ORDER BY seq`;

/** id: what a commit checks. */
const COMMIT_CHECK = `SELECT user_id, status, lease_owner, redrive_count FROM executions WHERE id = ?`;

/** execution_id, through. */
const CONSUME_INBOX = `DELETE FROM execution_inbox WHERE execution_id = ? AND seq <= ?`;

/** execution_id: when the oldest message still waiting was posted (null: none waits). */
const OLDEST_MESSAGE = `SELECT min(at) AS at FROM execution_inbox WHERE execution_id = ?`;

/** token, execution_id, user_id, frame_id, then activity, input, scheduled_at (nulls: not an activity's task). */
const INSERT_TOKEN = `INSERT INTO task_tokens (token, execution_id, user_id, frame_id, activity, input, scheduled_at) VALUES (?, ?, ?, ?, ?, ?, ?)`;

/** token, execution_id. */
const DELETE_TOKEN = `DELETE FROM task_tokens WHERE token = ? AND execution_id = ?`;

/** wake_at, lease_until, then id: the lease given up (owner cleared) when lease_until is null. */
const MOVE_ON = `UPDATE executions SET wake_at = ?1, lease_until = ?2, lease_owner = CASE WHEN ?2 IS NULL THEN NULL ELSE lease_owner END
  WHERE id = ?3`;

/** until, then id, owner. */
const RENEW = `UPDATE executions SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'RUNNING'`;

/** now, id: the next seq, and due now (wake_at brought forward). Nothing unless RUNNING. */
const NEXT_MESSAGE = `UPDATE executions SET inbox_seq = inbox_seq + 1, wake_at = CASE WHEN wake_at IS NULL OR wake_at > ?1 THEN ?1 ELSE wake_at END
  WHERE id = ?2 AND status = 'RUNNING' RETURNING inbox_seq`;

/** execution_id, seq, body, at. */
const INSERT_MESSAGE = `INSERT INTO execution_inbox (execution_id, seq, body, at) VALUES (?, ?, ?, ?)`;

/** token. */
const SELECT_TOKEN = `SELECT * FROM task_tokens WHERE token = ?`;

/** MAP_RUN_COLUMNS' values: created, or its status, stop and counts moved on. */
const PUT_MAP_RUN = `INSERT INTO map_runs (${MAP_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET status = excluded.status, stopped_at = excluded.stopped_at, counts = excluded.counts`;

/** user_id, id. */
const SELECT_MAP_RUN = `SELECT * FROM map_runs WHERE user_id = ? AND id = ?`;

/** user_id, execution_id, after (id; '' for the first page), limit. */
const LIST_MAP_RUNS = `SELECT * FROM map_runs WHERE user_id = ? AND execution_id = ? AND id > ? ORDER BY id LIMIT ?`;

/** user_id, the prefix, the prefix followed by '~' (after every id character): ids with the prefix. */
const MAP_RUNS_BY_PREFIX = `SELECT * FROM map_runs WHERE user_id = ? AND id >= ? AND id < ? ORDER BY id`;

/** user_id, execution_id, the types (a JSON array), after, limit: the events of those types, oldest first. */
const HISTORY_OF_TYPES = `SELECT e.* FROM execution_events e JOIN executions x ON x.id = e.execution_id
  WHERE x.user_id = ? AND x.id = ? AND e.type IN (SELECT value FROM json_each(?)) AND e.id > ? ORDER BY e.id LIMIT ?`;

/** max_concurrency, tolerated_failure_count, tolerated_failure_percentage (null: unchanged), then user_id, id. */
const UPDATE_MAP_RUN = `UPDATE map_runs SET max_concurrency = coalesce(?, max_concurrency),
  tolerated_failure_count = coalesce(?, tolerated_failure_count), tolerated_failure_percentage = coalesce(?, tolerated_failure_percentage)
  WHERE user_id = ? AND id = ? AND status = 'RUNNING' RETURNING *`;

/** now, redrive_token, then id, user_id, the status and redrive_count it must still have: RUNNING
 *  again, due now and held by nobody, its end cleared, redriven once more (its frames its own
 *  again, should a release have raced the redrive). */
const REDRIVE_EXECUTION = `UPDATE executions SET status = 'RUNNING', output = NULL, error = NULL, cause = NULL, stopped_at = NULL,
  wake_at = ?1, lease_owner = NULL, lease_until = NULL, redrive_count = redrive_count + 1, redrive_date = ?1, redrive_token = ?2,
  frames_released = 0
  WHERE id = ?3 AND user_id = ?4 AND status = ?5 AND redrive_count = ?6 RETURNING *`;

/** now, then id, execution_id: the Map Run runs again with its execution's redrive. */
const REDRIVE_MAP_RUN = `UPDATE map_runs SET status = 'RUNNING', stopped_at = NULL, redrive_count = redrive_count + 1, redrive_date = ?
  WHERE id = ? AND execution_id = ?`;

/** execution_id: its running Map Runs, which a stop aborts. */
const RUNNING_MAP_RUNS = `SELECT * FROM map_runs WHERE execution_id = ? AND status = 'RUNNING' ORDER BY id`;

/** stopped_at, counts, then id. */
const ABORT_MAP_RUN = `UPDATE map_runs SET status = 'ABORTED', stopped_at = ?, counts = ? WHERE id = ?`;

/** before, limit: closed executions stopped before, oldest stop first (the partial index
 *  executions_closed), deleted with what hangs off them (ON DELETE CASCADE). Never a RUNNING one. */
const PURGE_EXECUTIONS = `DELETE FROM executions
  WHERE id IN (SELECT id FROM executions WHERE status <> 'RUNNING' AND stopped_at < ?1 ORDER BY stopped_at LIMIT ?2)
  RETURNING id`;

/** before, limit: executions that may keep frames for a redrive, stopped before, oldest stop
 *  first (the partial index executions_frames_kept), marked released (they leave the index). */
const RELEASE_FRAMES = `UPDATE executions SET frames_released = 1
  WHERE id IN (SELECT id FROM executions WHERE status IN ('FAILED', 'TIMED_OUT', 'ABORTED') AND frames_released = 0 AND stopped_at < ?1
    ORDER BY stopped_at LIMIT ?2)
  RETURNING id`;

export class SqliteWorkflows implements Workflows {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async createStateMachine(
    userId: string,
    input: StateMachineInput,
    revisionId: string,
    now: number,
  ): Promise<{ machine: StateMachine; created: boolean }> {
    return this.ctx.writes.run(() => {
      const row = this.ctx.stmt(INSERT_MACHINE).get(userId, input.name, ...machineValues({ ...input, revisionId }), now) as Row | undefined;
      if (row) return { machine: machineFromRow(row), created: true };
      const machine = machineFromRow(this.ctx.stmt(SELECT_MACHINE).get(userId, input.name) as Row);
      if (!sameStateMachine(machine, input)) throw workflowErrors.machineExists(input.name);
      return { machine, created: false };
    });
  }

  async getStateMachine(userId: string, name: string): Promise<StateMachine | null> {
    const row = this.ctx.stmt(SELECT_MACHINE).get(userId, name) as Row | undefined;
    return row ? machineFromRow(row) : null;
  }

  async listStateMachines(userId: string, page: { limit: number; after?: string }): Promise<StateMachine[]> {
    return (this.ctx.stmt(LIST_MACHINES).all(userId, page.after ?? '', page.limit) as Row[]).map(machineFromRow);
  }

  async updateStateMachine(userId: string, name: string, patch: StateMachinePatch, revisionId: string, now: number): Promise<StateMachine> {
    return this.ctx.writes.run(() => {
      const before = this.ctx.stmt(SELECT_MACHINE).get(userId, name) as Row | undefined;
      if (!before) throw workflowErrors.machineNotFound(name);
      const m = machineFromRow(before);
      const next = applyStateMachinePatch(m, patch, revisionId, now);
      if (next === m) return m;
      return machineFromRow(this.ctx.stmt(UPDATE_MACHINE).get(...machineValues(next), next.updatedAt, userId, name) as Row);
    });
  }

  async deleteStateMachine(userId: string, name: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_MACHINE).run(userId, name).changes) > 0);
  }

  async startExecution(n: NewExecution): Promise<{ execution: Execution; started: boolean }> {
    const e = n.execution;
    return this.ctx.writes.run(() => {
      const row = this.ctx.stmt(INSERT_EXECUTION).get(...executionValues(e), n.wakeAt, n.lease?.owner ?? null, n.lease?.until ?? null) as
        | Row
        | undefined;
      if (row) {
        this.insertEvents(e.id, n.events);
        for (const f of n.frames) this.ctx.stmt(PUT_FRAME).run(e.id, f.frameId, f.doc);
        return { execution: executionFromRow(row), started: true };
      }
      const taken = executionFromRow(this.ctx.stmt(FIND_EXECUTION).get(e.userId, e.stateMachineName, e.name) as Row);
      if (taken.status === 'RUNNING' && taken.input === e.input) return { execution: taken, started: false };
      throw workflowErrors.executionExists(e.name);
    });
  }

  async getExecution(userId: string, id: string): Promise<Execution | null> {
    const row = this.ctx.stmt(SELECT_EXECUTION).get(userId, id) as Row | undefined;
    return row ? executionFromRow(row) : null;
  }

  async findExecution(userId: string, stateMachineName: string, name: string): Promise<Execution | null> {
    const row = this.ctx.stmt(FIND_EXECUTION).get(userId, stateMachineName, name) as Row | undefined;
    return row ? executionFromRow(row) : null;
  }

  async listExecutions(userId: string, q: ExecutionQuery): Promise<Execution[]> {
    const rows = this.ctx.stmt(LIST_EXECUTIONS).all(...(listExecutionParams(userId, q, Number) as (string | number | null)[])) as Row[];
    return rows.map(executionFromRow);
  }

  async history(userId: string, executionId: string, q: HistoryQuery): Promise<HistoryEventRecord[]> {
    const sql = q.reverse ? HISTORY_REVERSE : HISTORY;
    return (this.ctx.stmt(sql).all(userId, executionId, historyBound(q.reverse, q.after), q.limit) as Row[]).map(eventFromRow);
  }

  async stopExecution(
    userId: string,
    executionId: string,
    end: { error: string | null; cause: string | null; stoppedAt: number; event: Omit<HistoryEventRecord, 'id' | 'previousEventId'> },
  ): Promise<Execution> {
    return this.ctx.writes.run(() => {
      const row = this.ctx.stmt(SELECT_EXECUTION).get(userId, executionId) as Row | undefined;
      if (!row) throw workflowErrors.executionNotFound(executionId);
      if (row.status !== 'RUNNING') return executionFromRow(row);
      const aborted = abortRuns(this.ctx.stmt(RUNNING_MAP_RUNS).all(executionId) as Row[], this.lastEventId(executionId), end.stoppedAt);
      for (const r of aborted.runs) this.ctx.stmt(ABORT_MAP_RUN).run(end.stoppedAt, r.counts, r.id);
      const last = this.lastEventId(executionId) + aborted.events.length;
      this.insertEvents(executionId, [...aborted.events, { ...end.event, id: last + 1, previousEventId: last }]);
      return this.end(executionId, { status: 'ABORTED', output: null, error: end.error, cause: end.cause, stoppedAt: end.stoppedAt }, true);
    });
  }

  async redriveExecution(userId: string, executionId: string, r: ExecutionRedrive): Promise<Execution | null> {
    return this.ctx.writes.run(() => {
      const row = this.ctx
        .stmt(REDRIVE_EXECUTION)
        .get(r.now, redriveTokensText(r.tokens), executionId, userId, r.expect.status, r.expect.redriveCount) as Row | undefined;
      if (!row) return null;
      this.insertEvents(executionId, r.events);
      this.ctx.stmt(DELETE_FRAMES).run(executionId);
      for (const f of r.frames) this.ctx.stmt(PUT_FRAME).run(executionId, f.frameId, f.doc);
      for (const id of r.mapRunIds) this.ctx.stmt(REDRIVE_MAP_RUN).run(r.now, id, executionId);
      return executionFromRow(row);
    });
  }

  async claimExecutions(owner: string, now: number, leaseMs: number, limit: number): Promise<Execution[]> {
    if (limit <= 0) return [];
    // Volatile, as a task's lease is (write-batch.ts): a claim lost with the machine's power is
    // lost with the runner that made it, and the execution is claimed again.
    const rows = await this.ctx.writes.run(() => this.ctx.stmt(CLAIM).all(now, limit, owner, now + leaseMs) as Row[], false);
    return inWakeOrder(rows).map(executionFromRow);
  }

  async loadRuntime(executionId: string): Promise<ExecutionRuntime> {
    // One connection, read synchronously: the three reads see one state of the database.
    return {
      frames: (this.ctx.stmt(FRAMES).all(executionId) as Row[]).map(frameFromRow),
      inbox: (this.ctx.stmt(INBOX).all(executionId) as Row[]).map(inboxFromRow),
      lastEventId: this.lastEventId(executionId),
    };
  }

  async inbox(executionId: string): Promise<InboxMessage[]> {
    return (this.ctx.stmt(INBOX).all(executionId) as Row[]).map(inboxFromRow);
  }

  async commit(executionId: string, owner: string, c: ExecutionCommit): Promise<boolean> {
    let userId = '';
    const stored = await this.ctx.writes.run(() => {
      const row = this.ctx.stmt(COMMIT_CHECK).get(executionId) as Row | undefined;
      // A lease that lapsed is still the owner's until another runner claims it.
      if (row?.status !== 'RUNNING' || row.lease_owner !== owner || !sameRun(row, c)) return false;
      userId = String(row.user_id);
      this.insertEvents(executionId, c.events);
      for (const m of c.mapRuns ?? []) this.ctx.stmt(PUT_MAP_RUN).run(...mapRunValues(executionId, String(row.user_id), m));
      if (c.end) {
        this.end(executionId, c.end);
        return true;
      }
      for (const f of c.putFrames) this.ctx.stmt(PUT_FRAME).run(executionId, f.frameId, f.doc);
      for (const id of c.deleteFrames) this.ctx.stmt(DELETE_FRAME).run(executionId, id);
      if (c.consumedThrough !== undefined) this.ctx.stmt(CONSUME_INBOX).run(executionId, c.consumedThrough);
      for (const t of c.addTokens ?? [])
        this.ctx
          .stmt(INSERT_TOKEN)
          .run(
            t.token,
            executionId,
            userId,
            t.frameId,
            t.activity?.name ?? null,
            t.activity?.input ?? null,
            t.activity?.scheduledAt ?? null,
          );
      for (const t of c.removeTokens ?? []) this.ctx.stmt(DELETE_TOKEN).run(t, executionId);
      const oldest = (this.ctx.stmt(OLDEST_MESSAGE).get(executionId) as Row).at;
      const wakeAt = wakeAfterCommit(c.wakeAt, oldest === null ? null : Number(oldest));
      this.ctx.stmt(MOVE_ON).run(wakeAt, c.leaseUntil, executionId);
      return true;
    });
    // Committed: pollers of the activities it scheduled on (in this process: crossProcessWakeups) look now.
    if (stored && !c.end) for (const n of scheduledOn(userId, c)) this.ctx.wake.emit('activities', n);
    return stored;
  }

  async renewLease(executionId: string, owner: string, until: number): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(RENEW).run(until, executionId, owner).changes) > 0, false);
  }

  async postMessage(executionId: string, body: string, now: number): Promise<boolean> {
    return this.ctx.writes.run(() => {
      const row = this.ctx.stmt(NEXT_MESSAGE).get(now, executionId) as Row | undefined;
      if (!row) return false;
      this.ctx.stmt(INSERT_MESSAGE).run(executionId, Number(row.inbox_seq), body, now);
      return true;
    });
  }

  async findTaskToken(token: string): Promise<TaskTokenRecord | null> {
    const row = this.ctx.stmt(SELECT_TOKEN).get(token) as Row | undefined;
    return row ? tokenFromRow(row) : null;
  }

  async getExecutionById(executionId: string): Promise<Execution | null> {
    const row = this.ctx.stmt(SELECT_EXECUTION_BY_ID).get(executionId) as Row | undefined;
    return row ? executionFromRow(row) : null;
  }

  async getMapRun(userId: string, id: string): Promise<MapRunRecord | null> {
    const row = this.ctx.stmt(SELECT_MAP_RUN).get(userId, id) as Row | undefined;
    return row ? mapRunFromRow(row) : null;
  }

  async listMapRuns(userId: string, executionId: string, page: { limit: number; after?: string }): Promise<MapRunRecord[]> {
    return (this.ctx.stmt(LIST_MAP_RUNS).all(userId, executionId, page.after ?? '', page.limit) as Row[]).map(mapRunFromRow);
  }

  async mapRunsByIdPrefix(userId: string, prefix: string): Promise<MapRunRecord[]> {
    return (this.ctx.stmt(MAP_RUNS_BY_PREFIX).all(userId, prefix, `${prefix}~`) as Row[]).map(mapRunFromRow);
  }

  async historyOfTypes(
    userId: string,
    executionId: string,
    types: readonly string[],
    page: { limit: number; after: number },
  ): Promise<HistoryEventRecord[]> {
    const rows = this.ctx.stmt(HISTORY_OF_TYPES).all(userId, executionId, JSON.stringify(types), page.after, page.limit) as Row[];
    return rows.map(eventFromRow);
  }

  async updateMapRun(userId: string, id: string, u: asl.MapRunUpdate): Promise<MapRunRecord | null> {
    return this.ctx.writes.run(() => {
      const row = this.ctx
        .stmt(UPDATE_MAP_RUN)
        .get(u.maxConcurrency ?? null, u.toleratedFailureCount ?? null, u.toleratedFailurePercentage ?? null, userId, id) as
        | Row
        | undefined;
      if (row) return mapRunFromRow(row);
      const found = this.ctx.stmt(SELECT_MAP_RUN).get(userId, id) as Row | undefined;
      return found ? mapRunFromRow(found) : null;
    });
  }

  async purgeExecutions(before: number, limit: number): Promise<string[]> {
    const rows = await this.ctx.writes.run(() => this.ctx.stmt(PURGE_EXECUTIONS).all(before, limit) as Row[]);
    return rows.map((r) => String(r.id));
  }

  async releaseFrames(before: number, limit: number): Promise<number> {
    return this.ctx.writes.run(() => {
      const rows = this.ctx.stmt(RELEASE_FRAMES).all(before, limit) as Row[];
      for (const r of rows) this.ctx.stmt(DELETE_FRAMES).run(String(r.id));
      return rows.length;
    });
  }

  /** Inside a write. */
  private insertEvents(executionId: string, events: HistoryEventRecord[]): void {
    const s = this.ctx.stmt(INSERT_EVENT);
    for (const ev of events) s.run(executionId, ev.id, ev.previousEventId, ev.type, ev.timestamp, ev.details);
  }

  private lastEventId(executionId: string): number {
    return Number((this.ctx.stmt(LAST_EVENT_ID).get(executionId) as Row).last);
  }

  /** Inside a write: the execution ends, and what its runner kept of it goes: its frames too
   *  unless `keepFrames` (a stop: a redrive restarts from them) or but those `end.frames` keeps. */
  private end(executionId: string, end: NonNullable<ExecutionCommit['end']>, keepFrames = false): Execution {
    const released = endsWithoutFrames(end, keepFrames) ? 1 : 0;
    const row = this.ctx.stmt(END_EXECUTION).get(end.status, end.output, end.error, end.cause, end.stoppedAt, released, executionId) as Row;
    if (!keepFrames) {
      this.ctx.stmt(DELETE_FRAMES).run(executionId);
      for (const f of end.frames ?? []) this.ctx.stmt(PUT_FRAME).run(executionId, f.frameId, f.doc);
    }
    this.ctx.stmt(DELETE_INBOX).run(executionId);
    this.ctx.stmt(DELETE_TOKENS).run(executionId);
    return executionFromRow(row);
  }
}
