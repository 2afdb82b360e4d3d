/**
 * HTTP API deployment snapshots on SQLite (ports/http-apis.ts HttpDeploymentSnapshots): one row
 * each, the snapshot as JSON, written once in a write of the batch.
 */
import { type HttpDeploymentSnapshot, httpApiErrors } from '../../core/index.ts';
import type { HttpDeploymentSnapshots } from '../ports/http-apis.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** user_id, api_id. */
const API_THERE = `SELECT 1 FROM http_apis WHERE user_id = ? AND api_id = ?`;
/** user_id, api_id, deployment_id, snapshot, created_at. The first kept stays. */
const INSERT_SNAPSHOT = `INSERT INTO http_deployment_snapshots (user_id, api_id, deployment_id, snapshot, created_at)
  VALUES (?, ?, ?, ?, ?) ON CONFLICT (api_id, deployment_id) DO NOTHING`;
/** api_id, deployment_id. */
const SELECT_SNAPSHOT = `SELECT snapshot FROM http_deployment_snapshots WHERE api_id = ? AND deployment_id = ?`;
/** user_id, api_id. */
const LIST_KEPT = `SELECT deployment_id FROM http_deployment_snapshots WHERE user_id = ? AND api_id = ?`;
/** user_id, api_id, deployment_id. */
const DELETE_SNAPSHOT = `DELETE FROM http_deployment_snapshots WHERE user_id = ? AND api_id = ? AND deployment_id = ?`;

export class SqliteHttpDeploymentSnapshots implements HttpDeploymentSnapshots {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async putSnapshot(userId: string, apiId: string, deploymentId: string, snapshot: HttpDeploymentSnapshot): Promise<void> {
    const json = JSON.stringify(snapshot);
    const now = this.ctx.clock.now();
    await this.ctx.writes.run(() => {
      if (!this.ctx.stmt(API_THERE).get(userId, apiId)) throw httpApiErrors.apiNotFound(apiId);
      this.ctx.stmt(INSERT_SNAPSHOT).run(userId, apiId, deploymentId, json, now);
    });
  }

  async getSnapshot(apiId: string, deploymentId: string): Promise<HttpDeploymentSnapshot | null> {
    const row = this.ctx.stmt(SELECT_SNAPSHOT).get(apiId, deploymentId) as Row | undefined;
    return row ? (JSON.parse(String(row.snapshot)) as HttpDeploymentSnapshot) : null;
  }

  async snapshotsKept(userId: string, apiId: string, deploymentIds: string[]): Promise<Set<string>> {
    const kept = new Set((this.ctx.stmt(LIST_KEPT).all(userId, apiId) as Row[]).map((r) => String(r.deployment_id)));
    return new Set(deploymentIds.filter((id) => kept.has(id)));
  }

  async deleteSnapshot(userId: string, apiId: string, deploymentId: string): Promise<void> {
    await this.ctx.writes.run(() => {
      this.ctx.stmt(DELETE_SNAPSHOT).run(userId, apiId, deploymentId);
    });
  }
}
