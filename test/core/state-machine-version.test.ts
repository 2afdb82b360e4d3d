import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkMachineAliasName,
  checkRouting,
  Conflict,
  decidePublish,
  ErrorCode,
  InvalidInput,
  MAX_VERSIONS_PER_MACHINE,
  pickVersion,
  qualifierOf,
  seededRandom,
  type StateMachineVersion,
} from '../../src/core/index.ts';

const is = (cls: new (...a: never[]) => Error, code: string) => (e: unknown) => e instanceof cls && (e as { code?: string }).code === code;

describe('state machine versions and aliases (core)', () => {
  it('picks a version by weight: the same seed picks the same sequence, and the shares follow the weights', () => {
    const routing = [
      { version: 1, weight: 70 },
      { version: 2, weight: 30 },
    ];
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 20 }, () => pickVersion(routing, a));
    assert.deepEqual(
      Array.from({ length: 20 }, () => pickVersion(routing, b)),
      first,
    );
    // Where each draw falls: below 0.7 is version 1's share.
    assert.equal(
      pickVersion(routing, () => 0),
      1,
    );
    assert.equal(
      pickVersion(routing, () => 0.6999),
      1,
    );
    assert.equal(
      pickVersion(routing, () => 0.7),
      2,
    );
    assert.equal(
      pickVersion(routing, () => 0.9999999),
      2,
    );

    const random = seededRandom(7);
    const n = 100_000;
    let ones = 0;
    for (let i = 0; i < n; i++) if (pickVersion(routing, random) === 1) ones++;
    assert.ok(Math.abs(ones / n - 0.7) < 0.01, `version 1 took ${ones / n}`);
  });

  it('never picks a version of weight 0, and always the one of weight 100', () => {
    const random = seededRandom(1);
    const routing = [
      { version: 3, weight: 0 },
      { version: 4, weight: 100 },
    ];
    for (let i = 0; i < 1000; i++) assert.equal(pickVersion(routing, random), 4);
    assert.equal(
      pickVersion(routing, () => 1),
      4,
    );
    assert.equal(pickVersion([{ version: 9, weight: 100 }], random), 9);
  });

  it('takes routings of one or two distinct versions whose whole weights sum to 100', () => {
    assert.deepEqual(checkRouting([{ version: 1, weight: 100 }]), [{ version: 1, weight: 100 }]);
    for (const bad of [
      [],
      [{ version: 1, weight: 50 }],
      [
        { version: 1, weight: 50 },
        { version: 1, weight: 50 },
      ],
      [
        { version: 1, weight: 40 },
        { version: 2, weight: 40 },
        { version: 3, weight: 20 },
      ],
      [{ version: 0, weight: 100 }],
      [{ version: 1, weight: 100.5 }],
      [
        { version: 1, weight: -10 },
        { version: 2, weight: 110 },
      ],
      'x',
    ])
      assert.throws(() => checkRouting(bad), is(InvalidInput, ErrorCode.WorkflowInvalid), JSON.stringify(bad));
  });

  it('names aliases so that a number is always a version', () => {
    assert.equal(checkMachineAliasName('PROD_v2.1-beta'), 'PROD_v2.1-beta');
    for (const bad of ['', '12', 'has space', 'a:b', 'x'.repeat(81), 7])
      assert.throws(() => checkMachineAliasName(bad), is(InvalidInput, ErrorCode.WorkflowInvalid));
    assert.deepEqual(qualifierOf('12'), { kind: 'version', version: 12 });
    assert.deepEqual(qualifierOf('PROD'), { kind: 'alias', alias: 'PROD' });
    assert.deepEqual(qualifierOf('012'), { kind: 'alias', alias: '012' });
  });

  it('publishes only the current revision, answers the version it already has, and stops at the quota', () => {
    const m = { name: 'm', revisionId: 'r2' };
    assert.throws(() => decidePublish(m, 'r1', null, 0), is(Conflict, ErrorCode.StateMachineRevisionMismatch));
    assert.deepEqual(decidePublish(m, 'r2', null, 0), { kind: 'new' });
    assert.deepEqual(decidePublish(m, null, null, 3), { kind: 'new' });
    const existing = { version: 2 } as StateMachineVersion;
    assert.deepEqual(decidePublish(m, null, existing, MAX_VERSIONS_PER_MACHINE), { kind: 'existing', version: existing });
    assert.throws(() => decidePublish(m, null, null, MAX_VERSIONS_PER_MACHINE), is(Conflict, ErrorCode.StateMachineVersionQuota));
  });
});
