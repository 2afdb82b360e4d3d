/**
 * The function invocations port on PostgreSQL. A batch of records is one multi-row INSERT; ON
 * CONFLICT DO NOTHING makes a retried batch harmless.
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
import type { Db } from './db.ts';
import type { Notifier } from './notifier.ts';

const COLUMNS = INVOCATION_COLUMN_COUNT;
/** Records per INSERT: 17 parameters each, well under PostgreSQL's 65,535. */
const PER_INSERT = 500;

/** n rows of the columns of INVOCATION_COLUMNS. */
const insertOf = (n: number): string =>
  `INSERT INTO function_invocations (${INVOCATION_COLUMNS}) VALUES ${Array.from(
    { length: n },
    (_, i) => `(${Array.from({ length: COLUMNS }, (_, j) => `$${i * COLUMNS + j + 1}`).join(', ')})`,
  ).join(', ')} ON CONFLICT (user_id, request_id) DO NOTHING`;

/** user_id, function_name, request_id (null: any), since, cursor's ended_at and request_id, limit. */
const LIST = `SELECT * FROM function_invocations
  WHERE user_id = $1 AND function_name = $2 AND ($3::text IS NULL OR request_id = $3) AND ended_at >= $4
    AND (ended_at, request_id) < ($5::bigint, $6::text)
  ORDER BY ended_at DESC, request_id DESC LIMIT $7`;

/** before, limit: the oldest records first. */
const PURGE = `DELETE FROM function_invocations WHERE (user_id, request_id) IN
  (SELECT user_id, request_id FROM function_invocations WHERE ended_at < $1 ORDER BY ended_at LIMIT $2) RETURNING log_key`;

export class PgFunctionInvocations implements FunctionInvocations {
  private readonly db: Db;
  private readonly notifier: Notifier;

  constructor(db: Db, notifier: Notifier) {
    this.db = db;
    this.notifier = notifier;
  }

  async recordInvocations(records: InvocationRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += PER_INSERT) {
      const batch = records.slice(i, i + PER_INSERT);
      await this.db.query(insertOf(batch.length), batch.flatMap(invocationValues));
      // Each INSERT commits on its own: its followers may read it now.
      this.notifier.invocationsNow(invocationNotices(batch));
    }
  }

  subscribeInvocations(listener: (n: InvocationNotice) => void): () => void {
    return this.notifier.subscribeInvocations(listener);
  }

  async listInvocations(f: InvocationFilter): Promise<Page<InvocationRecord>> {
    const c = invocationCursor(f.after);
    const rows = await this.db.rows(LIST, [
      f.userId,
      f.functionName,
      f.requestId ?? null,
      f.since ?? 0,
      c.endedAt,
      c.requestId,
      rowsForPage(f.limit),
    ]);
    return pageOf(rows, f.limit, invocationFromRow, (last) => encodeInvocationCursor(invocationFromRow(last)));
  }

  async purgeInvocations(before: number, limit: number): Promise<{ removed: number; logKeys: string[] }> {
    const rows = await this.db.rows(PURGE, [before, limit]);
    return { removed: rows.length, logKeys: rows.flatMap((r) => (r.log_key ? [String(r.log_key)] : [])) };
  }
}
