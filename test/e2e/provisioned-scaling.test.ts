/**
 * Application Auto Scaling of provisioned concurrency on the scale-out shape, with real processes:
 * a `hangar server` with no function host and a `hangar worker` host sharing PostgreSQL and S3.
 * The invocations run on the worker host; the scaling loop runs on the API node, measuring the
 * host's peaks of invocations in flight from its adverts (app/scaling.ts, app/dispatch.ts). The
 * worker host's own loop is left out (an interval longer than the test), so the node that scales
 * is the one without a host. Driven with the real @aws-sdk/client-application-auto-scaling and
 * client-lambda: a target scales out to its maximum under sustained invocations of its alias and
 * back in when idle, while a target of another version of the same function is left alone.
 * Skipped, with the reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PublishVersionCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { NO_SANDBOX } from '../helpers/lambda.ts';
import {
  activities,
  provisioned,
  publishedWithAlias,
  register,
  type ScalingUser,
  scalesOutAndIn,
  scalingClients,
  tracking,
} from '../helpers/provisioned-scaling.ts';

const skip = NO_SANDBOX;
let c: Cluster;
let alice: ScalingUser;

before(async () => {
  if (skip) return;
  c = await startCluster({ env: { HANGAR_RATE_LIMIT: '0', HANGAR_PROVISIONED_SCALING_INTERVAL_MS: '300' } });
  // Slots for the three invocations in flight beside the instances provisioned.
  await c.addWorker({ HANGAR_WORKERS: '8', HANGAR_PROVISIONED_SCALING_INTERVAL_MS: '3600000' });
  const made = await c.call('POST', '/keys', { userId: 'alice' });
  alice = scalingClients(c.url, made.body as { keyId: string; key: string });
});

after(async () => {
  alice?.lambda.destroy();
  alice?.scaling.destroy();
  await c?.close();
});

describe('provisioned concurrency scaling on the scale-out shape', { skip, timeout: 180_000 }, () => {
  it('an API node without a host scales an alias out under sustained invocations on a worker host, and in when idle', async () => {
    await publishedWithAlias(alice.lambda, 'busy');
    // Version 2, not the alias's, with a target of its own: the alias's invocations are not its.
    await alice.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'busy', Timeout: 10 }));
    assert.equal((await alice.lambda.send(new PublishVersionCommand({ FunctionName: 'busy' }))).Version, '2');
    await register(alice.scaling, 'function:busy:2', 1, 3);
    await tracking(alice.scaling, 'function:busy:2', 'util', { TargetValue: 0.5 });

    await scalesOutAndIn(alice, 'busy');

    assert.equal(await provisioned(alice.lambda, 'busy', '2'), 1);
    assert.deepEqual(await activities(alice.scaling, 'function:busy:2'), [], 'the other version was never scaled');
  });
});
