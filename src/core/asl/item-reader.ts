/**
 * A Distributed Map's ItemReader: the items come from objects in storage instead of the state's
 * input. The transition function answers a Map with an ItemReader by a `read-items` Step (what
 * to read, decided here); the runner reads it and enters the state again with the items in its
 * Position (`readItems`), and the Map goes on as any other. Which objects a read takes — one
 * object, a listing, the files an S3 Inventory or Athena manifest names — and how each becomes
 * items (a JSON array, JSON Lines, delimited text with its header row or given headers, Parquet
 * rows) is decided here too, over an `ObjectSource` the app provides (AWS, input-output-itemreader).
 */
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { type Compressors, parquetReadObjects } from 'hyparquet';
import type { AslState } from './definition.ts';
import { isObject, type Json, type JsonObject, runtimeFailure, StatesErrors, StatesFailure } from './errors.ts';
import { applyTemplate } from './payload.ts';
import { readPath, cachedPath, type Scope } from './scope.ts';

/** ReaderConfig.InputType: how getObject's object (or each file a manifest or listing names) is read. */
export const INPUT_TYPES = ['JSON', 'JSONL', 'CSV', 'PARQUET', 'MANIFEST'] as const;
export type InputType = (typeof INPUT_TYPES)[number];
/** ReaderConfig.CSVDelimiter: the field separator of delimited text, COMMA by default. */
export const CSV_DELIMITERS = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' } as const;
export type CsvDelimiter = keyof typeof CSV_DELIMITERS;
/** ReaderConfig.ManifestType: an S3 Inventory manifest.json, or the manifest of an Athena UNLOAD. */
export const MANIFEST_TYPES = ['S3_INVENTORY', 'ATHENA_DATA'] as const;
export type ManifestType = (typeof MANIFEST_TYPES)[number];
/** ReaderConfig.Transformation (listObjectsV2): the listing itself, or the items of every object listed. */
export const READER_TRANSFORMATIONS = ['NONE', 'LOAD_AND_FLATTEN'] as const;
/** The input types an Athena manifest's data files may have. */
export const ATHENA_INPUT_TYPES: readonly InputType[] = ['CSV', 'JSONL', 'PARQUET'];

/** What an ItemReader asks the runner to read. */
export interface ItemReadRequest {
  /** arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2. */
  resource: string;
  /** Bucket and Key (getObject), Bucket and Prefix (listObjectsV2), evaluated. */
  parameters: JsonObject;
  /** How getObject's object is read (MANIFEST: an S3 Inventory manifest), or with a manifest or LOAD_AND_FLATTEN each file. */
  inputType: InputType;
  /** CSV: the first row names the fields (FIRST_ROW, default) or `csvHeaders` do (GIVEN). */
  csvHeaders: string[] | null;
  /** At most this many items (the first ones); null: all. */
  maxItems: number | null;
  /** CSV's delimiter; absent (requests stored before it existed too): COMMA. */
  csvDelimiter?: CsvDelimiter;
  /** getObject's object is a manifest naming the files to read; absent: the object holds the items. */
  manifestType?: ManifestType;
  /** listObjectsV2 with LOAD_AND_FLATTEN: every object listed is read as `inputType`; absent: the listing is the items. */
  loadAndFlatten?: boolean;
}

/** An object of a listing, as the source knows it. */
export interface ListedObject {
  key: string;
  size: number;
  lastModified: number;
  etag: string;
}

/**
 * Where a read's objects come from: the app's (a bucket is a project, a key one of its files).
 * A missing bucket or key fails with States.ItemReaderFailed, as S3's NoSuchBucket and NoSuchKey do.
 */
export interface ObjectSource {
  get(bucket: string, key: string): Promise<Uint8Array>;
  list(bucket: string, prefix: string): Promise<ListedObject[]>;
}

const RESOURCES = /^arn:aws[a-zA-Z-]*:states:::s3:(getObject|listObjectsV2)$/;

/** States.ItemReaderFailed: what was to be read is not there, or is not what the reader says it is. */
export function itemReaderFailure(cause: string): StatesFailure {
  return new StatesFailure(StatesErrors.ItemReaderFailed, cause);
}

const oneOf = <T extends string>(values: readonly T[], v: Json | undefined): v is T => typeof v === 'string' && values.includes(v as T);

/** The read a JSONPath Map's ItemReader asks for (its Parameters evaluated against the state's input). */
export function itemReadRequest(state: AslState, scope: Scope, parameters?: Json): ItemReadRequest {
  const reader = state.ItemReader ?? {};
  const resource = typeof reader.Resource === 'string' ? reader.Resource : '';
  if (!RESOURCES.test(resource))
    throw runtimeFailure(`An ItemReader's Resource must be s3:getObject or s3:listObjectsV2, not '${resource}'`);
  const params = parameters ?? (reader.Parameters === undefined ? {} : applyTemplate(reader.Parameters, scope));
  if (!isObject(params)) throw runtimeFailure("An ItemReader's Parameters must be an object");
  const config = isObject(reader.ReaderConfig) ? reader.ReaderConfig : {};
  const { type, manifest, loadAndFlatten } = readerShape(config, resource.endsWith(':listObjectsV2'));
  let maxItems: Json | undefined = config.MaxItems;
  if (maxItems === undefined && typeof config.MaxItemsPath === 'string') {
    const r = readPath(cachedPath(config.MaxItemsPath), scope);
    maxItems = r.found ? r.value : undefined;
  }
  if (maxItems !== undefined && (typeof maxItems !== 'number' || !Number.isInteger(maxItems) || maxItems < 0))
    throw runtimeFailure(`ReaderConfig.MaxItems must be a non-negative integer, got ${JSON.stringify(maxItems)}`);
  const delimiter = config.CSVDelimiter ?? 'COMMA';
  if (!oneOf(Object.keys(CSV_DELIMITERS) as CsvDelimiter[], delimiter))
    throw runtimeFailure(
      `ReaderConfig.CSVDelimiter must be one of ${Object.keys(CSV_DELIMITERS).join(', ')}, not ${JSON.stringify(delimiter)}`,
    );
  const given = config.CSVHeaderLocation === 'GIVEN';
  const headers = Array.isArray(config.CSVHeaders) ? config.CSVHeaders.filter((h): h is string => typeof h === 'string') : null;
  if (type === 'CSV' && given && !headers) throw runtimeFailure('CSVHeaderLocation GIVEN needs CSVHeaders');
  return {
    resource,
    parameters: params,
    inputType: type,
    csvHeaders: type === 'CSV' && given ? headers : null,
    maxItems: maxItems === undefined || maxItems === 0 ? null : (maxItems as number),
    ...(delimiter === 'COMMA' ? {} : { csvDelimiter: delimiter }),
    ...(manifest ? { manifestType: manifest } : {}),
    ...(loadAndFlatten ? { loadAndFlatten } : {}),
  };
}

/**
 * InputType, ManifestType and Transformation together, as AWS documents them: MANIFEST is an S3
 * Inventory manifest (ManifestType S3_INVENTORY, or none); ATHENA_DATA names CSV, JSONL or
 * PARQUET files; LOAD_AND_FLATTEN reads every object a listing names, as InputType says.
 */
function readerShape(config: JsonObject, listing: boolean): { type: InputType; manifest: ManifestType | null; loadAndFlatten: boolean } {
  const type = config.InputType;
  if (type !== undefined && !oneOf(INPUT_TYPES, type))
    throw runtimeFailure(`ReaderConfig.InputType must be one of ${INPUT_TYPES.join(', ')}, not ${JSON.stringify(type)}`);
  const manifest = config.ManifestType;
  if (manifest !== undefined && !oneOf(MANIFEST_TYPES, manifest))
    throw runtimeFailure(`ReaderConfig.ManifestType must be S3_INVENTORY or ATHENA_DATA, not ${JSON.stringify(manifest)}`);
  const transformation = config.Transformation ?? 'NONE';
  if (!oneOf(READER_TRANSFORMATIONS, transformation))
    throw runtimeFailure(`ReaderConfig.Transformation must be NONE or LOAD_AND_FLATTEN, not ${JSON.stringify(transformation)}`);
  const loadAndFlatten = transformation === 'LOAD_AND_FLATTEN';
  const problem = readerShapeProblem(type, manifest, loadAndFlatten, listing);
  if (problem) throw runtimeFailure(problem);
  if (manifest === 'S3_INVENTORY' || type === 'MANIFEST') return { type: 'MANIFEST', manifest: 'S3_INVENTORY', loadAndFlatten };
  return { type: type ?? 'JSON', manifest: manifest ?? null, loadAndFlatten };
}

/** Why these ReaderConfig values do not go together (null: they do); definition validation asks it too. */
export function readerShapeProblem(
  type: InputType | undefined,
  manifest: ManifestType | undefined,
  loadAndFlatten: boolean,
  listing: boolean,
): string | null {
  if (listing) {
    if (manifest !== undefined) return 'ReaderConfig.ManifestType needs the Resource s3:getObject';
    if (loadAndFlatten && (type === undefined || type === 'MANIFEST'))
      return 'ReaderConfig.Transformation LOAD_AND_FLATTEN needs an InputType: CSV, JSON, JSONL or PARQUET';
    return null;
  }
  if (loadAndFlatten) return 'ReaderConfig.Transformation LOAD_AND_FLATTEN needs the Resource s3:listObjectsV2';
  if (manifest === 'S3_INVENTORY' && type !== undefined && type !== 'MANIFEST')
    return 'ReaderConfig.ManifestType S3_INVENTORY takes InputType MANIFEST';
  if (manifest === 'ATHENA_DATA' && (type === undefined || !ATHENA_INPUT_TYPES.includes(type)))
    return 'ReaderConfig.ManifestType ATHENA_DATA needs an InputType: CSV, JSONL or PARQUET';
  return null;
}

export function isListing(r: ItemReadRequest): boolean {
  return r.resource.endsWith(':listObjectsV2');
}

/**
 * The items a request reads from `source`: the listing (or, LOAD_AND_FLATTEN, the items of each
 * object listed), the object, or the files its manifest names — up to MaxItems in all.
 */
export async function readItemsFrom(source: ObjectSource, r: ItemReadRequest): Promise<Json[]> {
  const bucket = r.parameters.Bucket;
  if (typeof bucket !== 'string' || bucket === '') throw itemReaderFailure('The ItemReader needs a Bucket');
  if (isListing(r)) {
    const prefix = typeof r.parameters.Prefix === 'string' ? r.parameters.Prefix : '';
    const listed = await source.list(bucket, prefix);
    if (!r.loadAndFlatten) return listingItems(listed, r);
    return itemsOfFiles(
      source,
      r,
      listed.map((o) => ({ bucket, key: o.key })),
      (bytes, rest, key) => parseObject(unpackedText(bytes, key, rest), rest),
    );
  }
  const key = r.parameters.Key;
  if (typeof key !== 'string' || key === '') throw itemReaderFailure('The ItemReader needs a Key');
  const object = await source.get(bucket, key);
  switch (r.manifestType) {
    case undefined:
      return parseObject(unpackedText(object, key, r), r);
    case 'S3_INVENTORY': {
      const m = inventoryManifest(utf8(object));
      return itemsOfFiles(source, r, m.files, async (bytes, rest) => limit(inventoryItems(utf8(gunzipped(bytes)), m.fields), rest));
    }
    case 'ATHENA_DATA':
      return itemsOfFiles(source, r, athenaManifestFiles(utf8(object)), (bytes, rest) => parseObject(gunzipped(bytes), rest));
    default:
      return exhausted(r.manifestType);
  }
}

/** Each file's items in turn, until MaxItems is reached. */
async function itemsOfFiles(
  source: ObjectSource,
  r: ItemReadRequest,
  files: { bucket: string; key: string }[],
  parse: (bytes: Uint8Array, r: ItemReadRequest, key: string) => Promise<Json[]>,
): Promise<Json[]> {
  const items: Json[] = [];
  for (const f of files) {
    if (r.maxItems !== null && items.length >= r.maxItems) break;
    const rest = { ...r, maxItems: r.maxItems === null ? null : r.maxItems - items.length };
    for (const item of await parse(await source.get(f.bucket, f.key), rest, f.key)) items.push(item);
  }
  return items;
}

/** One object's items, as its InputType says. */
export async function parseObject(bytes: Uint8Array, r: ItemReadRequest): Promise<Json[]> {
  return r.inputType === 'PARQUET' ? parquetItems(bytes, r) : parseItems(utf8(bytes), r);
}

/** The items of an object as getObject read it (text: JSON, JSONL, CSV). */
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
  } else if (r.inputType === 'CSV') {
    const delimiter = CSV_DELIMITERS[r.csvDelimiter ?? 'COMMA'];
    const rows = csvRows(text, delimiter);
    const headers = r.csvHeaders ?? rows.shift() ?? [];
    checkCsvHeader(headers, delimiter);
    items = rows.map((row) => Object.fromEntries(headers.map((h, i) => [h, row[i] ?? ''])));
  } else throw runtimeFailure(`InputType ${r.inputType} is not read as text`);
  return limit(items, r);
}

/** AWS: "Step Functions supports CSV headers of up to 10 KiB" (input-output-itemreader), the header row or CSVHeaders. */
export const MAX_CSV_HEADER_BYTES = 10 * 1024;

function checkCsvHeader(headers: string[], delimiter: string): void {
  const bytes = Buffer.byteLength(headers.join(delimiter));
  if (bytes > MAX_CSV_HEADER_BYTES)
    throw itemReaderFailure(
      `The CSV header is ${bytes} bytes; Step Functions reads CSV headers of up to ${MAX_CSV_HEADER_BYTES} bytes (10 KiB)`,
    );
}

/**
 * A text object (JSON, JSONL, CSV) as it is to be parsed: a gzipped one — its key ends in `.gz`,
 * or it starts with gzip's magic bytes, as an object stored with ContentEncoding gzip does (a
 * project's files keep no content encoding: the bytes tell) — unpacked first. Parquet compresses
 * inside the file and is read as it is. One that says it is gzip and is not fails the read.
 */
export function unpackedText(bytes: Uint8Array, key: string, r: Pick<ItemReadRequest, 'inputType'>): Uint8Array {
  if (r.inputType === 'PARQUET' || r.inputType === 'MANIFEST') return bytes;
  const magic = bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (!magic && !key.endsWith('.gz')) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (e) {
    throw itemReaderFailure(`The object '${key}' is not gzip data it says it is: ${(e as Error).message}`);
  }
}

function limit(items: Json[], r: ItemReadRequest): Json[] {
  return r.maxItems === null ? items : items.slice(0, r.maxItems);
}

/** RFC 4180 rows: quoted fields may hold the delimiter, line breaks and doubled quotes; a trailing empty line is no row. */
export function csvRows(text: string, delimiter = ','): string[][] {
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
    else if (c === delimiter) {
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

/** Parquet's codecs beyond what hyparquet reads itself (uncompressed, Snappy): AWS names GZIP and ZSTD too. */
const COMPRESSORS: Compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  ZSTD: (input) => new Uint8Array(zstdDecompressSync(input)),
};

/** A Parquet file's rows, each an object of its columns. */
export async function parquetItems(bytes: Uint8Array, r: ItemReadRequest): Promise<Json[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let rows: Record<string, unknown>[];
  try {
    rows = await parquetReadObjects({ file, compressors: COMPRESSORS, ...(r.maxItems === null ? {} : { rowEnd: r.maxItems }) });
  } catch (e) {
    throw runtimeFailure(`The object is not a Parquet file this reader can read: ${(e as Error).message}`);
  }
  return limit(
    rows.map((row) => jsonOf(row)),
    r,
  );
}

/**
 * A Parquet value as JSON: 64-bit integers as numbers (as strings past 2^53, which a number would
 * round), timestamps and dates as ISO 8601 text, binary as base64, lists and structs as arrays and objects.
 */
export function jsonOf(v: unknown): Json {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(jsonOf);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonOf(x)]));
  return String(v);
}

/**
 * An S3 Inventory manifest.json: its data files (in the destination bucket, named by its ARN),
 * and the names of their columns (`fileSchema`). Step Functions reads CSV inventories only.
 */
export function inventoryManifest(text: string): { files: { bucket: string; key: string }[]; fields: string[] } {
  let m: Json;
  try {
    m = JSON.parse(text) as Json;
  } catch (e) {
    throw itemReaderFailure(`The manifest is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(m) || typeof m.fileSchema !== 'string' || !Array.isArray(m.files))
    throw itemReaderFailure('The manifest is not an S3 Inventory manifest: it needs fileSchema and files');
  if (m.fileFormat !== 'CSV') throw itemReaderFailure(`The inventory's fileFormat must be CSV, not ${JSON.stringify(m.fileFormat)}`);
  const destination = typeof m.destinationBucket === 'string' ? m.destinationBucket.replace(/^arn:aws[a-zA-Z-]*:s3:::/, '') : '';
  if (destination === '') throw itemReaderFailure('The manifest names no destinationBucket');
  const files = m.files.map((f) => {
    if (!isObject(f) || typeof f.key !== 'string') throw itemReaderFailure('Each of the manifest files needs a key');
    return { bucket: destination, key: f.key };
  });
  return { files, fields: m.fileSchema.split(',').map((f) => f.trim()) };
}

/** An inventory data file's rows (no header row), each an object of the manifest's fields, as S3 wrote them. */
export function inventoryItems(text: string, fields: string[]): Json[] {
  return csvRows(text).map((row) => Object.fromEntries(fields.map((f, i) => [f, row[i] ?? ''])));
}

/** An Athena UNLOAD manifest: one `s3://bucket/key` a line, the data files of the query. */
export function athenaManifestFiles(text: string): { bucket: string; key: string }[] {
  const files: { bucket: string; key: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const uri = line.trim();
    if (uri === '') continue;
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!m) throw itemReaderFailure(`The Athena manifest names ${JSON.stringify(uri)}, not an s3://bucket/key URI`);
    files.push({ bucket: m[1], key: m[2] });
  }
  return files;
}

/** Inventory data files are gzipped, and Athena's UNLOAD gzips text by default: a gzip object is read unpacked. */
export function gunzipped(bytes: Uint8Array): Uint8Array {
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
}

function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function exhausted(v: never): never {
  throw runtimeFailure(`Unknown ManifestType ${JSON.stringify(v)}`);
}

/** listObjectsV2's items: one per object under the prefix, as Step Functions gives them. */
export function listingItems(objects: ListedObject[], r: ItemReadRequest): Json[] {
  const items: Json[] = objects.map((o) => ({
    Etag: `"${o.etag}"`,
    Key: o.key,
    LastModified: new Date(o.lastModified).toISOString(),
    Size: o.size,
    StorageClass: 'STANDARD',
  }));
  return limit(items, r);
}
