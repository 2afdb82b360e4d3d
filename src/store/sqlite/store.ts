/**
 * The embedded Store: SQLite through node:sqlite, WAL journal, one connection per process.
 * Writes go through WriteBatch (group commit); reads run directly. Wake-ups are an
 * in-process emitter, so a `hangar worker` in another process falls back to polling.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { ErrorCode, HangarError } from '../../errors/index.ts';
import { batchResults, idempotencyConflict, lanesWithNew, planBatch } from '../batch.ts';
import { decideExpiry, decideFinish, executionAuditEntry, expiryFailure, lostAttemptAuditEntry, wakesWorkers, type AttemptEnd } from '../transitions.ts';
import {
  systemClock,
  type ApiKey,
  type AttemptRef,
  type AuditEntry,
  type AuditFilter,
  type CancelResult,
  type ClaimOptions,
  type Finished,
  type FinishedSince,
  finishedSinceFrom,
  KIND_SAMPLE,
  RECENT_KINDS,
  type Clock,
  type HeartbeatResult,
  type FeedEntry,
  type HistoryEntry,
  type Lease,
  type ListFilter,
  type LocalTaker,
  type NewApiKey,
  type NewAuditEntry,
  type NewTask,
  type NewProject,
  type Outcome,
  type OutputChunk,
  type Project,
  type ProjectVersion,
  type OutputCursor,
  type Page,
  type QueueDepth,
  type ReapResult,
  type RetryPolicy,
  type SecretRecord,
  type StatusCounts,
  type Store,
  type StoreCapabilities,
  type SubmitResult,
  type Task,
  type TaskFailure,
  type TaskStatus,
  type WorkerInfo,
  type WorkerRecord,
  type WorkerLoad,
  type TimelineBucket,
  type AlertState,
  type NewScalingEvent,
  type ScalingEvent,
} from '../types.ts';
import { migrate } from './migrate.ts';
import { auditFromRow, decodeCursor, depthFromRow, encodeCursor, feedFromRow, historyFromRow, keyFromRow, outputFromRow, projectFromRow, projectVersionFromRow, secretFromRow, scalingFromRow, timelineFromRow, alertFromRow, workerFromRow, strOrNull, taskFromRow, type Row } from '../row.ts';
import * as SQL from './sql.ts';
import { walSync, type WalSync } from './wal-sync.ts';
import { WriteBatch } from './write-batch.ts';

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** 'full': every write is fsynced before it is acknowledged (survives power loss);
   *  'normal': survives a process crash, may lose the last writes on power loss. */
  synchronous?: 'full' | 'normal';
  clock?: Clock;
  random?: () => number;
  retry?: RetryPolicy;
}

/** END_BACKOFFS: tasks moved per statement, and how often a claim runs it whatever it knows. */
const END_BACKOFFS_MAX = 1000;
const END_BACKOFFS_EVERY_MS = 1000;

export class SqliteStore implements Store {
  readonly capabilities: StoreCapabilities = { crossProcessWakeups: false };
  private readonly db: DatabaseSync;
  private readonly writes: WriteBatch;
  private readonly wal: WalSync | null;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly retry: RetryPolicy;
  private readonly wake = new EventEmitter();
  private readonly stmts = new Map<string, StatementSync>();
  private readonly takers: LocalTaker[] = [];
  /** The earliest end of a backoff this store knows of, and when END_BACKOFFS last ran: see
   *  endBackoffs. */
  private backoffEndsAt = 0;
  private backoffsEndedAt = 0;

  constructor(opts: SqliteStoreOptions) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.db = new DatabaseSync(opts.path);
    this.db.exec('PRAGMA journal_mode = WAL');
    // Durability comes from WriteBatch's off-thread WAL fsync, not from SQLite's own (write-batch.ts).
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec('PRAGMA busy_timeout = 5000');
    this.db.exec('PRAGMA foreign_keys = ON');
    migrate(this.db);
    this.wal = opts.synchronous !== 'normal' && opts.path !== ':memory:' ? walSync(opts.path) : null;
    this.writes = new WriteBatch(this.db, this.wal ? () => this.wal!.sync() : null);
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.retry = opts.retry ?? { baseMs: 1000, maxMs: 300_000 };
    this.wake.setMaxListeners(0);
  }

  private stmt(sql: string): StatementSync {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Called when tasks may have become ready; listeners are the local dispatchers. */
  subscribe(listener: () => void): () => void {
    this.wake.on('ready', listener);
    return () => this.wake.off('ready', listener);
  }

  private notifyReady(): void {
    this.wake.emit('ready');
  }

  private addHistory(taskId: string, at: number, status: TaskStatus, attempt: number, workerId: string | null, reason: string | null): void {
    this.stmt(SQL.INSERT_HISTORY).run(taskId, at, status, attempt, workerId, reason);
  }

  async submit(t: NewTask): Promise<SubmitResult> {
    const r = await this.submitOne(t);
    this.announceLanes(lanesWithNew([t], [r]));
    return r;
  }

  async submitMany(tasks: NewTask[]): Promise<SubmitResult[]> {
    const results = await this.submitBatch(tasks);
    this.announceLanes(lanesWithNew(tasks, results));
    return results;
  }

  /** A lane has a new task: its followers (a terminal's) look, here and in other processes. */
  private announceLanes(lanes: string[]): void {
    for (const l of lanes) this.wake.emit('output', `lane:${l}`);
  }

  private async submitOne(t: NewTask): Promise<SubmitResult> {
    return this.writes.run(() => {
      if (t.idempotencyKey) {
        const existing = this.byIdempotencyKey(t.userId ?? '', t.idempotencyKey);
        if (existing) {
          if (existing.requestHash !== t.requestHash) throw idempotencyConflict(t.idempotencyKey, existing.id);
          return { task: existing, created: false };
        }
      }
      const now = this.clock.now();
      const { rank, params } = this.rankedParams(t, now);
      const handed = this.handOff(t, now, rank, params);
      if (handed) return handed;
      const task = this.insertPending(t, now, params);
      // Wake workers inside this transaction: a claim they make at once joins it (write-batch.ts),
      // so the task is leased in the submit's own commit, and the fsync covers both. A task may
      // thus start up to one fsync before its submit is acknowledged.
      this.notifyReady();
      return { task, created: true };
    });
  }

  private async submitBatch(tasks: NewTask[]): Promise<SubmitResult[]> {
    return this.writes.run(() => {
      const plan = planBatch(tasks, (user, key) => this.byIdempotencyKey(user, key));
      const now = this.clock.now();
      const inserted = plan.inserts.map((t) => this.insertPending(t, now, this.rankedParams(t, now).params));
      if (inserted.length > 0) this.notifyReady();
      return batchResults(plan, inserted);
    });
  }

  private byIdempotencyKey(user: string, key: string): Task | undefined {
    const row = this.stmt(SQL.SELECT_BY_IDEMPOTENCY).get(user, key) as Row | undefined;
    return row ? taskFromRow(row) : undefined;
  }

  /** Takes the task's fair-share rank (its user's next) and returns INSERT_TASK's parameters. */
  private rankedParams(t: NewTask, now: number): { rank: number; params: SQLInputValue[] } {
    const user = t.userId ?? '';
    const rank = Number((this.stmt(SQL.NEXT_RANK).get(user) as Row).r);
    this.stmt(SQL.SET_USER_RANK).run(user, rank);
    const params = [
      t.id, t.command, t.args ? JSON.stringify(t.args) : null, t.shell, t.queue, t.priority, t.userId,
      t.timeout, t.visibilityTimeout, t.maxAttempts, t.maxAttempts, t.idempotencyKey, t.requestHash,
      JSON.stringify(t.resources), JSON.stringify(t.env), JSON.stringify(t.metadata), now, now, t.network, t.image, rank,
      null, t.secrets.length > 0 ? JSON.stringify(t.secrets) : null, t.projectId, t.lane, t.traceParent ?? null,
    ];
    return { rank, params };
  }

  private insertPending(t: NewTask, now: number, params: SQLInputValue[]): Task {
    const row = this.stmt(SQL.INSERT_TASK).get(...params) as Row;
    this.addHistory(t.id, now, 'PENDING', 0, null, 'submitted');
    return taskFromRow(row);
  }

  attachTaker(taker: LocalTaker): () => void {
    this.takers.push(taker);
    return () => {
      const i = this.takers.indexOf(taker);
      if (i >= 0) this.takers.splice(i, 1);
    };
  }

  /**
   * Direct dispatch, inside the submit's transaction: if a local taker has a free slot and no
   * ready task should run first (priority, then FIFO, as a claim would order them), insert the
   * task already leased to it and hand it the lease when the transaction commits. The caller
   * sees the task as submitted (PENDING); its history has both rows.
   */
  private handOff(t: NewTask, now: number, rank: number, params: SQLInputValue[]): SubmitResult | null {
    // A lane's task: whether an earlier one of its lane is unfinished is for the claim to decide.
    if (this.takers.length === 0 || t.lane) return null;
    const takers = this.takers.filter((k) => !k.queues || k.queues.includes(t.queue));
    if (takers.length === 0 || this.stmt(SQL.READY_AHEAD).get(t.priority, now, rank)) return null;
    let running: number | null = null;
    for (const taker of takers) {
      const max = taker.maxRunningPerUser ?? 0;
      if (max > 0) {
        running ??= t.userId === null ? this.runningOfNobody() : this.countUser(t.userId, 'RUNNING', max);
        if (running >= max) continue;
      }
      const deliver = taker.offer();
      if (!deliver) continue;
      params[21] = taker.workerId;
      const row = this.stmt(SQL.INSERT_TASK_LEASED).get(...params) as Row;
      this.stmt(SQL.ADVANCE_CLOCK).run(rank);
      this.addHistory(t.id, now, 'PENDING', 0, null, 'submitted');
      this.addHistory(t.id, now, 'RUNNING', 1, taker.workerId, 'handed to an idle worker at submit');
      const task = taskFromRow(row);
      const lease: Lease = { task, attempt: 1, workerId: taker.workerId, expiresAt: task.leaseExpiresAt ?? now };
      this.writes.onEnd((committed) => deliver(committed ? lease : null));
      const submitted: Task = { ...task, status: 'PENDING', attempt: 0, workerId: null, startedAt: null, leaseExpiresAt: null };
      return { task: submitted, created: true, handedOff: true };
    }
    return null;
  }

  async get(id: string): Promise<Task | null> {
    const row = this.stmt(SQL.SELECT_TASK).get(id) as Row | undefined;
    return row ? taskFromRow(row) : null;
  }

  async list(f: ListFilter): Promise<Page<Task>> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (f.status) (where.push('status = ?'), params.push(f.status));
    if (f.userId) (where.push('user_id = ?'), params.push(f.userId));
    if (f.queue) (where.push('queue = ?'), params.push(f.queue));
    if (f.lane) (where.push('lane = ?'), params.push(f.lane));
    if (f.deadLettered !== undefined) where.push(f.deadLettered ? 'dead_lettered = 1' : 'dead_lettered = 0');
    // instr, not LIKE: the text is matched as given, % and _ included.
    if (f.command) (where.push("(instr(lower(command), lower(?)) > 0 OR instr(lower(coalesce(shell, '')), lower(?)) > 0)"), params.push(f.command, f.command));
    if (f.after) (where.push('seq < ?'), params.push(decodeCursor(f.after)));
    const sql = `SELECT * FROM tasks ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.stmt(sql).all(...params, f.limit + 1) as Row[];
    const more = rows.length > f.limit;
    const page = rows.slice(0, f.limit);
    return {
      items: page.map(taskFromRow),
      nextCursor: more ? encodeCursor(Number(page[page.length - 1].seq)) : null,
    };
  }

  async history(id: string): Promise<HistoryEntry[]> {
    return (this.stmt('SELECT * FROM task_history WHERE task_id = ? ORDER BY id').all(id) as Row[]).map(historyFromRow);
  }

  async feed(afterId: number, userId: string | null | undefined, limit: number): Promise<FeedEntry[]> {
    const rows = (userId === undefined
      ? this.stmt('SELECT * FROM task_history WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit)
      : userId === null
        ? this.stmt('SELECT h.* FROM task_history h JOIN tasks t ON t.id = h.task_id WHERE h.id > ? AND t.user_id IS NULL ORDER BY h.id LIMIT ?').all(afterId, limit)
        : this.stmt('SELECT h.* FROM task_history h JOIN tasks t ON t.id = h.task_id WHERE h.id > ? AND t.user_id = ? ORDER BY h.id LIMIT ?').all(afterId, userId, limit)) as Row[];
    return rows.map(feedFromRow);
  }

  async feedHead(): Promise<number> {
    return Number((this.stmt('SELECT coalesce(max(id), 0) AS n FROM task_history').get() as Row).n);
  }

  async claim(o: ClaimOptions): Promise<Lease[]> {
    if (o.limit <= 0) return [];
    let moved = 0;
    const leases = await this.writes.run(() => {
      const now = this.clock.now();
      moved = this.endBackoffs(now);
      const rows = (
        (o.maxRunningPerUser ?? 0) > 0
          ? this.claimWithinUserLimits(o, now)
          : o.queues
            ? this.stmt(SQL.CLAIM_QUEUES).all(o.workerId, now, o.limit, JSON.stringify(o.queues))
            : this.stmt(SQL.CLAIM_ANY).all(o.workerId, now, o.limit)
      ) as Row[];
      // RETURNING does not keep the subquery's order.
      rows.sort((a, b) => Number(b.eff_priority) - Number(a.eff_priority) || Number(a.fair_rank) - Number(b.fair_rank) || Number(a.seq) - Number(b.seq));
      if (rows.length > 0) this.stmt(SQL.ADVANCE_CLOCK).run(Math.max(...rows.map((r) => Number(r.fair_rank))));
      return rows.map((r) => {
        const task = taskFromRow(r);
        this.addHistory(task.id, now, 'RUNNING', task.attempt, o.workerId, null);
        return { task, attempt: task.attempt, workerId: o.workerId, expiresAt: task.leaseExpiresAt ?? now };
      });
    }, false);
    // Moved back to the ready queue: more than this claim may have taken.
    if (moved > 0) this.notifyReady();
    return leases;
  }

  /**
   * Tasks whose backoff has ended go back to the ready queue (END_BACKOFFS), in the write
   * transaction of the claim about to read it: once a backoff this store knows of has ended,
   * and at least every END_BACKOFFS_EVERY_MS whatever it knows (another process on this file).
   * The reaper runs it too (`force`). Returns how many it moved.
   */
  private endBackoffs(now: number, force = false): number {
    if (!force && now < this.backoffEndsAt && now - this.backoffsEndedAt < END_BACKOFFS_EVERY_MS) return 0;
    this.backoffsEndedAt = now;
    this.backoffEndsAt = Infinity;
    const moved = Number(this.stmt(SQL.END_BACKOFFS).run(now, END_BACKOFFS_MAX).changes);
    // More may have ended than one statement moves: again at the next claim.
    if (moved >= END_BACKOFFS_MAX) this.backoffEndsAt = now;
    return moved;
  }

  /**
   * A claim under a per-user running limit: count RUNNING tasks per user (few: at most the
   * workers' slots), read ready tasks in claim order skipping users already at the limit, and
   * lease those that keep every user within it. Runs inside the claim's write transaction.
   */
  private claimWithinUserLimits(o: ClaimOptions, now: number): Row[] {
    const max = o.maxRunningPerUser ?? 0;
    const running = new Map<string, number>();
    for (const r of this.stmt(SQL.RUNNING_BY_USER).all() as Row[]) running.set(String(r.u), Number(r.n));
    const full = [...running].filter(([, n]) => n >= max).map(([u]) => u);
    const queues = o.queues ? new Set(o.queues) : null;
    const picked: number[] = [];
    // Read a few times the limit: one user's run of tasks may fill its quota early.
    for (const c of this.stmt(SQL.READY_CANDIDATES).all(now, o.limit * 4 + 16, JSON.stringify(full)) as Row[]) {
      if (picked.length >= o.limit) break;
      if (queues && !queues.has(String(c.queue))) continue;
      const u = c.user_id === null ? '' : String(c.user_id);
      const n = running.get(u) ?? 0;
      if (n >= max) continue;
      running.set(u, n + 1);
      picked.push(Number(c.seq));
    }
    return picked.length === 0 ? [] : (this.stmt(SQL.CLAIM_SEQS).all(o.workerId, now, JSON.stringify(picked)) as Row[]);
  }

  private countUser(userId: string, status: 'PENDING' | 'RUNNING', max: number): number {
    return Number((this.stmt(status === 'PENDING' ? SQL.COUNT_USER_PENDING : SQL.COUNT_USER_RUNNING).get(userId, max) as Row).n);
  }

  private runningOfNobody(): number {
    return Number((this.stmt(`SELECT count(*) AS n FROM tasks WHERE status = 'RUNNING' AND user_id IS NULL`).get() as Row).n);
  }

  async userLoad(userId: string, max: number): Promise<{ pending: number; running: number }> {
    return { pending: this.countUser(userId, 'PENDING', max), running: this.countUser(userId, 'RUNNING', max) };
  }

  async createKey(k: NewApiKey): Promise<ApiKey> {
    return this.writes.run(() => {
      const row = this.stmt(
        `INSERT INTO api_keys (id, hash, prefix, user_id, scope, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(k.id, k.hash, k.prefix, k.userId, k.scope, k.name, this.clock.now()) as Row;
      return keyFromRow(row);
    });
  }

  async keyByHash(hash: string): Promise<ApiKey | null> {
    const row = this.stmt('SELECT * FROM api_keys WHERE hash = ?').get(hash) as Row | undefined;
    return row ? keyFromRow(row) : null;
  }

  async listKeys(f: { userId?: string }): Promise<ApiKey[]> {
    const rows = (f.userId
      ? this.stmt('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at, id').all(f.userId)
      : this.stmt('SELECT * FROM api_keys ORDER BY created_at, id').all()) as Row[];
    return rows.map(keyFromRow);
  }

  async revokeKey(id: string): Promise<ApiKey | null> {
    const key = await this.writes.run(() => {
      const row = this.stmt('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING *').get(this.clock.now(), id) as Row | undefined;
      return row ? keyFromRow(row) : null;
    });
    if (key) this.wake.emit('keys');
    return key;
  }

  now(): number {
    return this.clock.now();
  }

  subscribeKeys(listener: () => void): () => void {
    this.wake.on('keys', listener);
    return () => this.wake.off('keys', listener);
  }

  async touchKey(id: string, at: number): Promise<void> {
    await this.writes.run(() => void this.stmt('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, id), false);
  }

  async putSecret(userId: string, name: string, ciphertext: string): Promise<{ secret: SecretRecord; created: boolean }> {
    return this.writes.run(() => {
      const now = this.clock.now();
      const existed = this.stmt('SELECT 1 FROM secrets WHERE user_id = ? AND name = ?').get(userId, name) !== undefined;
      const row = this.stmt(
        `INSERT INTO secrets (user_id, name, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at RETURNING *`,
      ).get(userId, name, ciphertext, now, now) as Row;
      return { secret: secretFromRow(row), created: !existed };
    });
  }

  async secretsOf(userId: string, names?: string[]): Promise<SecretRecord[]> {
    const rows = (names
      ? this.stmt('SELECT * FROM secrets WHERE user_id = ? AND name IN (SELECT value FROM json_each(?)) ORDER BY name').all(userId, JSON.stringify(names))
      : this.stmt('SELECT * FROM secrets WHERE user_id = ? ORDER BY name').all(userId)) as Row[];
    return rows.map(secretFromRow);
  }

  async deleteSecret(userId: string, name: string): Promise<boolean> {
    return this.writes.run(() => Number(this.stmt('DELETE FROM secrets WHERE user_id = ? AND name = ?').run(userId, name).changes) > 0);
  }

  async appendAudit(entries: NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.writes.run(() => this.insertAudit(entries), false);
  }

  /** Inside a write. */
  private insertAudit(entries: NewAuditEntry[]): void {
    const ins = this.stmt('INSERT INTO audit_log (at, actor, key_id, action, target, source, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const e of entries) ins.run(e.at, e.actor, e.keyId, e.action, e.target, e.source, e.outcome, e.detail ? JSON.stringify(e.detail) : null);
  }

  async queryAudit(f: AuditFilter): Promise<Page<AuditEntry>> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (f.actor) (where.push('actor = ?'), params.push(f.actor));
    if (f.action) (where.push('action = ?'), params.push(f.action));
    if (f.target) (where.push('target = ?'), params.push(f.target));
    if (f.since !== undefined) (where.push('at >= ?'), params.push(f.since));
    if (f.until !== undefined) (where.push('at < ?'), params.push(f.until));
    if (f.after) (where.push('id < ?'), params.push(decodeCursor(f.after)));
    const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.stmt(sql).all(...params, f.limit + 1) as Row[];
    const more = rows.length > f.limit;
    const page = rows.slice(0, f.limit);
    return { items: page.map(auditFromRow), nextCursor: more ? encodeCursor(Number(page[page.length - 1].id)) : null };
  }

  async purgeAudit(olderThan: number, limit: number): Promise<number> {
    return this.writes.run(() =>
      Number(this.stmt('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)').run(olderThan, limit).changes),
    );
  }

  async heartbeat(workerId: string, attempts: AttemptRef[], straysBefore?: number): Promise<HeartbeatResult> {
    return this.writes.run(() => {
      const now = this.clock.now();
      this.stmt('UPDATE workers SET last_seen = ? WHERE id = ?').run(now, workerId);
      const out: HeartbeatResult = { held: [], lost: [], strays: [] };
      for (const a of attempts) {
        const r = this.stmt(SQL.EXTEND_LEASE).get(now, a.taskId, a.attempt, workerId) as Row | undefined;
        if (r) out.held.push({ ...a, cancelRequested: Number(r.cancel_requested) === 1 });
        else out.lost.push(a);
      }
      if (straysBefore !== undefined) {
        const listed = new Set(attempts.map((a) => `${a.taskId}:${a.attempt}`));
        for (const r of this.stmt(SQL.LEASES_OF_WORKER).all(workerId, straysBefore) as Row[]) {
          const a = { taskId: String(r.id), attempt: Number(r.attempt) };
          if (!listed.has(`${a.taskId}:${a.attempt}`)) out.strays.push(a);
        }
      }
      return out;
    }, false);
  }

  async finish(ref: AttemptRef, outcome: Outcome): Promise<Finished | null> {
    const done = await this.writes.run(() => {
      const now = this.clock.now();
      if (outcome.status !== 'FAILED') return this.finishFinal(ref, outcome, now);
      const row = this.stmt(SQL.SELECT_RUNNING_ATTEMPT).get(ref.taskId, ref.attempt) as Row | undefined;
      if (!row) return null;
      const cur = taskFromRow(row);
      const end = decideFinish(cur, outcome, now, this.retry, this.random);
      const after = this.endAttempt(cur, end, now, outcome.failure, outcome);
      if (outcome.audit) this.insertAudit([executionAuditEntry(ref.taskId, outcome.audit, after.status)]);
      const finished: Finished = {
        status: after.status, attempt: after.attempt, runAfter: end.final ? null : after.runAfter,
        deadLettered: after.deadLettered, completedAt: after.completedAt,
      };
      return { finished, lane: cur.lane };
    }, false);
    if (!done) return null;
    if (wakesWorkers(done.lane, done.finished.status)) this.notifyReady();
    // Its followers see the attempt's end at once, not at their next poll.
    this.wake.emit('output', ref.taskId);
    return done.finished;
  }

  /** Success, timeout and cancel end the task whatever its row says: one fenced UPDATE. */
  private finishFinal(ref: AttemptRef, outcome: Outcome, now: number): { finished: Finished; lane: string | null } | null {
    const end = decideFinish({ attempt: ref.attempt, attemptLimit: ref.attempt, cancelRequested: false }, outcome, now, this.retry, this.random);
    const row = this.stmt(SQL.FINISH_FENCED).get(
      end.status,
      now,
      end.deadLettered ? 1 : 0,
      outcome.summary ? JSON.stringify(outcome.summary) : null,
      outcome.failure ? JSON.stringify(outcome.failure) : null,
      outcome.resultKey,
      outcome.stdoutKey,
      outcome.stderrKey,
      ref.taskId,
      ref.attempt,
      outcome.resultJson,
    ) as Row | undefined;
    if (!row) return null;
    this.addHistory(ref.taskId, now, end.status, ref.attempt, strOrNull(row.worker_id), end.reason);
    if (outcome.audit) this.insertAudit([executionAuditEntry(ref.taskId, outcome.audit, end.status)]);
    const finished: Finished = { status: end.status, attempt: ref.attempt, runAfter: null, deadLettered: end.deadLettered, completedAt: now };
    return { finished, lane: strOrNull(row.lane) };
  }

  private endAttempt(
    cur: Task,
    end: AttemptEnd,
    now: number,
    failure: TaskFailure | null,
    outcome: Pick<Outcome, 'summary' | 'resultJson' | 'resultKey' | 'stdoutKey' | 'stderrKey'> | null,
  ): Task {
    const row = this.stmt(SQL.END_ATTEMPT).get(
      end.status,
      end.final ? now : null,
      end.runAfter ?? cur.runAfter,
      end.deadLettered ? 1 : 0,
      outcome?.summary ? JSON.stringify(outcome.summary) : cur.summary ? JSON.stringify(cur.summary) : null,
      failure ? JSON.stringify(failure) : null,
      outcome ? outcome.resultJson : cur.resultJson,
      outcome ? outcome.resultKey : cur.resultKey,
      outcome ? outcome.stdoutKey : cur.stdoutKey,
      outcome ? outcome.stderrKey : cur.stderrKey,
      cur.id,
      now,
    ) as Row;
    this.addHistory(cur.id, now, end.status, cur.attempt, cur.workerId, end.reason);
    const after = taskFromRow(row);
    if (after.status === 'PENDING' && after.runAfter > now) this.backoffEndsAt = Math.min(this.backoffEndsAt, after.runAfter);
    return after;
  }

  async release(ref: AttemptRef): Promise<boolean> {
    const ok = await this.writes.run(() => {
      const row = this.stmt(SQL.SELECT_RUNNING_ATTEMPT).get(ref.taskId, ref.attempt) as Row | undefined;
      if (!row) return false;
      const now = this.clock.now();
      // The attempt number stays (fencing needs it monotonic); the budget grows back by one.
      this.stmt(
        `UPDATE tasks SET status = 'PENDING', worker_id = NULL, lease_expires_at = NULL, run_after = ?, in_backoff = 0,
           attempt_limit = attempt_limit + 1 WHERE id = ?`,
      ).run(now, ref.taskId);
      this.addHistory(ref.taskId, now, 'PENDING', ref.attempt, String(row.worker_id), 'released by worker');
      return true;
    }, false);
    if (ok) this.notifyReady();
    return ok;
  }

  async cancel(id: string): Promise<CancelResult | null> {
    const result = await this.writes.run(() => {
      const row = this.stmt(SQL.SELECT_TASK).get(id) as Row | undefined;
      if (!row) return null;
      const cur = taskFromRow(row);
      const now = this.clock.now();
      switch (cur.status) {
        case 'PENDING': {
          const r = this.stmt(
            `UPDATE tasks SET status = 'CANCELLED', completed_at = ?, cancel_requested = 1, in_backoff = 0 WHERE id = ? RETURNING *`,
          ).get(now, id) as Row;
          this.addHistory(id, now, 'CANCELLED', cur.attempt, null, 'cancelled while pending');
          return { task: taskFromRow(r), effect: 'cancelled' as const };
        }
        case 'RUNNING': {
          if (!cur.cancelRequested) {
            this.stmt('UPDATE tasks SET cancel_requested = 1 WHERE id = ?').run(id);
            this.addHistory(id, now, 'RUNNING', cur.attempt, cur.workerId, 'cancel requested');
          }
          return { task: { ...cur, cancelRequested: true }, effect: 'requested' as const };
        }
        case 'SUCCESS':
        case 'FAILED':
        case 'TIMEOUT':
        case 'CANCELLED':
          return { task: cur, effect: 'already-final' as const };
        default: {
          const never: never = cur.status;
          throw new Error(`unknown status ${String(never)}`);
        }
      }
    });
    // A pending lane head cancelled: the next task of its lane may run now.
    if (result?.effect === 'cancelled' && wakesWorkers(result.task.lane, result.task.status)) this.notifyReady();
    return result;
  }

  async reap(workerStaleMs: number): Promise<ReapResult> {
    const ended: string[] = [];
    let moved = 0;
    const expired = await this.writes.run(() => {
      const now = this.clock.now();
      moved = this.endBackoffs(now, true);
      const rows = this.stmt(SQL.SELECT_EXPIRED).all(now, now - workerStaleMs) as Row[];
      ended.push(...rows.map((r) => String(r.id)));
      for (const r of rows) {
        const cur = taskFromRow(r);
        const failure = expiryFailure(cur, now);
        const after = this.endAttempt({ ...cur, runAfter: now }, decideExpiry(cur, failure, now), now, failure, null);
        this.insertAudit([lostAttemptAuditEntry(cur, failure, after.status, now)]);
      }
      this.stmt('DELETE FROM workers WHERE last_seen < ?').run(now - workerStaleMs);
      return rows.length;
    }, false);
    if (expired > 0 || moved > 0) this.notifyReady();
    // Their followers see the attempt's end at once, as after a worker's finish.
    for (const id of ended) this.wake.emit('output', id);
    return { expired };
  }

  async redrive(id: string): Promise<Task> {
    const task = await this.writes.run(() => {
      const row = this.stmt(SQL.SELECT_TASK).get(id) as Row | undefined;
      if (!row) throw new HangarError(ErrorCode.TaskNotFound, `task ${id} not found`, 404);
      const cur = taskFromRow(row);
      if (!cur.deadLettered) {
        throw new HangarError(ErrorCode.TaskNotDeadLettered, `task ${id} is not in the dead-letter queue`, 409);
      }
      const now = this.clock.now();
      const r = this.stmt(
        `UPDATE tasks SET status = 'PENDING', dead_lettered = 0, cancel_requested = 0, completed_at = NULL,
           worker_id = NULL, run_after = ?, in_backoff = 0, attempt_limit = attempt + max_attempts WHERE id = ? RETURNING *`,
      ).get(now, id) as Row;
      this.addHistory(id, now, 'PENDING', cur.attempt, null, 'redriven from the dead-letter queue');
      return taskFromRow(r);
    });
    this.notifyReady();
    return task;
  }

  async touchWorker(workerId: string, info: WorkerInfo): Promise<void> {
    await this.writes.run(() => {
      const now = this.clock.now();
      this.stmt(
        `INSERT INTO workers (id, host, pid, concurrency, started_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, concurrency = excluded.concurrency`,
      ).run(workerId, info.host, info.pid, info.concurrency, now, now);
    }, false);
  }

  async removeWorker(workerId: string): Promise<void> {
    await this.writes.run(() => this.stmt('DELETE FROM workers WHERE id = ?').run(workerId), false);
  }

  async liveWorkers(staleMs: number): Promise<WorkerRecord[]> {
    const rows = this.stmt('SELECT * FROM workers WHERE last_seen >= ? ORDER BY started_at').all(this.clock.now() - staleMs) as Row[];
    return rows.map(workerFromRow);
  }

  async purgeFairShare(): Promise<number> {
    return this.writes.run(() => Number(this.stmt('DELETE FROM fair_users WHERE last_rank <= (SELECT rank FROM fair_clock WHERE id = 1)').run().changes));
  }

  async workerLoads(): Promise<WorkerLoad[]> {
    const rows = this.stmt(`SELECT worker_id, count(*) AS n FROM tasks WHERE status = 'RUNNING' AND worker_id IS NOT NULL GROUP BY worker_id`).all() as Row[];
    return rows.map((r) => ({ workerId: String(r.worker_id), running: Number(r.n) }));
  }

  async recordScaling(e: NewScalingEvent): Promise<ScalingEvent> {
    return this.writes.run(() => {
      const r = this.stmt('INSERT INTO scaling_events (at, action, depth, current, desired, workers, reason, autoscaler) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        e.at, e.action, e.depth, e.current, e.desired, JSON.stringify(e.workers), e.reason, e.autoscaler,
      );
      return { ...e, id: Number(r.lastInsertRowid) };
    });
  }

  async scalingEvents(f: { since?: number; limit: number }): Promise<ScalingEvent[]> {
    const rows = this.stmt('SELECT * FROM scaling_events WHERE at >= ? ORDER BY id DESC LIMIT ?').all(f.since ?? 0, f.limit) as Row[];
    return rows.map(scalingFromRow);
  }

  async purgeScaling(olderThan: number, limit: number): Promise<number> {
    return this.writes.run(() =>
      Number(this.stmt('DELETE FROM scaling_events WHERE id IN (SELECT id FROM scaling_events WHERE at < ? ORDER BY at LIMIT ?)').run(olderThan, limit).changes),
    );
  }

  async outcomesSince(since: number): Promise<Record<'SUCCESS' | 'FAILED' | 'TIMEOUT' | 'CANCELLED', number>> {
    const out = { SUCCESS: 0, FAILED: 0, TIMEOUT: 0, CANCELLED: 0 };
    for (const r of this.stmt('SELECT status, count(*) AS n FROM tasks WHERE completed_at >= ? GROUP BY status').all(since) as Row[]) {
      if (String(r.status) in out) out[String(r.status) as keyof typeof out] = Number(r.n);
    }
    return out;
  }

  async deadLetterCount(userId?: string): Promise<number> {
    if (userId !== undefined) return Number((this.stmt('SELECT count(*) AS n FROM tasks WHERE dead_lettered = 1 AND user_id = ?').get(userId) as Row).n);
    return Number((this.stmt('SELECT count(*) AS n FROM tasks WHERE dead_lettered = 1').get() as Row).n);
  }

  async timeline(since: number, bucketMs: number, userId?: string): Promise<TimelineBucket[]> {
    const rows = this.stmt(
      `SELECT (completed_at / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS at, count(*) AS finished, sum(status IN ('FAILED', 'TIMEOUT')) AS failed,
              avg(started_at - created_at) AS wait, avg(completed_at - started_at) AS run
       FROM tasks WHERE completed_at >= ? ${userId !== undefined ? 'AND user_id = ?' : ''} GROUP BY 1 ORDER BY 1`,
    ).all(bucketMs, bucketMs, since, ...(userId !== undefined ? [userId] : [])) as Row[];
    return rows.map(timelineFromRow);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.writes.run(() => {
      const now = this.clock.now();
      const r = this.stmt(
        `INSERT INTO leader_leases (name, holder, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leader_leases.holder = excluded.holder OR leader_leases.expires_at < ?`,
      ).run(name, holder, now + ttlMs, now);
      return Number(r.changes) === 1;
    });
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.writes.run(() => void this.stmt('DELETE FROM leader_leases WHERE name = ? AND holder = ?').run(name, holder));
  }

  async alertStates(): Promise<AlertState[]> {
    return (this.stmt('SELECT * FROM alert_state ORDER BY name').all() as Row[]).map(alertFromRow);
  }

  async transitionAlert(from: AlertState['state'] | null, s: AlertState): Promise<boolean> {
    return this.writes.run(() => {
      const r = from === null
        ? this.stmt('INSERT INTO alert_state (name, state, since, value, message) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING').run(s.name, s.state, s.since, s.value, s.message)
        : this.stmt('UPDATE alert_state SET state = ?, since = ?, value = ?, message = ? WHERE name = ? AND state = ?').run(s.state, s.since, s.value, s.message, s.name, from);
      return Number(r.changes) === 1;
    });
  }

  async queueDepths(userId?: string): Promise<QueueDepth[]> {
    const rows = this.stmt(
      `SELECT queue, priority, sum(status = 'PENDING') AS pending, sum(status = 'RUNNING') AS running
       FROM tasks WHERE status IN ('PENDING', 'RUNNING') ${userId !== undefined ? 'AND user_id = ?' : ''} GROUP BY queue, priority ORDER BY queue, priority DESC`,
    ).all(...(userId !== undefined ? [userId] : [])) as Row[];
    return rows.map(depthFromRow);
  }

  async counts(userId?: string): Promise<StatusCounts> {
    const out: StatusCounts = { PENDING: 0, RUNNING: 0, SUCCESS: 0, FAILED: 0, TIMEOUT: 0, CANCELLED: 0, deadLettered: 0 };
    const rows = userId !== undefined
      ? this.stmt('SELECT status, count(*) AS n FROM tasks WHERE user_id = ? GROUP BY status').all(userId)
      : this.stmt('SELECT status, count(*) AS n FROM tasks GROUP BY status').all();
    for (const r of rows as Row[]) out[String(r.status) as TaskStatus] = Number(r.n);
    out.deadLettered = await this.deadLetterCount(userId);
    return out;
  }

  async activeCounts(): Promise<{ pending: number; running: number }> {
    const p = this.stmt(
      `SELECT (SELECT count(*) FROM tasks INDEXED BY tasks_ready WHERE status = 'PENDING' AND in_backoff = 0)
        + (SELECT count(*) FROM tasks INDEXED BY tasks_backoff WHERE status = 'PENDING' AND in_backoff = 1) AS n`,
    ).get() as Row;
    const r = this.stmt(`SELECT count(*) AS n FROM tasks INDEXED BY tasks_leased WHERE status = 'RUNNING'`).get() as Row;
    return { pending: Number(p.n), running: Number(r.n) };
  }

  async positionOf(task: Task, max: number): Promise<number> {
    const r = this.stmt('SELECT seq, fair_rank, eff_priority FROM tasks WHERE id = ?').get(task.id) as Row | undefined;
    if (!r) return 0;
    return Number((this.stmt(SQL.COUNT_AHEAD).get(Number(r.eff_priority), Number(r.seq), max, Number(r.fair_rank)) as Row).n);
  }

  async age(stepMs: number): Promise<number> {
    if (stepMs <= 0) return 0;
    return this.writes.run(() => Number(this.stmt(SQL.AGE_PRIORITIES).run(this.clock.now(), stepMs).changes), false);
  }

  async finishedSince(windowMs: number, sample: number): Promise<FinishedSince> {
    // Bounded by `sample`: an unbounded count over five minutes at 1,000 tasks/s scanned 300,000
    // index entries on the event loop once a second.
    const now = this.clock.now();
    const rows = this.stmt(
      `SELECT NULL AS command, count(*) AS n, min(completed_at) AS oldest, avg(completed_at - started_at) AS avg FROM (
         SELECT completed_at, started_at FROM tasks INDEXED BY tasks_completed
         WHERE completed_at >= ? ORDER BY completed_at DESC LIMIT ?)
       UNION ALL
       SELECT * FROM (SELECT command, count(*) AS n, min(completed_at) AS oldest, avg(completed_at - started_at) AS avg FROM (
           SELECT command, completed_at, started_at FROM tasks INDEXED BY tasks_completed
           WHERE completed_at >= ? ORDER BY completed_at DESC LIMIT ?)
         GROUP BY command ORDER BY n DESC LIMIT ?)`,
    ).all(now - windowMs, sample, now - windowMs, Math.min(sample, KIND_SAMPLE), RECENT_KINDS) as Row[];
    return finishedSinceFrom(rows, now, windowMs, sample);
  }

  async nextRunAfter(): Promise<number | null> {
    const r = this.stmt(`SELECT min(run_after) AS t FROM tasks INDEXED BY tasks_backoff WHERE status = 'PENDING' AND in_backoff = 1`).get() as Row;
    const t = r.t === null ? null : Number(r.t);
    this.backoffEndsAt = Math.min(this.backoffEndsAt, t ?? Infinity);
    return t;
  }

  async purgeFinished(olderThan: number, limit: number): Promise<string[]> {
    return this.writes.run(() => {
      const rows = this.stmt(
        `SELECT id FROM tasks WHERE completed_at < ? AND status IN ('SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED') LIMIT ?`,
      ).all(olderThan, limit) as Row[];
      const ids = rows.map((r) => String(r.id));
      for (const id of ids) {
        this.stmt('DELETE FROM task_history WHERE task_id = ?').run(id);
        this.stmt('DELETE FROM task_output WHERE task_id = ?').run(id);
        this.stmt('DELETE FROM tasks WHERE id = ?').run(id);
      }
      return ids;
    });
  }

  async appendOutput(chunks: OutputChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    // Not fsynced before it resolves (as the audit log): a follower needs it now, and the whole
    // log reaches the blob store when the attempt ends.
    await this.writes.run(() => {
      const ins = this.stmt('INSERT OR IGNORE INTO task_output (task_id, attempt, seq, stream, data, at) VALUES (?, ?, ?, ?, ?, ?)');
      for (const c of chunks) ins.run(c.taskId, c.attempt, c.seq, c.stream, c.data, c.at);
    }, false);
    for (const id of new Set(chunks.map((c) => c.taskId))) this.wake.emit('output', id);
  }

  async readOutput(taskId: string, after: OutputCursor, limit: number): Promise<OutputChunk[]> {
    const rows = this.stmt(
      'SELECT * FROM task_output WHERE task_id = ? AND (attempt > ? OR (attempt = ? AND seq > ?)) ORDER BY attempt, seq LIMIT ?',
    ).all(taskId, after.attempt, after.attempt, after.seq, limit) as Row[];
    return rows.map(outputFromRow);
  }

  subscribeOutput(listener: (taskId: string) => void): () => void {
    this.wake.on('output', listener);
    return () => this.wake.off('output', listener);
  }

  async createProject(p: NewProject): Promise<Project> {
    return this.writes.run(() => projectFromRow(
      this.stmt('INSERT INTO projects (id, user_id, name, created_at) VALUES (?, ?, ?, ?) RETURNING *').get(p.id, p.userId, p.name, this.clock.now()) as Row,
    ));
  }

  async getProject(id: string): Promise<Project | null> {
    const r = this.stmt('SELECT * FROM projects WHERE id = ?').get(id) as Row | undefined;
    return r ? projectFromRow(r) : null;
  }

  async listProjects(f: { userId?: string }): Promise<Project[]> {
    const rows = (f.userId === undefined
      ? this.stmt('SELECT * FROM projects ORDER BY created_at, id').all()
      : this.stmt('SELECT * FROM projects WHERE user_id = ? ORDER BY created_at, id').all(f.userId)) as Row[];
    return rows.map(projectFromRow);
  }

  async addProjectVersion(v: ProjectVersion): Promise<boolean> {
    return this.writes.run(() => {
      const moved = this.stmt('UPDATE projects SET latest_version = ? WHERE id = ? AND latest_version = ?').run(v.version, v.projectId, v.version - 1).changes;
      if (Number(moved) !== 1) return false;
      this.stmt(
        'INSERT INTO project_versions (project_id, version, created_at, base_version, task_id, blob_key, files, bytes, conflicts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(v.projectId, v.version, v.createdAt, v.baseVersion, v.taskId, v.blobKey, v.files, v.bytes, JSON.stringify(v.conflicts));
      return true;
    });
  }

  async projectVersions(projectId: string): Promise<ProjectVersion[]> {
    return (this.stmt('SELECT * FROM project_versions WHERE project_id = ? ORDER BY version DESC').all(projectId) as Row[]).map(projectVersionFromRow);
  }

  async projectVersion(projectId: string, version: number): Promise<ProjectVersion | null> {
    const r = this.stmt('SELECT * FROM project_versions WHERE project_id = ? AND version = ?').get(projectId, version) as Row | undefined;
    return r ? projectVersionFromRow(r) : null;
  }

  async close(): Promise<void> {
    await this.writes.close();
    await this.wal?.close();
    this.wake.removeAllListeners();
    this.db.close();
  }
}
