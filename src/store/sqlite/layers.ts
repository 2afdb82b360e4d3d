/**
 * The layers port on SQLite. Reads run directly; a publish or delete is one write of the batch
 * (write-batch.ts), in one transaction. A write may run twice when its batch is retried, so its
 * time (and a policy's revision id) is taken before it and passed in.
 */
import { randomUUID } from 'node:crypto';
import {
  addStatement,
  layerErrors,
  removeStatement,
  type LayerVersion,
  type LayerVersionPolicy,
  type NewLayerVersion,
  type PolicyStatement,
} from '../../core/index.ts';
import { LAYER_VERSION_COLUMNS, layerPolicyFromRow, layerVersionFromRow, layerVersionValues } from '../layer-row.ts';
import type { Layers } from '../ports/layers.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** user_id, name: the layer with its first number, or its next one (the highest it ever had + 1). */
const NEXT_VERSION = `INSERT INTO layers (user_id, name, last_version) VALUES (?, ?, 1)
  ON CONFLICT (user_id, name) DO UPDATE SET last_version = last_version + 1 RETURNING last_version`;

/** user_id, layer_name, version, then layerVersionValues. */
const INSERT_VERSION = `INSERT INTO layer_versions (user_id, layer_name, version, ${LAYER_VERSION_COLUMNS})
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`;

/** user_id, layer_name, version. */
const SELECT_VERSION = `SELECT * FROM layer_versions WHERE user_id = ? AND layer_name = ? AND version = ?`;

/** user_id. */
const LIST_ALL = `SELECT * FROM layer_versions WHERE user_id = ? ORDER BY layer_name, version DESC`;

/** user_id, layer_name. */
const LIST_LAYER = `SELECT * FROM layer_versions WHERE user_id = ? AND layer_name = ? ORDER BY version DESC`;

/** user_id, layer_name, version. */
const DELETE_VERSION = `DELETE FROM layer_versions WHERE user_id = ? AND layer_name = ? AND version = ?`;

/** user_id, layer_name, version. */
const SELECT_POLICY = `SELECT * FROM layer_version_policies WHERE user_id = ? AND layer_name = ? AND version = ?`;

/** user_id, layer_name, version, statements, revision_id. */
const UPSERT_POLICY = `INSERT INTO layer_version_policies (user_id, layer_name, version, statements, revision_id) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (user_id, layer_name, version) DO UPDATE SET statements = excluded.statements, revision_id = excluded.revision_id
  RETURNING *`;

/** user_id, layer_name, version. */
const DELETE_POLICY = `DELETE FROM layer_version_policies WHERE user_id = ? AND layer_name = ? AND version = ?`;

export class SqliteLayers implements Layers {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async publishLayerVersion(v: NewLayerVersion): Promise<LayerVersion> {
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => {
      const { last_version } = this.ctx.stmt(NEXT_VERSION).get(v.userId, v.name) as Row;
      return this.ctx.stmt(INSERT_VERSION).get(v.userId, v.name, Number(last_version), ...layerVersionValues(v, now)) as Row;
    });
    return layerVersionFromRow(row);
  }

  async getLayerVersion(userId: string, name: string, version: number): Promise<LayerVersion | null> {
    const row = this.ctx.stmt(SELECT_VERSION).get(userId, name, version) as Row | undefined;
    return row ? layerVersionFromRow(row) : null;
  }

  async listLayerVersions(userId: string, name?: string): Promise<LayerVersion[]> {
    const rows = (name === undefined ? this.ctx.stmt(LIST_ALL).all(userId) : this.ctx.stmt(LIST_LAYER).all(userId, name)) as Row[];
    return rows.map(layerVersionFromRow);
  }

  async deleteLayerVersion(userId: string, name: string, version: number): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_VERSION).run(userId, name, version).changes) > 0);
  }

  async getLayerVersionPolicy(userId: string, name: string, version: number): Promise<LayerVersionPolicy | null> {
    const row = this.ctx.stmt(SELECT_POLICY).get(userId, name, version) as Row | undefined;
    return row ? layerPolicyFromRow(row) : null;
  }

  async addLayerVersionPermission(
    userId: string,
    name: string,
    version: number,
    statement: PolicyStatement,
    expectRevisionId?: string,
  ): Promise<LayerVersionPolicy> {
    const revisionId = randomUUID();
    const row = await this.ctx.writes.run(() => {
      const statements = addStatement(this.policyOf(userId, name, version), statement, expectRevisionId);
      return this.ctx.stmt(UPSERT_POLICY).get(userId, name, version, JSON.stringify(statements), revisionId) as Row;
    });
    return layerPolicyFromRow(row);
  }

  async removeLayerVersionPermission(
    userId: string,
    name: string,
    version: number,
    sid: string,
    expectRevisionId?: string,
  ): Promise<LayerVersionPolicy | null> {
    const revisionId = randomUUID();
    const row = await this.ctx.writes.run(() => {
      const statements = removeStatement(this.policyOf(userId, name, version), sid, expectRevisionId);
      if (statements.length === 0) {
        this.ctx.stmt(DELETE_POLICY).run(userId, name, version);
        return null;
      }
      return this.ctx.stmt(UPSERT_POLICY).get(userId, name, version, JSON.stringify(statements), revisionId) as Row;
    });
    return row ? layerPolicyFromRow(row) : null;
  }

  /** The version's policy as it is; NotFound when there is no such version. */
  private policyOf(userId: string, name: string, version: number): LayerVersionPolicy | null {
    if (!this.ctx.stmt(SELECT_VERSION).get(userId, name, version)) throw layerErrors.notFound(name, version);
    const row = this.ctx.stmt(SELECT_POLICY).get(userId, name, version) as Row | undefined;
    return row ? layerPolicyFromRow(row) : null;
  }
}
