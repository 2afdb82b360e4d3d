import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyAliasPatch,
  applyConfigPatch,
  changedLatest,
  checkCodeSha256,
  checkEnvironment,
  checkFunctionLayers,
  checkFunctionName,
  checkReservedConcurrency,
  Conflict,
  cpuUnitsFor,
  ErrorCode,
  sameLayers,
  InvalidInput,
  newAlias,
  newFunctionConfig,
  NotFound,
  parseFunctionRef,
  parseQualifier,
  planPublish,
  publishDecision,
  resolveQualifier,
  runtimeFamilyOf,
  vcpusFor,
  versionOf,
  type FunctionAlias,
  type FunctionSnapshot,
} from '../../src/core/index.ts';

const refused = (e: unknown) => e instanceof InvalidInput && e.code === ErrorCode.FunctionInvalid;
const base = { runtime: 'nodejs22.x', handler: 'index.handler' };

function snapshot(over: Partial<FunctionSnapshot> = {}): FunctionSnapshot {
  return {
    userId: 'u',
    name: 'fn',
    version: '$LATEST',
    code: { sha256: 'A'.repeat(43) + '=', size: 10, blobKey: 'k' },
    revisionId: 'r1',
    lastModified: 1,
    state: 'Active',
    ...newFunctionConfig(base),
    ...over,
  };
}

describe('function names', () => {
  it('takes 1-64 of A-Z a-z 0-9 _ -', () => {
    assert.equal(checkFunctionName('a'), 'a');
    assert.equal(checkFunctionName('x'.repeat(64)), 'x'.repeat(64));
    assert.equal(checkFunctionName('My_fn-2'), 'My_fn-2');
    for (const bad of ['', 'x'.repeat(65), 'has space', 'dot.ted', 'colon:q', 'ünï'])
      assert.throws(() => checkFunctionName(bad), refused, bad);
  });
});

describe('runtimes', () => {
  it("maps Lambda's names to Hangar's runtime families and refuses the others", () => {
    for (const r of ['nodejs', 'nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x']) assert.equal(runtimeFamilyOf(r), 'nodejs', r);
    for (const r of ['python3', 'python3.9', 'python3.12', 'python3.13']) assert.equal(runtimeFamilyOf(r), 'python3', r);
    for (const r of ['provided', 'provided.al2', 'provided.al2023']) assert.equal(runtimeFamilyOf(r), 'provided', r);
    for (const r of ['java21', 'python2.7', 'ruby3.3', 'dotnet8', 'provided.al3', 'nodejs22', 'NODEJS22.x', ''])
      assert.throws(() => runtimeFamilyOf(r), refused, r);
  });

  it('keeps the declared name beside the family', () => {
    const c = newFunctionConfig({ runtime: 'python3.12', handler: 'app.lambda_handler' });
    assert.equal(c.runtime, 'python3.12');
    assert.equal(c.runtimeFamily, 'python3');
  });
});

describe('configuration', () => {
  it("applies Lambda's defaults: 128 MB, 3 s, no network, no environment, no layers", () => {
    assert.deepEqual(newFunctionConfig(base), {
      runtime: 'nodejs22.x',
      runtimeFamily: 'nodejs',
      handler: 'index.handler',
      memoryMb: 128,
      timeoutS: 3,
      environment: {},
      secrets: [],
      network: 'none',
      description: '',
      layers: [],
    });
  });

  it('takes memory 128-10240 MB and timeouts 1-900 s, whole numbers, at their edges', () => {
    assert.equal(newFunctionConfig({ ...base, memoryMb: 128 }).memoryMb, 128);
    assert.equal(newFunctionConfig({ ...base, memoryMb: 10_240 }).memoryMb, 10_240);
    assert.equal(newFunctionConfig({ ...base, timeoutS: 1 }).timeoutS, 1);
    assert.equal(newFunctionConfig({ ...base, timeoutS: 900 }).timeoutS, 900);
    for (const memoryMb of [127, 10_241, 256.5, Number.NaN])
      assert.throws(() => newFunctionConfig({ ...base, memoryMb }), refused, String(memoryMb));
    for (const timeoutS of [0, 901, 1.5]) assert.throws(() => newFunctionConfig({ ...base, timeoutS }), refused, String(timeoutS));
  });

  it('needs a handler without whitespace for nodejs and python3, none for provided', () => {
    assert.throws(() => newFunctionConfig({ runtime: 'nodejs22.x' }), refused);
    assert.throws(() => newFunctionConfig({ runtime: 'python3.12', handler: '' }), refused);
    assert.throws(() => newFunctionConfig({ ...base, handler: 'index handler' }), refused);
    assert.throws(() => newFunctionConfig({ ...base, handler: 'h'.repeat(129) }), refused);
    assert.equal(newFunctionConfig({ ...base, handler: 'h'.repeat(128) }).handler, 'h'.repeat(128));
    assert.equal(newFunctionConfig({ runtime: 'provided.al2023' }).handler, null);
    assert.equal(newFunctionConfig({ runtime: 'provided', handler: 'bootstrap.main' }).handler, 'bootstrap.main');
  });

  it("takes environments of Lambda's key pattern, up to 4 KB of keys and values, without reserved keys", () => {
    assert.deepEqual(checkEnvironment({ STAGE: 'prod', a1: '' }), { STAGE: 'prod', a1: '' });
    for (const key of ['A', '1A', '_A', 'A-B', 'A B']) assert.throws(() => checkEnvironment({ [key]: 'v' }), refused, key);
    for (const key of ['AWS_REGION', '_HANDLER', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'AWS_SECRET_ACCESS_KEY', 'TZ'])
      assert.throws(() => checkEnvironment({ [key]: 'v' }), refused, key);
    // PATH, LANG and friends are Lambda's too, but not reserved: a function may set them.
    assert.deepEqual(checkEnvironment({ PATH: '/bin', NODE_OPTIONS: '--x' }), { PATH: '/bin', NODE_OPTIONS: '--x' });
    assert.ok(checkEnvironment({ KEY: 'v'.repeat(4096 - 3) }));
    assert.throws(() => checkEnvironment({ KEY: 'v'.repeat(4096 - 2) }), refused);
    // Bytes, not characters: 'é' is two.
    assert.throws(() => checkEnvironment({ KEY: 'é'.repeat(2047) }), refused);
  });

  it('takes Hangar secret names, not reserved ones nor one the environment has', () => {
    assert.deepEqual(newFunctionConfig({ ...base, secrets: ['DB', 'DB', 'API_KEY'] }).secrets, ['DB', 'API_KEY']);
    assert.throws(() => newFunctionConfig({ ...base, secrets: ['bad-name'] }), refused);
    assert.throws(() => newFunctionConfig({ ...base, secrets: ['AWS_SESSION_TOKEN'] }), refused);
    assert.throws(() => newFunctionConfig({ ...base, environment: { DB: 'x' }, secrets: ['DB'] }), refused);
  });

  it('takes network none or egress and descriptions of at most 256 characters', () => {
    assert.equal(newFunctionConfig({ ...base, network: 'egress' }).network, 'egress');
    assert.throws(() => newFunctionConfig({ ...base, network: 'host' }), refused);
    assert.equal(newFunctionConfig({ ...base, description: 'd'.repeat(256) }).description.length, 256);
    assert.throws(() => newFunctionConfig({ ...base, description: 'd'.repeat(257) }), refused);
  });

  it('applies a patch over the current configuration and checks the result as a whole', () => {
    const current = newFunctionConfig({ ...base, environment: { KEEP: '1' }, memoryMb: 256 });
    const next = applyConfigPatch(current, { timeoutS: 60, environment: { NEW1: 'x' } });
    assert.equal(next.timeoutS, 60);
    assert.equal(next.memoryMb, 256);
    assert.deepEqual(next.environment, { NEW1: 'x' });
    assert.equal(applyConfigPatch(current, { runtime: 'python3.12' }).runtimeFamily, 'python3');
    assert.equal(applyConfigPatch(current, { runtime: 'python3.12' }).handler, 'index.handler');
    assert.throws(() => applyConfigPatch(newFunctionConfig({ runtime: 'provided' }), { runtime: 'nodejs22.x' }), refused);
    assert.equal(applyConfigPatch(current, { runtime: 'provided', handler: null }).handler, null);
  });

  it('gives CPU in proportion to memory: 1,769 MB is one vCPU', () => {
    assert.equal(vcpusFor(1769), 1);
    assert.equal(vcpusFor(3538), 2);
    assert.equal(cpuUnitsFor(1769), 1024);
    assert.equal(cpuUnitsFor(128), 74);
    assert.equal(cpuUnitsFor(10_240), 5928);
  });

  it('takes base64 SHA-256 digests and reserved concurrency from 0', () => {
    assert.equal(checkCodeSha256('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    assert.throws(() => checkCodeSha256('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'), refused);
    assert.equal(checkReservedConcurrency(0), 0);
    assert.throws(() => checkReservedConcurrency(-1), refused);
  });
});

describe('qualifiers', () => {
  it('parses $LATEST, version numbers and alias names', () => {
    assert.deepEqual(parseQualifier(undefined), { kind: 'latest' });
    assert.deepEqual(parseQualifier('$LATEST'), { kind: 'latest' });
    assert.deepEqual(parseQualifier('7'), { kind: 'version', version: 7 });
    assert.deepEqual(parseQualifier('prod'), { kind: 'alias', alias: 'prod' });
    assert.deepEqual(parseQualifier('v2'), { kind: 'alias', alias: 'v2' });
    for (const bad of ['0', '07', '$latest', 'has space', '']) assert.throws(() => parseQualifier(bad), refused, bad);
  });

  it("parses Lambda's function names: plain, qualified, partial ARN and ARN; qualifiers must agree", () => {
    assert.deepEqual(parseFunctionRef('fn'), { name: 'fn', qualifier: { kind: 'latest' }, accountId: null });
    assert.deepEqual(parseFunctionRef('fn:3'), { name: 'fn', qualifier: { kind: 'version', version: 3 }, accountId: null });
    assert.deepEqual(parseFunctionRef('fn', 'live'), { name: 'fn', qualifier: { kind: 'alias', alias: 'live' }, accountId: null });
    assert.deepEqual(parseFunctionRef('123456789012:function:fn:live'), {
      name: 'fn',
      qualifier: { kind: 'alias', alias: 'live' },
      accountId: '123456789012',
    });
    assert.deepEqual(parseFunctionRef('arn:aws:lambda:eu-west-1:123456789012:function:fn:$LATEST'), {
      name: 'fn',
      qualifier: { kind: 'latest' },
      accountId: '123456789012',
    });
    assert.deepEqual(parseFunctionRef('fn:live', 'live').qualifier, { kind: 'alias', alias: 'live' });
    assert.throws(() => parseFunctionRef('fn:live', '2'), refused);
    for (const bad of ['', 'a b', 'arn:aws:s3:::bucket', 'fn:a:b', 'x'.repeat(65)])
      assert.throws(() => parseFunctionRef(bad), refused, bad);
  });

  it('resolves a qualifier to the version it means', () => {
    const alias: FunctionAlias = {
      userId: 'u',
      functionName: 'fn',
      name: 'live',
      version: 4,
      description: '',
      revisionId: 'r',
      createdAt: 0,
      updatedAt: 0,
    };
    assert.equal(resolveQualifier('fn', { kind: 'latest' }, null), '$LATEST');
    assert.equal(resolveQualifier('fn', { kind: 'version', version: 2 }, null), 2);
    assert.equal(resolveQualifier('fn', { kind: 'alias', alias: 'live' }, alias), 4);
    assert.equal(resolveQualifier('fn', { kind: 'alias', alias: 'live' }, { ...alias, version: '$LATEST' }), '$LATEST');
    assert.throws(
      () => resolveQualifier('fn', { kind: 'alias', alias: 'live' }, null),
      (e) => e instanceof NotFound && e.code === ErrorCode.FunctionAliasNotFound,
    );
    assert.throws(() => resolveQualifier('fn', { kind: 'alias', alias: 'other' }, alias), NotFound);
  });

  it('takes alias names that are not all digits, pointing at $LATEST or a version', () => {
    assert.deepEqual(newAlias({ name: 'live', version: 3 }), { name: 'live', version: 3, description: '' });
    assert.deepEqual(newAlias({ name: '1a', version: '$LATEST' }).version, '$LATEST');
    assert.equal(newAlias({ name: 'a'.repeat(128), version: 1 }).name.length, 128);
    for (const name of ['123', 'a'.repeat(129), 'a.b', '']) assert.throws(() => newAlias({ name, version: 1 }), refused, name);
    assert.throws(() => newAlias({ name: 'live', version: 0 }), refused);
  });
});

describe('publishing', () => {
  it('publishes 1 first, then the next number when code or running configuration changed', () => {
    const latest = snapshot();
    assert.deepEqual(publishDecision(latest, null), { kind: 'new', version: 1 });
    const v1 = versionOf(latest, 1, undefined, 'rv', 5);
    assert.deepEqual(publishDecision({ ...latest, code: { ...latest.code, sha256: 'B'.repeat(43) + '=' } }, v1), {
      kind: 'new',
      version: 2,
    });
    assert.deepEqual(publishDecision({ ...latest, memoryMb: 256 }, v1), { kind: 'new', version: 2 });
    assert.deepEqual(publishDecision({ ...latest, environment: { NEW1: 'x' } }, v1), { kind: 'new', version: 2 });
    assert.deepEqual(publishDecision({ ...latest, secrets: ['S1'] }, v1), { kind: 'new', version: 2 });
    assert.deepEqual(publishDecision({ ...latest, handler: 'other.handler' }, { ...v1, version: 6 }), { kind: 'new', version: 7 });
  });

  it('answers the last version when nothing that runs changed, whatever the revision or description', () => {
    const latest = snapshot();
    const v3 = versionOf(latest, 3, 'release', 'rv', 5);
    assert.deepEqual(publishDecision(latest, v3), { kind: 'existing', version: 3 });
    assert.deepEqual(publishDecision({ ...latest, revisionId: 'r9', description: 'new words' }, v3), { kind: 'existing', version: 3 });
  });

  it('checks the CodeSha256 and RevisionId preconditions first', () => {
    const latest = snapshot();
    assert.throws(
      () => publishDecision(latest, null, { codeSha256: 'B'.repeat(43) + '=' }),
      (e) => e instanceof Conflict && e.code === ErrorCode.FunctionCodeMismatch,
    );
    assert.throws(
      () => publishDecision(latest, null, { revisionId: 'old' }),
      (e) => e instanceof Conflict && e.code === ErrorCode.FunctionRevisionMismatch,
    );
    assert.deepEqual(publishDecision(latest, null, { codeSha256: latest.code.sha256, revisionId: 'r1' }), { kind: 'new', version: 1 });
  });

  it("snapshots $LATEST with the version's own description when given", () => {
    const latest = snapshot({ description: 'fn' });
    assert.equal(versionOf(latest, 1, undefined, 'rv', 5).description, 'fn');
    const v = versionOf(latest, 2, 'release 2', 'rv', 9);
    assert.deepEqual(
      { version: v.version, description: v.description, revisionId: v.revisionId, lastModified: v.lastModified },
      {
        version: 2,
        description: 'release 2',
        revisionId: 'rv',
        lastModified: 9,
      },
    );
    assert.throws(() => versionOf(latest, 2, 'd'.repeat(257), 'rv', 9), refused);
  });
});

describe('changes as backends write them', () => {
  it('changes code or configuration of $LATEST with a new revision, only at the revision expected', () => {
    const latest = snapshot();
    const code = { sha256: 'C'.repeat(43) + '=', size: 3, blobKey: 'k2' };
    const withCode = changedLatest(latest, { kind: 'code', code }, 'r1', 'r2', 7);
    assert.deepEqual(withCode, { ...latest, code, revisionId: 'r2', lastModified: 7 });
    const withConfig = changedLatest(latest, { kind: 'config', patch: { timeoutS: 60 } }, undefined, 'r3', 8);
    assert.deepEqual(withConfig, { ...latest, timeoutS: 60, revisionId: 'r3', lastModified: 8 });
    assert.throws(
      () => changedLatest(latest, { kind: 'code', code }, 'r0', 'r2', 7),
      (e) => e instanceof Conflict && e.code === ErrorCode.FunctionRevisionMismatch,
    );
    assert.throws(() => changedLatest(latest, { kind: 'config', patch: { memoryMb: 1 } }, undefined, 'r2', 7), refused);
  });

  it('plans a publish: the last version when unchanged, else the next, snapshotted', () => {
    const latest = snapshot();
    const first = planPublish(latest, null, { description: 'one' }, 'rv1', 5);
    assert.equal(first.kind, 'new');
    assert.deepEqual(first.version, { ...latest, version: 1, description: 'one', revisionId: 'rv1', lastModified: 5 });
    assert.deepEqual(planPublish(latest, first.version, {}, 'rv2', 6), { kind: 'existing', version: first.version });
    assert.equal(planPublish({ ...latest, timeoutS: 9 }, first.version, {}, 'rv2', 6).version.version, 2);
  });

  it('moves an alias only at the revision expected', () => {
    const alias: FunctionAlias = {
      userId: 'u',
      functionName: 'fn',
      name: 'live',
      version: 1,
      description: 'd',
      revisionId: 'a1',
      createdAt: 0,
      updatedAt: 0,
    };
    assert.deepEqual(applyAliasPatch(alias, { version: 2 }, 'a1'), { version: 2, description: 'd' });
    assert.deepEqual(applyAliasPatch(alias, { description: '' }), { version: 1, description: '' });
    assert.throws(
      () => applyAliasPatch(alias, { version: 2 }, 'a0'),
      (e) => e instanceof Conflict && e.code === ErrorCode.FunctionRevisionMismatch,
    );
  });
});

describe("a function's layers", () => {
  const code = { sha256: 'x', size: 1, blobKey: 'k' };
  it("keeps another user's layer as theirs: a layer of the same name from two users is two layers, not two versions of one", () => {
    const mine = { name: 'lib', version: 1, code };
    const theirs = { name: 'lib', version: 3, code, ownerId: 'alice' };
    assert.deepEqual(checkFunctionLayers([mine, theirs]), [mine, theirs]);
    assert.throws(() => checkFunctionLayers([theirs, { ...theirs, version: 4 }]), /one version of layer lib/);
    assert.equal(sameLayers([theirs], [{ ...theirs, ownerId: 'bob' }]), false);
    assert.equal(sameLayers([theirs], [{ ...theirs }]), true);
  });
});
