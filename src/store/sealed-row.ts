/**
 * Where each kind of sealed value lives (ports/sealed-values.ts), for both backends: its table,
 * the columns naming its row, the column holding it and the name its cipher's associated data
 * has. Each backend makes its statements of these with its own dialect (sqlite/sealed-values.ts,
 * postgres/sealed-values.ts), so the two read and write the same rows the same way.
 */
import { apiKeySealedName } from '../core/access.ts';
import type { SealedKind, SealedValue } from './ports/sealed-values.ts';
import type { Row } from './row.ts';
import { environmentSealedName, SEALED_ENVIRONMENT_PREFIX } from './sealed-environment.ts';

interface SealedTable {
  table: string;
  /** The columns naming a row, in the pages' order. */
  keys: readonly string[];
  column: string;
  /** A function's environment: JSON, a sealed map a JSON string with SEALED_ENVIRONMENT_PREFIX
   *  before the sealed text (sealed-environment.ts), a plain one an object. */
  environment: boolean;
  /** The associated data's name, of the row. */
  name: (r: Row) => string;
}

const TABLES: Record<SealedKind, SealedTable> = {
  secret: { table: 'secrets', keys: ['user_id', 'name'], column: 'ciphertext', environment: false, name: (r) => String(r.name) },
  'api-key': {
    table: 'api_keys',
    keys: ['id'],
    column: 'sealed_key',
    environment: false,
    name: (r) => apiKeySealedName(String(r.id)),
  },
  'function-environment': {
    table: 'functions',
    keys: ['user_id', 'name'],
    column: 'environment',
    environment: true,
    name: (r) => environmentSealedName(String(r.name)),
  },
  'function-version-environment': {
    table: 'function_versions',
    keys: ['user_id', 'function_name', 'version'],
    column: 'environment',
    environment: true,
    name: (r) => environmentSealedName(String(r.function_name)),
  },
};

/** What differs between the backends' SQL here. */
export interface SealedDialect {
  /** The n-th parameter (from 1). */
  param(n: number): string;
  /** The text of a JSON column when it holds a string, else NULL. */
  jsonText(column: string): string;
  /** The JSON string of a text parameter. */
  jsonOf(param: string): string;
}

/**
 * One kind's statements. `first`: a page from the start, its limit the one parameter; `after`:
 * a page after a row, its key columns' values then the limit; `reseal`: the new text, the key
 * columns' values, the text it replaces. Each page row has `sealed` (the column's text) and the
 * key columns.
 */
export interface SealedStatements {
  first: string;
  after: string;
  reseal: string;
}

export function sealedStatements(kind: SealedKind, d: SealedDialect): SealedStatements {
  const t = TABLES[kind];
  const keys = t.keys.join(', ');
  const value = t.environment ? d.jsonText(t.column) : t.column;
  const params = (from: number) => t.keys.map((_, i) => d.param(from + i)).join(', ');
  const columns = [...new Set(['user_id', ...t.keys])].join(', ');
  const select = `SELECT ${columns}, ${value} AS sealed FROM ${t.table}`;
  const n = t.keys.length;
  return {
    first: `${select} ORDER BY ${keys} LIMIT ${d.param(1)}`,
    after: `${select} WHERE (${keys}) > (${params(1)}) ORDER BY ${keys} LIMIT ${d.param(n + 1)}`,
    reseal: `UPDATE ${t.table} SET ${t.column} = ${t.environment ? d.jsonOf(d.param(1)) : d.param(1)}
      WHERE (${keys}) = (${params(2)}) AND ${value} = ${d.param(n + 2)}`,
  };
}

/** A page row's ref (its key columns' values), and its sealed value when it holds one. */
export function sealedValueOf(kind: SealedKind, r: Row): { ref: string; value: SealedValue | null } {
  const t = TABLES[kind];
  const ref = JSON.stringify(t.keys.map((k) => r[k]));
  const text = r.sealed === null || r.sealed === undefined ? null : String(r.sealed);
  const sealed = !text
    ? null
    : !t.environment
      ? text
      : text.startsWith(SEALED_ENVIRONMENT_PREFIX)
        ? text.slice(SEALED_ENVIRONMENT_PREFIX.length)
        : null;
  return { ref, value: sealed === null ? null : { ref, userId: String(r.user_id), name: t.name(r), sealed } };
}

/** A reseal's parameters: the column's new text, the row's key, the text it replaces. */
export function resealParams(kind: SealedKind, ref: string, was: string, sealed: string): (string | number)[] {
  const wrap = (s: string) => (TABLES[kind].environment ? SEALED_ENVIRONMENT_PREFIX + s : s);
  return [wrap(sealed), ...(JSON.parse(ref) as (string | number)[]), wrap(was)];
}

/** A page's statement and parameters: from the first row, or after the cursor's (its key, then the limit). */
export const pageQuery = (s: SealedStatements, after: string | null, limit: number): [string, (string | number)[]] =>
  after === null ? [s.first, [limit]] : [s.after, [...(JSON.parse(after) as (string | number)[]), limit]];

/** The page of `rows` read with `limit`. */
export function sealedPageOf(kind: SealedKind, rows: readonly Row[], limit: number): { values: SealedValue[]; next: string | null } {
  const read = rows.map((r) => sealedValueOf(kind, r));
  return {
    values: read.flatMap((x) => (x.value ? [x.value] : [])),
    next: rows.length === limit && read.length > 0 ? read[read.length - 1].ref : null,
  };
}
