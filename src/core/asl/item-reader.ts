/**
 * A Distributed Map's ItemReader: the items come from an object in storage instead of the
 * state's input. The transition function answers a Map with an ItemReader by a `read-items`
 * Step (what to read, decided here); the runner reads it and enters the state again with the
 * items in its Position (`readItems`), and the Map goes on as any other. Parsing what was read —
 * a JSON array, JSON Lines, CSV with its header row or given headers — is pure, here too.
 */
import type { AslState } from './definition.ts';
import { isObject, type Json, type JsonObject, runtimeFailure } from './errors.ts';
import { applyTemplate } from './payload.ts';
import { readPath, cachedPath, type Scope } from './scope.ts';

/** What an ItemReader asks the runner to read. */
export interface ItemReadRequest {
  /** arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2. */
  resource: string;
  /** Bucket and Key (getObject), Bucket and Prefix (listObjectsV2), evaluated. */
  parameters: JsonObject;
  /** JSON (default), JSONL or CSV: how getObject's object is read. */
  inputType: 'JSON' | 'JSONL' | 'CSV';
  /** CSV: the first row names the fields (FIRST_ROW, default) or `csvHeaders` do (GIVEN). */
  csvHeaders: string[] | null;
  /** At most this many items (the first ones); null: all. */
  maxItems: number | null;
}

const RESOURCES = /^arn:aws[a-zA-Z-]*:states:::s3:(getObject|listObjectsV2)$/;

/** The read a JSONPath Map's ItemReader asks for (its Parameters evaluated against the state's input). */
export function itemReadRequest(state: AslState, scope: Scope, parameters?: Json): ItemReadRequest {
  const reader = state.ItemReader ?? {};
  const resource = typeof reader.Resource === 'string' ? reader.Resource : '';
  if (!RESOURCES.test(resource))
    throw runtimeFailure(`An ItemReader's Resource must be s3:getObject or s3:listObjectsV2, not '${resource}'`);
  const params = parameters ?? (reader.Parameters === undefined ? {} : applyTemplate(reader.Parameters, scope));
  if (!isObject(params)) throw runtimeFailure("An ItemReader's Parameters must be an object");
  const config = isObject(reader.ReaderConfig) ? reader.ReaderConfig : {};
  const type = config.InputType ?? 'JSON';
  if (type !== 'JSON' && type !== 'JSONL' && type !== 'CSV')
    throw runtimeFailure(`ReaderConfig.InputType ${JSON.stringify(type)} is not supported here (JSON, JSONL or CSV)`);
  let maxItems: Json | undefined = config.MaxItems;
  if (maxItems === undefined && typeof config.MaxItemsPath === 'string') {
    const r = readPath(cachedPath(config.MaxItemsPath), scope);
    maxItems = r.found ? r.value : undefined;
  }
  if (maxItems !== undefined && (typeof maxItems !== 'number' || !Number.isInteger(maxItems) || maxItems < 0))
    throw runtimeFailure(`ReaderConfig.MaxItems must be a non-negative integer, got ${JSON.stringify(maxItems)}`);
  const given = config.CSVHeaderLocation === 'GIVEN';
  const headers = Array.isArray(config.CSVHeaders) ? config.CSVHeaders.filter((h): h is string => typeof h === 'string') : null;
  if (type === 'CSV' && given && !headers) throw runtimeFailure('CSVHeaderLocation GIVEN needs CSVHeaders');
  return {
    resource,
    parameters: params,
    inputType: type,
    csvHeaders: type === 'CSV' && given ? headers : null,
    maxItems: maxItems === undefined || maxItems === 0 ? null : (maxItems as number),
  };
}

export function isListing(r: ItemReadRequest): boolean {
  return r.resource.endsWith(':listObjectsV2');
}

/** The items of an object as getObject read it. */
export function parseItems(text: string, r: ItemReadRequest): Json[] {
  let items: Json[];
  if (r.inputType === 'JSON') {
    let v: Json;
    try {
      v = JSON.parse(text) as Json;
    } catch (e) {
      throw runtimeFailure(`The object is not JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(v)) throw runtimeFailure('Attempting to map over non-iterable node: the object is not a JSON array');
    items = v;
  } else if (r.inputType === 'JSONL') {
    items = [];
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      try {
        items.push(JSON.parse(line) as Json);
      } catch (e) {
        throw runtimeFailure(`A line of the object is not JSON: ${(e as Error).message}`);
      }
    }
  } else {
    const rows = csvRows(text);
    const headers = r.csvHeaders ?? rows.shift() ?? [];
    items = rows.map((row) => Object.fromEntries(headers.map((h, i) => [h, row[i] ?? ''])));
  }
  return r.maxItems === null ? items : items.slice(0, r.maxItems);
}

/** RFC 4180 rows: quoted fields may hold commas, line breaks and doubled quotes; a trailing empty line is no row. */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** listObjectsV2's items: one per object under the prefix, as Step Functions gives them. */
export function listingItems(objects: { key: string; size: number; lastModified: number; etag: string }[], r: ItemReadRequest): Json[] {
  const items: Json[] = objects.map((o) => ({
    Etag: `"${o.etag}"`,
    Key: o.key,
    LastModified: new Date(o.lastModified).toISOString(),
    Size: o.size,
    StorageClass: 'STANDARD',
  }));
  return r.maxItems === null ? items : items.slice(0, r.maxItems);
}
