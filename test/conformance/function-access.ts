/**
 * The FunctionAccess port's behaviour (resource-based policies and function URLs), written once:
 * every backend calls describeFunctionAccess with a factory giving it and the Functions port
 * over the same database (a policy or URL belongs to a function).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  checkStatement,
  Conflict,
  ErrorCode,
  newFunctionUrl,
  NotFound,
  urlIdFrom,
  type Clock,
  type FunctionUrlInput,
} from '../../src/core/index.ts';
import type { FunctionAccess, Functions } from '../../src/store/index.ts';
import { newFunction } from './functions.ts';
import { ManualClock } from './store.ts';

export interface FunctionAccessUnderTest {
  functions: Functions;
  functionAccess: FunctionAccess;
  close(): Promise<void>;
}
export type MakeFunctionAccess = (clock: Clock) => Promise<FunctionAccessUnderTest>;

const isCode = (code: string) => (err: unknown) => (err as { code?: string }).code === code;

const publicUrl = checkStatement({ sid: 'url', action: 'lambda:InvokeFunctionUrl', principal: '*', functionUrlAuthType: 'NONE' });
const publicInvoke = checkStatement({ sid: 'invoke', action: 'lambda:InvokeFunction', principal: '*', invokedViaFunctionUrl: true });

export function describeFunctionAccess(name: string, make: MakeFunctionAccess): void {
  describe(`FunctionAccess conformance: ${name}`, () => {
    let under: FunctionAccessUnderTest;
    let access: FunctionAccess;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock();
      under = await make(clock);
      access = under.functionAccess;
      await under.functions.createFunction(newFunction());
    });
    afterEach(async () => {
      await under.close();
    });

    const url = (input: FunctionUrlInput, qualifier = '', userId = 'alice') =>
      newFunctionUrl({ userId, functionName: 'hello', qualifier, urlId: urlIdFrom(randomBytes(32)), now: clock.now() }, input);

    describe('policies', () => {
      it('adds statements in order, each with a new revision, and keeps qualifiers apart', async () => {
        assert.equal(await access.getPolicy('alice', 'hello', ''), null);
        const one = await access.addPermission('alice', 'hello', '', publicUrl);
        assert.deepEqual(one.statements, [publicUrl]);
        const two = await access.addPermission('alice', 'hello', '', publicInvoke, one.revisionId);
        assert.deepEqual(two.statements, [publicUrl, publicInvoke]);
        assert.notEqual(two.revisionId, one.revisionId);
        assert.deepEqual(await access.getPolicy('alice', 'hello', ''), two);
        assert.equal(await access.getPolicy('alice', 'hello', 'live'), null);
        assert.equal(await access.getPolicy('bob', 'hello', ''), null);
      });

      it('refuses a taken StatementId and a stale RevisionId, changing nothing', async () => {
        const one = await access.addPermission('alice', 'hello', '', publicUrl);
        await assert.rejects(
          access.addPermission('alice', 'hello', '', publicUrl),
          (e) => e instanceof Conflict && isCode(ErrorCode.FunctionStatementExists)(e),
        );
        await assert.rejects(
          access.addPermission('alice', 'hello', '', publicInvoke, 'stale'),
          (e) => e instanceof Conflict && isCode(ErrorCode.FunctionRevisionMismatch)(e),
        );
        assert.deepEqual(await access.getPolicy('alice', 'hello', ''), one);
      });

      it('of two concurrent adds of one Sid, exactly one wins', async () => {
        const both = await Promise.allSettled([
          access.addPermission('alice', 'hello', '', publicUrl),
          access.addPermission('alice', 'hello', '', { ...publicUrl, action: 'lambda:GetFunction' }),
        ]);
        assert.equal(both.filter((r) => r.status === 'fulfilled').length, 1);
        assert.equal((await access.getPolicy('alice', 'hello', ''))?.statements.length, 1);
      });

      it('removes statements; the last one gone, there is no policy; an unknown Sid is NotFound', async () => {
        await access.addPermission('alice', 'hello', '', publicUrl);
        const p = await access.addPermission('alice', 'hello', '', publicInvoke);
        await assert.rejects(
          access.removePermission('alice', 'hello', '', 'nope'),
          (e) => e instanceof NotFound && isCode(ErrorCode.FunctionPolicyNotFound)(e),
        );
        await assert.rejects(access.removePermission('alice', 'hello', '', 'url', 'stale'), Conflict);
        const left = await access.removePermission('alice', 'hello', '', 'url', p.revisionId);
        assert.deepEqual(left?.statements, [publicInvoke]);
        assert.equal(await access.removePermission('alice', 'hello', '', 'invoke'), null);
        assert.equal(await access.getPolicy('alice', 'hello', ''), null);
      });

      it("refuses another user's function and a missing one as NotFound", async () => {
        const notFound = (e: unknown) => e instanceof NotFound && isCode(ErrorCode.FunctionNotFound)(e);
        await assert.rejects(access.addPermission('bob', 'hello', '', publicUrl), notFound);
        await assert.rejects(access.addPermission('alice', 'nope', '', publicUrl), notFound);
        await access.addPermission('alice', 'hello', '', publicUrl);
        await assert.rejects(access.removePermission('bob', 'hello', '', 'url'), NotFound);
        assert.equal((await access.getPolicy('alice', 'hello', ''))?.statements.length, 1);
      });

      it("goes with its function, and a version's or an alias's with it", async () => {
        await under.functions.publishVersion('alice', 'hello');
        await under.functions.createAlias('alice', 'hello', { name: 'live', version: 1 });
        await access.addPermission('alice', 'hello', '1', publicUrl);
        await access.addPermission('alice', 'hello', 'live', publicUrl);
        await access.addPermission('alice', 'hello', '', publicUrl);
        await under.functions.deleteAlias('alice', 'hello', 'live');
        assert.equal(await access.getPolicy('alice', 'hello', 'live'), null);
        await under.functions.deleteVersion('alice', 'hello', 1);
        assert.equal(await access.getPolicy('alice', 'hello', '1'), null);
        assert.notEqual(await access.getPolicy('alice', 'hello', ''), null);
        await under.functions.deleteFunction('alice', 'hello');
        assert.equal(await access.getPolicy('alice', 'hello', ''), null);
      });
    });

    describe('function URLs', () => {
      it('creates, reads (by key and by url-id), lists, updates and deletes', async () => {
        const c = await access.createFunctionUrl(url({ authType: 'NONE' }));
        assert.equal(c.authType, 'NONE');
        assert.equal(c.invokeMode, 'BUFFERED');
        assert.equal(c.cors, null);
        assert.equal(c.createdAt, clock.t);
        assert.match(c.urlId, /^[a-z0-9]{32}$/);
        assert.deepEqual(await access.getFunctionUrl('alice', 'hello', ''), c);
        assert.deepEqual(await access.functionUrlById(c.urlId), c);
        assert.equal(await access.getFunctionUrl('bob', 'hello', ''), null);
        clock.advance(1000);
        const cors = {
          allowOrigins: ['https://app.example.com'],
          allowMethods: ['GET'],
          allowHeaders: [],
          exposeHeaders: [],
          allowCredentials: true,
          maxAgeS: 60,
        };
        const u = await access.updateFunctionUrl('alice', 'hello', '', { authType: 'AWS_IAM', cors });
        assert.equal(u.authType, 'AWS_IAM');
        assert.deepEqual(u.cors, cors);
        assert.equal(u.updatedAt, clock.t);
        assert.equal(u.createdAt, c.createdAt);
        assert.equal(u.urlId, c.urlId);
        assert.deepEqual((await access.updateFunctionUrl('alice', 'hello', '', { cors: null })).cors, null);
        assert.deepEqual(
          (await access.listFunctionUrls('alice', 'hello')).map((x) => x.urlId),
          [c.urlId],
        );
        assert.equal(await access.deleteFunctionUrl('bob', 'hello', ''), false);
        assert.equal(await access.deleteFunctionUrl('alice', 'hello', ''), true);
        assert.equal(await access.functionUrlById(c.urlId), null);
        await assert.rejects(access.updateFunctionUrl('alice', 'hello', '', { authType: 'NONE' }), (e) =>
          isCode(ErrorCode.FunctionUrlNotFound)(e),
        );
      });

      it('has one URL per qualifier: a second is Conflict, even when both are made at once', async () => {
        await access.createFunctionUrl(url({ authType: 'NONE' }));
        await assert.rejects(
          access.createFunctionUrl(url({ authType: 'NONE' })),
          (e) => e instanceof Conflict && isCode(ErrorCode.FunctionUrlExists)(e),
        );
        await under.functions.createAlias('alice', 'hello', { name: 'live', version: '$LATEST' });
        const both = await Promise.allSettled([
          access.createFunctionUrl(url({ authType: 'NONE' }, 'live')),
          access.createFunctionUrl(url({ authType: 'AWS_IAM' }, 'live')),
        ]);
        assert.equal(both.filter((r) => r.status === 'fulfilled').length, 1);
        assert.deepEqual(
          (await access.listFunctionUrls('alice', 'hello')).map((x) => x.qualifier),
          ['', 'live'],
        );
      });

      it("refuses another user's function and a missing one; goes with its function and its alias", async () => {
        await assert.rejects(access.createFunctionUrl(url({ authType: 'NONE' }, '', 'bob')), (e) => isCode(ErrorCode.FunctionNotFound)(e));
        await assert.rejects(access.listFunctionUrls('bob', 'hello'), NotFound);
        await under.functions.createAlias('alice', 'hello', { name: 'live', version: '$LATEST' });
        const live = await access.createFunctionUrl(url({ authType: 'NONE' }, 'live'));
        const own = await access.createFunctionUrl(url({ authType: 'NONE' }));
        await under.functions.deleteAlias('alice', 'hello', 'live');
        assert.equal(await access.functionUrlById(live.urlId), null);
        await under.functions.deleteFunction('alice', 'hello');
        assert.equal(await access.functionUrlById(own.urlId), null);
      });
    });
  });
}
