/**
 * The function-access port (policies and function URLs) on SQLite. Reads run directly; every
 * change is one write of the batch (write-batch.ts), which reads, decides (core) and writes in
 * one transaction. A write may run twice when its batch is retried, so revision ids and times
 * are made before it.
 */
import { randomUUID } from 'node:crypto';
import {
  addStatement,
  applyFunctionUrlPatch,
  functionErrors,
  functionUrlErrors,
  removeStatement,
  type FunctionPolicy,
  type FunctionUrlConfig,
  type FunctionUrlInput,
  type NewFunctionUrl,
  type PolicyStatement,
} from '../../core/index.ts';
import { functionUrlFromRow, functionUrlValues, policyFromRow } from '../function-access-row.ts';
import type { FunctionAccess } from '../ports/function-access.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** user_id, name. */
const FUNCTION_EXISTS = `SELECT 1 FROM functions WHERE user_id = ? AND name = ?`;

/** user_id, function_name, qualifier. */
const SELECT_POLICY = `SELECT * FROM function_policies WHERE user_id = ? AND function_name = ? AND qualifier = ?`;

/** user_id, function_name, qualifier, statements, revision_id. */
const UPSERT_POLICY = `INSERT INTO function_policies (user_id, function_name, qualifier, statements, revision_id) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (user_id, function_name, qualifier) DO UPDATE SET statements = excluded.statements, revision_id = excluded.revision_id
  RETURNING *`;

/** user_id, function_name, qualifier. */
const DELETE_POLICY = `DELETE FROM function_policies WHERE user_id = ? AND function_name = ? AND qualifier = ?`;

/** user_id, function_name, qualifier, url_id, auth_type, cors, invoke_mode, created_at. Nothing if
 *  the function has a URL for the qualifier already. */
const INSERT_URL = `INSERT INTO function_urls
  (user_id, function_name, qualifier, url_id, auth_type, cors, invoke_mode, created_at, updated_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) ON CONFLICT (user_id, function_name, qualifier) DO NOTHING RETURNING *`;

/** user_id, function_name, qualifier. */
const SELECT_URL = `SELECT * FROM function_urls WHERE user_id = ? AND function_name = ? AND qualifier = ?`;

/** url_id. */
const SELECT_URL_BY_ID = `SELECT * FROM function_urls WHERE url_id = ?`;

/** user_id, function_name. */
const LIST_URLS = `SELECT * FROM function_urls WHERE user_id = ? AND function_name = ? ORDER BY qualifier`;

/** auth_type, cors, invoke_mode, updated_at, then user_id, function_name, qualifier. */
const UPDATE_URL = `UPDATE function_urls SET auth_type = ?, cors = ?, invoke_mode = ?, updated_at = ?
  WHERE user_id = ? AND function_name = ? AND qualifier = ? RETURNING *`;

/** user_id, function_name, qualifier. */
const DELETE_URL = `DELETE FROM function_urls WHERE user_id = ? AND function_name = ? AND qualifier = ?`;

export class SqliteFunctionAccess implements FunctionAccess {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async getPolicy(userId: string, functionName: string, qualifier: string): Promise<FunctionPolicy | null> {
    const row = this.ctx.stmt(SELECT_POLICY).get(userId, functionName, qualifier) as Row | undefined;
    return row ? policyFromRow(row) : null;
  }

  async addPermission(
    userId: string,
    functionName: string,
    qualifier: string,
    statement: PolicyStatement,
    expectRevisionId?: string,
  ): Promise<FunctionPolicy> {
    const revisionId = randomUUID();
    const row = await this.ctx.writes.run(() => {
      this.mustExist(userId, functionName);
      const statements = addStatement(this.policy(userId, functionName, qualifier), statement, expectRevisionId);
      return this.ctx.stmt(UPSERT_POLICY).get(userId, functionName, qualifier, JSON.stringify(statements), revisionId) as Row;
    });
    return policyFromRow(row);
  }

  async removePermission(
    userId: string,
    functionName: string,
    qualifier: string,
    sid: string,
    expectRevisionId?: string,
  ): Promise<FunctionPolicy | null> {
    const revisionId = randomUUID();
    const row = await this.ctx.writes.run(() => {
      this.mustExist(userId, functionName);
      const statements = removeStatement(this.policy(userId, functionName, qualifier), sid, expectRevisionId);
      if (statements.length === 0) {
        this.ctx.stmt(DELETE_POLICY).run(userId, functionName, qualifier);
        return null;
      }
      return this.ctx.stmt(UPSERT_POLICY).get(userId, functionName, qualifier, JSON.stringify(statements), revisionId) as Row;
    });
    return row ? policyFromRow(row) : null;
  }

  async createFunctionUrl(c: NewFunctionUrl): Promise<FunctionUrlConfig> {
    const row = await this.ctx.writes.run(() => {
      this.mustExist(c.userId, c.functionName);
      const inserted = this.ctx
        .stmt(INSERT_URL)
        .get(c.userId, c.functionName, c.qualifier, c.urlId, ...functionUrlValues(c), c.createdAt) as Row | undefined;
      if (!inserted) throw functionUrlErrors.exists(c.functionName, c.qualifier);
      return inserted;
    });
    return functionUrlFromRow(row);
  }

  async getFunctionUrl(userId: string, functionName: string, qualifier: string): Promise<FunctionUrlConfig | null> {
    const row = this.ctx.stmt(SELECT_URL).get(userId, functionName, qualifier) as Row | undefined;
    return row ? functionUrlFromRow(row) : null;
  }

  async updateFunctionUrl(userId: string, functionName: string, qualifier: string, patch: FunctionUrlInput): Promise<FunctionUrlConfig> {
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => {
      const before = this.ctx.stmt(SELECT_URL).get(userId, functionName, qualifier) as Row | undefined;
      if (!before) throw functionUrlErrors.notFound(functionName, qualifier);
      const next = applyFunctionUrlPatch(functionUrlFromRow(before), patch, now);
      return this.ctx.stmt(UPDATE_URL).get(...functionUrlValues(next), now, userId, functionName, qualifier) as Row;
    });
    return functionUrlFromRow(row);
  }

  async deleteFunctionUrl(userId: string, functionName: string, qualifier: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_URL).run(userId, functionName, qualifier).changes) > 0);
  }

  async listFunctionUrls(userId: string, functionName: string): Promise<FunctionUrlConfig[]> {
    this.mustExist(userId, functionName);
    return (this.ctx.stmt(LIST_URLS).all(userId, functionName) as Row[]).map(functionUrlFromRow);
  }

  async functionUrlById(urlId: string): Promise<FunctionUrlConfig | null> {
    const row = this.ctx.stmt(SELECT_URL_BY_ID).get(urlId) as Row | undefined;
    return row ? functionUrlFromRow(row) : null;
  }

  private policy(userId: string, functionName: string, qualifier: string): FunctionPolicy | null {
    const row = this.ctx.stmt(SELECT_POLICY).get(userId, functionName, qualifier) as Row | undefined;
    return row ? policyFromRow(row) : null;
  }

  private mustExist(userId: string, name: string): void {
    if (!this.ctx.stmt(FUNCTION_EXISTS).get(userId, name)) throw functionErrors.notFound(name);
  }
}
