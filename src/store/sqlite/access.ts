/** Access: API keys, users' secrets, and the audit log. */
import { pageOf, rowsForPage } from '../../core/page.ts';
import { auditFromRow, decodeCursor, encodeCursor, keyFromRow, secretFromRow, signingKeyFromRow, type Row } from '../row.ts';
import type { ApiKey, AuditEntry, NewApiKey, NewAuditEntry, Page, SecretRecord, SigningKey } from '../../core/index.ts';
import type { AuditFilter } from '../ports/index.ts';
import type { SqliteContext } from './context.ts';

export async function createKey(ctx: SqliteContext, k: NewApiKey): Promise<ApiKey> {
  return ctx.writes.run(() => {
    const row = ctx
      .stmt(
        `INSERT INTO api_keys (id, hash, prefix, user_id, scope, name, created_at, sealed_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(k.id, k.hash, k.prefix, k.userId, k.scope, k.name, ctx.clock.now(), k.sealedKey ?? null) as Row;
    return keyFromRow(row);
  });
}

export async function keyByHash(ctx: SqliteContext, hash: string): Promise<ApiKey | null> {
  const row = ctx.stmt('SELECT * FROM api_keys WHERE hash = ?').get(hash) as Row | undefined;
  return row ? keyFromRow(row) : null;
}

export async function signingKey(ctx: SqliteContext, id: string): Promise<SigningKey | null> {
  const row = ctx.stmt('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined;
  return row ? signingKeyFromRow(row) : null;
}

export async function listKeys(ctx: SqliteContext, f: { userId?: string }): Promise<ApiKey[]> {
  const rows = (
    f.userId
      ? ctx.stmt('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at, id').all(f.userId)
      : ctx.stmt('SELECT * FROM api_keys ORDER BY created_at, id').all()
  ) as Row[];
  return rows.map(keyFromRow);
}

export async function revokeKey(ctx: SqliteContext, id: string): Promise<ApiKey | null> {
  const key = await ctx.writes.run(() => {
    const row = ctx.stmt('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING *').get(ctx.clock.now(), id) as
      | Row
      | undefined;
    return row ? keyFromRow(row) : null;
  });
  if (key) ctx.wake.emit('keys');
  return key;
}

export function subscribeKeys(ctx: SqliteContext, listener: () => void): () => void {
  ctx.wake.on('keys', listener);
  return () => ctx.wake.off('keys', listener);
}

export async function touchKey(ctx: SqliteContext, id: string, at: number): Promise<void> {
  await ctx.writes.run(() => void ctx.stmt('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, id), false);
}

export async function putSecret(
  ctx: SqliteContext,
  userId: string,
  name: string,
  ciphertext: string,
): Promise<{ secret: SecretRecord; created: boolean }> {
  return ctx.writes.run(() => {
    const now = ctx.clock.now();
    const existed = ctx.stmt('SELECT 1 FROM secrets WHERE user_id = ? AND name = ?').get(userId, name) !== undefined;
    const row = ctx
      .stmt(
        `INSERT INTO secrets (user_id, name, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at RETURNING *`,
      )
      .get(userId, name, ciphertext, now, now) as Row;
    return { secret: secretFromRow(row), created: !existed };
  });
}

export async function secretsOf(ctx: SqliteContext, userId: string, names?: string[]): Promise<SecretRecord[]> {
  const rows = (
    names
      ? ctx
          .stmt('SELECT * FROM secrets WHERE user_id = ? AND name IN (SELECT value FROM json_each(?)) ORDER BY name')
          .all(userId, JSON.stringify(names))
      : ctx.stmt('SELECT * FROM secrets WHERE user_id = ? ORDER BY name').all(userId)
  ) as Row[];
  return rows.map(secretFromRow);
}

export async function deleteSecret(ctx: SqliteContext, userId: string, name: string): Promise<boolean> {
  return ctx.writes.run(() => Number(ctx.stmt('DELETE FROM secrets WHERE user_id = ? AND name = ?').run(userId, name).changes) > 0);
}

export async function appendAudit(ctx: SqliteContext, entries: NewAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await ctx.writes.run(() => insertAudit(ctx, entries), false);
}

/** Inside a write. */
export function insertAudit(ctx: SqliteContext, entries: NewAuditEntry[]): void {
  const ins = ctx.stmt(
    'INSERT INTO audit_log (at, actor, key_id, action, target, source, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const e of entries)
    ins.run(e.at, e.actor, e.keyId, e.action, e.target, e.source, e.outcome, e.detail ? JSON.stringify(e.detail) : null);
}

export async function queryAudit(ctx: SqliteContext, f: AuditFilter): Promise<Page<AuditEntry>> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (f.actor) where.push('actor = ?'), params.push(f.actor);
  if (f.action) where.push('action = ?'), params.push(f.action);
  if (f.target) where.push('target = ?'), params.push(f.target);
  if (f.since !== undefined) where.push('at >= ?'), params.push(f.since);
  if (f.until !== undefined) where.push('at < ?'), params.push(f.until);
  if (f.after) where.push('id < ?'), params.push(decodeCursor(f.after));
  const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
  const rows = ctx.stmt(sql).all(...params, rowsForPage(f.limit)) as Row[];
  return pageOf(rows, f.limit, auditFromRow, (last) => encodeCursor(Number(last.id)));
}

export async function purgeAudit(ctx: SqliteContext, olderThan: number, limit: number): Promise<number> {
  return ctx.writes.run(() =>
    Number(
      ctx.stmt('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)').run(olderThan, limit)
        .changes,
    ),
  );
}
