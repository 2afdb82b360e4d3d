/** The state machine versions port on SQLite (ports/state-machine-versions.ts). Every change is
 *  one write of the batch: it reads what the core's decision needs and writes its outcome in one
 *  transaction, and the store's writes run one at a time. */
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
import type { SqliteContext } from './context.ts';

/** user_id, name. */
const SELECT_MACHINE = `SELECT * FROM state_machines WHERE user_id = ? AND name = ?`;

/** user_id, machine_name, revision_id: the newest version of that revision. */
const VERSION_OF_REVISION = `SELECT * FROM state_machine_versions WHERE user_id = ? AND machine_name = ? AND revision_id = ?
  ORDER BY version DESC LIMIT 1`;

/** user_id, machine_name. */
const COUNT_VERSIONS = `SELECT count(*) AS n FROM state_machine_versions WHERE user_id = ? AND machine_name = ?`;

/** user_id, name: the next version number, never one handed out before. */
const NEXT_VERSION = `UPDATE state_machines SET last_version = last_version + 1 WHERE user_id = ? AND name = ? RETURNING last_version`;

/** user_id, machine_name, version, description, created_at, then the machine's user_id, name:
 *  the machine's current revision as the new version. */
const INSERT_VERSION = `INSERT INTO state_machine_versions
    (user_id, machine_name, version, type, definition, role_arn, revision_id, description, created_at)
  SELECT user_id, name, ?3, type, definition, role_arn, revision_id, ?4, ?5 FROM state_machines WHERE user_id = ?1 AND name = ?2
  RETURNING *`;

/** user_id, machine_name, version. */
const SELECT_VERSION = `SELECT * FROM state_machine_versions WHERE user_id = ? AND machine_name = ? AND version = ?`;
const DELETE_VERSION = `DELETE FROM state_machine_versions WHERE user_id = ? AND machine_name = ? AND version = ?`;

/** user_id, machine_name, before (a version; newest first), limit. */
const LIST_VERSIONS = `SELECT * FROM state_machine_versions WHERE user_id = ? AND machine_name = ? AND version < ?
  ORDER BY version DESC LIMIT ?`;

/** user_id, machine_name, the versions (a JSON array): those the machine has. */
const VERSIONS_IN = `SELECT version FROM state_machine_versions WHERE user_id = ? AND machine_name = ?
  AND version IN (SELECT value FROM json_each(?))`;

/** user_id, machine_name: every alias of the machine (at most 100). */
const ALIASES_OF_MACHINE = `SELECT * FROM state_machine_aliases WHERE user_id = ? AND machine_name = ? ORDER BY name`;

/** user_id, machine_name, name, description, routing, now. Nothing if the name is taken. */
const INSERT_ALIAS = `INSERT INTO state_machine_aliases (user_id, machine_name, name, description, routing, created_at, updated_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (user_id, machine_name, name) DO NOTHING RETURNING *`;

/** user_id, machine_name, name. */
const SELECT_ALIAS = `SELECT * FROM state_machine_aliases WHERE user_id = ? AND machine_name = ? AND name = ?`;
const DELETE_ALIAS = `DELETE FROM state_machine_aliases WHERE user_id = ? AND machine_name = ? AND name = ?`;

/** user_id, machine_name, after (name; '' for the first page), version (null: any), limit. */
const LIST_ALIASES = `SELECT * FROM state_machine_aliases WHERE user_id = ?1 AND machine_name = ?2 AND name > ?3
  AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(routing) WHERE json_extract(value, '$.version') = ?4))
  ORDER BY name LIMIT ?5`;

/** description, routing, updated_at, then user_id, machine_name, name. */
const UPDATE_ALIAS = `UPDATE state_machine_aliases SET description = ?, routing = ?, updated_at = ?
  WHERE user_id = ? AND machine_name = ? AND name = ? RETURNING *`;

export class SqliteStateMachineVersions implements StateMachineVersions {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async publishVersion(
    userId: string,
    machineName: string,
    expectedRevisionId: string | null,
    description: string,
    now: number,
  ): Promise<{ version: StateMachineVersion; created: boolean }> {
    return this.ctx.writes.run(() => {
      const machine = this.ctx.stmt(SELECT_MACHINE).get(userId, machineName) as Row | undefined;
      if (!machine) throw workflowErrors.machineNotFound(machineName);
      const existing = this.ctx.stmt(VERSION_OF_REVISION).get(userId, machineName, String(machine.revision_id)) as Row | undefined;
      const count = Number((this.ctx.stmt(COUNT_VERSIONS).get(userId, machineName) as Row).n);
      const decision = decidePublish(
        { name: machineName, revisionId: String(machine.revision_id) },
        expectedRevisionId,
        existing ? versionFromRow(existing) : null,
        count,
      );
      if (decision.kind === 'existing') return { version: decision.version, created: false };
      const n = Number((this.ctx.stmt(NEXT_VERSION).get(userId, machineName) as Row).last_version);
      const row = this.ctx.stmt(INSERT_VERSION).get(userId, machineName, n, description, now) as Row;
      return { version: versionFromRow(row), created: true };
    });
  }

  async getVersion(userId: string, machineName: string, version: number): Promise<StateMachineVersion | null> {
    const row = this.ctx.stmt(SELECT_VERSION).get(userId, machineName, version) as Row | undefined;
    return row ? versionFromRow(row) : null;
  }

  async listVersions(userId: string, machineName: string, page: { limit: number; before?: number }): Promise<StateMachineVersion[]> {
    const rows = this.ctx.stmt(LIST_VERSIONS).all(userId, machineName, page.before ?? Number.MAX_SAFE_INTEGER, page.limit) as Row[];
    return rows.map(versionFromRow);
  }

  async deleteVersion(userId: string, machineName: string, version: number): Promise<boolean> {
    return this.ctx.writes.run(() => {
      checkVersionUnrouted(machineName, version, this.aliasesOf(userId, machineName));
      return Number(this.ctx.stmt(DELETE_VERSION).run(userId, machineName, version).changes) > 0;
    });
  }

  async createAlias(userId: string, input: MachineAliasInput, now: number): Promise<{ alias: StateMachineAlias; created: boolean }> {
    return this.ctx.writes.run(() => {
      if (!this.ctx.stmt(SELECT_MACHINE).get(userId, input.machineName)) throw workflowErrors.machineNotFound(input.machineName);
      const taken = this.ctx.stmt(SELECT_ALIAS).get(userId, input.machineName, input.name) as Row | undefined;
      const decision = decideCreateAlias(
        input,
        taken ? aliasFromRow(taken) : null,
        this.versionsIn(userId, input.machineName, input.routing),
        this.aliasesOf(userId, input.machineName).length,
      );
      if (decision.kind === 'existing') return { alias: decision.alias, created: false };
      const row = this.ctx
        .stmt(INSERT_ALIAS)
        .get(userId, input.machineName, input.name, input.description, routingText(input.routing), now) as Row;
      return { alias: aliasFromRow(row), created: true };
    });
  }

  async getAlias(userId: string, machineName: string, name: string): Promise<StateMachineAlias | null> {
    const row = this.ctx.stmt(SELECT_ALIAS).get(userId, machineName, name) as Row | undefined;
    return row ? aliasFromRow(row) : null;
  }

  async listAliases(
    userId: string,
    machineName: string,
    page: { limit: number; after?: string; version?: number },
  ): Promise<StateMachineAlias[]> {
    const rows = this.ctx.stmt(LIST_ALIASES).all(userId, machineName, page.after ?? '', page.version ?? null, page.limit) as Row[];
    return rows.map(aliasFromRow);
  }

  async updateAlias(userId: string, machineName: string, name: string, patch: MachineAliasPatch, now: number): Promise<StateMachineAlias> {
    return this.ctx.writes.run(() => {
      const row = this.ctx.stmt(SELECT_ALIAS).get(userId, machineName, name) as Row | undefined;
      if (!row) throw versionErrors.aliasNotFound(machineName, name);
      const alias = aliasFromRow(row);
      const routing = patch.routing ?? alias.routing;
      if (patch.routing) checkRoutesExist(machineName, routing, this.versionsIn(userId, machineName, routing));
      const updated = this.ctx
        .stmt(UPDATE_ALIAS)
        .get(patch.description ?? alias.description, routingText(routing), now, userId, machineName, name) as Row;
      return aliasFromRow(updated);
    });
  }

  async deleteAlias(userId: string, machineName: string, name: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_ALIAS).run(userId, machineName, name).changes) > 0);
  }

  /** Inside a write. */
  private aliasesOf(userId: string, machineName: string): StateMachineAlias[] {
    return (this.ctx.stmt(ALIASES_OF_MACHINE).all(userId, machineName) as Row[]).map(aliasFromRow);
  }

  private versionsIn(userId: string, machineName: string, routing: readonly { version: number }[]): number[] {
    const rows = this.ctx.stmt(VERSIONS_IN).all(userId, machineName, JSON.stringify(routing.map((r) => r.version))) as Row[];
    return rows.map((r) => Number(r.version));
  }
}
