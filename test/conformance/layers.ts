/**
 * The Layers port's behaviour, written once: every backend calls describeLayers with a factory
 * (as describeFunctions). Time is injected, so createdAt is exact.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  checkLayerStatement,
  ErrorCode,
  newLayerVersion,
  type Clock,
  type LayerVersionInput,
  type NewLayerVersion,
} from '../../src/core/index.ts';
import type { Layers } from '../../src/store/index.ts';
import { codeOf } from './functions.ts';
import { ManualClock } from './store.ts';

export interface LayersUnderTest {
  layers: Layers;
  close(): Promise<void>;
}
export type MakeLayers = (clock: Clock) => Promise<LayersUnderTest>;

const layer = (userId: string, input: Partial<LayerVersionInput> = {}, code = 'lib-v1'): NewLayerVersion =>
  newLayerVersion(userId, { name: 'lib', ...input }, codeOf(code));

export function describeLayers(name: string, make: MakeLayers): void {
  describe(`Layers conformance: ${name}`, () => {
    let under: LayersUnderTest;
    let layers: Layers;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock();
      under = await make(clock);
      layers = under.layers;
    });
    afterEach(async () => {
      await under.close();
    });

    it('publishes numbered versions of a layer, keeping their settings and code', async () => {
      const v1 = await layers.publishLayerVersion(
        layer('alice', {
          description: 'shared lib',
          compatibleRuntimes: ['nodejs22.x', 'python3.12'],
          compatibleArchitectures: ['x86_64'],
          licenseInfo: 'MIT',
        }),
      );
      assert.deepEqual(v1, {
        userId: 'alice',
        name: 'lib',
        version: 1,
        description: 'shared lib',
        compatibleRuntimes: ['nodejs22.x', 'python3.12'],
        compatibleArchitectures: ['x86_64'],
        licenseInfo: 'MIT',
        code: codeOf('lib-v1'),
        createdAt: clock.t,
      });
      clock.advance(1000);
      const v2 = await layers.publishLayerVersion(layer('alice', {}, 'lib-v2'));
      assert.equal(v2.version, 2);
      assert.equal(v2.licenseInfo, null);
      assert.deepEqual(v2.compatibleRuntimes, []);
      assert.equal(v2.createdAt, clock.t);
      assert.deepEqual(await layers.getLayerVersion('alice', 'lib', 1), v1);
      assert.deepEqual(await layers.getLayerVersion('alice', 'lib', 2), v2);
      assert.equal(await layers.getLayerVersion('alice', 'lib', 3), null);
      // Another layer of the same user numbers its own versions from 1.
      assert.equal((await layers.publishLayerVersion(layer('alice', { name: 'tools' }))).version, 1);
    });

    it('never gives a deleted number again, even when every version of the layer is gone', async () => {
      await layers.publishLayerVersion(layer('alice'));
      await layers.publishLayerVersion(layer('alice'));
      assert.equal(await layers.deleteLayerVersion('alice', 'lib', 2), true);
      assert.equal(await layers.deleteLayerVersion('alice', 'lib', 2), false);
      assert.equal(await layers.getLayerVersion('alice', 'lib', 2), null);
      assert.equal((await layers.publishLayerVersion(layer('alice'))).version, 3);
      assert.equal(await layers.deleteLayerVersion('alice', 'lib', 1), true);
      assert.equal(await layers.deleteLayerVersion('alice', 'lib', 3), true);
      assert.deepEqual(await layers.listLayerVersions('alice', 'lib'), []);
      assert.equal((await layers.publishLayerVersion(layer('alice'))).version, 4);
    });

    it('gives concurrent publishes of one layer distinct numbers', async () => {
      const vs = await Promise.all(Array.from({ length: 8 }, () => layers.publishLayerVersion(layer('alice'))));
      assert.deepEqual(
        vs.map((v) => v.version).sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
    });

    it('lists by layer name, newest version first, one layer or all', async () => {
      await layers.publishLayerVersion(layer('alice', { name: 'zeta' }));
      await layers.publishLayerVersion(layer('alice', { name: 'alpha' }));
      await layers.publishLayerVersion(layer('alice', { name: 'zeta' }));
      await layers.publishLayerVersion(layer('alice', { name: 'Beta' }));
      assert.deepEqual(
        (await layers.listLayerVersions('alice')).map((v) => `${v.name}:${v.version}`),
        ['Beta:1', 'alpha:1', 'zeta:2', 'zeta:1'],
        'names sort as bytes on every backend',
      );
      assert.deepEqual(
        (await layers.listLayerVersions('alice', 'zeta')).map((v) => v.version),
        [2, 1],
      );
      assert.deepEqual(await layers.listLayerVersions('alice', 'nope'), []);
    });

    it("scopes every read and change by user: another user's layer is not there", async () => {
      await layers.publishLayerVersion(layer('alice'));
      assert.equal(await layers.getLayerVersion('bob', 'lib', 1), null);
      assert.deepEqual(await layers.listLayerVersions('bob'), []);
      assert.deepEqual(await layers.listLayerVersions('bob', 'lib'), []);
      assert.equal(await layers.deleteLayerVersion('bob', 'lib', 1), false);
      assert.ok(await layers.getLayerVersion('alice', 'lib', 1));
      // bob's own layer of the same name numbers from 1.
      assert.equal((await layers.publishLayerVersion(layer('bob'))).version, 1);
    });

    const grant = (sid: string, principal: string) => checkLayerStatement({ sid, action: 'lambda:GetLayerVersion', principal });

    it("keeps a version's policy: statements added and removed, each change a new revision", async () => {
      await layers.publishLayerVersion(layer('alice'));
      await layers.publishLayerVersion(layer('alice'));
      assert.equal(await layers.getLayerVersionPolicy('alice', 'lib', 1), null);
      const p1 = await layers.addLayerVersionPermission('alice', 'lib', 1, grant('bob', '111111111111'));
      assert.deepEqual(p1.statements, [grant('bob', '111111111111')]);
      assert.equal(p1.layerName, 'lib');
      assert.equal(p1.version, 1);
      const p2 = await layers.addLayerVersionPermission('alice', 'lib', 1, grant('all', '*'), p1.revisionId);
      assert.notEqual(p2.revisionId, p1.revisionId);
      assert.deepEqual(
        p2.statements.map((s) => s.sid),
        ['bob', 'all'],
      );
      assert.deepEqual(await layers.getLayerVersionPolicy('alice', 'lib', 1), p2);
      // A policy is one version's: version 2 has none.
      assert.equal(await layers.getLayerVersionPolicy('alice', 'lib', 2), null);
      const p3 = await layers.removeLayerVersionPermission('alice', 'lib', 1, 'bob', p2.revisionId);
      assert.deepEqual(
        p3?.statements.map((s) => s.sid),
        ['all'],
      );
      assert.equal(await layers.removeLayerVersionPermission('alice', 'lib', 1, 'all'), null);
      assert.equal(await layers.getLayerVersionPolicy('alice', 'lib', 1), null);
    });

    it('refuses a taken StatementId, a stale RevisionId, a missing statement and a missing version', async () => {
      await layers.publishLayerVersion(layer('alice'));
      const p = await layers.addLayerVersionPermission('alice', 'lib', 1, grant('s', '*'));
      await assert.rejects(layers.addLayerVersionPermission('alice', 'lib', 1, grant('s', '111111111111')), {
        code: ErrorCode.FunctionStatementExists,
      });
      await assert.rejects(layers.addLayerVersionPermission('alice', 'lib', 1, grant('t', '*'), 'stale'), {
        code: ErrorCode.FunctionRevisionMismatch,
      });
      await assert.rejects(layers.removeLayerVersionPermission('alice', 'lib', 1, 's', 'stale'), {
        code: ErrorCode.FunctionRevisionMismatch,
      });
      await assert.rejects(layers.removeLayerVersionPermission('alice', 'lib', 1, 'nope'), { code: ErrorCode.FunctionPolicyNotFound });
      await assert.rejects(layers.addLayerVersionPermission('alice', 'lib', 2, grant('s', '*')), { code: ErrorCode.LayerNotFound });
      await assert.rejects(layers.addLayerVersionPermission('bob', 'lib', 1, grant('s', '*')), { code: ErrorCode.LayerNotFound });
      await assert.rejects(layers.removeLayerVersionPermission('alice', 'lib', 2, 's'), { code: ErrorCode.LayerNotFound });
      assert.equal(await layers.getLayerVersionPolicy('bob', 'lib', 1), null);
      assert.deepEqual(await layers.getLayerVersionPolicy('alice', 'lib', 1), p);
    });

    it("lets concurrent changes of one policy each land, and a version's policy go with it", async () => {
      await layers.publishLayerVersion(layer('alice'));
      await Promise.all(Array.from({ length: 6 }, (_, i) => layers.addLayerVersionPermission('alice', 'lib', 1, grant(`s${i}`, '*'))));
      assert.equal((await layers.getLayerVersionPolicy('alice', 'lib', 1))?.statements.length, 6);
      assert.equal(await layers.deleteLayerVersion('alice', 'lib', 1), true);
      assert.equal(await layers.getLayerVersionPolicy('alice', 'lib', 1), null);
    });
  });
}
