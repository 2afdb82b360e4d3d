/**
 * The functions port on SQLite. Reads run directly; every change is one write of the batch
 * (write-batch.ts), which reads, decides (core/function.ts) and writes in one transaction. A
 * write may run twice when its batch is retried, so it makes no ids or times itself: those are
 * made before it and passed in.
 */
import { randomUUID } from 'node:crypto';
import {
  applyAliasPatch,
  changedLatest,
  applyEventInvokePatch,
  checkReservedConcurrency,
  eventConfigNotFound,
  functionErrors,
  parseQualifier,
  LATEST,
  newAlias,
  newLatest,
  pageOf,
  checkVersionDeletable,
  planPublish,
  resolveQualifier,
  rowsForPage,
  type AliasInput,
  type BreakerConfig,
  type BreakerTransition,
  type StoredBreakerConfig,
  type FunctionAlias,
  type FunctionCode,
  type EventInvokeConfig,
  type EventInvokeConfigPatch,
  type FunctionConfigPatch,
  type FunctionSnapshot,
  type LatestChange,
  type NewFunction,
  type Page,
  type PublishOptions,
  type Qualifier,
  type VersionRef,
} from '../../core/index.ts';
import {
  aliasFromRow,
  aliasVersionValue,
  decodeNameCursor,
  encodeNameCursor,
  SNAPSHOT_COLUMNS,
  SNAPSHOT_SIZE,
  snapshotFromRow,
  snapshotValues,
} from '../function-row.ts';
import { breakerFromRow, breakerValues, transitionValues } from '../circuit-breaker-row.ts';
import { EVENT_CONFIG_COLUMNS, eventConfigFromRow, eventConfigValues } from '../event-config-row.ts';
import type { FunctionListFilter, Functions } from '../ports/functions.ts';
import type { SealedEnvironment } from '../sealed-environment.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';

/** One `?` per snapshot value. */
const SNAPSHOT_MARKS = Array.from({ length: SNAPSHOT_SIZE }, () => '?').join(', ');

/** user_id, name, the snapshot's values, created_at. Nothing if the name is taken. */
const INSERT_FUNCTION = `INSERT INTO functions (user_id, name, ${SNAPSHOT_COLUMNS}, created_at)
  VALUES (?, ?, ${SNAPSHOT_MARKS}, ?) ON CONFLICT (user_id, name) DO NOTHING RETURNING *`;

/** user_id, name. */
const SELECT_FUNCTION = `SELECT * FROM functions WHERE user_id = ? AND name = ?`;

/** user_id, after name ('' for the first page), limit. */
const LIST_FUNCTIONS = `SELECT * FROM functions WHERE user_id = ? AND name > ? ORDER BY name LIMIT ?`;

/** The snapshot's values, then user_id, name. */
const UPDATE_SNAPSHOT = `UPDATE functions SET (${SNAPSHOT_COLUMNS}) = (${SNAPSHOT_MARKS})
  WHERE user_id = ? AND name = ? RETURNING *`;

/** user_id, name. Versions and aliases go with it (ON DELETE CASCADE). */
const DELETE_FUNCTION = `DELETE FROM functions WHERE user_id = ? AND name = ?`;

/** user_id, function_name, version, the snapshot's values. */
const INSERT_VERSION = `INSERT INTO function_versions (user_id, function_name, version, ${SNAPSHOT_COLUMNS})
  VALUES (?, ?, ?, ${SNAPSHOT_MARKS})`;

/** user_id, function_name, version. */
const SELECT_VERSION = `SELECT * FROM function_versions WHERE user_id = ? AND function_name = ? AND version = ?`;

/** user_id, function_name: the last published version. */
const LAST_VERSION = `SELECT * FROM function_versions WHERE user_id = ? AND function_name = ? ORDER BY version DESC LIMIT 1`;

/** user_id, name: the highest version number the function has had (0: none). */
const HIGHEST_VERSION = `SELECT last_version FROM functions WHERE user_id = ? AND name = ?`;

/** last_version, user_id, name. */
const SET_HIGHEST_VERSION = `UPDATE functions SET last_version = ? WHERE user_id = ? AND name = ?`;

/** user_id, function_name, version. */
const DELETE_VERSION = `DELETE FROM function_versions WHERE user_id = ? AND function_name = ? AND version = ?`;

/** user_id, function_name. */
const LIST_VERSIONS = `SELECT * FROM function_versions WHERE user_id = ? AND function_name = ? ORDER BY version`;

/** user_id, function_name, name, version (NULL: $LATEST), description, revision_id, now. */
const INSERT_ALIAS = `INSERT INTO function_aliases (user_id, function_name, name, version, description, revision_id, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, function_name, name) DO NOTHING RETURNING *`;

/** user_id, function_name, name. */
const SELECT_ALIAS = `SELECT * FROM function_aliases WHERE user_id = ? AND function_name = ? AND name = ?`;

/** version, description, revision_id, updated_at, then user_id, function_name, name. */
const UPDATE_ALIAS = `UPDATE function_aliases SET version = ?, description = ?, revision_id = ?, updated_at = ?
  WHERE user_id = ? AND function_name = ? AND name = ? RETURNING *`;

/** user_id, function_name, name. */
const DELETE_ALIAS = `DELETE FROM function_aliases WHERE user_id = ? AND function_name = ? AND name = ?`;

/** user_id, function_name. */
const LIST_ALIASES = `SELECT * FROM function_aliases WHERE user_id = ? AND function_name = ? ORDER BY name`;

/** reserved (NULL: unreserved), user_id, name. */
const SET_CONCURRENCY = `UPDATE functions SET reserved_concurrency = ? WHERE user_id = ? AND name = ? RETURNING reserved_concurrency`;

/** user_id, name. */
const SELECT_CONCURRENCY = `SELECT reserved_concurrency FROM functions WHERE user_id = ? AND name = ?`;

/** user_id, name, then breakerValues, updated_at: written only when the function is there (no
 *  row back: it is not). */
const UPSERT_BREAKER = `INSERT INTO function_circuit_breakers
  (user_id, function_name, failure_threshold, window_seconds, cooldown_seconds, probes, updated_at)
  SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM functions WHERE user_id = ?1 AND name = ?2)
  ON CONFLICT (user_id, function_name) DO UPDATE SET failure_threshold = excluded.failure_threshold,
  window_seconds = excluded.window_seconds, cooldown_seconds = excluded.cooldown_seconds, probes = excluded.probes,
  updated_at = excluded.updated_at, changed_at = 0, opened_at = NULL, probe_at = NULL
  RETURNING *`;

/** user_id, function_name. */
const SELECT_BREAKER = `SELECT * FROM function_circuit_breakers WHERE user_id = ? AND function_name = ?`;

/** user_id, function_name. */
const DELETE_BREAKER = `DELETE FROM function_circuit_breakers WHERE user_id = ? AND function_name = ?`;

/** transitionValues (opened_at, probe_at, changed_at), then user_id, function_name, updated_at:
 *  the later transition of the configuration put at updated_at wins. */
const SHARE_BREAKER_TRANSITION = `UPDATE function_circuit_breakers SET opened_at = ?1, probe_at = ?2, changed_at = ?3
  WHERE user_id = ?4 AND function_name = ?5 AND updated_at = ?6 AND changed_at < ?3`;

/** user_id, function_name, qualifier. */
const SELECT_EVENT_CONFIG = `SELECT * FROM function_event_configs WHERE user_id = ? AND function_name = ? AND qualifier = ?`;

/** user_id, function_name, qualifier, then EVENT_CONFIG_COLUMNS' values. */
const UPSERT_EVENT_CONFIG = `INSERT INTO function_event_configs (user_id, function_name, qualifier, ${EVENT_CONFIG_COLUMNS})
  VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, function_name, qualifier) DO UPDATE SET
  max_retry_attempts = excluded.max_retry_attempts, max_event_age_s = excluded.max_event_age_s,
  on_success = excluded.on_success, on_failure = excluded.on_failure, last_modified = excluded.last_modified`;

/** user_id, function_name, qualifier. */
const DELETE_EVENT_CONFIG = `DELETE FROM function_event_configs WHERE user_id = ? AND function_name = ? AND qualifier = ?`;

/** user_id, function_name. */
const LIST_EVENT_CONFIGS = `SELECT * FROM function_event_configs WHERE user_id = ? AND function_name = ? ORDER BY qualifier`;

export class SqliteFunctions implements Functions {
  private readonly ctx: SqliteContext;
  /** How the environment column is sealed and opened (sealed-environment.ts). */
  private readonly env: SealedEnvironment;
  private readonly fromRow = (r: Row): FunctionSnapshot => snapshotFromRow(r, this.env);

  constructor(ctx: SqliteContext, env: SealedEnvironment) {
    this.ctx = ctx;
    this.env = env;
  }

  async createFunction(f: NewFunction): Promise<FunctionSnapshot> {
    const now = this.ctx.clock.now();
    const s = newLatest(f, randomUUID(), now);
    const row = await this.ctx.writes.run(
      () => this.ctx.stmt(INSERT_FUNCTION).get(f.userId, f.name, ...snapshotValues(s, this.env), now) as Row | undefined,
    );
    if (!row) throw functionErrors.exists(f.name);
    return this.fromRow(row);
  }

  async getFunction(userId: string, name: string, qualifier: Qualifier = { kind: 'latest' }): Promise<FunctionSnapshot | null> {
    let version: VersionRef;
    if (qualifier.kind === 'alias') {
      const alias = await this.getAlias(userId, name, qualifier.alias);
      if (!alias) return null;
      version = resolveQualifier(name, qualifier, alias);
    } else version = resolveQualifier(name, qualifier, null);
    const row = (
      version === LATEST ? this.ctx.stmt(SELECT_FUNCTION).get(userId, name) : this.ctx.stmt(SELECT_VERSION).get(userId, name, version)
    ) as Row | undefined;
    return row ? this.fromRow(row) : null;
  }

  async listFunctions(f: FunctionListFilter): Promise<Page<FunctionSnapshot>> {
    const after = f.after ? decodeNameCursor(f.after) : '';
    const rows = this.ctx.stmt(LIST_FUNCTIONS).all(f.userId, after, rowsForPage(f.limit)) as Row[];
    return pageOf(rows, f.limit, this.fromRow, (last) => encodeNameCursor(String(last.name)));
  }

  updateFunctionCode(userId: string, name: string, code: FunctionCode, expectRevisionId?: string): Promise<FunctionSnapshot> {
    return this.updateLatest(userId, name, { kind: 'code', code }, expectRevisionId);
  }

  updateFunctionConfiguration(
    userId: string,
    name: string,
    patch: FunctionConfigPatch,
    expectRevisionId?: string,
  ): Promise<FunctionSnapshot> {
    return this.updateLatest(userId, name, { kind: 'config', patch }, expectRevisionId);
  }

  private async updateLatest(
    userId: string,
    name: string,
    change: LatestChange,
    expectRevisionId: string | undefined,
  ): Promise<FunctionSnapshot> {
    const revisionId = randomUUID();
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => {
      const next = changedLatest(this.latest(userId, name), change, expectRevisionId, revisionId, now);
      return this.ctx.stmt(UPDATE_SNAPSHOT).get(...snapshotValues(next, this.env), userId, name) as Row;
    });
    return this.fromRow(row);
  }

  /** Inside a write: $LATEST, or NotFound. */
  private latest(userId: string, name: string): FunctionSnapshot {
    const row = this.ctx.stmt(SELECT_FUNCTION).get(userId, name) as Row | undefined;
    if (!row) throw functionErrors.notFound(name);
    return this.fromRow(row);
  }

  async deleteFunction(userId: string, name: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_FUNCTION).run(userId, name).changes) > 0);
  }

  async publishVersion(userId: string, name: string, opts: PublishOptions = {}): Promise<FunctionSnapshot> {
    const revisionId = randomUUID();
    const now = this.ctx.clock.now();
    return this.ctx.writes.run(() => {
      const latest = this.latest(userId, name);
      const lastRow = this.ctx.stmt(LAST_VERSION).get(userId, name) as Row | undefined;
      const highest = Number((this.ctx.stmt(HIGHEST_VERSION).get(userId, name) as Row).last_version);
      const plan = planPublish(latest, lastRow ? this.fromRow(lastRow) : null, opts, revisionId, now, highest);
      if (plan.kind === 'new') {
        this.ctx.stmt(INSERT_VERSION).run(userId, name, plan.version.version, ...snapshotValues(plan.version, this.env));
        this.ctx.stmt(SET_HIGHEST_VERSION).run(plan.version.version, userId, name);
      }
      return plan.version;
    });
  }

  async deleteVersion(userId: string, name: string, version: number): Promise<boolean> {
    return this.ctx.writes.run(() => {
      this.mustExist(userId, name);
      checkVersionDeletable(name, version, (this.ctx.stmt(LIST_ALIASES).all(userId, name) as Row[]).map(aliasFromRow));
      const deleted = Number(this.ctx.stmt(DELETE_VERSION).run(userId, name, version).changes) > 0;
      // Its asynchronous invocation settings go with it (Lambda's are the version's).
      if (deleted) this.ctx.stmt(DELETE_EVENT_CONFIG).run(userId, name, String(version));
      return deleted;
    });
  }

  async listVersions(userId: string, name: string): Promise<FunctionSnapshot[]> {
    this.mustExist(userId, name);
    return (this.ctx.stmt(LIST_VERSIONS).all(userId, name) as Row[]).map(this.fromRow);
  }

  async createAlias(userId: string, functionName: string, input: AliasInput): Promise<FunctionAlias> {
    const a = newAlias(input);
    const revisionId = randomUUID();
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => {
      this.mustExist(userId, functionName);
      this.mustHaveVersion(userId, functionName, a.version);
      return this.ctx
        .stmt(INSERT_ALIAS)
        .get(userId, functionName, a.name, aliasVersionValue(a.version), a.description, revisionId, now, now) as Row | undefined;
    });
    if (!row) throw functionErrors.aliasExists(functionName, a.name);
    return aliasFromRow(row);
  }

  async getAlias(userId: string, functionName: string, name: string): Promise<FunctionAlias | null> {
    const row = this.ctx.stmt(SELECT_ALIAS).get(userId, functionName, name) as Row | undefined;
    return row ? aliasFromRow(row) : null;
  }

  async updateAlias(
    userId: string,
    functionName: string,
    name: string,
    patch: { version?: VersionRef; description?: string },
    expectRevisionId?: string,
  ): Promise<FunctionAlias> {
    const revisionId = randomUUID();
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => {
      const currentRow = this.ctx.stmt(SELECT_ALIAS).get(userId, functionName, name) as Row | undefined;
      if (!currentRow) throw functionErrors.aliasNotFound(functionName, name);
      const next = applyAliasPatch(aliasFromRow(currentRow), patch, expectRevisionId);
      this.mustHaveVersion(userId, functionName, next.version);
      return this.ctx
        .stmt(UPDATE_ALIAS)
        .get(aliasVersionValue(next.version), next.description, revisionId, now, userId, functionName, name) as Row;
    });
    return aliasFromRow(row);
  }

  async deleteAlias(userId: string, functionName: string, name: string): Promise<boolean> {
    return this.ctx.writes.run(() => {
      const deleted = Number(this.ctx.stmt(DELETE_ALIAS).run(userId, functionName, name).changes) > 0;
      // Its asynchronous invocation settings go with it, as Lambda's do.
      if (deleted) this.ctx.stmt(DELETE_EVENT_CONFIG).run(userId, functionName, name);
      return deleted;
    });
  }

  async listAliases(userId: string, functionName: string): Promise<FunctionAlias[]> {
    this.mustExist(userId, functionName);
    return (this.ctx.stmt(LIST_ALIASES).all(userId, functionName) as Row[]).map(aliasFromRow);
  }

  async putConcurrency(userId: string, name: string, reserved: number): Promise<number> {
    checkReservedConcurrency(reserved);
    await this.setConcurrency(userId, name, reserved);
    return reserved;
  }

  async getConcurrency(userId: string, name: string): Promise<number | null> {
    const row = this.ctx.stmt(SELECT_CONCURRENCY).get(userId, name) as Row | undefined;
    if (!row) throw functionErrors.notFound(name);
    return row.reserved_concurrency === null ? null : Number(row.reserved_concurrency);
  }

  async deleteConcurrency(userId: string, name: string): Promise<void> {
    await this.setConcurrency(userId, name, null);
  }

  /** Reserved concurrency is the function's, not a version's: it changes no revision. */
  private async setConcurrency(userId: string, name: string, reserved: number | null): Promise<void> {
    const row = await this.ctx.writes.run(() => this.ctx.stmt(SET_CONCURRENCY).get(reserved, userId, name) as Row | undefined);
    if (!row) throw functionErrors.notFound(name);
  }

  async putCircuitBreaker(userId: string, name: string, config: BreakerConfig): Promise<StoredBreakerConfig> {
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(
      () => this.ctx.stmt(UPSERT_BREAKER).get(userId, name, ...breakerValues(config), now) as Row | undefined,
    );
    if (!row) throw functionErrors.notFound(name);
    return breakerFromRow(row);
  }

  async getCircuitBreaker(userId: string, name: string): Promise<StoredBreakerConfig | null> {
    const row = this.ctx.stmt(SELECT_BREAKER).get(userId, name) as Row | undefined;
    return row ? breakerFromRow(row) : null;
  }

  async deleteCircuitBreaker(userId: string, name: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_BREAKER).run(userId, name).changes) > 0);
  }

  async shareCircuitBreakerTransition(userId: string, name: string, updatedAt: number, t: BreakerTransition): Promise<boolean> {
    return this.ctx.writes.run(
      () => Number(this.ctx.stmt(SHARE_BREAKER_TRANSITION).run(...transitionValues(t), userId, name, updatedAt).changes) > 0,
    );
  }

  async putEventInvokeConfig(
    userId: string,
    name: string,
    qualifier: string,
    patch: EventInvokeConfigPatch,
    replace: boolean,
  ): Promise<EventInvokeConfig> {
    const now = this.ctx.clock.now();
    return this.ctx.writes.run(() => {
      this.mustExist(userId, name);
      this.mustHaveQualifier(userId, name, qualifier);
      const row = this.ctx.stmt(SELECT_EVENT_CONFIG).get(userId, name, qualifier) as Row | undefined;
      if (!row && !replace) throw eventConfigNotFound(name, qualifier);
      const next = applyEventInvokePatch(row ? eventConfigFromRow(row) : null, { functionName: name, qualifier }, patch, replace, now);
      this.ctx.stmt(UPSERT_EVENT_CONFIG).run(userId, name, qualifier, ...eventConfigValues(next));
      return next;
    });
  }

  async getEventInvokeConfig(userId: string, name: string, qualifier: string): Promise<EventInvokeConfig | null> {
    const row = this.ctx.stmt(SELECT_EVENT_CONFIG).get(userId, name, qualifier) as Row | undefined;
    return row ? eventConfigFromRow(row) : null;
  }

  async deleteEventInvokeConfig(userId: string, name: string, qualifier: string): Promise<boolean> {
    return this.ctx.writes.run(() => Number(this.ctx.stmt(DELETE_EVENT_CONFIG).run(userId, name, qualifier).changes) > 0);
  }

  async listEventInvokeConfigs(userId: string, name: string): Promise<EventInvokeConfig[]> {
    this.mustExist(userId, name);
    return (this.ctx.stmt(LIST_EVENT_CONFIGS).all(userId, name) as Row[]).map(eventConfigFromRow);
  }

  private mustExist(userId: string, name: string): void {
    if (!this.ctx.stmt(SELECT_FUNCTION).get(userId, name)) throw functionErrors.notFound(name);
  }

  /** In the write that sets a configuration: an alias or version deleted meanwhile (and its
   *  configuration with it) gets none left behind. */
  private mustHaveQualifier(userId: string, name: string, qualifier: string): void {
    const q = parseQualifier(qualifier);
    if (q.kind === 'version') this.mustHaveVersion(userId, name, q.version);
    else if (q.kind === 'alias' && !this.ctx.stmt(SELECT_ALIAS).get(userId, name, q.alias))
      throw functionErrors.aliasNotFound(name, q.alias);
  }

  private mustHaveVersion(userId: string, name: string, version: VersionRef): void {
    if (version !== LATEST && !this.ctx.stmt(SELECT_VERSION).get(userId, name, version)) throw functionErrors.notFound(name, version);
  }
}

/** The functions' and versions' environments kept plain (written before sealing), keyed as
 *  SEAL_PLAIN updates them: user_id, name, version (NULL for $LATEST), environment. */
const PLAIN_ENVIRONMENTS = `SELECT user_id, name, NULL AS version, environment FROM functions
    WHERE json_type(environment) = 'object' AND environment <> '{}'
  UNION ALL SELECT user_id, function_name, version, environment FROM function_versions
    WHERE json_type(environment) = 'object' AND environment <> '{}'`;

/** The sealed environment, then user_id, name and the plain text it replaces. */
const SEAL_PLAIN_FUNCTION = `UPDATE functions SET environment = ? WHERE user_id = ? AND name = ? AND environment = ?`;

/** The sealed environment, then user_id, function_name, the plain text it replaces, version. */
const SEAL_PLAIN_VERSION = `UPDATE function_versions SET environment = ? WHERE user_id = ? AND function_name = ? AND environment = ? AND version = ?`;

/**
 * Seals every environment still kept plain, in one write, once start-up's key check has passed
 * (sealed-environment.ts says why then rather than at the next write, and why not before the
 * check). Each update is conditional on the plain text, so a process that did it meanwhile is
 * not undone. Answers how many rows it sealed.
 */
export async function sealPlainEnvironments(ctx: SqliteContext, env: SealedEnvironment): Promise<number> {
  if (!env.sealing) return 0;
  const rows = ctx.stmt(PLAIN_ENVIRONMENTS).all() as Row[];
  if (rows.length === 0) return 0;
  await ctx.writes.run(() => {
    for (const r of rows) {
      const [userId, name, plain] = [String(r.user_id), String(r.name), String(r.environment)];
      const sealed = env.write(userId, name, JSON.parse(plain) as Record<string, string>);
      if (r.version === null) ctx.stmt(SEAL_PLAIN_FUNCTION).run(sealed, userId, name, plain);
      else ctx.stmt(SEAL_PLAIN_VERSION).run(sealed, userId, name, plain, Number(r.version));
    }
  });
  return rows.length;
}
