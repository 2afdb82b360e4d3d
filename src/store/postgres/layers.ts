/**
 * The layers port on PostgreSQL. A publish takes its number from the layer's row in the same
 * transaction (an upsert that increments it, so two concurrent publishes of one layer each get
 * their own number, one after the other).
 */
import type { LayerVersion, NewLayerVersion } from '../../core/index.ts';
import { LAYER_VERSION_COLUMNS, layerVersionFromRow, layerVersionValues } from '../layer-row.ts';
import type { Layers } from '../ports/layers.ts';
import type { Db } from './db.ts';

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
}
