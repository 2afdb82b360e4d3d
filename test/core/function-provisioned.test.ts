import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkProvisionedCount,
  checkProvisionedQualifier,
  checkProvisionedVersion,
  ErrorCode,
  InvalidInput,
  MAX_PROVISIONED_PER_CONFIG,
  NotFound,
  provisionedNotFound,
  provisionedShare,
  provisionedStatus,
  STATUS_REASON_MESSAGE_CHARS,
} from '../../src/core/index.ts';

const invalid = (re: RegExp) => (e: unknown) => e instanceof InvalidInput && re.test(e.message);

describe('provisioned concurrency decisions', () => {
  it('takes a version number or an alias, never $LATEST or no qualifier', () => {
    assert.equal(checkProvisionedQualifier('3'), '3');
    assert.equal(checkProvisionedQualifier('prod'), 'prod');
    for (const q of [undefined, '', '$LATEST'])
      assert.throws(() => checkProvisionedQualifier(q), invalid(/cannot be applied to unpublished function versions/));
    assert.throws(() => checkProvisionedQualifier('bad qualifier!'), InvalidInput);
  });

  it('refuses an alias that points at $LATEST', () => {
    assert.equal(checkProvisionedVersion(2), 2);
    assert.throws(() => checkProvisionedVersion('$LATEST'), invalid(/unpublished/));
  });

  it('takes 1..MAX instances, within the reserved concurrency with the other configurations', () => {
    assert.equal(checkProvisionedCount(1, null), 1);
    assert.equal(checkProvisionedCount(MAX_PROVISIONED_PER_CONFIG, null), MAX_PROVISIONED_PER_CONFIG);
    for (const n of [0, -1, 1.5, '2', null, undefined, Number.NaN])
      assert.throws(() => checkProvisionedCount(n, null), invalid(/at least 1/));
    assert.throws(() => checkProvisionedCount(MAX_PROVISIONED_PER_CONFIG + 1, null), invalid(/at most/));
    assert.equal(checkProvisionedCount(3, 3), 3);
    assert.throws(() => checkProvisionedCount(4, 3), invalid(/reservedConcurrentExecution/));
    assert.equal(checkProvisionedCount(2, 5, 3), 2);
    assert.throws(() => checkProvisionedCount(3, 5, 3), invalid(/\(6\)/));
  });

  it('is READY once every instance asked for is started', () => {
    assert.deepEqual(provisionedStatus(2, 0), { status: 'IN_PROGRESS', statusReason: null });
    assert.deepEqual(provisionedStatus(2, 1), { status: 'IN_PROGRESS', statusReason: null });
    assert.deepEqual(provisionedStatus(2, 2), { status: 'READY', statusReason: null });
  });

  it('is FAILED, with the init error as its reason, while instances are missing because their init failed', () => {
    const initError = { errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find module 'app'" };
    assert.deepEqual(provisionedStatus(2, 1, initError), {
      status: 'FAILED',
      statusReason: "The function's init failed: Runtime.ImportModuleError: Error: Cannot find module 'app'",
    });
    assert.deepEqual(provisionedStatus(2, 2, initError), { status: 'READY', statusReason: null });
    const long = provisionedStatus(1, 0, { errorType: 'Error', errorMessage: 'x'.repeat(10_000) });
    assert.equal(long.statusReason, `The function's init failed: Error: ${'x'.repeat(STATUS_REASON_MESSAGE_CHARS)}`);
  });

  it('shares a configuration evenly between live hosts, rounded up', () => {
    assert.equal(provisionedShare(5, 0), 5);
    assert.equal(provisionedShare(5, 1), 5);
    assert.equal(provisionedShare(5, 2), 3);
    assert.equal(provisionedShare(1, 3), 1);
  });

  it('says which configuration is missing', () => {
    const e = provisionedNotFound('f', '2');
    assert.ok(e instanceof NotFound);
    assert.equal(e.code, ErrorCode.FunctionProvisionedConfigNotFound);
    assert.match(e.message, /f:2/);
  });
});
