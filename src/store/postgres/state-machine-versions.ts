/**
 * The state machine versions port on PostgreSQL (ports/state-machine-versions.ts). Every change
 * locks its machine's row first (FOR UPDATE), so a publish, a delete of a version and a create or
 * update of an alias of one machine run one after the other, whichever processes make them: a
 * version an alias is being pointed at is not deleted under it, and two publishes never take one
 * number or publish one revision twice.
 */
import {
  type MachineAliasInput,
  type MachineAliasPatch,
  type StateMachineAlias,
  type StateMachineVersion,
  checkRoutesExist,
  checkVersionUnrouted,
  decideCreateAlias,
  decidePublish,
  versionErrors,
  workflowErrors,
} from '../../core/index.ts';
import type { StateMachineVersions } from '../ports/state-machine-versions.ts';
import type { Row } from '../row.ts';
import { aliasFromRow, routingText, versionFromRow } from '../state-machine-version-row.ts';
import type { Db, Tx } from './db.ts';

/** user_id, name. */
const LOCK_MACHINE = `SELECT * FROM state_machines WHERE user_id = $1 AND name = $2 FOR UPDATE`;

/** user_id, machine_name, revision_id: the newest version of that revision. */
const VERSION_OF_REVISION = `SELECT * FROM state_machine_versions WHERE user_id = $1 AND machine_name = $2 AND revision_id = $3
  ORDER BY version DESC LIMIT 1`;

/** user_id, machine_name. */
const COUNT_VERSIONS = `SELECT count(*) AS n FROM state_machine_versions WHERE user_id = $1 AND machine_name = $2`;

/** user_id, name: the next version number, never one handed out before. */
const NEXT_VERSION = `UPDATE state_machines SET last_version = last_version + 1 WHERE user_id = $1 AND name = $2 RETURNING last_version`;

/** user_id, machine_name, version, description, created_at: the machine's current revision as the new version. */
const INSERT_VERSION = `INSERT INTO state_machine_versions
    (user_id, machine_name, version, type, definition, role_arn, revision_id, description, created_at)
  SELECT user_id, name, $3, type, definition, role_arn, revision_id, $4, $5 FROM state_machines WHERE user_id = $1 AND name = $2
  RETURNING *`;

/** user_id, machine_name, version. */
const SELECT_VERSION = `SELECT * FROM state_machine_versions WHERE user_id = $1 AND machine_name = $2 AND version = $3`;
const DELETE_VERSION = `DELETE FROM state_machine_versions WHERE user_id = $1 AND machine_name = $2 AND version = $3`;

/** user_id, machine_name, before (a version; newest first), limit. */
const LIST_VERSIONS = `SELECT * FROM state_machine_versions WHERE user_id = $1 AND machine_name = $2 AND version < $3
  ORDER BY version DESC LIMIT $4`;

/** user_id, machine_name, the versions: those the machine has. */
const VERSIONS_IN = `SELECT version FROM state_machine_versions WHERE user_id = $1 AND machine_name = $2 AND version = ANY($3::integer[])`;

/** user_id, machine_name: every alias of the machine (at most 100). */
const ALIASES_OF_MACHINE = `SELECT * FROM state_machine_aliases WHERE user_id = $1 AND machine_name = $2 ORDER BY name`;

/** user_id, machine_name, name, description, routing, now. Nothing if the name is taken. */
const INSERT_ALIAS = `INSERT INTO state_machine_aliases (user_id, machine_name, name, description, routing, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (user_id, machine_name, name) DO NOTHING RETURNING *`;

/** user_id, machine_name, name. */
const SELECT_ALIAS = `SELECT * FROM state_machine_aliases WHERE user_id = $1 AND machine_name = $2 AND name = $3`;
const DELETE_ALIAS = `DELETE FROM state_machine_aliases WHERE user_id = $1 AND machine_name = $2 AND name = $3`;

/** user_id, machine_name, after (name; '' for the first page), version (null: any), limit. */
const LIST_ALIASES = `SELECT * FROM state_machine_aliases WHERE user_id = $1 AND machine_name = $2 AND name > $3
  AND ($4::integer IS NULL OR routing::jsonb @> jsonb_build_array(jsonb_build_object('version', $4::integer)))
  ORDER BY name LIMIT $5`;

/** description, routing, updated_at, user_id, machine_name, name. */
const UPDATE_ALIAS = `UPDATE state_machine_aliases SET description = $1, routing = $2, updated_at = $3
  WHERE user_id = $4 AND machine_name = $5 AND name = $6 RETURNING *`;

export class PgStateMachineVersions implements StateMachineVersions {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  publishVersion(
    userId: string,
    machineName: string,
    expectedRevisionId: string | null,
    description: string,
    now: number,
  ): Promise<{ version: StateMachineVersion; created: boolean }> {
    return this.db.tx(async (tx) => {
      const [machine] = await tx.query(LOCK_MACHINE, [userId, machineName]);
      if (!machine) throw workflowErrors.machineNotFound(machineName);
      const [existing] = await tx.query(VERSION_OF_REVISION, [userId, machineName, machine.revision_id]);
      const [count] = await tx.query(COUNT_VERSIONS, [userId, machineName]);
      const decision = decidePublish(
        { name: machineName, revisionId: String(machine.revision_id) },
        expectedRevisionId,
        existing ? versionFromRow(existing) : null,
        Number(count.n),
      );
      if (decision.kind === 'existing') return { version: decision.version, created: false };
      const [next] = await tx.query(NEXT_VERSION, [userId, machineName]);
      const [row] = await tx.query(INSERT_VERSION, [userId, machineName, Number(next.last_version), description, now]);
      return { version: versionFromRow(row), created: true };
    });
  }

  async getVersion(userId: string, machineName: string, version: number): Promise<StateMachineVersion | null> {
    const [row] = await this.db.rows(SELECT_VERSION, [userId, machineName, version]);
    return row ? versionFromRow(row) : null;
  }

  async listVersions(userId: string, machineName: string, page: { limit: number; before?: number }): Promise<StateMachineVersion[]> {
    const rows = await this.db.rows(LIST_VERSIONS, [userId, machineName, page.before ?? 2 ** 31 - 1, page.limit]);
    return rows.map(versionFromRow);
  }

  deleteVersion(userId: string, machineName: string, version: number): Promise<boolean> {
    return this.db.tx(async (tx) => {
      const [machine] = await tx.query(LOCK_MACHINE, [userId, machineName]);
      if (!machine) return false;
      checkVersionUnrouted(machineName, version, await aliasesOf(tx, userId, machineName));
      return (await tx.query(`${DELETE_VERSION} RETURNING version`, [userId, machineName, version])).length > 0;
    });
  }

  createAlias(userId: string, input: MachineAliasInput, now: number): Promise<{ alias: StateMachineAlias; created: boolean }> {
    return this.db.tx(async (tx) => {
      const [machine] = await tx.query(LOCK_MACHINE, [userId, input.machineName]);
      if (!machine) throw workflowErrors.machineNotFound(input.machineName);
      const [taken] = await tx.query(SELECT_ALIAS, [userId, input.machineName, input.name]);
      const decision = decideCreateAlias(
        input,
        taken ? aliasFromRow(taken) : null,
        await versionsIn(tx, userId, input.machineName, input.routing),
        (await aliasesOf(tx, userId, input.machineName)).length,
      );
      if (decision.kind === 'existing') return { alias: decision.alias, created: false };
      const [row] = await tx.query(INSERT_ALIAS, [
        userId,
        input.machineName,
        input.name,
        input.description,
        routingText(input.routing),
        now,
      ]);
      return { alias: aliasFromRow(row), created: true };
    });
  }

  async getAlias(userId: string, machineName: string, name: string): Promise<StateMachineAlias | null> {
    const [row] = await this.db.rows(SELECT_ALIAS, [userId, machineName, name]);
    return row ? aliasFromRow(row) : null;
  }

  async listAliases(
    userId: string,
    machineName: string,
    page: { limit: number; after?: string; version?: number },
  ): Promise<StateMachineAlias[]> {
    const rows = await this.db.rows(LIST_ALIASES, [userId, machineName, page.after ?? '', page.version ?? null, page.limit]);
    return rows.map(aliasFromRow);
  }

  updateAlias(userId: string, machineName: string, name: string, patch: MachineAliasPatch, now: number): Promise<StateMachineAlias> {
    return this.db.tx(async (tx) => {
      // The machine first, as every change of its versions or aliases takes it.
      await tx.query(LOCK_MACHINE, [userId, machineName]);
      const [row] = await tx.query(SELECT_ALIAS, [userId, machineName, name]);
      if (!row) throw versionErrors.aliasNotFound(machineName, name);
      const alias = aliasFromRow(row);
      const routing = patch.routing ?? alias.routing;
      if (patch.routing) checkRoutesExist(machineName, routing, await versionsIn(tx, userId, machineName, routing));
      const [updated] = await tx.query(UPDATE_ALIAS, [
        patch.description ?? alias.description,
        routingText(routing),
        now,
        userId,
        machineName,
        name,
      ]);
      return aliasFromRow(updated);
    });
  }

  async deleteAlias(userId: string, machineName: string, name: string): Promise<boolean> {
    return ((await this.db.query(DELETE_ALIAS, [userId, machineName, name])).rowCount ?? 0) > 0;
  }
}

async function aliasesOf(tx: Tx, userId: string, machineName: string): Promise<StateMachineAlias[]> {
  return (await tx.query(ALIASES_OF_MACHINE, [userId, machineName])).map(aliasFromRow);
}

async function versionsIn(tx: Tx, userId: string, machineName: string, routing: readonly { version: number }[]): Promise<number[]> {
  const rows: Row[] = await tx.query(VERSIONS_IN, [userId, machineName, routing.map((r) => r.version)]);
  return rows.map((r) => Number(r.version));
}
