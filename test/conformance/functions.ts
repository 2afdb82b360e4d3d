/**
 * The Functions port's behaviour, written once: every backend calls describeFunctions with a
 * factory (as describeStore). Time is injected, so lastModified is exact.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  Conflict,
  ErrorCode,
  InvalidInput,
  newFunctionConfig,
  NotFound,
  type Clock,
  type FunctionCode,
  type FunctionConfigInput,
  type NewFunction,
} from '../../src/core/index.ts';
import type { Functions } from '../../src/store/index.ts';
import { ManualClock } from './store.ts';

export interface FunctionsUnderTest {
  /** Opened with a sealer (store/sealed-environment.ts): environments are sealed at rest. */
  functions: Functions;
  close(): Promise<void>;
  /** The database underneath, read and written with SQL directly. */
  raw: {
    /** The environment column's text, of $LATEST or of a version. */
    environment(userId: string, name: string, version?: number): Promise<string>;
    /** Writes the environment column as Hangar did before sealing (plain JSON). */
    setEnvironment(userId: string, name: string, text: string, version?: number): Promise<void>;
    /** Opens another store on the same database with the same sealer, and closes it. */
    reopen(): Promise<void>;
    /** The store's sealPlainEnvironments() (what a start runs once the key check passed). */
    sealPlain(): Promise<number>;
  };
}
export type MakeFunctions = (clock: Clock) => Promise<FunctionsUnderTest>;

export function codeOf(text: string): FunctionCode {
  return { sha256: createHash('sha256').update(text).digest('base64'), size: text.length, blobKey: `functions/code/${text}` };
}

export function newFunction(over: Partial<NewFunction> = {}, config: Partial<FunctionConfigInput> = {}): NewFunction {
  return {
    userId: 'alice',
    name: 'hello',
    code: codeOf('v1'),
    ...newFunctionConfig({ runtime: 'nodejs22.x', handler: 'index.handler', ...config }),
    ...over,
  };
}

const isCode = (code: string) => (err: unknown) => {
  assert.equal((err as { code?: string }).code, code);
  return true;
};

/** Of racing calls, exactly one succeeded and every other was refused with Conflict `code`: the winner's value. */
function theOneWinner<T>(results: PromiseSettledResult<T>[], code: string): T {
  const won = results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled');
  assert.equal(won.length, 1, `${won.length} of ${results.length} succeeded`);
  for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof Conflict && r.reason.code === code, String(r.reason));
  return won[0].value;
}

export function describeFunctions(name: string, make: MakeFunctions): void {
  describe(`Functions conformance: ${name}`, () => {
    let under: FunctionsUnderTest;
    let fns: Functions;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock();
      under = await make(clock);
      fns = under.functions;
    });
    afterEach(async () => {
      await under.close();
    });

    describe('$LATEST', () => {
      it('creates a function at $LATEST, Active, with its configuration, code and a revision', async () => {
        const f = await fns.createFunction(newFunction({}, { environment: { STAGE: 'prod' }, secrets: ['DB_PASSWORD'] }));
        assert.equal(f.version, '$LATEST');
        assert.equal(f.state, 'Active');
        assert.equal(f.lastModified, clock.t);
        assert.equal(f.runtime, 'nodejs22.x');
        assert.equal(f.runtimeFamily, 'nodejs');
        assert.equal(f.memoryMb, 128);
        assert.equal(f.timeoutS, 3);
        assert.equal(f.network, 'none');
        assert.deepEqual(f.environment, { STAGE: 'prod' });
        assert.deepEqual(f.secrets, ['DB_PASSWORD']);
        assert.deepEqual(f.code, codeOf('v1'));
        assert.match(f.revisionId, /\S{8,}/);
        assert.deepEqual(await fns.getFunction('alice', 'hello'), f);
        assert.deepEqual(await fns.getFunction('alice', 'hello', { kind: 'latest' }), f);
      });

      it('refuses a second function of the same name, even when both are created at once', async () => {
        await fns.createFunction(newFunction({ name: 'taken' }));
        await assert.rejects(
          fns.createFunction(newFunction({ name: 'taken' })),
          (e) => e instanceof Conflict && isCode(ErrorCode.FunctionExists)(e),
        );
        const both = await Promise.allSettled([
          fns.createFunction(newFunction({ name: 'race', code: codeOf('a') })),
          fns.createFunction(newFunction({ name: 'race', code: codeOf('b') })),
        ]);
        const winner = theOneWinner(both, ErrorCode.FunctionExists);
        const stored = await fns.getFunction('alice', 'race');
        assert.deepEqual(stored, winner);
      });

      it("keeps users apart: another user's function is not there for any call", async () => {
        await fns.createFunction(newFunction());
        await fns.publishVersion('alice', 'hello');
        await fns.createAlias('alice', 'hello', { name: 'live', version: 1 });
        assert.equal(await fns.getFunction('bob', 'hello'), null);
        assert.equal(await fns.getFunction('bob', 'hello', { kind: 'version', version: 1 }), null);
        assert.equal(await fns.getFunction('bob', 'hello', { kind: 'alias', alias: 'live' }), null);
        assert.equal(await fns.getAlias('bob', 'hello', 'live'), null);
        assert.deepEqual((await fns.listFunctions({ userId: 'bob', limit: 10 })).items, []);
        const notFound = (e: unknown) => e instanceof NotFound && isCode(ErrorCode.FunctionNotFound)(e);
        await assert.rejects(fns.updateFunctionCode('bob', 'hello', codeOf('evil')), notFound);
        await assert.rejects(fns.updateFunctionConfiguration('bob', 'hello', { timeoutS: 9 }), notFound);
        await assert.rejects(fns.publishVersion('bob', 'hello'), notFound);
        await assert.rejects(fns.listVersions('bob', 'hello'), notFound);
        await assert.rejects(fns.listAliases('bob', 'hello'), notFound);
        await assert.rejects(fns.createAlias('bob', 'hello', { name: 'mine', version: 1 }), notFound);
        await assert.rejects(fns.updateAlias('bob', 'hello', 'live', { version: '$LATEST' }), NotFound);
        await assert.rejects(fns.putConcurrency('bob', 'hello', 5), notFound);
        await assert.rejects(fns.getConcurrency('bob', 'hello'), notFound);
        assert.equal(await fns.deleteAlias('bob', 'hello', 'live'), false);
        assert.equal(await fns.deleteFunction('bob', 'hello'), false);
        // Bob may have his own 'hello'; Alice's is untouched by all of the above.
        const bobs = await fns.createFunction(newFunction({ userId: 'bob', code: codeOf('bob') }));
        assert.equal(bobs.userId, 'bob');
        const alices = await fns.getFunction('alice', 'hello');
        assert.deepEqual(alices?.code, codeOf('v1'));
        assert.equal(await fns.getConcurrency('alice', 'hello'), null);
        assert.equal((await fns.getAlias('alice', 'hello', 'live'))?.version, 1);
      });

      it("lists a user's functions by name, a page at a time", async () => {
        for (const n of ['delta', 'alpha', 'echo', 'charlie', 'bravo']) await fns.createFunction(newFunction({ name: n }));
        await fns.createFunction(newFunction({ userId: 'bob', name: 'aaa' }));
        const names: string[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
          const page = await fns.listFunctions({ userId: 'alice', limit: 2, after });
          names.push(...page.items.map((f) => f.name));
          after = page.nextCursor ?? undefined;
          pages++;
        } while (after);
        assert.deepEqual(names, ['alpha', 'bravo', 'charlie', 'delta', 'echo']);
        assert.equal(pages, 3);
        await assert.rejects(
          fns.listFunctions({ userId: 'alice', limit: 2, after: 'garbage' }),
          (e) => e instanceof InvalidInput && isCode(ErrorCode.InvalidCursor)(e),
        );
      });

      it('updates code with a new revision, conditionally on the revision when one is named', async () => {
        const f = await fns.createFunction(newFunction());
        clock.advance(1000);
        const g = await fns.updateFunctionCode('alice', 'hello', codeOf('v2'), f.revisionId);
        assert.deepEqual(g.code, codeOf('v2'));
        assert.notEqual(g.revisionId, f.revisionId);
        assert.equal(g.lastModified, f.lastModified + 1000);
        assert.equal(g.handler, f.handler);
        await assert.rejects(
          fns.updateFunctionCode('alice', 'hello', codeOf('v3'), f.revisionId),
          (e) => e instanceof Conflict && isCode(ErrorCode.FunctionRevisionMismatch)(e),
        );
        assert.deepEqual((await fns.getFunction('alice', 'hello'))?.code, codeOf('v2'));
        const h = await fns.updateFunctionCode('alice', 'hello', codeOf('v3'));
        assert.notEqual(h.revisionId, g.revisionId);
      });

      it('of updates conditional on one revision, made at once, exactly one goes ahead', async () => {
        const f = await fns.createFunction(newFunction());
        // Several, after reads that open a pooled backend's connections, so that some overlap
        // (on connections still to be opened, the first update would be done before the rest began).
        await Promise.all(Array.from({ length: 8 }, () => fns.getFunction('alice', 'hello')));
        const all = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            i % 2
              ? fns.updateFunctionConfiguration('alice', 'hello', { timeoutS: 10 + i }, f.revisionId)
              : fns.updateFunctionCode('alice', 'hello', codeOf(`v${i}`), f.revisionId),
          ),
        );
        const winner = theOneWinner(all, ErrorCode.FunctionRevisionMismatch);
        assert.deepEqual(await fns.getFunction('alice', 'hello'), winner);
      });

      it('updates configuration: named fields change, the environment is replaced, a bad result changes nothing', async () => {
        const f = await fns.createFunction(newFunction({}, { environment: { A1: 'x', B1: 'y' }, description: 'first' }));
        const g = await fns.updateFunctionConfiguration('alice', 'hello', { memoryMb: 1769, environment: { C1: 'z' } }, f.revisionId);
        assert.equal(g.memoryMb, 1769);
        assert.deepEqual(g.environment, { C1: 'z' });
        assert.equal(g.description, 'first');
        assert.equal(g.timeoutS, 3);
        assert.deepEqual(g.code, f.code);
        assert.notEqual(g.revisionId, f.revisionId);
        await assert.rejects(fns.updateFunctionConfiguration('alice', 'hello', { memoryMb: 64 }), InvalidInput);
        await assert.rejects(fns.updateFunctionConfiguration('alice', 'hello', { runtime: 'python3.12', handler: null }), InvalidInput);
        await assert.rejects(fns.updateFunctionConfiguration('alice', 'hello', { timeoutS: 10 }, f.revisionId), Conflict);
        assert.deepEqual(await fns.getFunction('alice', 'hello'), g);
        const p = await fns.updateFunctionConfiguration('alice', 'hello', { runtime: 'provided.al2023', handler: null, network: 'egress' });
        assert.equal(p.runtimeFamily, 'provided');
        assert.equal(p.handler, null);
        assert.equal(p.network, 'egress');
      });

      it('deletes a function with its versions and aliases; a new one of that name starts again at version 1', async () => {
        await fns.createFunction(newFunction());
        await fns.publishVersion('alice', 'hello');
        await fns.createAlias('alice', 'hello', { name: 'live', version: 1 });
        await fns.putConcurrency('alice', 'hello', 3);
        assert.equal(await fns.deleteFunction('alice', 'hello'), true);
        assert.equal(await fns.deleteFunction('alice', 'hello'), false);
        assert.equal(await fns.getFunction('alice', 'hello'), null);
        assert.equal(await fns.getFunction('alice', 'hello', { kind: 'version', version: 1 }), null);
        assert.equal(await fns.getAlias('alice', 'hello', 'live'), null);
        await fns.createFunction(newFunction({ code: codeOf('again') }));
        assert.deepEqual(await fns.listVersions('alice', 'hello'), []);
        assert.deepEqual(await fns.listAliases('alice', 'hello'), []);
        assert.equal(await fns.getConcurrency('alice', 'hello'), null);
        assert.equal((await fns.publishVersion('alice', 'hello')).version, 1);
      });
    });

    describe('environment at rest', () => {
      const SECRET = 'hunter2-correct-horse';

      it('keeps variables sealed in the row, and gives them back on every read, at $LATEST and in versions', async () => {
        const f = await fns.createFunction(newFunction({}, { environment: { DB_PASSWORD: SECRET } }));
        assert.deepEqual(f.environment, { DB_PASSWORD: SECRET });
        for (const needle of [SECRET, 'DB_PASSWORD']) assert.ok(!(await under.raw.environment('alice', 'hello')).includes(needle));
        assert.deepEqual((await fns.getFunction('alice', 'hello'))?.environment, { DB_PASSWORD: SECRET });

        const g = await fns.updateFunctionConfiguration('alice', 'hello', { environment: { DB_PASSWORD: `${SECRET}-2`, STAGE: 'prod' } });
        assert.deepEqual(g.environment, { DB_PASSWORD: `${SECRET}-2`, STAGE: 'prod' });
        assert.ok(!(await under.raw.environment('alice', 'hello')).includes(SECRET));

        const v1 = await fns.publishVersion('alice', 'hello');
        assert.deepEqual(v1.environment, { DB_PASSWORD: `${SECRET}-2`, STAGE: 'prod' });
        assert.ok(!(await under.raw.environment('alice', 'hello', 1)).includes(SECRET));
        // Sealing (a fresh nonce per write) does not make an unchanged $LATEST look changed.
        assert.equal((await fns.publishVersion('alice', 'hello')).version, 1);
        assert.deepEqual((await fns.getFunction('alice', 'hello', { kind: 'version', version: 1 }))?.environment, v1.environment);
        assert.deepEqual((await fns.listVersions('alice', 'hello'))[0].environment, v1.environment);
        assert.deepEqual((await fns.listFunctions({ userId: 'alice', limit: 10 })).items[0].environment, v1.environment);
      });

      it('keeps an empty environment as an empty map', async () => {
        await fns.createFunction(newFunction());
        assert.equal(await under.raw.environment('alice', 'hello'), '{}');
        assert.deepEqual((await fns.getFunction('alice', 'hello'))?.environment, {});
      });

      it('reads a row written plain before sealing, and seals it when told to (not when a store opens)', async () => {
        await fns.createFunction(newFunction({}, { environment: { A1: 'x' } }));
        await fns.publishVersion('alice', 'hello');
        const plain = JSON.stringify({ TOKEN: SECRET });
        await under.raw.setEnvironment('alice', 'hello', plain);
        await under.raw.setEnvironment('alice', 'hello', plain, 1);
        assert.ok((await under.raw.environment('alice', 'hello', 1)).includes(SECRET));
        assert.deepEqual((await fns.getFunction('alice', 'hello'))?.environment, { TOKEN: SECRET });
        assert.deepEqual((await fns.getFunction('alice', 'hello', { kind: 'version', version: 1 }))?.environment, { TOKEN: SECRET });

        // Opening does not seal: a start with the wrong key would seal under it before its key check.
        await under.raw.reopen();
        for (const version of [undefined, 1])
          assert.deepEqual(JSON.parse(await under.raw.environment('alice', 'hello', version)), { TOKEN: SECRET });

        assert.equal(await under.raw.sealPlain(), 2);
        for (const version of [undefined, 1]) assert.ok(!(await under.raw.environment('alice', 'hello', version)).includes(SECRET));
        assert.deepEqual((await fns.listVersions('alice', 'hello'))[0].environment, { TOKEN: SECRET });
        assert.deepEqual((await fns.getFunction('alice', 'hello'))?.environment, { TOKEN: SECRET });
        assert.equal(await under.raw.sealPlain(), 0, 'nothing left plain');
      });

      it('does not open a sealed map moved to another function', async () => {
        await fns.createFunction(newFunction({}, { environment: { TOKEN: SECRET } }));
        await fns.createFunction(newFunction({ name: 'other' }));
        await under.raw.setEnvironment('alice', 'other', await under.raw.environment('alice', 'hello'));
        await assert.rejects(fns.getFunction('alice', 'other'), isCode(ErrorCode.ConfigInvalid));
      });
    });

    describe('versions', () => {
      it('publishes $LATEST as 1, 2, ...; unchanged, it answers the last version; versions stay as published', async () => {
        await fns.createFunction(newFunction({}, { description: 'fn' }));
        clock.advance(10);
        const v1 = await fns.publishVersion('alice', 'hello', { description: 'first cut' });
        assert.equal(v1.version, 1);
        assert.equal(v1.description, 'first cut');
        assert.equal(v1.lastModified, clock.t);
        assert.deepEqual(v1.code, codeOf('v1'));
        const again = await fns.publishVersion('alice', 'hello');
        assert.deepEqual(again, v1);
        await fns.updateFunctionConfiguration('alice', 'hello', { timeoutS: 30 });
        const v2 = await fns.publishVersion('alice', 'hello');
        assert.equal(v2.version, 2);
        assert.equal(v2.timeoutS, 30);
        assert.equal(v2.description, 'fn');
        await fns.updateFunctionCode('alice', 'hello', codeOf('v3'));
        await fns.updateFunctionConfiguration('alice', 'hello', { memoryMb: 512 });
        assert.deepEqual(await fns.getFunction('alice', 'hello', { kind: 'version', version: 1 }), v1);
        assert.deepEqual(await fns.getFunction('alice', 'hello', { kind: 'version', version: 2 }), v2);
        assert.equal(await fns.getFunction('alice', 'hello', { kind: 'version', version: 3 }), null);
        assert.deepEqual(await fns.listVersions('alice', 'hello'), [v1, v2]);
      });

      it('keeps layers in order at $LATEST and in a published version; a change of layers is a new version', async () => {
        const a = { name: 'lib', version: 2, code: codeOf('lib-2') };
        const b = { name: 'tools', version: 1, code: codeOf('tools-1') };
        const created = await fns.createFunction(newFunction({}, { layers: [b, a] }));
        assert.deepEqual(created.layers, [b, a]);
        assert.deepEqual((await fns.getFunction('alice', 'hello'))?.layers, [b, a]);
        const v1 = await fns.publishVersion('alice', 'hello');
        assert.deepEqual(v1.layers, [b, a]);
        await fns.updateFunctionConfiguration('alice', 'hello', { layers: [a, b] });
        const v2 = await fns.publishVersion('alice', 'hello');
        assert.equal(v2.version, 2, 'their order is what runs');
        await fns.updateFunctionConfiguration('alice', 'hello', { memoryMb: 256 });
        assert.deepEqual((await fns.getFunction('alice', 'hello'))?.layers, [a, b], 'a patch without layers keeps them');
        await fns.updateFunctionConfiguration('alice', 'hello', { layers: [] });
        assert.deepEqual((await fns.getFunction('alice', 'hello'))?.layers, []);
        assert.deepEqual((await fns.getFunction('alice', 'hello', { kind: 'version', version: 1 }))?.layers, [b, a]);
        await assert.rejects(
          fns.updateFunctionConfiguration('alice', 'hello', { layers: [a, { ...a, version: 3 }] }),
          (e: unknown) => e instanceof InvalidInput,
        );
      });

      it('keeps the role Lambda’s API was given at $LATEST and in a version; none given is none', async () => {
        const role = 'arn:aws:iam::123456789012:role/app';
        assert.equal((await fns.createFunction(newFunction({ name: 'plain' }))).role, undefined);
        assert.equal((await fns.getFunction('alice', 'plain'))?.role, undefined);
        assert.equal((await fns.createFunction(newFunction({}, { role }))).role, role);
        assert.equal((await fns.getFunction('alice', 'hello'))?.role, role);
        assert.equal((await fns.publishVersion('alice', 'hello')).role, role);
        await fns.updateFunctionConfiguration('alice', 'hello', { memoryMb: 256 });
        assert.equal((await fns.getFunction('alice', 'hello'))?.role, role, 'a patch without a role keeps it');
        await fns.updateFunctionConfiguration('alice', 'hello', { role: `${role}-2` });
        assert.equal((await fns.getFunction('alice', 'hello'))?.role, `${role}-2`);
        assert.equal((await fns.getFunction('alice', 'hello', { kind: 'version', version: 1 }))?.role, role);
        await assert.rejects(
          fns.updateFunctionConfiguration('alice', 'hello', { role: 'admin' }),
          (e: unknown) => e instanceof InvalidInput,
        );
      });

      it('keeps LoggingConfig at $LATEST and in a version: JSON with its levels, Text without', async () => {
        assert.equal((await fns.createFunction(newFunction())).logging, undefined, 'Text by default');
        await fns.updateFunctionConfiguration('alice', 'hello', { logging: { format: 'JSON', applicationLogLevel: 'WARN' } });
        const json = { format: 'JSON', applicationLogLevel: 'WARN', systemLogLevel: 'INFO' };
        assert.deepEqual((await fns.getFunction('alice', 'hello'))?.logging, json);
        assert.deepEqual((await fns.publishVersion('alice', 'hello')).logging, json);
        await fns.updateFunctionConfiguration('alice', 'hello', { logging: { systemLogLevel: 'WARN' } });
        assert.deepEqual((await fns.getFunction('alice', 'hello'))?.logging, { ...json, systemLogLevel: 'WARN' }, 'levels alone keep JSON');
        assert.equal((await fns.publishVersion('alice', 'hello')).version, 2, 'a changed level publishes a new version');
        await fns.updateFunctionConfiguration('alice', 'hello', { logging: { format: 'Text' } });
        assert.equal((await fns.getFunction('alice', 'hello'))?.logging, undefined, 'back to Text drops the levels');
        assert.deepEqual((await fns.getFunction('alice', 'hello', { kind: 'version', version: 1 }))?.logging, json);
        for (const logging of [{ applicationLogLevel: 'DEBUG' }, { format: 'JSON', systemLogLevel: 'ERROR' }, { format: 'XML' }])
          await assert.rejects(
            fns.updateFunctionConfiguration('alice', 'hello', { logging }),
            (e: unknown) => e instanceof InvalidInput,
            JSON.stringify(logging),
          );
      });

      it('keeps an image function: its image at $LATEST and in a version, its ImageConfig replaced by an update; a zip is no image', async () => {
        const image = (uri: string, name: string): FunctionCode => ({ ...codeOf(uri), size: 0, blobKey: '', image: { uri, name } });
        const made = await fns.createFunction({
          userId: 'alice',
          name: 'boxed',
          code: image('123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1', 'app'),
          ...newFunctionConfig({ runtime: '', imageConfig: { command: ['app.handler'] } }),
        });
        assert.deepEqual(made.code.image, { uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1', name: 'app' });
        assert.deepEqual(made.imageConfig, { command: ['app.handler'] });
        assert.equal(made.handler, null);
        assert.equal((await fns.publishVersion('alice', 'boxed')).code.image?.name, 'app');
        await fns.updateFunctionConfiguration('alice', 'boxed', { imageConfig: { entryPoint: ['/bin/run'], workingDirectory: '/srv' } });
        assert.deepEqual((await fns.getFunction('alice', 'boxed'))?.imageConfig, { entryPoint: ['/bin/run'], workingDirectory: '/srv' });
        assert.equal((await fns.publishVersion('alice', 'boxed')).version, 2, 'a changed ImageConfig publishes a new version');
        await fns.updateFunctionCode('alice', 'boxed', image('hangar.local/other', 'other'));
        assert.deepEqual((await fns.getFunction('alice', 'boxed'))?.code.image, { uri: 'hangar.local/other', name: 'other' });
        assert.deepEqual((await fns.getFunction('alice', 'boxed', { kind: 'version', version: 1 }))?.imageConfig, {
          command: ['app.handler'],
        });
        await assert.rejects(fns.updateFunctionCode('alice', 'boxed', codeOf('zip')), (e: unknown) => e instanceof InvalidInput);
        await assert.rejects(
          fns.updateFunctionConfiguration('alice', 'boxed', { runtime: 'nodejs22.x' }),
          (e: unknown) => e instanceof InvalidInput,
        );
        const zip = await fns.createFunction(newFunction());
        assert.equal(zip.code.image, undefined);
        assert.equal(zip.imageConfig, undefined);
        await assert.rejects(
          fns.updateFunctionCode('alice', 'hello', image('hangar.local/app', 'app')),
          (e: unknown) => e instanceof InvalidInput,
        );
        await assert.rejects(
          fns.updateFunctionConfiguration('alice', 'hello', { imageConfig: { command: ['x'] } }),
          (e: unknown) => e instanceof InvalidInput,
        );
      });

      it('deletes a version no alias names; its number is never published again', async () => {
        await fns.createFunction(newFunction());
        const v1 = await fns.publishVersion('alice', 'hello');
        await fns.updateFunctionConfiguration('alice', 'hello', { timeoutS: 30 });
        await fns.publishVersion('alice', 'hello');
        await fns.createAlias('alice', 'hello', { name: 'live', version: 1 });
        await assert.rejects(
          fns.deleteVersion('alice', 'hello', 1),
          (e) => e instanceof Conflict && isCode(ErrorCode.FunctionVersionInUse)(e),
        );
        await assert.rejects(fns.deleteVersion('bob', 'hello', 2), NotFound);
        assert.equal(await fns.deleteVersion('alice', 'hello', 2), true);
        assert.equal(await fns.deleteVersion('alice', 'hello', 2), false);
        assert.equal(await fns.getFunction('alice', 'hello', { kind: 'version', version: 2 }), null);
        // $LATEST is as version 2 was, which is gone: a new version, numbered 3.
        assert.equal((await fns.publishVersion('alice', 'hello')).version, 3);
        assert.deepEqual(
          (await fns.listVersions('alice', 'hello')).map((v) => v.version),
          [1, 3],
        );
        assert.deepEqual(await fns.getFunction('alice', 'hello', { kind: 'version', version: 1 }), v1);
      });

      it('publishes only if the code and revision named are still $LATEST', async () => {
        const f = await fns.createFunction(newFunction());
        await assert.rejects(
          fns.publishVersion('alice', 'hello', { codeSha256: codeOf('other').sha256 }),
          (e) => e instanceof Conflict && isCode(ErrorCode.FunctionCodeMismatch)(e),
        );
        await assert.rejects(
          fns.publishVersion('alice', 'hello', { revisionId: 'not-the-revision' }),
          (e) => e instanceof Conflict && isCode(ErrorCode.FunctionRevisionMismatch)(e),
        );
        assert.deepEqual(await fns.listVersions('alice', 'hello'), []);
        const v1 = await fns.publishVersion('alice', 'hello', { codeSha256: f.code.sha256, revisionId: f.revisionId });
        assert.equal(v1.version, 1);
      });

      it('concurrent publishes of one change make one version', async () => {
        await fns.createFunction(newFunction());
        await Promise.all(Array.from({ length: 8 }, () => fns.getFunction('alice', 'hello')));
        const all = await Promise.all(Array.from({ length: 8 }, () => fns.publishVersion('alice', 'hello')));
        assert.equal(all[0].version, 1);
        for (const v of all) assert.deepEqual(v, all[0]);
        assert.equal((await fns.listVersions('alice', 'hello')).length, 1);
      });
    });

    describe('aliases', () => {
      beforeEach(async () => {
        await fns.createFunction(newFunction());
        await fns.publishVersion('alice', 'hello');
        await fns.updateFunctionCode('alice', 'hello', codeOf('v2'));
        await fns.publishVersion('alice', 'hello');
      });

      it('names a version; qualifiers by alias resolve to it; moving it changes what it resolves to', async () => {
        clock.advance(5);
        const live = await fns.createAlias('alice', 'hello', { name: 'live', version: 1, description: 'prod' });
        assert.deepEqual(
          { ...live, revisionId: '' },
          {
            userId: 'alice',
            functionName: 'hello',
            name: 'live',
            version: 1,
            description: 'prod',
            revisionId: '',
            createdAt: clock.t,
            updatedAt: clock.t,
          },
        );
        assert.deepEqual(await fns.getAlias('alice', 'hello', 'live'), live);
        assert.deepEqual((await fns.getFunction('alice', 'hello', { kind: 'alias', alias: 'live' }))?.code, codeOf('v1'));
        clock.advance(5);
        const moved = await fns.updateAlias('alice', 'hello', 'live', { version: 2 }, live.revisionId);
        assert.equal(moved.version, 2);
        assert.equal(moved.description, 'prod');
        assert.equal(moved.updatedAt, clock.t);
        assert.equal(moved.createdAt, live.createdAt);
        assert.notEqual(moved.revisionId, live.revisionId);
        assert.deepEqual((await fns.getFunction('alice', 'hello', { kind: 'alias', alias: 'live' }))?.version, 2);
        await assert.rejects(
          fns.updateAlias('alice', 'hello', 'live', { version: 1 }, live.revisionId),
          (e) => e instanceof Conflict && isCode(ErrorCode.FunctionRevisionMismatch)(e),
        );
        const latest = await fns.updateAlias('alice', 'hello', 'live', { version: '$LATEST', description: '' });
        assert.equal(latest.version, '$LATEST');
        assert.equal(latest.description, '');
        assert.equal((await fns.getFunction('alice', 'hello', { kind: 'alias', alias: 'live' }))?.version, '$LATEST');
      });

      it('refuses a second alias of a name, an alias to a version not published, and updates of one not there', async () => {
        await fns.createAlias('alice', 'hello', { name: 'live', version: 1 });
        await assert.rejects(
          fns.createAlias('alice', 'hello', { name: 'live', version: 2 }),
          (e) => e instanceof Conflict && isCode(ErrorCode.FunctionAliasExists)(e),
        );
        await assert.rejects(
          fns.createAlias('alice', 'hello', { name: 'next', version: 3 }),
          (e) => e instanceof NotFound && isCode(ErrorCode.FunctionNotFound)(e),
        );
        await assert.rejects(fns.createAlias('alice', 'hello', { name: '123', version: 1 }), InvalidInput);
        await assert.rejects(fns.updateAlias('alice', 'hello', 'live', { version: 9 }), NotFound);
        await assert.rejects(
          fns.updateAlias('alice', 'hello', 'gone', { version: 1 }),
          (e) => e instanceof NotFound && isCode(ErrorCode.FunctionAliasNotFound)(e),
        );
        assert.equal(await fns.getFunction('alice', 'hello', { kind: 'alias', alias: 'gone' }), null);
        assert.equal((await fns.getAlias('alice', 'hello', 'live'))?.version, 1);
      });

      it('of two creates of one alias made at once, exactly one wins', async () => {
        const both = await Promise.allSettled([
          fns.createAlias('alice', 'hello', { name: 'live', version: 1 }),
          fns.createAlias('alice', 'hello', { name: 'live', version: 2 }),
        ]);
        const winner = theOneWinner(both, ErrorCode.FunctionAliasExists);
        assert.deepEqual(await fns.getAlias('alice', 'hello', 'live'), winner);
      });

      it('lists aliases by name and deletes one', async () => {
        await fns.createAlias('alice', 'hello', { name: 'staging', version: '$LATEST' });
        await fns.createAlias('alice', 'hello', { name: 'live', version: 2 });
        assert.deepEqual(
          (await fns.listAliases('alice', 'hello')).map((a) => [a.name, a.version]),
          [
            ['live', 2],
            ['staging', '$LATEST'],
          ],
        );
        assert.equal(await fns.deleteAlias('alice', 'hello', 'live'), true);
        assert.equal(await fns.deleteAlias('alice', 'hello', 'live'), false);
        assert.deepEqual(
          (await fns.listAliases('alice', 'hello')).map((a) => a.name),
          ['staging'],
        );
      });
    });

    describe('reserved concurrency', () => {
      it('is unreserved until put; 0 is kept (throttle all); deleting unreserves; it changes no revision', async () => {
        const f = await fns.createFunction(newFunction());
        assert.equal(await fns.getConcurrency('alice', 'hello'), null);
        assert.equal(await fns.putConcurrency('alice', 'hello', 0), 0);
        assert.equal(await fns.getConcurrency('alice', 'hello'), 0);
        assert.equal(await fns.putConcurrency('alice', 'hello', 25), 25);
        assert.equal(await fns.getConcurrency('alice', 'hello'), 25);
        await assert.rejects(fns.putConcurrency('alice', 'hello', -1), InvalidInput);
        await assert.rejects(fns.putConcurrency('alice', 'hello', 1.5), InvalidInput);
        assert.equal(await fns.getConcurrency('alice', 'hello'), 25);
        await fns.deleteConcurrency('alice', 'hello');
        assert.equal(await fns.getConcurrency('alice', 'hello'), null);
        assert.equal((await fns.getFunction('alice', 'hello'))?.revisionId, f.revisionId);
        await assert.rejects(fns.deleteConcurrency('alice', 'nope'), NotFound);
      });
    });

    describe('circuit breaker', () => {
      const config = { failureThreshold: 5, windowSeconds: 60, cooldownSeconds: 30, probes: 1 };
      it('is none until put; a put replaces it whole, stamped with the store clock; deleting answers whether there was one', async () => {
        const f = await fns.createFunction(newFunction());
        assert.equal(await fns.getCircuitBreaker('alice', 'hello'), null);
        clock.t = 5_000;
        const put = await fns.putCircuitBreaker('alice', 'hello', config);
        assert.deepEqual(put, { userId: 'alice', functionName: 'hello', ...config, updatedAt: 5_000, transition: null });
        assert.deepEqual(await fns.getCircuitBreaker('alice', 'hello'), put);
        clock.t = 6_000;
        const again = { failureThreshold: 2, windowSeconds: 10, cooldownSeconds: 1, probes: 3 };
        const putAgain = { userId: 'alice', functionName: 'hello', ...again, updatedAt: 6_000, transition: null };
        assert.deepEqual(await fns.putCircuitBreaker('alice', 'hello', again), putAgain);
        assert.deepEqual(await fns.getCircuitBreaker('alice', 'hello'), putAgain);
        assert.equal((await fns.getFunction('alice', 'hello'))?.revisionId, f.revisionId, 'it changes no revision');
        assert.equal(await fns.deleteCircuitBreaker('alice', 'hello'), true);
        assert.equal(await fns.getCircuitBreaker('alice', 'hello'), null);
        assert.equal(await fns.deleteCircuitBreaker('alice', 'hello'), false);
      });

      it('keeps the latest transition shared for the configuration put; a new put starts with none', async () => {
        await fns.createFunction(newFunction());
        clock.t = 1_000;
        await fns.putCircuitBreaker('alice', 'hello', config);
        const opened = { at: 2_000, openedAt: 2_000, probeAt: 32_000 };
        assert.equal(await fns.shareCircuitBreakerTransition('alice', 'hello', 1_000, opened), true);
        assert.deepEqual((await fns.getCircuitBreaker('alice', 'hello'))?.transition, opened);
        // An older one (a process that heard late) is not kept; a later one is.
        assert.equal(await fns.shareCircuitBreakerTransition('alice', 'hello', 1_000, { at: 1_500, openedAt: null, probeAt: null }), false);
        assert.deepEqual((await fns.getCircuitBreaker('alice', 'hello'))?.transition, opened);
        const closed = { at: 40_000, openedAt: null, probeAt: null };
        assert.equal(await fns.shareCircuitBreakerTransition('alice', 'hello', 1_000, closed), true);
        assert.deepEqual((await fns.getCircuitBreaker('alice', 'hello'))?.transition, closed);
        // Not for another configuration, another user's, or none.
        assert.equal(await fns.shareCircuitBreakerTransition('alice', 'hello', 999, { ...opened, at: 50_000 }), false);
        assert.equal(await fns.shareCircuitBreakerTransition('bob', 'hello', 1_000, { ...opened, at: 50_000 }), false);
        assert.equal(await fns.shareCircuitBreakerTransition('alice', 'nope', 1_000, { ...opened, at: 50_000 }), false);
        assert.deepEqual((await fns.getCircuitBreaker('alice', 'hello'))?.transition, closed);
        clock.t = 60_000;
        await fns.putCircuitBreaker('alice', 'hello', config);
        assert.equal((await fns.getCircuitBreaker('alice', 'hello'))?.transition, null);
      });

      it("is the owner's only, needs its function, and goes with it", async () => {
        await fns.createFunction(newFunction());
        await fns.putCircuitBreaker('alice', 'hello', config);
        const notFound = isCode(ErrorCode.FunctionNotFound);
        await assert.rejects(fns.putCircuitBreaker('bob', 'hello', config), notFound);
        await assert.rejects(fns.putCircuitBreaker('alice', 'nope', config), notFound);
        assert.equal(await fns.getCircuitBreaker('bob', 'hello'), null);
        assert.equal(await fns.deleteCircuitBreaker('bob', 'hello'), false);
        assert.equal((await fns.getCircuitBreaker('alice', 'hello'))?.failureThreshold, 5);
        await fns.deleteFunction('alice', 'hello');
        assert.equal(await fns.getCircuitBreaker('alice', 'hello'), null);
        await fns.createFunction(newFunction());
        assert.equal(await fns.getCircuitBreaker('alice', 'hello'), null, 'a new function of that name has none');
      });
    });

    describe('event invoke configs', () => {
      const arn = 'arn:aws:lambda:us-east-1:123456789012:function:sink';
      it('a Put sets the whole configuration, an Update only what it names; per qualifier; listed by qualifier', async () => {
        const f = await fns.createFunction(newFunction());
        clock.t = 2_000;
        const put = await fns.putEventInvokeConfig('alice', 'hello', '$LATEST', { maximumRetryAttempts: 0, onFailure: arn }, true);
        assert.deepEqual(put, {
          functionName: 'hello',
          qualifier: '$LATEST',
          maximumRetryAttempts: 0,
          maximumEventAgeS: null,
          onSuccess: null,
          onFailure: arn,
          lastModified: 2_000,
        });
        assert.deepEqual(await fns.getEventInvokeConfig('alice', 'hello', '$LATEST'), put);
        clock.t = 3_000;
        const updated = await fns.putEventInvokeConfig('alice', 'hello', '$LATEST', { maximumEventAgeS: 60 }, false);
        assert.deepEqual(updated, { ...put, maximumEventAgeS: 60, lastModified: 3_000 });
        assert.deepEqual(await fns.getEventInvokeConfig('alice', 'hello', '$LATEST'), updated);
        // A Put replaces: what it does not name is unset again.
        const replaced = await fns.putEventInvokeConfig('alice', 'hello', '$LATEST', { onSuccess: arn }, true);
        assert.deepEqual(replaced, { ...put, maximumRetryAttempts: null, onFailure: null, onSuccess: arn, lastModified: 3_000 });
        await fns.createAlias('alice', 'hello', { name: 'live', version: '$LATEST' });
        await fns.putEventInvokeConfig('alice', 'hello', 'live', { maximumRetryAttempts: 1 }, true);
        assert.deepEqual(
          (await fns.listEventInvokeConfigs('alice', 'hello')).map((c) => [c.qualifier, c.maximumRetryAttempts]),
          [
            ['$LATEST', null],
            ['live', 1],
          ],
        );
        // Settings of the function's invocations, not of its code: no revision changes.
        assert.equal((await fns.getFunction('alice', 'hello'))?.revisionId, f.revisionId);
      });

      it('refuses values out of range and an Update of none; deleting answers whether there was one', async () => {
        await fns.createFunction(newFunction());
        await assert.rejects(fns.putEventInvokeConfig('alice', 'hello', '$LATEST', { maximumRetryAttempts: 3 }, true), InvalidInput);
        await assert.rejects(fns.putEventInvokeConfig('alice', 'hello', '$LATEST', { maximumEventAgeS: 59 }, true), InvalidInput);
        await assert.rejects(fns.putEventInvokeConfig('alice', 'hello', '$LATEST', { maximumEventAgeS: 21_601 }, true), InvalidInput);
        await assert.rejects(
          fns.putEventInvokeConfig('alice', 'hello', '$LATEST', { maximumRetryAttempts: 1 }, false),
          isCode(ErrorCode.FunctionEventConfigNotFound),
        );
        assert.equal(await fns.getEventInvokeConfig('alice', 'hello', '$LATEST'), null);
        await fns.putEventInvokeConfig('alice', 'hello', '$LATEST', { maximumRetryAttempts: 2 }, true);
        assert.equal(await fns.deleteEventInvokeConfig('alice', 'hello', '$LATEST'), true);
        assert.equal(await fns.deleteEventInvokeConfig('alice', 'hello', '$LATEST'), false);
        assert.equal(await fns.getEventInvokeConfig('alice', 'hello', '$LATEST'), null);
      });

      it('is set only for a version or an alias that exists, checked as it is written', async () => {
        await fns.createFunction(newFunction());
        const put = (q: string) => fns.putEventInvokeConfig('alice', 'hello', q, { maximumRetryAttempts: 0 }, true);
        await assert.rejects(put('1'), isCode(ErrorCode.FunctionNotFound));
        await assert.rejects(put('live'), isCode(ErrorCode.FunctionAliasNotFound));
        await fns.publishVersion('alice', 'hello');
        await fns.createAlias('alice', 'hello', { name: 'live', version: 1 });
        assert.equal((await put('1')).qualifier, '1');
        assert.equal((await put('live')).qualifier, 'live');
        // A delete racing a put leaves no configuration of nothing: one of them goes first.
        await Promise.allSettled([fns.deleteAlias('alice', 'hello', 'live'), put('live')]);
        assert.equal(await fns.getAlias('alice', 'hello', 'live'), null);
        assert.equal(await fns.getEventInvokeConfig('alice', 'hello', 'live'), null);
      });

      it('goes with its alias and with its version, as Lambda deletes it; the others stay', async () => {
        await fns.createFunction(newFunction());
        await fns.publishVersion('alice', 'hello');
        await fns.createAlias('alice', 'hello', { name: 'live', version: 1 });
        await fns.createAlias('alice', 'hello', { name: 'beta', version: '$LATEST' });
        for (const q of ['$LATEST', '1', 'live', 'beta'])
          await fns.putEventInvokeConfig('alice', 'hello', q, { maximumRetryAttempts: 1 }, true);
        const qualifiers = async () => (await fns.listEventInvokeConfigs('alice', 'hello')).map((c) => c.qualifier);
        assert.deepEqual(await qualifiers(), ['$LATEST', '1', 'beta', 'live']);
        // Another user's alias of that name is not this one: nothing of Alice's goes.
        assert.equal(await fns.deleteAlias('bob', 'hello', 'live'), false);
        assert.equal(await fns.deleteAlias('alice', 'hello', 'live'), true);
        assert.deepEqual(await qualifiers(), ['$LATEST', '1', 'beta']);
        assert.equal(await fns.getEventInvokeConfig('alice', 'hello', 'live'), null);
        // An alias made again under the old name starts with none.
        await fns.createAlias('alice', 'hello', { name: 'live', version: 1 });
        assert.equal(await fns.getEventInvokeConfig('alice', 'hello', 'live'), null);
        assert.equal(await fns.deleteAlias('alice', 'hello', 'live'), true);
        // A version still named by an alias is not deleted, nor is its configuration.
        await fns.createAlias('alice', 'hello', { name: 'pin', version: 1 });
        await assert.rejects(fns.deleteVersion('alice', 'hello', 1), isCode(ErrorCode.FunctionVersionInUse));
        assert.deepEqual(await qualifiers(), ['$LATEST', '1', 'beta']);
        await fns.deleteAlias('alice', 'hello', 'pin');
        assert.equal(await fns.deleteVersion('alice', 'hello', 1), true);
        assert.deepEqual(await qualifiers(), ['$LATEST', 'beta']);
        // The function takes the rest with it.
        await fns.deleteFunction('alice', 'hello');
        await fns.createFunction(newFunction());
        await fns.createAlias('alice', 'hello', { name: 'beta', version: '$LATEST' });
        assert.deepEqual(await qualifiers(), []);
      });

      it("is the owner's only, and goes with its function", async () => {
        await fns.createFunction(newFunction());
        await fns.putEventInvokeConfig('alice', 'hello', '$LATEST', { maximumRetryAttempts: 1 }, true);
        const notFound = isCode(ErrorCode.FunctionNotFound);
        await assert.rejects(fns.putEventInvokeConfig('bob', 'hello', '$LATEST', { maximumRetryAttempts: 1 }, true), notFound);
        await assert.rejects(fns.listEventInvokeConfigs('bob', 'hello'), notFound);
        assert.equal(await fns.getEventInvokeConfig('bob', 'hello', '$LATEST'), null);
        assert.equal(await fns.deleteEventInvokeConfig('bob', 'hello', '$LATEST'), false);
        assert.equal((await fns.getEventInvokeConfig('alice', 'hello', '$LATEST'))?.maximumRetryAttempts, 1);
        await fns.deleteFunction('alice', 'hello');
        await fns.createFunction(newFunction());
        assert.equal(await fns.getEventInvokeConfig('alice', 'hello', '$LATEST'), null);
        assert.deepEqual(await fns.listEventInvokeConfigs('alice', 'hello'), []);
      });
    });
  });
}
