/** The express starts port on PostgreSQL (ports/express-starts.ts). */
import { byStart, expressStartFromRow } from '../express-start-row.ts';
import type { ExpressStart, ExpressStarts } from '../ports/express-starts.ts';
import type { Db } from './db.ts';

/** id, user_id, state_machine_name, name, definition, role_arn, input, started_at, lease_owner, lease_until. */
const INSERT = `INSERT INTO express_starts (id, user_id, state_machine_name, name, definition, role_arn, input, started_at, runs, lease_owner, lease_until)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)`;
const DELETE = `DELETE FROM express_starts WHERE id = $1`;
/** owner, now, lease_until, limit: lapsed leases, oldest start first; two runners claiming at
 *  once take different rows. */
const CLAIM = `WITH picked AS (
  SELECT id FROM express_starts WHERE lease_until < $2 ORDER BY lease_until, started_at LIMIT $4 FOR UPDATE SKIP LOCKED)
UPDATE express_starts s SET lease_owner = $1, lease_until = $3, runs = s.runs + 1 FROM picked WHERE s.id = picked.id RETURNING s.*`;
/** until, owner. */
const RENEW = `UPDATE express_starts SET lease_until = $1 WHERE lease_owner = $2`;
/** owner. */
const RELEASE = `UPDATE express_starts SET lease_until = 0 WHERE lease_owner = $1`;

export class PgExpressStarts implements ExpressStarts {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async addExpressStart(s: Omit<ExpressStart, 'runs'>, owner: string, leaseUntil: number): Promise<void> {
    await this.db.query(INSERT, [
      s.id,
      s.userId,
      s.stateMachineName,
      s.name,
      s.definition,
      s.roleArn,
      s.input,
      s.startedAt,
      owner,
      leaseUntil,
    ]);
  }

  async endExpressStart(id: string): Promise<void> {
    await this.db.query(DELETE, [id]);
  }

  async claimExpressStarts(owner: string, now: number, leaseMs: number, limit: number): Promise<ExpressStart[]> {
    if (limit <= 0) return [];
    return byStart((await this.db.rows(CLAIM, [owner, now, now + leaseMs, limit])).map(expressStartFromRow));
  }

  async renewExpressStarts(owner: string, until: number): Promise<number> {
    return (await this.db.query(RENEW, [until, owner])).rowCount ?? 0;
  }

  async releaseExpressStarts(owner: string): Promise<number> {
    return (await this.db.query(RELEASE, [owner])).rowCount ?? 0;
  }
}
