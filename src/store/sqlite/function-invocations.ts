/**
 * The function invocations port on SQLite. A batch of records is one write of the write batch
 * (write-batch.ts); INSERT OR IGNORE makes a retried batch harmless. Records are an operator's
 * view, as audit entries: a volatile write (committed, fsynced with the next durable write),
 * so a busy function does not add a WAL fsync on libuv's thread pool every batch, which the
 * invocations' own file work queues behind.
 */
import { type InvocationRecord, type Page, pageOf, rowsForPage, encodeInvocationCursor } from '../../core/index.ts';
import {
  INVOCATION_COLUMN_COUNT,
  INVOCATION_COLUMNS,
  invocationCursor,
  invocationFromRow,
  invocationNotices,
  invocationValues,
} from '../invocation-row.ts';
import type { FunctionInvocations, InvocationFilter, InvocationNotice } from '../ports/function-invocations.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** The columns of INVOCATION_COLUMNS. */
const INSERT = `INSERT OR IGNORE INTO function_invocations (${INVOCATION_COLUMNS}) VALUES (${Array(INVOCATION_COLUMN_COUNT).fill('?').join(', ')})`;

/** user_id, function_name, request_id (null: any), since, cursor's ended_at and request_id, limit. */
const LIST = `SELECT * FROM function_invocations
  WHERE user_id = ?1 AND function_name = ?2 AND (?3 IS NULL OR request_id = ?3) AND ended_at >= ?4
    AND (ended_at, request_id) < (?5, ?6)
  ORDER BY ended_at DESC, request_id DESC LIMIT ?7`;

/** before, limit: the oldest records first. */
const PURGE = `DELETE FROM function_invocations WHERE rowid IN
  (SELECT rowid FROM function_invocations WHERE ended_at < ? ORDER BY ended_at LIMIT ?) RETURNING log_key`;

export class SqliteFunctionInvocations implements FunctionInvocations {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async recordInvocations(records: InvocationRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.ctx.writes.run(() => {
      for (const r of records) this.ctx.stmt(INSERT).run(...invocationValues(r));
    }, false);
    // Committed: followers in this process read it now (no notice leaves it: crossProcessWakeups).
    for (const n of invocationNotices(records)) this.ctx.wake.emit('invocations', n);
  }

  subscribeInvocations(listener: (n: InvocationNotice) => void): () => void {
    this.ctx.wake.on('invocations', listener);
    return () => this.ctx.wake.off('invocations', listener);
  }

  async listInvocations(f: InvocationFilter): Promise<Page<InvocationRecord>> {
    const c = invocationCursor(f.after);
    const rows = this.ctx
      .stmt(LIST)
      .all(f.userId, f.functionName, f.requestId ?? null, f.since ?? 0, c.endedAt, c.requestId, rowsForPage(f.limit)) as Row[];
    return pageOf(rows, f.limit, invocationFromRow, (last) => encodeInvocationCursor(invocationFromRow(last)));
  }

  async purgeInvocations(before: number, limit: number): Promise<{ removed: number; logKeys: string[] }> {
    const rows = await this.ctx.writes.run(() => this.ctx.stmt(PURGE).all(before, limit) as Row[]);
    return { removed: rows.length, logKeys: rows.flatMap((r) => (r.log_key ? [String(r.log_key)] : [])) };
  }
}
