/**
 * The FunctionFleet port's behaviour, written once for both backends: worker hosts' adverts
 * (replaced, expiring, withdrawn, with their hop version) and reserved-concurrency leases counted across callers
 * (exactly the limit taken under a race, freed on release and on expiry). Time is injected.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { NotFound, type Clock } from '../../src/core/index.ts';
import type { FunctionFleet, Functions } from '../../src/store/index.ts';
import { newFunction } from './functions.ts';
import { ManualClock } from './store.ts';

export interface FunctionFleetUnderTest {
  functions: Functions;
  fleet: FunctionFleet;
  close(): Promise<void>;
}

const advert = (hostId: string, over: Record<string, unknown> = {}) => ({
  hostId,
  address: `http://127.0.0.1:${hostId === 'a' ? 9001 : 9002}`,
  capacity: 4,
  busy: 0,
  warm: {},
  ...over,
});

export function describeFunctionFleet(name: string, make: (clock: Clock) => Promise<FunctionFleetUnderTest>): void {
  describe(`FunctionFleet conformance: ${name}`, () => {
    let u: FunctionFleetUnderTest;
    let clock: ManualClock;
    beforeEach(async () => {
      clock = new ManualClock();
      u = await make(clock);
    });
    afterEach(() => u.close());

    it('lists unexpired adverts, each as last written; a withdrawn or lapsed one is gone', async () => {
      await u.fleet.advertiseHost(advert('a'), 1000);
      await u.fleet.advertiseHost(advert('b', { busy: 1 }), 5000);
      await u.fleet.advertiseHost(advert('a', { busy: 3, warm: { k1: 2 }, hop: 7 }), 1000);
      const hosts = await u.fleet.listHosts();
      assert.deepEqual(
        hosts.map((h) => [h.hostId, h.address, h.capacity, h.busy, h.warm, h.hop, h.updatedAt, h.expiresAt]),
        [
          ['a', 'http://127.0.0.1:9001', 4, 3, { k1: 2 }, 7, clock.t, clock.t + 1000],
          ['b', 'http://127.0.0.1:9002', 4, 1, {}, 1, clock.t, clock.t + 5000],
        ],
        'the hop version as advertised, 1 where none is (a host from before hop versions); the warm map without it',
      );
      clock.advance(1000);
      assert.deepEqual(
        (await u.fleet.listHosts()).map((h) => h.hostId),
        ['b'],
        'an advert lapses at its expiry',
      );
      await u.fleet.withdrawHost('b');
      await u.fleet.withdrawHost('nobody');
      assert.deepEqual(await u.fleet.listHosts(), []);
    });

    it("keeps each host's highest reported peak until taken, and sums them across hosts per alias or version", async () => {
      const peak = (functionName: string, qualifier: string, n: number, userId = 'alice') => ({ userId, functionName, qualifier, peak: n });
      assert.deepEqual(await u.fleet.takePeaks(), []);
      await u.fleet.advertiseHost(advert('a'), 1000, [peak('api', 'live', 3), peak('api', '1', 3)]);
      // A later advert of the same host keeps the higher of its peaks since the take.
      await u.fleet.advertiseHost(advert('a'), 1000, [peak('api', 'live', 1), peak('api', '2', 2)]);
      await u.fleet.advertiseHost(advert('b'), 1000, [peak('api', 'live', 2), peak('api', 'live', 5, 'bob')]);
      await u.fleet.advertiseHost(advert('b'), 1000);
      assert.deepEqual(await u.fleet.takePeaks(), [
        peak('api', '1', 3),
        peak('api', '2', 2),
        peak('api', 'live', 5),
        peak('api', 'live', 5, 'bob'),
      ]);
      assert.deepEqual(await u.fleet.takePeaks(), [], 'a take clears them');
      // After a take, a host starts again from what it reports next, however high it was before.
      await u.fleet.advertiseHost(advert('a'), 1000, [peak('api', 'live', 1)]);
      assert.deepEqual(await u.fleet.takePeaks(), [peak('api', 'live', 1)]);
      // A host's advert lapsing does not lose what it reported before it died.
      await u.fleet.advertiseHost(advert('a'), 1000, [peak('api', 'live', 2)]);
      clock.advance(2000);
      assert.deepEqual(await u.fleet.listHosts(), []);
      assert.deepEqual(await u.fleet.takePeaks(), [peak('api', 'live', 2)]);
    });

    it('reserved concurrency: takes up to the limit across callers, frees on release and on expiry', async () => {
      await u.functions.createFunction(newFunction({ name: 'limited' }));
      await u.functions.createFunction(newFunction({ name: 'free' }));
      assert.deepEqual(await u.fleet.takeConcurrency('alice', 'free', 'f1', 1000), { taken: true, reserved: null });
      await u.functions.putConcurrency('alice', 'limited', 2);
      // Five at once for two slots: exactly two are taken.
      const takes = await Promise.all([1, 2, 3, 4, 5].map((i) => u.fleet.takeConcurrency('alice', 'limited', `l${i}`, 1000)));
      assert.equal(takes.filter((t) => t.taken).length, 2);
      assert.ok(takes.every((t) => t.reserved === 2));
      const held = takes.map((t, i) => (t.taken ? `l${i + 1}` : null)).filter((x) => x !== null);
      await u.fleet.releaseConcurrency(held[0]);
      await u.fleet.releaseConcurrency(held[0]);
      assert.equal((await u.fleet.takeConcurrency('alice', 'limited', 'l6', 1000)).taken, true, 'a released slot is free');
      assert.equal((await u.fleet.takeConcurrency('alice', 'limited', 'l7', 1000)).taken, false);
      clock.advance(1000);
      // l6 was taken at the same time as the others: every lease lapsed.
      assert.equal((await u.fleet.takeConcurrency('alice', 'limited', 'l8', 1000)).taken, true, 'an expired lease frees its slot');
      assert.equal((await u.fleet.takeConcurrency('alice', 'limited', 'l9', 1000)).taken, true);
      assert.equal((await u.fleet.takeConcurrency('alice', 'limited', 'l10', 1000)).taken, false);
      await u.functions.putConcurrency('alice', 'limited', 0);
      assert.deepEqual(await u.fleet.takeConcurrency('alice', 'limited', 'l11', 1000), { taken: false, reserved: 0 });
      // Another user's function of that name is not this one.
      await assert.rejects(u.fleet.takeConcurrency('bob', 'limited', 'l12', 1000), NotFound);
      await assert.rejects(u.fleet.takeConcurrency('alice', 'nope', 'l13', 1000), NotFound);
      // Leases go with their function.
      assert.equal(await u.functions.deleteFunction('alice', 'limited'), true);
      await u.functions.createFunction(newFunction({ name: 'limited' }));
      await u.functions.putConcurrency('alice', 'limited', 1);
      assert.equal((await u.fleet.takeConcurrency('alice', 'limited', 'l14', 1000)).taken, true);
    });
  });
}
