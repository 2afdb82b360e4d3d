/**
 * The layers port on SQLite. Reads run directly; a publish or delete is one write of the batch
 * (write-batch.ts), in one transaction. A write may run twice when its batch is retried, so its
 * time is taken before it and passed in.
 */
import type { LayerVersion, NewLayerVersion } from '../../core/index.ts';
import { LAYER_VERSION_COLUMNS, layerVersionFromRow, layerVersionValues } from '../layer-row.ts';
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
}
