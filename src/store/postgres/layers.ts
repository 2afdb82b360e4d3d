/**
 * The layers port on PostgreSQL. A publish takes its number from the layer's row in the same
 * transaction (an upsert that increments it, so two concurrent publishes of one layer each get
 * their own number, one after the other). A change of a version's policy locks the version's
 * row (FOR UPDATE: it must exist, and concurrent changes of one policy go one after the other).
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
  type StatementsNow,
} from '../../core/index.ts';
import { LAYER_VERSION_COLUMNS, layerPolicyFromRow, layerVersionFromRow, layerVersionValues } from '../layer-row.ts';
import type { Layers } from '../ports/layers.ts';
import type { Db, Tx } from './db.ts';

/** user_id, name: the layer with its first number, or its next one (the highest it ever had + 1). */
const NEXT_VERSION = `INSERT INTO layers (user_id, name, last_version) VALUES ($1, $2, 1)
  ON CONFLICT (user_id, name) DO UPDATE SET last_version = layers.last_version + 1 RETURNING last_version`;

/** user_id, layer_name, version, then layerVersionValues ($4..$11). */
const INSERT_VERSION = `INSERT INTO layer_versions (user_id, layer_name, version, ${LAYER_VERSION_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`;

/** user_id, layer_name, version. */
const SELECT_VERSION = `SELECT * FROM layer_versions WHERE user_id = $1 AND layer_name = $2 AND version = $3`;

/** user_id. */
const LIST_ALL = `SELECT * FROM layer_versions WHERE user_id = $1 ORDER BY layer_name, version DESC`;

/** user_id, layer_name. */
const LIST_LAYER = `SELECT * FROM layer_versions WHERE user_id = $1 AND layer_name = $2 ORDER BY version DESC`;

/** user_id, layer_name, version. */
const DELETE_VERSION = `DELETE FROM layer_versions WHERE user_id = $1 AND layer_name = $2 AND version = $3 RETURNING version`;

/** user_id, layer_name, version. */
const LOCK_VERSION = `SELECT 1 FROM layer_versions WHERE user_id = $1 AND layer_name = $2 AND version = $3 FOR UPDATE`;

/** user_id, layer_name, version. */
const SELECT_POLICY = `SELECT * FROM layer_version_policies WHERE user_id = $1 AND layer_name = $2 AND version = $3`;

/** user_id, layer_name, version, statements, revision_id. */
const UPSERT_POLICY = `INSERT INTO layer_version_policies (user_id, layer_name, version, statements, revision_id)
  VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, layer_name, version)
  DO UPDATE SET statements = excluded.statements, revision_id = excluded.revision_id RETURNING *`;

/** user_id, layer_name, version. */
const DELETE_POLICY = `DELETE FROM layer_version_policies WHERE user_id = $1 AND layer_name = $2 AND version = $3`;

/** The version's policy, its version locked; NotFound when there is no such version. */
async function lockedPolicy(tx: Tx, userId: string, name: string, version: number): Promise<StatementsNow> {
  if ((await tx.query(LOCK_VERSION, [userId, name, version])).length === 0) throw layerErrors.notFound(name, version);
  const [row] = await tx.query(SELECT_POLICY, [userId, name, version]);
  return row ? layerPolicyFromRow(row) : null;
}

export class PgLayers implements Layers {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  publishLayerVersion(v: NewLayerVersion): Promise<LayerVersion> {
    return this.db.tx(async (tx) => {
      const [next] = await tx.query(NEXT_VERSION, [v.userId, v.name]);
      const [row] = await tx.query(INSERT_VERSION, [v.userId, v.name, Number(next.last_version), ...layerVersionValues(v, this.db.now())]);
      return layerVersionFromRow(row);
    });
  }

  async getLayerVersion(userId: string, name: string, version: number): Promise<LayerVersion | null> {
    const [row] = await this.db.rows(SELECT_VERSION, [userId, name, version]);
    return row ? layerVersionFromRow(row) : null;
  }

  async listLayerVersions(userId: string, name?: string): Promise<LayerVersion[]> {
    const rows = name === undefined ? await this.db.rows(LIST_ALL, [userId]) : await this.db.rows(LIST_LAYER, [userId, name]);
    return rows.map(layerVersionFromRow);
  }

  async deleteLayerVersion(userId: string, name: string, version: number): Promise<boolean> {
    return (await this.db.rows(DELETE_VERSION, [userId, name, version])).length > 0;
  }

  async getLayerVersionPolicy(userId: string, name: string, version: number): Promise<LayerVersionPolicy | null> {
    const [row] = await this.db.rows(SELECT_POLICY, [userId, name, version]);
    return row ? layerPolicyFromRow(row) : null;
  }

  addLayerVersionPermission(
    userId: string,
    name: string,
    version: number,
    statement: PolicyStatement,
    expectRevisionId?: string,
  ): Promise<LayerVersionPolicy> {
    return this.db.tx(async (tx) => {
      const statements = addStatement(await lockedPolicy(tx, userId, name, version), statement, expectRevisionId);
      const [row] = await tx.query(UPSERT_POLICY, [userId, name, version, JSON.stringify(statements), randomUUID()]);
      return layerPolicyFromRow(row);
    });
  }

  removeLayerVersionPermission(
    userId: string,
    name: string,
    version: number,
    sid: string,
    expectRevisionId?: string,
  ): Promise<LayerVersionPolicy | null> {
    return this.db.tx(async (tx) => {
      const statements = removeStatement(await lockedPolicy(tx, userId, name, version), sid, expectRevisionId);
      if (statements.length === 0) {
        await tx.query(DELETE_POLICY, [userId, name, version]);
        return null;
      }
      const [row] = await tx.query(UPSERT_POLICY, [userId, name, version, JSON.stringify(statements), randomUUID()]);
      return layerPolicyFromRow(row);
    });
  }
}
