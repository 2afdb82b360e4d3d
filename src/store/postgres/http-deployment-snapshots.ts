/**
 * HTTP API deployment snapshots on PostgreSQL (ports/http-apis.ts HttpDeploymentSnapshots): one
 * row each, the snapshot as JSON text. A put holds its API's row FOR KEY SHARE, so the API
 * cannot be deleted under it (its foreign key would fail the insert instead).
 */
import { type HttpDeploymentSnapshot, httpApiErrors } from '../../core/index.ts';
import type { HttpDeploymentSnapshots } from '../ports/http-apis.ts';
import type { Db } from './db.ts';

/** user_id, api_id: the API, kept from being deleted until the transaction ends. */
const KEEP_API = `SELECT 1 FROM http_apis WHERE user_id = $1 AND api_id = $2 FOR KEY SHARE`;
/** user_id, api_id, deployment_id, snapshot, created_at. The first kept stays. */
const INSERT_SNAPSHOT = `INSERT INTO http_deployment_snapshots (user_id, api_id, deployment_id, snapshot, created_at)
  VALUES ($1, $2, $3, $4, $5) ON CONFLICT (api_id, deployment_id) DO NOTHING`;
/** api_id, deployment_id. */
const SELECT_SNAPSHOT = `SELECT snapshot FROM http_deployment_snapshots WHERE api_id = $1 AND deployment_id = $2`;
/** user_id, api_id, deployment ids. */
const LIST_KEPT = `SELECT deployment_id FROM http_deployment_snapshots WHERE user_id = $1 AND api_id = $2 AND deployment_id = ANY($3)`;
/** user_id, api_id, deployment_id. */
const DELETE_SNAPSHOT = `DELETE FROM http_deployment_snapshots WHERE user_id = $1 AND api_id = $2 AND deployment_id = $3`;

export class PgHttpDeploymentSnapshots implements HttpDeploymentSnapshots {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  putSnapshot(userId: string, apiId: string, deploymentId: string, snapshot: HttpDeploymentSnapshot): Promise<void> {
    const json = JSON.stringify(snapshot);
    return this.db.tx(async (tx) => {
      if ((await tx.query(KEEP_API, [userId, apiId])).length === 0) throw httpApiErrors.apiNotFound(apiId);
      await tx.query(INSERT_SNAPSHOT, [userId, apiId, deploymentId, json, this.db.now()]);
    });
  }

  async getSnapshot(apiId: string, deploymentId: string): Promise<HttpDeploymentSnapshot | null> {
    const [row] = await this.db.rows(SELECT_SNAPSHOT, [apiId, deploymentId]);
    return row ? (JSON.parse(String(row.snapshot)) as HttpDeploymentSnapshot) : null;
  }

  async snapshotsKept(userId: string, apiId: string, deploymentIds: string[]): Promise<Set<string>> {
    const rows = await this.db.rows(LIST_KEPT, [userId, apiId, deploymentIds]);
    return new Set(rows.map((r) => String(r.deployment_id)));
  }

  async deleteSnapshot(userId: string, apiId: string, deploymentId: string): Promise<void> {
    await this.db.query(DELETE_SNAPSHOT, [userId, apiId, deploymentId]);
  }
}
