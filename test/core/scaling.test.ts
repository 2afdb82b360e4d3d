import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkCapacities,
  checkScalingScope,
  checkTargetTracking,
  measuredQualifiers,
  parseScalingResourceId,
  type ScalingInput,
  targetTrackingDecision,
} from '../../src/core/index.ts';

const policy = { targetValue: 0.5, scaleInCooldown: 60, scaleOutCooldown: 10, disableScaleIn: false };
const base: ScalingInput = { current: 2, utilization: 0.5, minCapacity: 1, maxCapacity: 10, policy, lastScaledAt: null, now: 1_000_000 };
const decide = (o: Partial<ScalingInput>) => targetTrackingDecision({ ...base, ...o });

describe('target tracking decision', () => {
  it('keeps the count at the target', () => {
    assert.equal(decide({}), null);
  });

  it('scales out in proportion, clamped to the maximum', () => {
    assert.equal(decide({ utilization: 1 }), 4);
    assert.equal(decide({ current: 4, utilization: 0.8 }), 7);
    assert.equal(decide({ current: 8, utilization: 1 }), 10);
    assert.equal(decide({ current: 10, utilization: 1 }), null);
  });

  it('waits out the scale-out cooldown since the last change', () => {
    assert.equal(decide({ utilization: 1, lastScaledAt: base.now - 5_000 }), null);
    assert.equal(decide({ utilization: 1, lastScaledAt: base.now - 10_000 }), 4);
  });

  it('scales in only below the band, after its cooldown, to the minimum at most', () => {
    assert.equal(decide({ current: 4, utilization: 0.46 }), null);
    assert.equal(decide({ current: 4, utilization: 0.25 }), 2);
    assert.equal(decide({ current: 4, utilization: 0 }), 1);
    assert.equal(decide({ current: 4, utilization: 0, lastScaledAt: base.now - 30_000 }), null);
    assert.equal(decide({ current: 4, utilization: 0, lastScaledAt: base.now - 60_000 }), 1);
    assert.equal(decide({ current: 1, utilization: 0 }), null);
  });

  it('never scales in with DisableScaleIn', () => {
    assert.equal(decide({ current: 4, utilization: 0, policy: { ...policy, disableScaleIn: true } }), null);
  });

  it('brings a count outside [min, max] in at once, whatever the cooldowns', () => {
    assert.equal(decide({ current: 1, minCapacity: 3, lastScaledAt: base.now }), 3);
    assert.equal(decide({ current: 12, lastScaledAt: base.now }), 10);
  });
});

describe('what a target and a policy may be', () => {
  it('takes the lambda provisioned concurrency dimension only', () => {
    checkScalingScope('lambda', 'lambda:function:ProvisionedConcurrency');
    assert.throws(() => checkScalingScope('ecs', 'ecs:service:DesiredCount'), /ServiceNamespace 'lambda' only/);
    assert.throws(() => checkScalingScope('lambda', 'lambda:function:Other'), /ScalableDimension/);
  });

  it('reads function:<name>:<qualifier> resource ids', () => {
    assert.deepEqual(parseScalingResourceId('function:hello:live'), { functionName: 'hello', qualifier: 'live' });
    assert.deepEqual(parseScalingResourceId('function:hello:3'), { functionName: 'hello', qualifier: '3' });
    for (const bad of ['function:hello', 'hello:live', 'function::live', 42])
      assert.throws(() => parseScalingResourceId(bad), /ResourceId/);
  });

  it('checks capacities and target tracking numbers', () => {
    checkCapacities(0, 100);
    assert.throws(() => checkCapacities(3, 2), /greater than MaxCapacity/);
    assert.throws(() => checkCapacities(1, 101), /MaxCapacity must be/);
    assert.throws(() => checkCapacities(-1, 1), /MinCapacity must be/);
    checkTargetTracking({ targetValue: 0.7, scaleInCooldown: 0, scaleOutCooldown: 0 });
    assert.throws(() => checkTargetTracking({ targetValue: 70, scaleInCooldown: 0, scaleOutCooldown: 0 }), /TargetValue/);
    assert.throws(() => checkTargetTracking({ targetValue: 0.7, scaleInCooldown: -1, scaleOutCooldown: 0 }), /ScaleInCooldown/);
  });
});

describe('what an invocation is measured under', () => {
  const arn = 'arn:aws:lambda:us-east-1:123456789012:function:api';
  it('the version that ran, and the alias it was invoked through', () => {
    assert.deepEqual(measuredQualifiers(`${arn}:live`, '3'), ['3', 'live']);
    assert.deepEqual(measuredQualifiers(`${arn}:3`, '3'), ['3']);
  });

  it('nothing for $LATEST, invoked unqualified or by name', () => {
    assert.deepEqual(measuredQualifiers(arn, '$LATEST'), []);
    assert.deepEqual(measuredQualifiers(`${arn}:$LATEST`, '$LATEST'), []);
    // An alias of $LATEST is still the alias's own.
    assert.deepEqual(measuredQualifiers(`${arn}:dev`, '$LATEST'), ['dev']);
  });
});
