import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addStatement,
  arnLike,
  checkLayerStatement,
  checkStatement,
  Conflict,
  crossAccountDecision,
  crossAccountDenied,
  CrossAccountAction,
  ErrorCode,
  type FunctionPolicy,
  functionUrlAllows,
  InvalidInput,
  layerVersionAllows,
  NotFound,
  parsePrincipal,
  parseQualifier,
  policyQualifierOf,
  policyAllows,
  policyDocument,
  removeStatement,
  statementDocument,
} from '../../src/core/index.ts';

const ARN = 'arn:aws:lambda:us-east-1:111111111111:function:hello';
const OWNER = '111111111111';
const OTHER = '222222222222';

const policyOf = (...statements: ReturnType<typeof checkStatement>[]): FunctionPolicy => ({
  userId: 'alice',
  functionName: 'hello',
  qualifier: '',
  statements,
  revisionId: 'r1',
});

/** The two statements AWS documents for a public (NONE) function URL. */
const publicUrl = checkStatement({
  sid: 'FunctionURLAllowPublicAccess',
  action: 'lambda:InvokeFunctionUrl',
  principal: '*',
  functionUrlAuthType: 'NONE',
});
const publicInvoke = checkStatement({
  sid: 'FunctionURLInvokeAllowPublicAccess',
  action: 'lambda:InvokeFunction',
  principal: '*',
  invokedViaFunctionUrl: true,
});

describe('statements', () => {
  it('reads principals as AWS writes them: *, an account (id or root ARN), a service', () => {
    assert.deepEqual(parsePrincipal('*'), { kind: 'any' });
    assert.deepEqual(parsePrincipal(OTHER), { kind: 'account', accountId: OTHER });
    assert.deepEqual(parsePrincipal(`arn:aws:iam::${OTHER}:root`), { kind: 'account', accountId: OTHER });
    assert.deepEqual(parsePrincipal('events.amazonaws.com'), { kind: 'service', service: 'events.amazonaws.com' });
    assert.throws(() => parsePrincipal(`arn:aws:iam::${OTHER}:role/x`), /no IAM users or roles/);
    assert.throws(() => parsePrincipal('someone'), InvalidInput);
  });

  it('refuses a statement without its required fields or with malformed ones', () => {
    const ok = { sid: 's', action: 'lambda:InvokeFunction', principal: '*' };
    for (const bad of [
      { ...ok, sid: undefined },
      { ...ok, sid: 'has space' },
      { ...ok, sid: 'x'.repeat(101) },
      { ...ok, action: undefined },
      { ...ok, action: 's3:GetObject' },
      { ...ok, principal: undefined },
      { ...ok, sourceAccount: '12' },
      { ...ok, sourceArn: 'not-an-arn' },
      { ...ok, functionUrlAuthType: 'BASIC' },
    ])
      assert.throws(
        () => checkStatement(bad),
        (e) => e instanceof InvalidInput && e.code === ErrorCode.FunctionInvalid,
        JSON.stringify(bad),
      );
    assert.equal(checkStatement({ ...ok, action: 'lambda:*' }).action, 'lambda:*');
  });

  it('writes the document AWS returns: Version, Id, and each statement with its conditions', () => {
    const s = checkStatement({
      sid: 'events',
      action: 'lambda:InvokeFunction',
      principal: 'events.amazonaws.com',
      sourceArn: 'arn:aws:events:us-east-1:111111111111:rule/*',
      sourceAccount: OWNER,
    });
    assert.deepEqual(policyDocument([publicUrl, publicInvoke, s], ARN), {
      Version: '2012-10-17',
      Id: 'default',
      Statement: [
        {
          Sid: 'FunctionURLAllowPublicAccess',
          Effect: 'Allow',
          Principal: '*',
          Action: 'lambda:InvokeFunctionUrl',
          Resource: ARN,
          Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
        },
        {
          Sid: 'FunctionURLInvokeAllowPublicAccess',
          Effect: 'Allow',
          Principal: '*',
          Action: 'lambda:InvokeFunction',
          Resource: ARN,
          Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
        },
        {
          Sid: 'events',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'lambda:InvokeFunction',
          Resource: ARN,
          Condition: {
            StringEquals: { 'AWS:SourceAccount': OWNER },
            ArnLike: { 'AWS:SourceArn': 'arn:aws:events:us-east-1:111111111111:rule/*' },
          },
        },
      ],
    });
    const account = checkStatement({ sid: 'a', action: 'lambda:GetFunction', principal: OTHER });
    assert.deepEqual(statementDocument(account, ARN).Principal, { AWS: `arn:aws:iam::${OTHER}:root` });
    assert.equal('Condition' in statementDocument(account, ARN), false);
  });
});

describe('adding and removing', () => {
  it('adds to no policy and to one, refuses a taken Sid (409) and a stale revision', () => {
    assert.deepEqual(addStatement(null, publicUrl, undefined), [publicUrl]);
    const p = policyOf(publicUrl);
    assert.deepEqual(addStatement(p, publicInvoke, 'r1'), [publicUrl, publicInvoke]);
    assert.throws(
      () => addStatement(p, publicUrl, undefined),
      (e) => e instanceof Conflict && e.code === ErrorCode.FunctionStatementExists,
    );
    assert.throws(
      () => addStatement(p, publicInvoke, 'r0'),
      (e) => e instanceof Conflict && e.code === ErrorCode.FunctionRevisionMismatch,
    );
    assert.throws(
      () => addStatement(null, publicInvoke, 'r0'),
      (e) => e instanceof Conflict && e.code === ErrorCode.FunctionRevisionMismatch,
    );
  });

  it('refuses a policy over 20 KB', () => {
    let statements: ReturnType<typeof checkStatement>[] = [];
    assert.throws(() => {
      for (let i = 0; i < 1000; i++)
        statements = addStatement(policyOf(...statements), { ...publicUrl, sid: `s${i}-${'x'.repeat(80)}` }, undefined);
    }, /bigger than the limit/);
    assert.ok(statements.length > 10);
  });

  it('removes by Sid; an unknown Sid or no policy is "The resource you requested does not exist."', () => {
    assert.deepEqual(removeStatement(policyOf(publicUrl, publicInvoke), publicUrl.sid, 'r1'), [publicInvoke]);
    for (const p of [null, policyOf(publicUrl)])
      assert.throws(
        () => removeStatement(p, 'nope', undefined),
        (e) => e instanceof NotFound && e.message === 'The resource you requested does not exist.',
      );
    assert.throws(() => removeStatement(policyOf(publicUrl), publicUrl.sid, 'r9'), Conflict);
  });
});

describe('evaluation', () => {
  it('matches action (with lambda:* wildcards), principal and every condition', () => {
    const anyone = { kind: 'anonymous' } as const;
    assert.equal(policyAllows([publicUrl], { action: 'lambda:InvokeFunctionUrl', caller: anyone, viaFunctionUrl: 'NONE' }), true);
    // The auth-type condition: not through an AWS_IAM URL, nor outside a URL.
    assert.equal(policyAllows([publicUrl], { action: 'lambda:InvokeFunctionUrl', caller: anyone, viaFunctionUrl: 'AWS_IAM' }), false);
    assert.equal(policyAllows([publicUrl], { action: 'lambda:InvokeFunctionUrl', caller: anyone }), false);
    assert.equal(policyAllows([publicInvoke], { action: 'lambda:InvokeFunction', caller: anyone }), false);
    assert.equal(policyAllows([publicUrl], { action: 'lambda:InvokeFunction', caller: anyone, viaFunctionUrl: 'NONE' }), false);
    const all = checkStatement({ sid: 'all', action: 'lambda:*', principal: OTHER });
    const other = { kind: 'account', accountId: OTHER } as const;
    assert.equal(policyAllows([all], { action: 'lambda:GetFunction', caller: other }), true);
    assert.equal(policyAllows([all], { action: 'lambda:GetFunction', caller: { kind: 'account', accountId: OWNER } }), false);
    assert.equal(policyAllows([all], { action: 'lambda:GetFunction', caller: anyone }), false);
    const svc = checkStatement({
      sid: 'e',
      action: 'lambda:InvokeFunction',
      principal: 'events.amazonaws.com',
      sourceArn: 'arn:aws:events:*:rule/a?c',
    });
    const events = { kind: 'service', service: 'events.amazonaws.com' } as const;
    assert.equal(policyAllows([svc], { action: 'lambda:InvokeFunction', caller: events, sourceArn: 'arn:aws:events:us:1:rule/abc' }), true);
    assert.equal(
      policyAllows([svc], { action: 'lambda:InvokeFunction', caller: events, sourceArn: 'arn:aws:events:us:1:rule/abbc' }),
      false,
    );
    assert.equal(policyAllows([svc], { action: 'lambda:InvokeFunction', caller: events }), false);
    assert.equal(arnLike('arn:a.b*', 'arn:a.bcd'), true);
    assert.equal(arnLike('arn:a.b', 'arn:aXb'), false);
  });

  it('a public (NONE) URL needs both actions allowed to everyone (October 2025)', () => {
    const anyone = { kind: 'anonymous' } as const;
    assert.equal(functionUrlAllows('NONE', [], anyone, false), false);
    assert.equal(functionUrlAllows('NONE', [publicUrl], anyone, false), false);
    assert.equal(functionUrlAllows('NONE', [publicInvoke], anyone, false), false);
    assert.equal(functionUrlAllows('NONE', [publicUrl, publicInvoke], anyone, false), true);
    // The owner's signature changes nothing on a NONE URL: the policy alone decides.
    assert.equal(functionUrlAllows('NONE', [publicUrl], { kind: 'account', accountId: OWNER }, true), false);
    // Granted to one account only, it is not public.
    const toOther = [
      checkStatement({ sid: 'u', action: 'lambda:InvokeFunctionUrl', principal: OTHER }),
      checkStatement({ sid: 'i', action: 'lambda:InvokeFunction', principal: OTHER }),
    ];
    assert.equal(functionUrlAllows('NONE', toOther, anyone, false), false);
  });

  it('an AWS_IAM URL: the owner always, another account when granted both, nobody unsigned', () => {
    const other = { kind: 'account', accountId: OTHER } as const;
    assert.equal(functionUrlAllows('AWS_IAM', [], { kind: 'account', accountId: OWNER }, true), true);
    assert.equal(functionUrlAllows('AWS_IAM', [], other, false), false);
    // The owner is the user, not a matching account id: a stranger whose id collides is no owner.
    assert.equal(functionUrlAllows('AWS_IAM', [], { kind: 'account', accountId: OWNER }, false), false);
    assert.equal(functionUrlAllows('AWS_IAM', [publicUrl, publicInvoke], { kind: 'anonymous' }, false), false);
    const urlOnly = checkStatement({ sid: 'u', action: 'lambda:InvokeFunctionUrl', principal: OTHER, functionUrlAuthType: 'AWS_IAM' });
    const invoke = checkStatement({ sid: 'i', action: 'lambda:InvokeFunction', principal: OTHER });
    assert.equal(functionUrlAllows('AWS_IAM', [urlOnly], other, false), false);
    assert.equal(functionUrlAllows('AWS_IAM', [urlOnly, invoke], other, false), true);
    // A statement for NONE URLs does not open an AWS_IAM one.
    assert.equal(functionUrlAllows('AWS_IAM', [{ ...urlOnly, functionUrlAuthType: 'NONE' }, invoke], other, false), false);
  });
});

describe('another account calling a function (crossAccountDecision)', () => {
  const grant = (over: Partial<Parameters<typeof checkStatement>[0]> = {}) =>
    checkStatement({ sid: 'x', action: 'lambda:InvokeFunction', principal: OTHER, ...over });
  const at = (qualifier: string, ...statements: ReturnType<typeof checkStatement>[]) => ({ qualifier, statements });
  const invoke = (qualifier?: string) => ({
    action: CrossAccountAction.Invoke,
    callerAccountId: OTHER,
    qualifier: parseQualifier(qualifier),
  });

  it("allows the account a statement names, by id or by its root ARN, or everyone's '*'", () => {
    assert.equal(crossAccountDecision(at('', grant()), invoke()), 'allow');
    assert.equal(crossAccountDecision(at('', grant({ principal: `arn:aws:iam::${OTHER}:root` })), invoke()), 'allow');
    assert.equal(crossAccountDecision(at('', grant({ principal: '*' })), invoke()), 'allow');
    assert.equal(crossAccountDecision(at('', grant({ action: 'lambda:*' })), invoke()), 'allow');
    // $LATEST is governed by the function's own policy.
    assert.equal(crossAccountDecision(at('', grant()), invoke('$LATEST')), 'allow');
  });

  it('is unknown (as a function not there) without a policy or a statement for the caller', () => {
    assert.equal(crossAccountDecision(null, invoke()), 'unknown');
    assert.equal(crossAccountDecision(at('', grant({ principal: '333333333333' })), invoke()), 'unknown');
    assert.equal(crossAccountDecision(at('', grant({ principal: 'events.amazonaws.com' })), invoke()), 'unknown');
  });

  it('denies a caller a statement names when none allows this action', () => {
    assert.equal(crossAccountDecision(at('', grant({ action: 'lambda:GetFunction' })), invoke()), 'denied');
    const getConfig = { ...invoke(), action: CrossAccountAction.GetFunctionConfiguration };
    assert.equal(crossAccountDecision(at('', grant()), getConfig), 'denied');
    assert.equal(crossAccountDecision(at('', grant({ action: 'lambda:Get*' })), getConfig), 'allow');
  });

  it("a qualifier's policy governs that qualifier's ARN only", () => {
    const prod = at('prod', grant());
    assert.equal(crossAccountDecision(prod, invoke('prod')), 'allow');
    // A policy read for another qualifier never applies, whoever passed it.
    assert.equal(crossAccountDecision(prod, invoke()), 'unknown');
    assert.equal(crossAccountDecision(prod, invoke('1')), 'unknown');
    assert.equal(crossAccountDecision(at('', grant()), invoke('prod')), 'unknown');
    assert.equal(crossAccountDecision(at('1', grant()), invoke('1')), 'allow');
    for (const [named, policy] of [
      [undefined, ''],
      ['$LATEST', ''],
      ['3', '3'],
      ['prod', 'prod'],
    ] as const)
      assert.equal(policyQualifierOf(parseQualifier(named)), policy);
  });

  it('a condition a direct call cannot meet denies: SourceArn, SourceAccount, function URL only', () => {
    for (const over of [
      { sourceArn: 'arn:aws:events:us-east-1:222222222222:rule/*' },
      { sourceAccount: OTHER },
      { invokedViaFunctionUrl: true },
      { functionUrlAuthType: 'AWS_IAM' },
    ])
      assert.equal(crossAccountDecision(at('', grant(over)), invoke()), 'denied', JSON.stringify(over));
  });

  it("answers Lambda's AccessDeniedException message", () => {
    const e = crossAccountDenied(OTHER, 'lambda:InvokeFunction', ARN);
    assert.equal(e.code, ErrorCode.Forbidden);
    assert.equal(
      e.message,
      `User: arn:aws:iam::${OTHER}:root is not authorized to perform: lambda:InvokeFunction on resource: ${ARN} because no resource-based policy allows the lambda:InvokeFunction action`,
    );
  });
});

describe("a layer version's policy (layer-policy.ts)", () => {
  const grant = (over: Partial<Parameters<typeof checkLayerStatement>[0]> = {}) =>
    checkLayerStatement({ sid: 'x-account_1', action: 'lambda:GetLayerVersion', principal: '111122223333', ...over });

  it('takes one action, an account or * as principal, and a StatementId without dots', () => {
    assert.deepEqual(grant(), {
      sid: 'x-account_1',
      action: 'lambda:GetLayerVersion',
      principal: { kind: 'account', accountId: '111122223333' },
    });
    assert.deepEqual(grant({ principal: 'arn:aws:iam::111122223333:root' }).principal, { kind: 'account', accountId: '111122223333' });
    assert.deepEqual(grant({ principal: '*' }).principal, { kind: 'any' });
    for (const bad of [
      { sid: 'a.b' },
      { sid: 'x'.repeat(101) },
      { sid: undefined },
      { action: 'lambda:*' },
      { action: 'lambda:InvokeFunction' },
      { principal: 'events.amazonaws.com' },
      { principal: '12345' },
      { principal: undefined },
      { principal: '*', organizationId: 'o-abcdefghij' },
    ])
      assert.throws(() => grant(bad), { code: ErrorCode.LayerInvalid }, JSON.stringify(bad));
  });

  it('lets an account use the version only when a statement names it or everyone', () => {
    const toOne = { statements: [grant()] };
    assert.equal(layerVersionAllows(toOne, '111122223333'), true);
    assert.equal(layerVersionAllows(toOne, '999988887777'), false);
    assert.equal(layerVersionAllows({ statements: [grant({ principal: '*' })] }, '999988887777'), true);
    assert.equal(layerVersionAllows(null, '111122223333'), false);
  });
});
