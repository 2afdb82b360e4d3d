/**
 * The one database handle every part of the PostgreSQL store shares: the pool, the schema it
 * is migrated to, the clock every time is kept in (the host's corrected to the database
 * server's, clock.ts, or an injected one), and statements and transactions that report a lost
 * connection as STORE_UNAVAILABLE.
 */
import pg from 'pg';
import { ErrorCode, Unavailable } from '../../core/index.ts';
import type { Row } from '../row.ts';
import type { Sealer } from '../sealed-environment.ts';
import { systemClock, type Clock, type RetryPolicy } from '../../core/index.ts';
import { CLOCK_SYNC_MS, DatabaseClock } from './clock.ts';
import { migrate } from './migrate.ts';

export interface PostgresStoreOptions {
  /** Connection URL, e.g. postgres://hangar@db:5432/hangar. */
  url: string;
  /** Schema holding the tables (created and migrated on start): a lower-case identifier of at
   *  most 50 characters. Default 'public'. */
  schema?: string;
  /** This host's clock (default the system's). */
  clock?: Clock;
  /** Keep time in the database server's clock: the host clock plus their measured offset,
   *  measured at open and every minute. Default: on unless a clock is injected (tests that
   *  drive time by hand keep it exact). */
  syncClock?: boolean;
  random?: () => number;
  retry?: RetryPolicy;
  /** How long an invocation's function reads are kept in memory, ms (store/cached-functions.ts,
   *  forgotten at every write any process announces); 0: not at all. */
  functionReadTtlMs?: number;
  /** Connections in the pool (default 10), plus one for LISTEN once someone subscribes. */
  poolSize?: number;
  /** Seals functions' environment variables at rest (sealed-environment.ts): the secrets
   *  master key's box. Without one (tests and tools that hold no key) they are kept plain. */
  sealer?: Sealer;
}

/** BIGINT as a number (times are ms since the epoch), JSON as its text (row.ts parses it, and
 *  `result` is kept as text); the rest as pg's defaults. */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8) return Number;
    if (oid === pg.types.builtins.JSON || oid === pg.types.builtins.JSONB) return (text: string) => text;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/** A transaction on one pooled connection. */
export interface Tx {
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs once the transaction has ended, committed or not. */
  onEnd(fn: (committed: boolean) => void): void;
}

/** Names of the statements sent so far, by text. */
const statementNames = new Map<string, string>();

/**
 * A statement as a named prepared statement: each connection parses it once and, after a few
 * runs, reuses one plan, instead of parsing and planning it on every call (measured: a claim
 * of 10 went from 1.46 to 1.08 ms, a submit from 1.4 to 1.0 ms). The store's statements are
 * constants or built from a handful of fixed parts, so connections keep few of them.
 */
function prepared(text: string, values?: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `hangar_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

export class Db {
  readonly schema: string;
  /** How a connection is made: the pool's, and the LISTEN session's (notifier.ts). */
  readonly connection: pg.ClientConfig;
  private readonly clock: Clock;
  /** Settles once the schema is migrated (and the clock first measured): every statement waits for it. */
  readonly migrated: Promise<void>;
  private readonly pool: pg.Pool;
  private readonly dbClock: DatabaseClock | null;
  private clockTimer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(opts: PostgresStoreOptions) {
    const schema = opts.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,49}$/.test(schema)) {
      throw new Error(`schema '${schema}' is not a lower-case identifier of at most 50 characters`);
    }
    this.schema = schema;
    // TCP keepalive (first probe after a minute idle) holds the pool's idle connections and the
    // LISTEN session through middleboxes that drop idle flows, and lets a dropped one be seen.
    // `hangar <schema>` in pg_stat_activity: whose connections these are.
    this.connection = {
      connectionString: opts.url,
      options: `-c search_path=${schema}`,
      application_name: `hangar ${schema}`,
      types: TYPES,
      keepAlive: true,
      keepAliveInitialDelayMillis: 60_000,
    };
    // Connections stay open once made (pg-pool closes idle ones after 10 s by default): a new
    // one starts with cold caches, and its first claim took 30 ms more than a warm one's
    // (measured, 10 at once after an 11 s pause: 39.5 ms against 9). Idle ones do not keep
    // the process alive.
    this.pool = new pg.Pool({ ...this.connection, max: opts.poolSize ?? 10, idleTimeoutMillis: 0, allowExitOnIdle: true });
    // An idle connection that breaks is dropped from the pool; the next query opens another.
    this.pool.on('error', () => {});
    // One that breaks while checked out fails its query (which reports it); the client's own
    // 'error' event must not go unheard, or it ends the process.
    this.pool.on('connect', (client) => client.on('error', () => {}));
    this.dbClock = (opts.syncClock ?? !opts.clock) ? new DatabaseClock(opts.clock ?? systemClock) : null;
    this.clock = this.dbClock ?? opts.clock ?? systemClock;
    const clock = this.dbClock;
    this.migrated = migrate(this.pool, schema, this.clock.now()).then(async () => {
      if (!clock) return;
      await clock.sync(this.pool);
      this.clockTimer = setInterval(() => void clock.sync(this.pool).catch(() => {}), CLOCK_SYNC_MS);
      this.clockTimer.unref();
    });
    // Not unhandled: every query awaits it and reports the failure.
    this.migrated.catch(() => {});
  }

  now(): number {
    return this.clock.now();
  }

  /** The database server's clock minus this host's, ms, as last measured (0 with an injected
   *  clock): what every time this store keeps is corrected by. */
  get clockOffsetMs(): number {
    return this.dbClock?.offsetMs ?? 0;
  }

  /** The store is closing: no more notices, offers or LISTEN sessions. */
  get closed(): boolean {
    return this.closing;
  }

  async query(sql: string, params?: unknown[]): Promise<pg.QueryResult<Row>> {
    await this.migrated;
    try {
      return await this.pool.query<Row>(prepared(sql, params));
    } catch (err) {
      throw unavailable(err);
    }
  }

  async rows(sql: string, params?: unknown[]): Promise<Row[]> {
    return (await this.query(sql, params)).rows;
  }

  /** Runs `fn` between BEGIN and COMMIT on one connection; ROLLBACK if it throws. */
  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    await this.migrated;
    try {
      return await this.txOnce(fn);
    } catch (err) {
      throw unavailable(err);
    }
  }

  private async txOnce<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const ends: ((committed: boolean) => void)[] = [];
    let committed = false;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const out = await fn({
        query: async (sql, params) => (await client.query<Row>(prepared(sql, params))).rows,
        onEnd: (f) => ends.push(f),
      });
      await client.query('COMMIT');
      committed = true;
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      client.release(broken);
      for (const f of ends) f(committed);
    }
  }

  /** The first step of closing: stops measuring the clock, and marks the handle closed. */
  beginClose(): void {
    this.closing = true;
    if (this.clockTimer) clearInterval(this.clockTimer);
  }

  /** The last step of closing: ends the pool (once migration has settled). */
  async end(): Promise<void> {
    await this.migrated.catch(() => {});
    await this.pool.end();
  }
}

/**
 * A database that cannot be reached (refused, dropped, shutting down or starting up) becomes
 * STORE_UNAVAILABLE: the API answers 503 with Retry-After, workers retry what they were
 * recording. Anything else is passed on as it is.
 */
function unavailable(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  const gone =
    (typeof code === 'string' &&
      (/^(08|57P0[1-3])/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code))) ||
    (err instanceof Error && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(err.message));
  if (!gone) return err;
  return new Unavailable(ErrorCode.StoreUnavailable, `the database cannot be reached (${(err as Error).message}); retry shortly`, 1, {
    cause: err,
  });
}

export function isUniqueViolation(err: unknown, constraint: string): boolean {
  return err instanceof pg.DatabaseError && err.code === '23505' && err.constraint === constraint;
}
