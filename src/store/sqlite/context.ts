/**
 * What the SQLite store's collaborators share: the one connection and its statement cache, the
 * write batch every write goes through, the injected clock and randomness, the in-process
 * wake-ups, the local takers (direct dispatch) and what the store knows of backoffs.
 */
import { EventEmitter } from 'node:events';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { BackoffWatch } from '../../core/backoff-ends.ts';
import type { Clock, LocalTaker, RetryPolicy, TaskStatus } from '../../core/index.ts';
import type { WriteBatch } from './write-batch.ts';

/** task_id, at, status, attempt, worker_id, reason */
const INSERT_HISTORY = `INSERT INTO task_history (task_id, at, status, attempt, worker_id, reason) VALUES (?, ?, ?, ?, ?, ?)`;

export class SqliteContext {
  readonly db: DatabaseSync;
  readonly writes: WriteBatch;
  readonly clock: Clock;
  readonly random: () => number;
  readonly retry: RetryPolicy;
  /** Events: 'ready' (tasks may have become ready; listeners are the local dispatchers),
   *  'output' (a task's output or end, or `lane:<name>`), 'keys' (a key was revoked). */
  readonly wake = new EventEmitter();
  readonly takers: LocalTaker[] = [];
  /** When END_BACKOFFS runs: see backoffs.ts. */
  readonly backoffs = new BackoffWatch();
  private readonly stmts = new Map<string, StatementSync>();

  constructor(db: DatabaseSync, writes: WriteBatch, clock: Clock, random: () => number, retry: RetryPolicy) {
    this.db = db;
    this.writes = writes;
    this.clock = clock;
    this.random = random;
    this.retry = retry;
    this.wake.setMaxListeners(0);
  }

  stmt(sql: string): StatementSync {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  notifyReady(): void {
    this.wake.emit('ready');
  }

  /** Inside a write. */
  addHistory(taskId: string, at: number, status: TaskStatus, attempt: number, workerId: string | null, reason: string | null): void {
    this.stmt(INSERT_HISTORY).run(taskId, at, status, attempt, workerId, reason);
  }
}
