import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GatewayResponse, mapResponseV1, mapResponseV2 } from '../../../src/core/index.ts';

const text = (r: GatewayResponse) => new TextDecoder().decode(r.body);
const ise = (r: GatewayResponse) => {
  assert.equal(r.statusCode, 500);
  assert.deepEqual(r.headers, [['content-type', 'application/json']]);
  assert.equal(text(r), '{"message":"Internal Server Error"}');
};

describe('payload format 2.0 answer', () => {
  it('a structured answer gives its status, headers, cookies and body', () => {
    const r = mapResponseV2(
      JSON.stringify({
        statusCode: 201,
        headers: { 'Content-Type': 'text/plain', 'X-Count': 3, 'X-Ok': true },
        cookies: ['a=1; Path=/', 'b=2'],
        body: 'created',
        isBase64Encoded: false,
      }),
    );
    assert.equal(r.statusCode, 201);
    assert.deepEqual(r.headers, [
      ['content-type', 'text/plain'],
      ['x-count', '3'],
      ['x-ok', 'true'],
      ['set-cookie', 'a=1; Path=/'],
      ['set-cookie', 'b=2'],
    ]);
    assert.equal(text(r), 'created');
  });

  it('isBase64Encoded decodes the body; no body is an empty one', () => {
    const bin = mapResponseV2(
      JSON.stringify({ statusCode: 200, body: Buffer.from([0, 1, 255]).toString('base64'), isBase64Encoded: true }),
    );
    assert.deepEqual([...bin.body], [0, 1, 255]);
    const empty = mapResponseV2('{"statusCode":204}');
    assert.equal(empty.statusCode, 204);
    assert.equal(empty.body.length, 0);
    assert.deepEqual(empty.headers, []);
  });

  it('multiValueHeaders is not part of format 2.0 and is ignored', () => {
    const r = mapResponseV2(JSON.stringify({ statusCode: 200, multiValueHeaders: { a: ['1', '2'] }, body: 'x' }));
    assert.deepEqual(r.headers, []);
  });

  // AWS's inference: valid JSON without statusCode is 200 application/json, the body as returned.
  for (const [what, payload] of [
    ['a string (its JSON quotes kept)', '"Hello from Lambda!"'],
    ['a number', '42'],
    ['null', 'null'],
    ['an array', '[1,{"statusCode":500}]'],
    ['an object without statusCode', '{"message":"Hello from Lambda!","body":"not used"}'],
  ]) {
    it(`infers 200 JSON for ${what}`, () => {
      const r = mapResponseV2(payload as string);
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.headers, [['content-type', 'application/json']]);
      assert.equal(text(r), payload);
    });
  }

  for (const [what, payload] of [
    ['a result that is not JSON', 'Hello'],
    ['a status that is not a number', '{"statusCode":"200"}'],
    ['a status out of range', '{"statusCode":99}'],
    ['a fractional status', '{"statusCode":200.5}'],
    ['a body that is not a string', '{"statusCode":200,"body":{"a":1}}'],
    ['headers that are not an object', '{"statusCode":200,"headers":["a"]}'],
    ['a header value that is an object', '{"statusCode":200,"headers":{"a":{"b":1}}}'],
    ['cookies that are not strings', '{"statusCode":200,"cookies":[1]}'],
    ['isBase64Encoded not a boolean', '{"statusCode":200,"isBase64Encoded":"true"}'],
  ]) {
    it(`answers 500 for ${what}`, () => ise(mapResponseV2(payload as string)));
  }
});

describe('payload format 1.0 answer', () => {
  const malformed = (r: GatewayResponse) => {
    assert.equal(r.statusCode, 500);
    assert.deepEqual(r.headers, [['content-type', 'application/json']]);
    assert.equal(text(r), '{"message":"Internal Server Error"}');
  };

  it("AWS's documented shape: status, headers, multiValueHeaders and body", () => {
    const r = mapResponseV1(
      JSON.stringify({
        isBase64Encoded: false,
        statusCode: 201,
        headers: { 'Content-Type': 'text/plain', 'X-One': 1 },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Many': ['x', 'y'] },
        body: 'created',
      }),
    );
    assert.equal(r.statusCode, 201);
    assert.deepEqual(r.headers, [
      ['content-type', 'text/plain'],
      ['x-one', '1'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['x-many', 'x'],
      ['x-many', 'y'],
    ]);
    assert.equal(text(r), 'created');
  });

  it('a header in both maps is sent with the values of multiValueHeaders; base64 bodies are decoded', () => {
    const r = mapResponseV1(
      JSON.stringify({
        statusCode: 200,
        headers: { 'X-A': 'one' },
        multiValueHeaders: { 'x-a': ['two', 'three'] },
        body: 'AP8=',
        isBase64Encoded: true,
      }),
    );
    assert.deepEqual(r.headers, [
      ['x-a', 'two'],
      ['x-a', 'three'],
    ]);
    assert.deepEqual([...r.body], [0, 255]);
  });

  it('only statusCode is required; no body is an empty one', () => {
    const r = mapResponseV1('{"statusCode":204}');
    assert.deepEqual([r.statusCode, r.headers, r.body.length], [204, [], 0]);
  });

  it('infers nothing: anything but a valid 1.0 answer is 500', () => {
    for (const payload of [
      'not json',
      '"hello"',
      '42',
      'null',
      '[1]',
      '{"message":"hi"}',
      '{"statusCode":"200"}',
      '{"statusCode":200,"body":{"a":1}}',
      '{"statusCode":200,"multiValueHeaders":{"a":"b"}}',
      '{"statusCode":200,"headers":{"a":{"b":1}}}',
      '{"statusCode":200,"isBase64Encoded":"yes"}',
      '{"statusCode":99}',
    ])
      malformed(mapResponseV1(payload));
  });

  it('a cookies field is not 1.0: no Set-Cookie from it', () => {
    const r = mapResponseV1('{"statusCode":200,"cookies":["a=1"]}');
    assert.deepEqual(r.headers, []);
  });
});
