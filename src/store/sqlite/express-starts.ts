/** The express starts port on SQLite (ports/express-starts.ts). */
import { byStart, expressStartFromRow } from '../express-start-row.ts';
import type { ExpressStart, ExpressStarts } from '../ports/express-starts.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** id, user_id, state_machine_name, name, definition, role_arn, input, started_at, lease_owner, lease_until. */
const INSERT = `INSERT INTO express_starts (id, user_id, state_machine_name, name, definition, role_arn, input, started_at, runs, lease_owner, lease_until)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`;
const DELETE = `DELETE FROM express_starts WHERE id = ?`;
/** now, limit, owner, lease_until: lapsed leases, oldest start first. */
const CLAIM = `UPDATE express_starts SET lease_owner = ?3, lease_until = ?4, runs = runs + 1
  WHERE id IN (SELECT id FROM express_starts WHERE lease_until < ?1 ORDER BY lease_until, started_at LIMIT ?2)
  RETURNING *`;
/** until, owner. */
const RENEW = `UPDATE express_starts SET lease_until = ? WHERE lease_owner = ?`;
/** owner. */
const RELEASE = `UPDATE express_starts SET lease_until = 0 WHERE lease_owner = ?`;

export class SqliteExpressStarts implements ExpressStarts {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async addExpressStart(s: Omit<ExpressStart, 'runs'>, owner: string, leaseUntil: number): Promise<void> {
    // Durable: the caller is told the execution started once this is on disk.
    await this.ctx.writes.run(() => {
      this.ctx
        .stmt(INSERT)
        .run(s.id, s.userId, s.stateMachineName, s.name, s.definition, s.roleArn, s.input, s.startedAt, owner, leaseUntil);
    });
  }

  async endExpressStart(id: string): Promise<void> {
    // Volatile: an end lost with the machine's power runs the execution again (at least once).
    await this.ctx.writes.run(() => void this.ctx.stmt(DELETE).run(id), false);
  }

  async claimExpressStarts(owner: string, now: number, leaseMs: number, limit: number): Promise<ExpressStart[]> {
    if (limit <= 0) return [];
    // Volatile, as the executions' claims are: a claim lost is made again.
    const rows = await this.ctx.writes.run(() => this.ctx.stmt(CLAIM).all(now, limit, owner, now + leaseMs) as Row[], false);
    return byStart(rows.map(expressStartFromRow));
  }

  async renewExpressStarts(owner: string, until: number): Promise<number> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(RENEW).run(until, owner).changes), false);
  }

  async releaseExpressStarts(owner: string): Promise<number> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(RELEASE).run(owner).changes), false);
  }
}
