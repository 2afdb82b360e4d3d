import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFunctionUrlPatch, functionUrlQualifier, InvalidInput, newFunctionUrl, URL_ID, urlIdFrom } from '../../src/core/index.ts';

const base = { userId: 'alice', functionName: 'hello', qualifier: '', urlId: 'a'.repeat(32), now: 1000 };
const cors = {
  allowOrigins: ['https://a.example'],
  allowMethods: ['GET'],
  allowHeaders: ['x-a'],
  exposeHeaders: [],
  allowCredentials: false,
  maxAgeS: 5,
};

describe('function URL configuration', () => {
  it('makes url-ids of 32 lower-case letters and digits', () => {
    const id = urlIdFrom(new Uint8Array(32).map((_, i) => i * 8));
    assert.match(id, URL_ID);
    assert.notEqual(urlIdFrom(new Uint8Array(32).fill(1)), id);
    assert.throws(() => urlIdFrom(new Uint8Array(8)));
  });

  it('takes the function itself ($LATEST or none) or an alias, never a version', () => {
    assert.equal(functionUrlQualifier(undefined), '');
    assert.equal(functionUrlQualifier('$LATEST'), '');
    assert.equal(functionUrlQualifier('live'), 'live');
    assert.throws(() => functionUrlQualifier('3'), /not a version/);
    assert.throws(() => functionUrlQualifier('bad name'), InvalidInput);
  });

  it('requires AuthType, checks CORS, is BUFFERED unless RESPONSE_STREAM, and refuses other modes', () => {
    const c = newFunctionUrl(base, { authType: 'NONE' });
    assert.deepEqual(c, {
      userId: 'alice',
      functionName: 'hello',
      qualifier: '',
      urlId: base.urlId,
      createdAt: 1000,
      authType: 'NONE',
      cors: null,
      invokeMode: 'BUFFERED',
    });
    assert.throws(() => newFunctionUrl(base, {}), /AuthType is required/);
    assert.throws(() => newFunctionUrl(base, { authType: 'OPEN' }), /NONE or AWS_IAM/);
    assert.equal(newFunctionUrl(base, { authType: 'NONE', invokeMode: 'RESPONSE_STREAM' }).invokeMode, 'RESPONSE_STREAM');
    assert.throws(() => newFunctionUrl(base, { authType: 'NONE', invokeMode: 'STREAM' }), /BUFFERED or RESPONSE_STREAM/);
    assert.throws(
      () => newFunctionUrl(base, { authType: 'NONE', cors: { ...cors, allowOrigins: ['*'], allowCredentials: true } }),
      InvalidInput,
    );
    assert.deepEqual(newFunctionUrl(base, { authType: 'AWS_IAM', cors }).cors, cors);
  });

  it('updates what is given: Cors as a whole, null removing it', () => {
    const c = { ...newFunctionUrl(base, { authType: 'NONE', cors }), updatedAt: 1000 };
    const u = applyFunctionUrlPatch(c, { authType: 'AWS_IAM' }, 2000);
    assert.deepEqual(u, { ...c, authType: 'AWS_IAM', updatedAt: 2000 });
    assert.equal(applyFunctionUrlPatch(c, { cors: null }, 2000).cors, null);
    // A CORS that allows nothing is none (Terraform removes its cors block this way).
    const nothing = { allowOrigins: [], allowMethods: [], allowHeaders: [], exposeHeaders: [], allowCredentials: false };
    assert.equal(applyFunctionUrlPatch(c, { cors: nothing }, 2000).cors, null);
    assert.equal(newFunctionUrl(base, { authType: 'NONE', cors: nothing }).cors, null);
    assert.equal(applyFunctionUrlPatch(c, { invokeMode: 'RESPONSE_STREAM' }, 2000).invokeMode, 'RESPONSE_STREAM');
    assert.throws(() => applyFunctionUrlPatch(c, { invokeMode: 'buffered' }, 2000), InvalidInput);
  });
});
