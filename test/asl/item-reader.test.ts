/**
 * A Distributed Map's ItemReader in the core: what it asks to read, and how what was read becomes
 * items — JSON, JSON Lines, delimited text, Parquet, and the files an S3 Inventory or Athena
 * manifest (or a LOAD_AND_FLATTEN listing) names, read through an in-memory ObjectSource.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import {
  csvRows,
  type ItemReadRequest,
  itemReadRequest,
  type Json,
  type ObjectSource,
  parseItems,
  readItemsFrom,
  runExecution,
  type StateMachineDefinition,
  StatesFailure,
} from '../../src/core/asl/index.ts';

const scope = (data: Json) => ({ data, context: {}, variables: {}, random: Math.random });
const req = (o: Partial<ItemReadRequest>): ItemReadRequest => ({
  resource: 'arn:aws:states:::s3:getObject',
  parameters: {},
  inputType: 'JSON',
  csvHeaders: null,
  maxItems: null,
  ...o,
});

describe('ItemReader', () => {
  it('reads CSV as RFC 4180 has it: quotes, doubled quotes, commas and line breaks in fields, CRLF', () => {
    assert.deepEqual(csvRows('a,b\r\n"x, y","say ""hi"""\n"two\nlines",\n'), [
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['two\nlines', ''],
    ]);
    assert.deepEqual(csvRows(''), []);
  });

  it('makes items of a JSON array, JSON Lines, and CSV with its header row or given headers, up to MaxItems', () => {
    assert.deepEqual(parseItems('[1,{"a":2}]', req({})), [1, { a: 2 }]);
    assert.deepEqual(parseItems('{"a":1}\n\n{"a":2}\n', req({ inputType: 'JSONL' })), [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(parseItems('name,n\nada,1\nbob,2\n', req({ inputType: 'CSV' })), [
      { name: 'ada', n: '1' },
      { name: 'bob', n: '2' },
    ]);
    assert.deepEqual(parseItems('ada,1\n', req({ inputType: 'CSV', csvHeaders: ['name', 'n'] })), [{ name: 'ada', n: '1' }]);
    assert.deepEqual(parseItems('[1,2,3]', req({ maxItems: 2 })), [1, 2]);
    assert.throws(
      () => parseItems('{"not":"an array"}', req({})),
      (e) => e instanceof StatesFailure && e.error === 'States.Runtime',
    );
  });

  it('evaluates the reader Parameters and MaxItemsPath against the state input, and refuses other resources', () => {
    const r = itemReadRequest(
      {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', MaxItemsPath: '$.max' },
          Parameters: { Bucket: 'data', 'Key.$': '$.key' },
        },
      },
      scope({ key: 'studios.csv', max: 5 }),
    );
    assert.deepEqual(r, {
      resource: 'arn:aws:states:::s3:getObject',
      parameters: { Bucket: 'data', Key: 'studios.csv' },
      inputType: 'CSV',
      csvHeaders: null,
      maxItems: 5,
    });
    assert.throws(
      () => itemReadRequest({ Type: 'Map', ItemReader: { Resource: 'arn:aws:states:::dynamodb:getItem' } }, scope({})),
      /s3:getObject or s3:listObjectsV2/,
    );
  });

  it('runs a Map over what its reader read (in-memory runner); without a reader the Map fails', async () => {
    const definition: StateMachineDefinition = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: { InputType: 'JSONL' },
            Parameters: { Bucket: 'b', Key: 'k' },
          },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'P',
            States: { P: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, End: true } },
          },
          End: true,
        },
      },
    };
    const seen: ItemReadRequest[] = [];
    const ok = await runExecution(
      definition,
      {},
      {
        readItems: async (r) => {
          seen.push(r);
          return parseItems('{"n":1}\n{"n":2}\n', r);
        },
      },
    );
    assert.equal(ok.status, 'SUCCEEDED');
    assert.deepEqual(ok.status === 'SUCCEEDED' ? ok.output : null, [{ n: 2 }, { n: 3 }]);
    assert.deepEqual(seen[0].parameters, { Bucket: 'b', Key: 'k' });
    const none = await runExecution(definition, {});
    assert.equal(none.status, 'FAILED');
  });

  it('reads delimited text with each CSVDelimiter AWS names, quotes and all', () => {
    assert.deepEqual(csvRows('a;b\n"x; y";2\n', ';'), [
      ['a', 'b'],
      ['x; y', '2'],
    ]);
    assert.deepEqual(csvRows('a\tb c|d\n', '\t'), [['a', 'b c|d']]);
    assert.deepEqual(parseItems('name|n\nada|1\n', req({ inputType: 'CSV', csvDelimiter: 'PIPE' })), [{ name: 'ada', n: '1' }]);
    assert.deepEqual(parseItems('name n\nada 1\n', req({ inputType: 'CSV', csvDelimiter: 'SPACE' })), [{ name: 'ada', n: '1' }]);
    const reader = (config: Json) => ({
      Type: 'Map' as const,
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: config },
    });
    assert.equal(itemReadRequest(reader({ InputType: 'CSV', CSVDelimiter: 'TAB' }), scope({})).csvDelimiter, 'TAB');
    // COMMA, the default, is left out of the request (as requests stored before the field existed).
    assert.equal(itemReadRequest(reader({ InputType: 'CSV', CSVDelimiter: 'COMMA' }), scope({})).csvDelimiter, undefined);
    assert.throws(() => itemReadRequest(reader({ InputType: 'CSV', CSVDelimiter: 'COLON' }), scope({})), /CSVDelimiter must be one of/);
  });

  it('reads Parquet rows as objects of their columns (Snappy, GZIP), 64-bit integers, timestamps and nulls as JSON', async () => {
    const file = parquet('GZIP');
    const items = await readItemsFrom(
      source({ 'data/readings.parquet': file }),
      req({ inputType: 'PARQUET', parameters: at('data/readings.parquet') }),
    );
    assert.deepEqual(items, [
      { sensor: 's1', reading: 1.5, count: 3, at: '2025-01-02T03:04:05.000Z' },
      { sensor: 's2', reading: null, count: '1152921504606846976', at: '1970-01-01T00:00:00.000Z' },
    ]);
    const first = await readItemsFrom(
      source({ 'r.parquet': parquet('SNAPPY') }),
      req({ inputType: 'PARQUET', parameters: at('r.parquet'), maxItems: 1 }),
    );
    assert.deepEqual(first, [items[0]]);
    await assert.rejects(
      readItemsFrom(source({ 'r.parquet': Buffer.from('not parquet') }), req({ inputType: 'PARQUET', parameters: at('r.parquet') })),
      (e) => e instanceof StatesFailure && e.error === 'States.Runtime',
    );
  });

  it("reads an S3 Inventory manifest's gzipped CSV files: one item per object, named by its fileSchema, up to MaxItems in all", async () => {
    const manifest = {
      sourceBucket: 'photos',
      destinationBucket: 'arn:aws:s3:::inventory',
      version: '2016-11-30',
      creationTimestamp: '1668560400000',
      fileFormat: 'CSV',
      fileSchema: 'Bucket, Key, Size, LastModifiedDate',
      files: [
        { key: 'photos/daily/data/a.csv.gz', size: 1, MD5checksum: 'x' },
        { key: 'photos/daily/data/b.csv.gz', size: 1, MD5checksum: 'y' },
      ],
    };
    const objects = {
      'photos/daily/2022-11-16T00-00Z/manifest.json': JSON.stringify(manifest),
      'photos/daily/data/a.csv.gz': gzipSync(
        '"photos","cats/1.jpg","27034","2022-11-15T20:02:16.000Z"\n"photos","cats/2.jpg","1","2022-11-15T20:02:17.000Z"\n',
      ),
      'photos/daily/data/b.csv.gz': gzipSync('"photos","dogs/1.jpg","5","2022-11-16T00:29:32.000Z"\n'),
    };
    const r = itemReadRequest(
      { Type: 'Map', ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'MANIFEST' }, Parameters: {} } },
      scope({}),
      { Bucket: 'inventory', Key: 'photos/daily/2022-11-16T00-00Z/manifest.json' },
    );
    assert.equal(r.manifestType, 'S3_INVENTORY');
    const items = await readItemsFrom(source(objects, 'inventory'), r);
    assert.deepEqual(items, [
      { Bucket: 'photos', Key: 'cats/1.jpg', Size: '27034', LastModifiedDate: '2022-11-15T20:02:16.000Z' },
      { Bucket: 'photos', Key: 'cats/2.jpg', Size: '1', LastModifiedDate: '2022-11-15T20:02:17.000Z' },
      { Bucket: 'photos', Key: 'dogs/1.jpg', Size: '5', LastModifiedDate: '2022-11-16T00:29:32.000Z' },
    ]);
    assert.equal((await readItemsFrom(source(objects, 'inventory'), { ...r, maxItems: 2 })).length, 2);
    const orc = { ...objects, 'photos/daily/2022-11-16T00-00Z/manifest.json': JSON.stringify({ ...manifest, fileFormat: 'ORC' }) };
    await assert.rejects(
      readItemsFrom(source(orc, 'inventory'), r),
      (e) => e instanceof StatesFailure && e.error === 'States.ItemReaderFailed',
    );
  });

  it("reads an Athena UNLOAD manifest's data files as its InputType (JSONL gzipped, CSV with given headers, Parquet)", async () => {
    const athena = (inputType: string, files: Record<string, string | Uint8Array>, extra: Json = {}) => {
      const manifest = Object.keys(files)
        .map((k) => `s3://results/${k}`)
        .join('\n');
      const r = itemReadRequest(
        {
          Type: 'Map',
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: { ManifestType: 'ATHENA_DATA', InputType: inputType, ...(extra as object) },
            Parameters: { Bucket: 'results', Key: 'q1-manifest.csv' },
          },
        },
        scope({}),
      );
      return readItemsFrom(source({ ...files, 'q1-manifest.csv': `${manifest}\n` }, 'results'), r);
    };
    assert.deepEqual(await athena('JSONL', { 'q1/part-0.gz': gzipSync('{"id":1}\n{"id":2}\n'), 'q1/part-1.gz': gzipSync('{"id":3}\n') }), [
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ]);
    assert.deepEqual(
      await athena(
        'CSV',
        { 'q1/part-0': 'ada;1\n', 'q1/part-1': 'bob;2\n' },
        { CSVHeaderLocation: 'GIVEN', CSVHeaders: ['name', 'n'], CSVDelimiter: 'SEMICOLON', MaxItems: 1 },
      ),
      [{ name: 'ada', n: '1' }],
    );
    assert.equal((await athena('PARQUET', { 'q1/part-0.parquet': parquet('SNAPPY') })).length, 2);
    assert.throws(
      () =>
        itemReadRequest(
          {
            Type: 'Map',
            ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { ManifestType: 'ATHENA_DATA', InputType: 'JSON' } },
          },
          scope({}),
        ),
      /ATHENA_DATA needs an InputType: CSV, JSONL or PARQUET/,
    );
  });

  it('reads every object a listing names with Transformation LOAD_AND_FLATTEN', async () => {
    const r = itemReadRequest(
      {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:listObjectsV2',
          ReaderConfig: { InputType: 'JSONL', Transformation: 'LOAD_AND_FLATTEN' },
          Parameters: { Bucket: 'b', Prefix: 'in/' },
        },
      },
      scope({}),
    );
    const items = await readItemsFrom(
      source({ 'in/a.jsonl': '{"n":1}\n', 'in/b.jsonl': '{"n":2}\n{"n":3}\n', 'out/c.jsonl': '{"n":4}\n' }),
      r,
    );
    assert.deepEqual(items, [{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('gunzips gzipped JSONL and CSV objects (a .gz key, or gzip bytes as ContentEncoding gzip leaves them), LOAD_AND_FLATTEN or one', async () => {
    const listing = req({
      resource: 'arn:aws:states:::s3:listObjectsV2',
      parameters: { Bucket: 'b', Prefix: 'in/' },
      inputType: 'JSONL',
      loadAndFlatten: true,
    });
    const objects = {
      'in/a.jsonl.gz': gzipSync('{"n":1}\n'),
      'in/b.jsonl': gzipSync('{"n":2}\n'),
      'in/c.jsonl': '{"n":3}\n',
    };
    assert.deepEqual(await readItemsFrom(source(objects), listing), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    const csv = req({ inputType: 'CSV', parameters: at('rows.csv.gz') });
    assert.deepEqual(await readItemsFrom(source({ 'rows.csv.gz': gzipSync('a,b\n1,2\n') }), csv), [{ a: '1', b: '2' }]);
    // A .gz key that holds no gzip data fails the read as AWS's States.ItemReaderFailed.
    await assert.rejects(readItemsFrom(source({ 'rows.csv.gz': 'a,b\n1,2\n' }), csv), (e: StatesFailure) => {
      assert.equal(e.error, 'States.ItemReaderFailed');
      return true;
    });
  });

  it('reads CSV headers of up to 10 KiB, as AWS; a longer header row or CSVHeaders fails with States.ItemReaderFailed', async () => {
    const wide = (n: number) => Array.from({ length: n }, (_, i) => `c${String(i).padStart(4, '0')}`);
    // 1,706 columns of 5 characters and their commas: 10,235 bytes; one more is past 10 KiB.
    const fits = wide(1706);
    assert.equal(fits.join(',').length, 10_235);
    const ok = parseItems(`${fits.join(',')}\n${fits.map(() => 'x').join(',')}\n`, req({ inputType: 'CSV' }));
    assert.equal(Object.keys(ok[0] as object).length, 1706);
    const over = wide(1707);
    for (const read of [
      () => parseItems(`${over.join(',')}\n`, req({ inputType: 'CSV' })),
      () => parseItems('1\n', req({ inputType: 'CSV', csvHeaders: over })),
    ])
      assert.throws(read, (e: StatesFailure) => e.error === 'States.ItemReaderFailed' && /10 KiB/.test(e.cause ?? ''));
  });
});

const at = (key: string) => ({ Bucket: 'b', Key: key });

/** One bucket of objects in memory; another bucket or a missing key fails as the app's source does. */
function source(objects: Record<string, string | Uint8Array>, bucket = 'b'): ObjectSource {
  const missing = (what: string) => new StatesFailure('States.ItemReaderFailed', what);
  return {
    async get(b, key) {
      if (b !== bucket) throw missing(`no bucket ${b}`);
      const o = objects[key];
      if (o === undefined) throw missing(`no key ${key}`);
      return typeof o === 'string' ? Buffer.from(o) : o;
    },
    async list(b, prefix) {
      if (b !== bucket) throw missing(`no bucket ${b}`);
      return Object.keys(objects)
        .filter((k) => k.startsWith(prefix))
        .map((key) => ({ key, size: 1, lastModified: 0, etag: 'e' }));
    },
  };
}

/** Two rows of sensor readings as a Parquet file, compressed with `codec`. */
function parquet(codec: 'SNAPPY' | 'GZIP'): Uint8Array {
  const buffer = parquetWriteBuffer({
    codec,
    compressors: { GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)) },
    columnData: [
      { name: 'sensor', data: ['s1', 's2'], type: 'STRING' },
      { name: 'reading', data: [1.5, null], type: 'DOUBLE', nullable: true },
      { name: 'count', data: [3n, 2n ** 60n], type: 'INT64' },
      { name: 'at', data: [new Date('2025-01-02T03:04:05Z'), new Date(0)], type: 'TIMESTAMP' },
    ],
  });
  return new Uint8Array(buffer);
}
