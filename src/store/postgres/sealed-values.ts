/** The sealed values port on PostgreSQL (ports/sealed-values.ts); its statements are made of sealed-row.ts. */
import { SEALED_KINDS, type Resealed, type SealedKind, type SealedPage, type SealedValues } from '../ports/sealed-values.ts';
import { pageQuery, resealParams, sealedPageOf, sealedStatements, type SealedStatements } from '../sealed-row.ts';
import type { Db } from './db.ts';

const STATEMENTS = Object.fromEntries(
  SEALED_KINDS.map((kind) => {
    const s = sealedStatements(kind, {
      param: (n) => `$${n}`,
      jsonText: (c) => `CASE WHEN jsonb_typeof(${c}) = 'string' THEN ${c} #>> '{}' END`,
      jsonOf: (p) => `to_jsonb(${p}::text)`,
    });
    // Each update says it wrote (the transaction's query answers rows, not counts).
    return [kind, { ...s, reseal: `${s.reseal} RETURNING 1` }];
  }),
) as Record<SealedKind, SealedStatements>;

const KEY_CHECK = `SELECT sealed FROM secrets_key_check WHERE id = 1`;
/** $1 sealed, $2 updated_at. */
const INSERT_KEY_CHECK = `INSERT INTO secrets_key_check (id, sealed, updated_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING RETURNING 1`;
/** $1 sealed, $2 updated_at, $3 the sealed text it replaces. */
const UPDATE_KEY_CHECK = `UPDATE secrets_key_check SET sealed = $1, updated_at = $2 WHERE id = 1 AND sealed = $3 RETURNING 1`;

export class PgSealedValues implements SealedValues {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async sealedPage(kind: SealedKind, after: string | null, limit: number): Promise<SealedPage> {
    const [sql, params] = pageQuery(STATEMENTS[kind], after, limit);
    return sealedPageOf(kind, await this.db.rows(sql, params), limit);
  }

  /** One transaction per batch: its row locks are held only while its updates run. */
  reseal(kind: SealedKind, values: readonly Resealed[]): Promise<number> {
    return this.db.tx(async (tx) => {
      let n = 0;
      for (const v of values) n += (await tx.query(STATEMENTS[kind].reseal, resealParams(kind, v.ref, v.was, v.sealed))).length;
      return n;
    });
  }

  async keyCheck(): Promise<string | null> {
    const [row] = await this.db.rows(KEY_CHECK);
    return row ? String(row.sealed) : null;
  }

  async putKeyCheck(sealed: string, was: string | null): Promise<boolean> {
    const now = this.db.now();
    const rows =
      was === null ? await this.db.rows(INSERT_KEY_CHECK, [sealed, now]) : await this.db.rows(UPDATE_KEY_CHECK, [sealed, now, was]);
    return rows.length === 1;
  }
}
