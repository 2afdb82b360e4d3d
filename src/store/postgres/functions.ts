/**
 * The functions port on PostgreSQL. A change reads its function row FOR UPDATE, decides
 * (core/function.ts) and writes in one transaction, so concurrent updates and publishes of one
 * function run one after the other; a create is one INSERT that the primary key lets only one
 * of two concurrent creates make.
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
import type { Row } from '../row.ts';
import type { SealedEnvironment } from '../sealed-environment.ts';
import type { Db, Tx } from './db.ts';

/** The snapshot's SNAPSHOT_SIZE values as $from..$from+SNAPSHOT_SIZE-1. */
const snapshotParams = (from: number) => Array.from({ length: SNAPSHOT_SIZE }, (_, i) => `$${from + i}`).join(', ');

/** user_id, name, the snapshot's values ($3...), created_at. Nothing if the name is taken. */
const INSERT_FUNCTION = `INSERT INTO functions (user_id, name, ${SNAPSHOT_COLUMNS}, created_at)
  VALUES ($1, $2, ${snapshotParams(3)}, $${3 + SNAPSHOT_SIZE}) ON CONFLICT (user_id, name) DO NOTHING RETURNING *`;

/** user_id, name. */
const SELECT_FUNCTION = `SELECT * FROM functions WHERE user_id = $1 AND name = $2`;

/** user_id, name: the row, locked until the transaction ends. */
const LOCK_FUNCTION = `SELECT * FROM functions WHERE user_id = $1 AND name = $2 FOR UPDATE`;

/** user_id, after name ('' for the first page), limit. */
const LIST_FUNCTIONS = `SELECT * FROM functions WHERE user_id = $1 AND name > $2 ORDER BY name LIMIT $3`;

/** The snapshot's values ($1...), user_id, name. */
const UPDATE_SNAPSHOT = `UPDATE functions SET (${SNAPSHOT_COLUMNS}) = (${snapshotParams(1)})
  WHERE user_id = $${1 + SNAPSHOT_SIZE} AND name = $${2 + SNAPSHOT_SIZE} RETURNING *`;

/** user_id, name. Versions and aliases go with it (ON DELETE CASCADE). */
const DELETE_FUNCTION = `DELETE FROM functions WHERE user_id = $1 AND name = $2`;

/** user_id, function_name, version, the snapshot's values ($4...). */
const INSERT_VERSION = `INSERT INTO function_versions (user_id, function_name, version, ${SNAPSHOT_COLUMNS})
  VALUES ($1, $2, $3, ${snapshotParams(4)}) RETURNING *`;

/** user_id, function_name, version. */
const SELECT_VERSION = `SELECT * FROM function_versions WHERE user_id = $1 AND function_name = $2 AND version = $3`;

/** user_id, function_name: the last published version. */
const LAST_VERSION = `SELECT * FROM function_versions WHERE user_id = $1 AND function_name = $2 ORDER BY version DESC LIMIT 1`;

/** last_version, user_id, name: the highest version number the function has had. */
const SET_HIGHEST_VERSION = `UPDATE functions SET last_version = $1 WHERE user_id = $2 AND name = $3`;

/** user_id, function_name, version. */
const DELETE_VERSION = `DELETE FROM function_versions WHERE user_id = $1 AND function_name = $2 AND version = $3 RETURNING version`;

/** user_id, function_name: locked, so an alias is not moved onto a version being deleted. */
const LOCK_ALIASES = `SELECT * FROM function_aliases WHERE user_id = $1 AND function_name = $2 ORDER BY name FOR UPDATE`;

/** user_id, function_name. */
const LIST_VERSIONS = `SELECT * FROM function_versions WHERE user_id = $1 AND function_name = $2 ORDER BY version`;

/** user_id, function_name, name, version (NULL: $LATEST), description, revision_id, now. */
const INSERT_ALIAS = `INSERT INTO function_aliases (user_id, function_name, name, version, description, revision_id, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (user_id, function_name, name) DO NOTHING RETURNING *`;

/** user_id, function_name, name. */
const SELECT_ALIAS = `SELECT * FROM function_aliases WHERE user_id = $1 AND function_name = $2 AND name = $3`;

/** user_id, function_name, name: the alias, locked until the transaction ends. */
const LOCK_ALIAS = `${SELECT_ALIAS} FOR UPDATE`;

/** version, description, revision_id, updated_at, user_id, function_name, name. */
const UPDATE_ALIAS = `UPDATE function_aliases SET version = $1, description = $2, revision_id = $3, updated_at = $4
  WHERE user_id = $5 AND function_name = $6 AND name = $7 RETURNING *`;

/** user_id, function_name, name. */
const DELETE_ALIAS = `DELETE FROM function_aliases WHERE user_id = $1 AND function_name = $2 AND name = $3 RETURNING name`;

/** user_id, function_name. */
const LIST_ALIASES = `SELECT * FROM function_aliases WHERE user_id = $1 AND function_name = $2 ORDER BY name`;

/** reserved (NULL: unreserved), user_id, name. */
const SET_CONCURRENCY = `UPDATE functions SET reserved_concurrency = $1 WHERE user_id = $2 AND name = $3 RETURNING reserved_concurrency`;

/** user_id, name. */
const SELECT_CONCURRENCY = `SELECT reserved_concurrency FROM functions WHERE user_id = $1 AND name = $2`;

/** user_id, name, then breakerValues, updated_at: written only when the function is there (no
 *  row back: it is not). */
const UPSERT_BREAKER = `INSERT INTO function_circuit_breakers
  (user_id, function_name, failure_threshold, window_seconds, cooldown_seconds, probes, updated_at)
  SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM functions WHERE user_id = $1 AND name = $2)
  ON CONFLICT (user_id, function_name) DO UPDATE SET failure_threshold = EXCLUDED.failure_threshold,
  window_seconds = EXCLUDED.window_seconds, cooldown_seconds = EXCLUDED.cooldown_seconds, probes = EXCLUDED.probes,
  updated_at = EXCLUDED.updated_at, changed_at = 0, opened_at = NULL, probe_at = NULL
  RETURNING *`;

/** user_id, function_name. */
const SELECT_BREAKER = `SELECT * FROM function_circuit_breakers WHERE user_id = $1 AND function_name = $2`;

/** user_id, function_name. */
const DELETE_BREAKER = `DELETE FROM function_circuit_breakers WHERE user_id = $1 AND function_name = $2 RETURNING function_name`;

/** transitionValues (opened_at, probe_at, changed_at), then user_id, function_name, updated_at:
 *  the later transition of the configuration put at updated_at wins. */
const SHARE_BREAKER_TRANSITION = `UPDATE function_circuit_breakers SET opened_at = $1, probe_at = $2, changed_at = $3
  WHERE user_id = $4 AND function_name = $5 AND updated_at = $6 AND changed_at < $3 RETURNING function_name`;

/** user_id, function_name, qualifier. */
const SELECT_EVENT_CONFIG = `SELECT * FROM function_event_configs WHERE user_id = $1 AND function_name = $2 AND qualifier = $3`;

/** user_id, function_name, qualifier, then EVENT_CONFIG_COLUMNS' values. */
const UPSERT_EVENT_CONFIG = `INSERT INTO function_event_configs (user_id, function_name, qualifier, ${EVENT_CONFIG_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, function_name, qualifier) DO UPDATE SET
  max_retry_attempts = excluded.max_retry_attempts, max_event_age_s = excluded.max_event_age_s,
  on_success = excluded.on_success, on_failure = excluded.on_failure, last_modified = excluded.last_modified`;

/** user_id, function_name, qualifier. */
const DELETE_EVENT_CONFIG = `DELETE FROM function_event_configs WHERE user_id = $1 AND function_name = $2 AND qualifier = $3 RETURNING qualifier`;

/** user_id, function_name. */
const LIST_EVENT_CONFIGS = `SELECT * FROM function_event_configs WHERE user_id = $1 AND function_name = $2 ORDER BY qualifier`;

export class PgFunctions implements Functions {
  private readonly db: Db;
  /** How the environment column is sealed and opened (sealed-environment.ts). */
  private readonly env: SealedEnvironment;
  private readonly fromRow = (r: Row): FunctionSnapshot => snapshotFromRow(r, this.env);

  constructor(db: Db, env: SealedEnvironment) {
    this.db = db;
    this.env = env;
  }

  async createFunction(f: NewFunction): Promise<FunctionSnapshot> {
    const now = this.db.now();
    const s = newLatest(f, randomUUID(), now);
    const [row] = await this.db.rows(INSERT_FUNCTION, [f.userId, f.name, ...snapshotValues(s, this.env), now]);
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
    const [row] =
      version === LATEST
        ? await this.db.rows(SELECT_FUNCTION, [userId, name])
        : await this.db.rows(SELECT_VERSION, [userId, name, version]);
    return row ? this.fromRow(row) : null;
  }

  async listFunctions(f: FunctionListFilter): Promise<Page<FunctionSnapshot>> {
    const after = f.after ? decodeNameCursor(f.after) : '';
    const rows = await this.db.rows(LIST_FUNCTIONS, [f.userId, after, rowsForPage(f.limit)]);
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

  private updateLatest(
    userId: string,
    name: string,
    change: LatestChange,
    expectRevisionId: string | undefined,
  ): Promise<FunctionSnapshot> {
    return this.db.tx(async (tx) => {
      const next = changedLatest(this.fromRow(await latest(tx, userId, name)), change, expectRevisionId, randomUUID(), this.db.now());
      const [row] = await tx.query(UPDATE_SNAPSHOT, [...snapshotValues(next, this.env), userId, name]);
      return this.fromRow(row);
    });
  }

  async deleteFunction(userId: string, name: string): Promise<boolean> {
    return ((await this.db.query(DELETE_FUNCTION, [userId, name])).rowCount ?? 0) > 0;
  }

  publishVersion(userId: string, name: string, opts: PublishOptions = {}): Promise<FunctionSnapshot> {
    return this.db.tx(async (tx) => {
      // Locking $LATEST orders concurrent publishes: the second sees the first's version.
      const [locked] = await tx.query(LOCK_FUNCTION, [userId, name]);
      if (!locked) throw functionErrors.notFound(name);
      const [lastRow] = await tx.query(LAST_VERSION, [userId, name]);
      const highest = Number(locked.last_version);
      const plan = planPublish(this.fromRow(locked), lastRow ? this.fromRow(lastRow) : null, opts, randomUUID(), this.db.now(), highest);
      if (plan.kind === 'existing') return plan.version;
      const [row] = await tx.query(INSERT_VERSION, [userId, name, plan.version.version, ...snapshotValues(plan.version, this.env)]);
      await tx.query(SET_HIGHEST_VERSION, [plan.version.version, userId, name]);
      return this.fromRow(row);
    });
  }

  deleteVersion(userId: string, name: string, version: number): Promise<boolean> {
    return this.db.tx(async (tx) => {
      // The function locked as a publish locks it, then its aliases: none moves onto the version meanwhile.
      await latest(tx, userId, name);
      checkVersionDeletable(name, version, (await tx.query(LOCK_ALIASES, [userId, name])).map(aliasFromRow));
      const deleted = (await tx.query(DELETE_VERSION, [userId, name, version])).length > 0;
      // Its asynchronous invocation settings go with it (Lambda's are the version's).
      if (deleted) await tx.query(DELETE_EVENT_CONFIG, [userId, name, String(version)]);
      return deleted;
    });
  }

  async listVersions(userId: string, name: string): Promise<FunctionSnapshot[]> {
    await this.mustExist(userId, name);
    return (await this.db.rows(LIST_VERSIONS, [userId, name])).map(this.fromRow);
  }

  async createAlias(userId: string, functionName: string, input: AliasInput): Promise<FunctionAlias> {
    const a = newAlias(input);
    const row = await this.db.tx(async (tx) => {
      // Locked, so the function is not deleted between this check and the insert.
      await latest(tx, userId, functionName);
      await mustHaveVersion(tx, userId, functionName, a.version);
      const now = this.db.now();
      const [inserted] = await tx.query(INSERT_ALIAS, [
        userId,
        functionName,
        a.name,
        aliasVersionValue(a.version),
        a.description,
        randomUUID(),
        now,
      ]);
      return inserted;
    });
    if (!row) throw functionErrors.aliasExists(functionName, a.name);
    return aliasFromRow(row);
  }

  async getAlias(userId: string, functionName: string, name: string): Promise<FunctionAlias | null> {
    const [row] = await this.db.rows(SELECT_ALIAS, [userId, functionName, name]);
    return row ? aliasFromRow(row) : null;
  }

  updateAlias(
    userId: string,
    functionName: string,
    name: string,
    patch: { version?: VersionRef; description?: string },
    expectRevisionId?: string,
  ): Promise<FunctionAlias> {
    return this.db.tx(async (tx) => {
      const [currentRow] = await tx.query(LOCK_ALIAS, [userId, functionName, name]);
      if (!currentRow) throw functionErrors.aliasNotFound(functionName, name);
      const next = applyAliasPatch(aliasFromRow(currentRow), patch, expectRevisionId);
      await mustHaveVersion(tx, userId, functionName, next.version);
      const [row] = await tx.query(UPDATE_ALIAS, [
        aliasVersionValue(next.version),
        next.description,
        randomUUID(),
        this.db.now(),
        userId,
        functionName,
        name,
      ]);
      return aliasFromRow(row);
    });
  }

  deleteAlias(userId: string, functionName: string, name: string): Promise<boolean> {
    return this.db.tx(async (tx) => {
      const deleted = (await tx.query(DELETE_ALIAS, [userId, functionName, name])).length > 0;
      // Its asynchronous invocation settings go with it, as Lambda's do.
      if (deleted) await tx.query(DELETE_EVENT_CONFIG, [userId, functionName, name]);
      return deleted;
    });
  }

  async listAliases(userId: string, functionName: string): Promise<FunctionAlias[]> {
    await this.mustExist(userId, functionName);
    return (await this.db.rows(LIST_ALIASES, [userId, functionName])).map(aliasFromRow);
  }

  async putConcurrency(userId: string, name: string, reserved: number): Promise<number> {
    checkReservedConcurrency(reserved);
    await this.setConcurrency(userId, name, reserved);
    return reserved;
  }

  async getConcurrency(userId: string, name: string): Promise<number | null> {
    const [row] = await this.db.rows(SELECT_CONCURRENCY, [userId, name]);
    if (!row) throw functionErrors.notFound(name);
    return row.reserved_concurrency === null ? null : Number(row.reserved_concurrency);
  }

  async deleteConcurrency(userId: string, name: string): Promise<void> {
    await this.setConcurrency(userId, name, null);
  }

  /** Reserved concurrency is the function's, not a version's: it changes no revision. */
  private async setConcurrency(userId: string, name: string, reserved: number | null): Promise<void> {
    const [row] = await this.db.rows(SET_CONCURRENCY, [reserved, userId, name]);
    if (!row) throw functionErrors.notFound(name);
  }

  async putCircuitBreaker(userId: string, name: string, config: BreakerConfig): Promise<StoredBreakerConfig> {
    const [row] = await this.db.rows(UPSERT_BREAKER, [userId, name, ...breakerValues(config), this.db.now()]);
    if (!row) throw functionErrors.notFound(name);
    return breakerFromRow(row);
  }

  async getCircuitBreaker(userId: string, name: string): Promise<StoredBreakerConfig | null> {
    const [row] = await this.db.rows(SELECT_BREAKER, [userId, name]);
    return row ? breakerFromRow(row) : null;
  }

  async deleteCircuitBreaker(userId: string, name: string): Promise<boolean> {
    return (await this.db.rows(DELETE_BREAKER, [userId, name])).length > 0;
  }

  async shareCircuitBreakerTransition(userId: string, name: string, updatedAt: number, t: BreakerTransition): Promise<boolean> {
    return (await this.db.rows(SHARE_BREAKER_TRANSITION, [...transitionValues(t), userId, name, updatedAt])).length > 0;
  }

  /** The function's row is locked first: a Put and an Update of one configuration, or a Put
   *  and the function's delete, run one after the other. */
  async putEventInvokeConfig(
    userId: string,
    name: string,
    qualifier: string,
    patch: EventInvokeConfigPatch,
    replace: boolean,
  ): Promise<EventInvokeConfig> {
    return this.db.tx(async (tx) => {
      const now = this.db.now();
      if ((await tx.query(LOCK_FUNCTION, [userId, name])).length === 0) throw functionErrors.notFound(name);
      // Its version (deleted under the function's lock) or its alias (locked here, so a
      // deleteAlias waits, then deletes this configuration too) must still be there.
      const q = parseQualifier(qualifier);
      if (q.kind === 'version') await mustHaveVersion(tx, userId, name, q.version);
      else if (q.kind === 'alias' && (await tx.query(LOCK_ALIAS, [userId, name, q.alias])).length === 0)
        throw functionErrors.aliasNotFound(name, q.alias);
      const [row] = await tx.query(SELECT_EVENT_CONFIG, [userId, name, qualifier]);
      if (!row && !replace) throw eventConfigNotFound(name, qualifier);
      const next = applyEventInvokePatch(row ? eventConfigFromRow(row) : null, { functionName: name, qualifier }, patch, replace, now);
      await tx.query(UPSERT_EVENT_CONFIG, [userId, name, qualifier, ...eventConfigValues(next)]);
      return next;
    });
  }

  async getEventInvokeConfig(userId: string, name: string, qualifier: string): Promise<EventInvokeConfig | null> {
    const [row] = await this.db.rows(SELECT_EVENT_CONFIG, [userId, name, qualifier]);
    return row ? eventConfigFromRow(row) : null;
  }

  async deleteEventInvokeConfig(userId: string, name: string, qualifier: string): Promise<boolean> {
    return (await this.db.rows(DELETE_EVENT_CONFIG, [userId, name, qualifier])).length > 0;
  }

  async listEventInvokeConfigs(userId: string, name: string): Promise<EventInvokeConfig[]> {
    await this.mustExist(userId, name);
    return (await this.db.rows(LIST_EVENT_CONFIGS, [userId, name])).map(eventConfigFromRow);
  }

  private async mustExist(userId: string, name: string): Promise<void> {
    if ((await this.db.rows(SELECT_FUNCTION, [userId, name])).length === 0) throw functionErrors.notFound(name);
  }
}

/** $LATEST's row, locked until the transaction ends; NotFound if there is none. */
async function latest(tx: Tx, userId: string, name: string): Promise<Row> {
  const [row] = await tx.query(LOCK_FUNCTION, [userId, name]);
  if (!row) throw functionErrors.notFound(name);
  return row;
}

async function mustHaveVersion(tx: Tx, userId: string, name: string, version: VersionRef): Promise<void> {
  if (version !== LATEST && (await tx.query(SELECT_VERSION, [userId, name, version])).length === 0)
    throw functionErrors.notFound(name, version);
}

/** The functions' and versions' environments kept plain (written before sealing): user_id,
 *  name, version (NULL for $LATEST), environment. */
const PLAIN_ENVIRONMENTS = `SELECT user_id, name, NULL::int AS version, environment FROM functions
    WHERE jsonb_typeof(environment) = 'object' AND environment <> '{}'::jsonb
  UNION ALL SELECT user_id, function_name, version, environment FROM function_versions
    WHERE jsonb_typeof(environment) = 'object' AND environment <> '{}'::jsonb`;

/** $1 the sealed environment, $2 user_id, $3 name, $4 the plain environment it replaces. */
const SEAL_PLAIN_FUNCTION = `UPDATE functions SET environment = $1 WHERE user_id = $2 AND name = $3 AND environment = $4::jsonb`;

/** As SEAL_PLAIN_FUNCTION, $5 the version. */
const SEAL_PLAIN_VERSION = `UPDATE function_versions SET environment = $1
  WHERE user_id = $2 AND function_name = $3 AND environment = $4::jsonb AND version = $5`;

/**
 * Seals every environment still kept plain, in one transaction, once start-up's key check has
 * passed (sealed-environment.ts says why then rather than at the next write, and why not before
 * the check). Each update
 * is conditional on the plain map, so nodes starting together do not undo each other's, nor a
 * write made meanwhile. Answers how many rows it sealed.
 */
export async function sealPlainEnvironments(db: Db, env: SealedEnvironment): Promise<number> {
  if (!env.sealing) return 0;
  return db.tx(async (tx) => {
    const rows = await tx.query(PLAIN_ENVIRONMENTS);
    for (const r of rows) {
      const [userId, name, plain] = [String(r.user_id), String(r.name), String(r.environment)];
      const sealed = env.write(userId, name, JSON.parse(plain) as Record<string, string>);
      if (r.version === null) await tx.query(SEAL_PLAIN_FUNCTION, [sealed, userId, name, plain]);
      else await tx.query(SEAL_PLAIN_VERSION, [sealed, userId, name, plain, Number(r.version)]);
    }
    return rows.length;
  });
}
