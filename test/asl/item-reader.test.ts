/** A Distributed Map's ItemReader in the core: what it asks to read, and how what was read becomes items. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  csvRows,
  type ItemReadRequest,
  itemReadRequest,
  type Json,
  parseItems,
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
});
