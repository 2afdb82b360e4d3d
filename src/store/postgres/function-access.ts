/**
 * The function-access port (policies and function URLs) on PostgreSQL. A policy change locks
 * its function's row (FOR UPDATE: the function must exist, and concurrent AddPermissions of one
 * function run one after the other), reads the policy, decides (core) and writes in one
 * transaction; a URL's create is one INSERT that the primary key lets only one of two make.
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
import type { Db, Tx } from './db.ts';

/** user_id, name: the function's row, locked until the transaction ends. */
const LOCK_FUNCTION = `SELECT 1 FROM functions WHERE user_id = $1 AND name = $2 FOR UPDATE`;

/** user_id, name. */
const FUNCTION_EXISTS = `SELECT 1 FROM functions WHERE user_id = $1 AND name = $2`;

/** user_id, function_name, qualifier. */
const SELECT_POLICY = `SELECT * FROM function_policies WHERE user_id = $1 AND function_name = $2 AND qualifier = $3`;

/** user_id, function_name, qualifier, statements, revision_id. */
const UPSERT_POLICY = `INSERT INTO function_policies (user_id, function_name, qualifier, statements, revision_id)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (user_id, function_name, qualifier) DO UPDATE SET statements = excluded.statements, revision_id = excluded.revision_id
  RETURNING *`;

/** user_id, function_name, qualifier. */
const DELETE_POLICY = `DELETE FROM function_policies WHERE user_id = $1 AND function_name = $2 AND qualifier = $3`;

/** user_id, function_name, qualifier, url_id, auth_type, cors, invoke_mode, created_at. Nothing if
 *  the function is not there or has a URL for the qualifier already. */
const INSERT_URL = `INSERT INTO function_urls
  (user_id, function_name, qualifier, url_id, auth_type, cors, invoke_mode, created_at, updated_at)
  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $8 FROM functions WHERE user_id = $1 AND name = $2
  ON CONFLICT (user_id, function_name, qualifier) DO NOTHING RETURNING *`;

/** user_id, function_name, qualifier. */
const SELECT_URL = `SELECT * FROM function_urls WHERE user_id = $1 AND function_name = $2 AND qualifier = $3`;

/** user_id, function_name, qualifier: the row, locked until the transaction ends. */
const LOCK_URL = `SELECT * FROM function_urls WHERE user_id = $1 AND function_name = $2 AND qualifier = $3 FOR UPDATE`;

/** url_id. */
const SELECT_URL_BY_ID = `SELECT * FROM function_urls WHERE url_id = $1`;

/** user_id, function_name. */
const LIST_URLS = `SELECT * FROM function_urls WHERE user_id = $1 AND function_name = $2 ORDER BY qualifier`;

/** auth_type, cors, invoke_mode, updated_at, user_id, function_name, qualifier. */
const UPDATE_URL = `UPDATE function_urls SET auth_type = $1, cors = $2, invoke_mode = $3, updated_at = $4
  WHERE user_id = $5 AND function_name = $6 AND qualifier = $7 RETURNING *`;

/** user_id, function_name, qualifier. */
const DELETE_URL = `DELETE FROM function_urls WHERE user_id = $1 AND function_name = $2 AND qualifier = $3`;

export class PgFunctionAccess implements FunctionAccess {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async getPolicy(userId: string, functionName: string, qualifier: string): Promise<FunctionPolicy | null> {
    const [row] = await this.db.rows(SELECT_POLICY, [userId, functionName, qualifier]);
    return row ? policyFromRow(row) : null;
  }

  addPermission(
    userId: string,
    functionName: string,
    qualifier: string,
    statement: PolicyStatement,
    expectRevisionId?: string,
  ): Promise<FunctionPolicy> {
    return this.db.tx(async (tx) => {
      const current = await lockedPolicy(tx, userId, functionName, qualifier);
      const statements = addStatement(current, statement, expectRevisionId);
      const [row] = await tx.query(UPSERT_POLICY, [userId, functionName, qualifier, JSON.stringify(statements), randomUUID()]);
      return policyFromRow(row);
    });
  }

  removePermission(
    userId: string,
    functionName: string,
    qualifier: string,
    sid: string,
    expectRevisionId?: string,
  ): Promise<FunctionPolicy | null> {
    return this.db.tx(async (tx) => {
      const current = await lockedPolicy(tx, userId, functionName, qualifier);
      const statements = removeStatement(current, sid, expectRevisionId);
      if (statements.length === 0) {
        await tx.query(DELETE_POLICY, [userId, functionName, qualifier]);
        return null;
      }
      const [row] = await tx.query(UPSERT_POLICY, [userId, functionName, qualifier, JSON.stringify(statements), randomUUID()]);
      return policyFromRow(row);
    });
  }

  async createFunctionUrl(c: NewFunctionUrl): Promise<FunctionUrlConfig> {
    const [row] = await this.db.rows(INSERT_URL, [c.userId, c.functionName, c.qualifier, c.urlId, ...functionUrlValues(c), c.createdAt]);
    if (row) return functionUrlFromRow(row);
    if ((await this.db.rows(FUNCTION_EXISTS, [c.userId, c.functionName])).length === 0) throw functionErrors.notFound(c.functionName);
    throw functionUrlErrors.exists(c.functionName, c.qualifier);
  }

  async getFunctionUrl(userId: string, functionName: string, qualifier: string): Promise<FunctionUrlConfig | null> {
    const [row] = await this.db.rows(SELECT_URL, [userId, functionName, qualifier]);
    return row ? functionUrlFromRow(row) : null;
  }

  updateFunctionUrl(userId: string, functionName: string, qualifier: string, patch: FunctionUrlInput): Promise<FunctionUrlConfig> {
    return this.db.tx(async (tx) => {
      const [before] = await tx.query(LOCK_URL, [userId, functionName, qualifier]);
      if (!before) throw functionUrlErrors.notFound(functionName, qualifier);
      const now = this.db.now();
      const next = applyFunctionUrlPatch(functionUrlFromRow(before), patch, now);
      const [row] = await tx.query(UPDATE_URL, [...functionUrlValues(next), now, userId, functionName, qualifier]);
      return functionUrlFromRow(row);
    });
  }

  async deleteFunctionUrl(userId: string, functionName: string, qualifier: string): Promise<boolean> {
    return ((await this.db.query(DELETE_URL, [userId, functionName, qualifier])).rowCount ?? 0) > 0;
  }

  async listFunctionUrls(userId: string, functionName: string): Promise<FunctionUrlConfig[]> {
    if ((await this.db.rows(FUNCTION_EXISTS, [userId, functionName])).length === 0) throw functionErrors.notFound(functionName);
    return (await this.db.rows(LIST_URLS, [userId, functionName])).map(functionUrlFromRow);
  }

  async functionUrlById(urlId: string): Promise<FunctionUrlConfig | null> {
    const [row] = await this.db.rows(SELECT_URL_BY_ID, [urlId]);
    return row ? functionUrlFromRow(row) : null;
  }
}

/** The policy, its function's row locked first; NotFound if there is no such function. */
async function lockedPolicy(tx: Tx, userId: string, functionName: string, qualifier: string): Promise<FunctionPolicy | null> {
  if ((await tx.query(LOCK_FUNCTION, [userId, functionName])).length === 0) throw functionErrors.notFound(functionName);
  const [row] = await tx.query(SELECT_POLICY, [userId, functionName, qualifier]);
  return row ? policyFromRow(row) : null;
}
