/** The provisioned concurrency port on PostgreSQL (ports/provisioned-concurrency.ts). */
import { functionErrors, type ProvisionedConfig } from '../../core/index.ts';
import type { ProvisionedConcurrency } from '../ports/provisioned-concurrency.ts';
import { provisionedFromRow } from '../provisioned-row.ts';
import type { Db } from './db.ts';

/** user_id, function_name, qualifier, requested, now: written only when the function is there
 *  (no row back: it is not). */
const UPSERT = `INSERT INTO function_provisioned_concurrency (user_id, function_name, qualifier, requested, updated_at)
  SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM functions WHERE user_id = $1 AND name = $2)
  ON CONFLICT (user_id, function_name, qualifier) DO UPDATE SET requested = EXCLUDED.requested, updated_at = EXCLUDED.updated_at
  RETURNING *`;
const SELECT_ONE = `SELECT * FROM function_provisioned_concurrency WHERE user_id = $1 AND function_name = $2 AND qualifier = $3`;
const DELETE_ONE = `DELETE FROM function_provisioned_concurrency WHERE user_id = $1 AND function_name = $2 AND qualifier = $3`;
const SELECT_FUNCTION = `SELECT * FROM function_provisioned_concurrency WHERE user_id = $1 AND function_name = $2 ORDER BY qualifier`;
const SELECT_ALL = `SELECT * FROM function_provisioned_concurrency ORDER BY user_id, function_name, qualifier`;

export class PgProvisionedConcurrency implements ProvisionedConcurrency {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async putProvisioned(userId: string, functionName: string, qualifier: string, requested: number): Promise<ProvisionedConfig> {
    const [row] = await this.db.rows(UPSERT, [userId, functionName, qualifier, requested, this.db.now()]);
    // A function deleted between the check and the insert fails the foreign key: not there either.
    if (!row) throw functionErrors.notFound(functionName);
    return provisionedFromRow(row);
  }

  async getProvisioned(userId: string, functionName: string, qualifier: string): Promise<ProvisionedConfig | null> {
    const [row] = await this.db.rows(SELECT_ONE, [userId, functionName, qualifier]);
    return row ? provisionedFromRow(row) : null;
  }

  async deleteProvisioned(userId: string, functionName: string, qualifier: string): Promise<boolean> {
    return ((await this.db.query(DELETE_ONE, [userId, functionName, qualifier])).rowCount ?? 0) > 0;
  }

  async listProvisioned(userId: string, functionName: string): Promise<ProvisionedConfig[]> {
    return (await this.db.rows(SELECT_FUNCTION, [userId, functionName])).map(provisionedFromRow);
  }

  async listAllProvisioned(): Promise<ProvisionedConfig[]> {
    return (await this.db.rows(SELECT_ALL)).map(provisionedFromRow);
  }
}
