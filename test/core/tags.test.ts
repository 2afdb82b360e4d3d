import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkTagKey, checkTags, ErrorCode, LAMBDA_TAG_RULES, mergeTags, SFN_TAG_RULES, withoutTags } from '../../src/core/index.ts';

const code = (c: string) => (err: unknown) => (err as { code?: string }).code === c;
const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, '']));

it('takes keys of 1 to 128 characters and values of up to 256, counted as code points', () => {
  for (const rules of [LAMBDA_TAG_RULES, SFN_TAG_RULES]) {
    assert.deepEqual(checkTags({ ['k'.repeat(128)]: 'v'.repeat(256), e: '' }, rules), { ['k'.repeat(128)]: 'v'.repeat(256), e: '' });
    assert.throws(() => checkTags({ ['k'.repeat(129)]: '' }, rules), code(ErrorCode.TagInvalid));
    assert.throws(() => checkTags({ '': 'v' }, rules), code(ErrorCode.TagInvalid));
    assert.throws(() => checkTags({ k: 'v'.repeat(257) }, rules), code(ErrorCode.TagInvalid));
    // 128 letters outside the BMP: 256 UTF-16 units, 128 characters.
    checkTags({ ['𝔸'.repeat(128)]: '' }, rules);
  }
});

it('reserves the aws: prefix, in any case, in keys and values', () => {
  for (const rules of [LAMBDA_TAG_RULES, SFN_TAG_RULES]) {
    assert.throws(() => checkTags({ 'aws:cloudformation:stack-name': 'x' }, rules), code(ErrorCode.TagInvalid));
    assert.throws(() => checkTags({ 'AWS:x': 'x' }, rules), code(ErrorCode.TagInvalid));
    assert.throws(() => checkTags({ k: 'aws:x' }, rules), code(ErrorCode.TagInvalid));
    assert.throws(() => checkTagKey('aws:x', rules), code(ErrorCode.TagInvalid));
    checkTags({ 'my-aws:x': 'awsome' }, rules);
  }
});

it("limits the characters on Step Functions only (Lambda's guide recommends the set, its API takes any)", () => {
  const odd = { 'a#b': 'c$d' };
  assert.deepEqual(checkTags(odd, LAMBDA_TAG_RULES), odd);
  assert.throws(() => checkTags(odd, SFN_TAG_RULES), code(ErrorCode.TagInvalid));
  checkTags({ 'Kostenstelle ü_.:/=+-@': 'Wert 1' }, SFN_TAG_RULES);
});

it('allows 50 tags per resource, counting a key set again once', () => {
  assert.throws(() => checkTags(many(51), LAMBDA_TAG_RULES), code(ErrorCode.TagLimitExceeded));
  assert.equal(Object.keys(mergeTags(many(50), { k0: 'again' }, LAMBDA_TAG_RULES)).length, 50);
  assert.throws(() => mergeTags(many(50), { new: '' }, LAMBDA_TAG_RULES), code(ErrorCode.TagLimitExceeded));
  assert.deepEqual(mergeTags({ a: '1', b: '2' }, { a: '3', c: '4' }, LAMBDA_TAG_RULES), { a: '3', b: '2', c: '4' });
  assert.deepEqual(withoutTags({ a: '1', b: '2' }, ['a', 'z']), { b: '2' });
});
