/**
 * The HttpDeploymentSnapshots port's behaviour, written once: every backend calls
 * describeHttpDeploymentSnapshots with a factory (as describeHttpApis).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type Clock, ErrorCode, type HttpDeploymentSnapshot, NotFound, snapshotOf } from '../../src/core/index.ts';
import type { HttpApis, HttpDeploymentSnapshots } from '../../src/store/index.ts';
import { ManualClock } from './store.ts';

export interface SnapshotsUnderTest {
  snapshots: HttpDeploymentSnapshots;
  httpApis: HttpApis;
  close(): Promise<void>;
}
export type MakeSnapshots = (clock: Clock) => Promise<SnapshotsUnderTest>;

const is = (cls: new (...a: never[]) => Error, code: string) => (e: unknown) => e instanceof cls && (e as { code?: string }).code === code;

export function describeHttpDeploymentSnapshots(name: string, make: MakeSnapshots): void {
  describe(`HttpDeploymentSnapshots conformance: ${name}`, () => {
    let under: SnapshotsUnderTest;
    let snaps: HttpDeploymentSnapshots;

    beforeEach(async () => {
      under = await make(new ManualClock());
      snaps = under.snapshots;
    });
    afterEach(async () => {
      await under.close();
    });

    it('keeps a snapshot once, read by the API id alone; deleted alone and with its API', async () => {
      const apis = under.httpApis;
      const a = await apis.createApi('alice', {
        name: 'pets',
        cors: { allowOrigins: ['https://a.example'], allowMethods: ['GET'], allowHeaders: [], exposeHeaders: [], allowCredentials: false },
      });
      await apis.createRoute('alice', a.apiId, { routeKey: 'GET /pets', functionName: 'pets', throttle: { rate: 1, burst: 1 } });
      const first = snapshotOf(a, await apis.listRoutes('alice', a.apiId));
      await snaps.putSnapshot('alice', a.apiId, 'dep0001', first);
      assert.deepEqual(await snaps.getSnapshot(a.apiId, 'dep0001'), first);
      assert.equal(first.routes[0]?.throttle, null);
      // Never changed: a second put of the id keeps the first.
      await snaps.putSnapshot('alice', a.apiId, 'dep0001', { cors: null, routes: [] });
      assert.deepEqual(await snaps.getSnapshot(a.apiId, 'dep0001'), first);
      assert.equal(await snaps.getSnapshot(a.apiId, 'nosuch1'), null);
      await assert.rejects(snaps.putSnapshot('bob', a.apiId, 'dep0002', first), is(NotFound, ErrorCode.HttpApiNotFound));
      await snaps.putSnapshot('alice', a.apiId, 'dep0002', { cors: null, routes: [] });
      assert.deepEqual(await snaps.snapshotsKept('alice', a.apiId, ['dep0001', 'dep0002', 'nosuch1']), new Set(['dep0001', 'dep0002']));
      assert.deepEqual(await snaps.snapshotsKept('bob', a.apiId, ['dep0001']), new Set());
      await snaps.deleteSnapshot('bob', a.apiId, 'dep0001');
      await snaps.deleteSnapshot('alice', a.apiId, 'dep0001');
      assert.equal(await snaps.getSnapshot(a.apiId, 'dep0001'), null);
      await snaps.deleteSnapshot('alice', a.apiId, 'dep0001');
      await apis.deleteApi('alice', a.apiId);
      assert.equal(await snaps.getSnapshot(a.apiId, 'dep0002'), null);
    });

    it('holds an API of 300 routes', async () => {
      const apis = under.httpApis;
      const a = await apis.createApi('alice', { name: 'big' });
      const routes = Array.from({ length: 300 }, (_, i) => ({
        userId: 'alice',
        apiId: a.apiId,
        routeKey: `GET /r${String(i).padStart(3, '0')}/{id}/${'x'.repeat(200)}`,
        functionName: 'f'.repeat(64),
        qualifier: 'live',
        auth: { kind: 'jwt' as const, issuer: 'https://issuer.example', audience: ['a', 'b'], jwksUrl: null },
        throttle: null,
        cacheTtlS: 0,
        payloadFormatVersion: '2.0' as const,
        integrationId: 'abcdefg',
        authorizerId: 'hijklmn',
        createdAt: 1,
        updatedAt: 1,
      }));
      const big: HttpDeploymentSnapshot = { cors: null, routes };
      await snaps.putSnapshot('alice', a.apiId, 'dep0001', big);
      assert.deepEqual(await snaps.getSnapshot(a.apiId, 'dep0001'), big);
    });
  });
}
