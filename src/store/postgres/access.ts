/**
 * Access: API keys (whose revocation every process's key cache hears of), users' secrets, the
 * audit log, and the request counts that rate limits and route throttles share between nodes.
 */
import { pageOf, rowsForPage } from '../../core/page.ts';
import { auditFromRow, decodeCursor, encodeCursor, keyFromRow, secretFromRow, signingKeyFromRow } from '../row.ts';
import type { ApiKey, AuditEntry, NewApiKey, NewAuditEntry, Page, SecretRecord, SigningKey } from '../../core/index.ts';
import type { AuditFilter, RequestCount } from '../ports/index.ts';
import type { Db } from './db.ts';
import type { Notifier } from './notifier.ts';

/** Parameters of entries to append, one array per column, in step. Ids follow the array order. */
export const APPEND_AUDIT = `
INSERT INTO audit_log (at, actor, key_id, action, target, source, outcome, detail)
SELECT at, actor, key_id, action, target, source, outcome, detail
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
  WITH ORDINALITY AS e(at, actor, key_id, action, target, source, outcome, detail, n)
ORDER BY n`;

/** APPEND_AUDIT's parameters. */
export function auditColumns(entries: NewAuditEntry[]): unknown[][] {
  const column = <T>(f: (e: NewAuditEntry) => T) => entries.map(f);
  return [
    column((e) => e.at),
    column((e) => e.actor),
    column((e) => e.keyId),
    column((e) => e.action),
    column((e) => e.target),
    column((e) => e.source),
    column((e) => e.outcome),
    column((e) => (e.detail ? JSON.stringify(e.detail) : null)),
  ];
}

/** now, window ms, keys, counts (in step): add each count to its key's window, which starts
 *  again at now once past its end; returns every key's window start and total. */
const COUNT_REQUESTS = `
INSERT INTO rate_counts AS r (key, started_at, n)
SELECT k, $1::bigint, c FROM unnest($3::text[], $4::integer[]) AS x(k, c)
ON CONFLICT (key) DO UPDATE SET
  started_at = CASE WHEN r.started_at + $2::bigint <= $1::bigint THEN $1::bigint ELSE r.started_at END,
  n = CASE WHEN r.started_at + $2::bigint <= $1::bigint THEN excluded.n ELSE r.n + excluded.n END
RETURNING key, started_at, n`;

/** keys: their windows' starts and totals. */
const READ_REQUEST_COUNTS = `SELECT key, started_at, n FROM rate_counts WHERE key = ANY($1::text[])`;

/** cutoff: forget the windows that ended before it. */
const PRUNE_REQUEST_COUNTS = `DELETE FROM rate_counts WHERE started_at < $1`;

/** user_id, name, ciphertext, now. `created`: the row is new (xmax is 0 for a fresh insert). */
const PUT_SECRET = `
INSERT INTO secrets (user_id, name, ciphertext, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (user_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at
RETURNING *, (xmax = 0) AS created`;

export class Access {
  private readonly db: Db;
  private readonly notifier: Notifier;
  /** When countRequests last pruned the windows. */
  private lastPrune = 0;

  constructor(db: Db, notifier: Notifier) {
    this.db = db;
    this.notifier = notifier;
  }

  async createKey(k: NewApiKey): Promise<ApiKey> {
    const [row] = await this.db.rows(
      `INSERT INTO api_keys (id, hash, prefix, user_id, scope, name, created_at, sealed_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [k.id, k.hash, k.prefix, k.userId, k.scope, k.name, this.db.now(), k.sealedKey ?? null],
    );
    return keyFromRow(row);
  }

  async keyByHash(hash: string): Promise<ApiKey | null> {
    const [row] = await this.db.rows('SELECT * FROM api_keys WHERE hash = $1', [hash]);
    return row ? keyFromRow(row) : null;
  }

  async signingKey(id: string): Promise<SigningKey | null> {
    const [row] = await this.db.rows('SELECT * FROM api_keys WHERE id = $1', [id]);
    return row ? signingKeyFromRow(row) : null;
  }

  async listKeys(f: { userId?: string }): Promise<ApiKey[]> {
    const rows = f.userId
      ? await this.db.rows('SELECT * FROM api_keys WHERE user_id = $1 ORDER BY created_at, id', [f.userId])
      : await this.db.rows('SELECT * FROM api_keys ORDER BY created_at, id');
    return rows.map(keyFromRow);
  }

  async revokeKey(id: string): Promise<ApiKey | null> {
    const [row] = await this.db.rows('UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING *', [
      this.db.now(),
      id,
    ]);
    if (!row) return null;
    // Every process's key cache drops it: this one's now, the others' with the next notice.
    this.notifier.keysNow();
    return keyFromRow(row);
  }

  async touchKey(id: string, at: number): Promise<void> {
    await this.db.query('UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [at, id]);
  }

  async putSecret(userId: string, name: string, ciphertext: string): Promise<{ secret: SecretRecord; created: boolean }> {
    const [row] = await this.db.rows(PUT_SECRET, [userId, name, ciphertext, this.db.now()]);
    return { secret: secretFromRow(row), created: row.created === true };
  }

  async secretsOf(userId: string, names?: string[]): Promise<SecretRecord[]> {
    const rows = names
      ? await this.db.rows('SELECT * FROM secrets WHERE user_id = $1 AND name = ANY($2::text[]) ORDER BY name', [userId, names])
      : await this.db.rows('SELECT * FROM secrets WHERE user_id = $1 ORDER BY name', [userId]);
    return rows.map(secretFromRow);
  }

  async deleteSecret(userId: string, name: string): Promise<boolean> {
    return ((await this.db.query('DELETE FROM secrets WHERE user_id = $1 AND name = $2', [userId, name])).rowCount ?? 0) > 0;
  }

  async appendAudit(entries: NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.query(APPEND_AUDIT, auditColumns(entries));
  }

  async queryAudit(f: AuditFilter): Promise<Page<AuditEntry>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => (params.push(v), `$${params.length}`);
    if (f.actor) where.push(`actor = ${param(f.actor)}`);
    if (f.action) where.push(`action = ${param(f.action)}`);
    if (f.target) where.push(`target = ${param(f.target)}`);
    if (f.since !== undefined) where.push(`at >= ${param(f.since)}`);
    if (f.until !== undefined) where.push(`at < ${param(f.until)}`);
    if (f.after) where.push(`id < ${param(decodeCursor(f.after))}`);
    const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ${param(rowsForPage(f.limit))}`;
    return pageOf(await this.db.rows(sql, params), f.limit, auditFromRow, (last) => encodeCursor(Number(last.id)));
  }

  async purgeAudit(olderThan: number, limit: number): Promise<number> {
    const r = await this.db.query('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2)', [
      olderThan,
      limit,
    ]);
    return r.rowCount ?? 0;
  }

  async countRequests(
    counts: { key: string; n: number }[],
    windowMs: number,
    watch: string[] = [],
  ): Promise<{ now: number; counts: RequestCount[] }> {
    const now = this.db.now();
    // Sorted: two nodes' upserts take the rows' locks in one order, never waiting on each other in a cycle.
    const sorted = [...counts].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rows = [
      ...(sorted.length > 0 ? await this.db.rows(COUNT_REQUESTS, [now, windowMs, sorted.map((c) => c.key), sorted.map((c) => c.n)]) : []),
      ...(watch.length > 0 ? await this.db.rows(READ_REQUEST_COUNTS, [watch]) : []),
    ];
    if (now - this.lastPrune > Math.max(10_000, 10 * windowMs)) {
      this.lastPrune = now;
      await this.db.query(PRUNE_REQUEST_COUNTS, [now - 2 * windowMs]).catch(() => {});
    }
    return { now, counts: rows.map((r) => ({ key: String(r.key), startedAt: Number(r.started_at), n: Number(r.n) })) };
  }
}
