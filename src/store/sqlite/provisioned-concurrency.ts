/** The provisioned concurrency port on SQLite (ports/provisioned-concurrency.ts). */
import { functionErrors, type ProvisionedConfig } from '../../core/index.ts';
import type { ProvisionedConcurrency } from '../ports/provisioned-concurrency.ts';
import { provisionedFromRow } from '../provisioned-row.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

const FUNCTION_EXISTS = `SELECT 1 FROM functions WHERE user_id = ? AND name = ?`;
const UPSERT = `INSERT INTO function_provisioned_concurrency (user_id, function_name, qualifier, requested, updated_at)
  VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (user_id, function_name, qualifier) DO UPDATE SET requested = excluded.requested, updated_at = excluded.updated_at
  RETURNING *`;
const SELECT_ONE = `SELECT * FROM function_provisioned_concurrency WHERE user_id = ? AND function_name = ? AND qualifier = ?`;
const DELETE_ONE = `DELETE FROM function_provisioned_concurrency WHERE user_id = ? AND function_name = ? AND qualifier = ?`;
const SELECT_FUNCTION = `SELECT * FROM function_provisioned_concurrency WHERE user_id = ? AND function_name = ? ORDER BY qualifier`;
const SELECT_ALL = `SELECT * FROM function_provisioned_concurrency ORDER BY user_id, function_name, qualifier`;

export class SqliteProvisionedConcurrency implements ProvisionedConcurrency {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async putProvisioned(userId: string, functionName: string, qualifier: string, requested: number): Promise<ProvisionedConfig> {
    const row = await this.ctx.writes.run(() => {
      if (!this.ctx.stmt(FUNCTION_EXISTS).get(userId, functionName)) throw functionErrors.notFound(functionName);
      return this.ctx.stmt(UPSERT).get(userId, functionName, qualifier, requested, this.ctx.clock.now()) as Row;
    });
    return provisionedFromRow(row);
  }

  async getProvisioned(userId: string, functionName: string, qualifier: string): Promise<ProvisionedConfig | null> {
    const row = this.ctx.stmt(SELECT_ONE).get(userId, functionName, qualifier) as Row | undefined;
    return row ? provisionedFromRow(row) : null;
  }

  async deleteProvisioned(userId: string, functionName: string, qualifier: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_ONE).run(userId, functionName, qualifier).changes) > 0);
  }

  async listProvisioned(userId: string, functionName: string): Promise<ProvisionedConfig[]> {
    return (this.ctx.stmt(SELECT_FUNCTION).all(userId, functionName) as Row[]).map(provisionedFromRow);
  }

  async listAllProvisioned(): Promise<ProvisionedConfig[]> {
    return (this.ctx.stmt(SELECT_ALL).all() as Row[]).map(provisionedFromRow);
  }
}
