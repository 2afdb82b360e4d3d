/** The sealed values port on SQLite (ports/sealed-values.ts); its statements are made of sealed-row.ts. */
import { SEALED_KINDS, type Resealed, type SealedKind, type SealedPage, type SealedValues } from '../ports/sealed-values.ts';
import type { Row } from '../row.ts';
import { pageQuery, resealParams, sealedPageOf, sealedStatements, type SealedStatements } from '../sealed-row.ts';
import type { SqliteContext } from './context.ts';

const STATEMENTS = Object.fromEntries(
  SEALED_KINDS.map((kind) => [
    kind,
    sealedStatements(kind, {
      param: (n) => `?${n}`,
      jsonText: (c) => `CASE WHEN json_type(${c}) = 'text' THEN json_extract(${c}, '$') END`,
      jsonOf: (p) => `json_quote(${p})`,
    }),
  ]),
) as Record<SealedKind, SealedStatements>;

const KEY_CHECK = `SELECT sealed FROM secrets_key_check WHERE id = 1`;
/** sealed, updated_at. */
const INSERT_KEY_CHECK = `INSERT INTO secrets_key_check (id, sealed, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING`;
/** sealed, updated_at, the sealed text it replaces. */
const UPDATE_KEY_CHECK = `UPDATE secrets_key_check SET sealed = ?, updated_at = ? WHERE id = 1 AND sealed = ?`;

export class SqliteSealedValues implements SealedValues {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async sealedPage(kind: SealedKind, after: string | null, limit: number): Promise<SealedPage> {
    const [sql, params] = pageQuery(STATEMENTS[kind], after, limit);
    return sealedPageOf(kind, this.ctx.stmt(sql).all(...params) as Row[], limit);
  }

  reseal(kind: SealedKind, values: readonly Resealed[]): Promise<number> {
    // One write of the batch: its updates commit together, and no longer than they take.
    return this.ctx.writes.run(() => {
      let n = 0;
      for (const v of values)
        n += Number(this.ctx.stmt(STATEMENTS[kind].reseal).run(...resealParams(kind, v.ref, v.was, v.sealed)).changes);
      return n;
    });
  }

  async keyCheck(): Promise<string | null> {
    const row = this.ctx.stmt(KEY_CHECK).get() as Row | undefined;
    return row ? String(row.sealed) : null;
  }

  putKeyCheck(sealed: string, was: string | null): Promise<boolean> {
    return this.ctx.writes.run(() => {
      const now = this.ctx.clock.now();
      const r = was === null ? this.ctx.stmt(INSERT_KEY_CHECK).run(sealed, now) : this.ctx.stmt(UPDATE_KEY_CHECK).run(sealed, now, was);
      return Number(r.changes) === 1;
    });
  }
}
