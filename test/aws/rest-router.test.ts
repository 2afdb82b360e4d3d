/** restJson1 operations by method and path template: what matches, what each label holds. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AwsError } from '../../src/aws/errors.ts';
import { RestRouter } from '../../src/aws/rest-router.ts';
import type { AwsCall } from '../../src/aws/service.ts';

const router = new RestRouter(
  [
    ['GetAccountSettings', 'GET', '/2016-08-19/account-settings/'],
    ['GetFunction', 'GET', '/2015-03-31/functions/{FunctionName}'],
    ['Invoke', 'POST', '/2015-03-31/functions/{FunctionName}/invocations'],
    ['Rest', 'GET', '/2099-01-01/things/{Key+}'],
  ].map(([name, method, path]) => ({
    name,
    method,
    path,
    run: async (_call: AwsCall, params: Record<string, string>) => ({ status: 200, body: params }),
  })),
);

async function route(method: string, rawPath: string): Promise<{ operation: string | null; params: unknown }> {
  let operation: string | null = null;
  const call = { method, rawPath, named: (op: string) => void (operation = op) } as AwsCall;
  const reply = await router.handle(call);
  return { operation, params: reply.body };
}

it('matches method and path, with or without the trailing slash, and decodes each label', async () => {
  assert.deepEqual(await route('GET', '/2016-08-19/account-settings/'), { operation: 'GetAccountSettings', params: {} });
  assert.deepEqual(await route('GET', '/2016-08-19/account-settings'), { operation: 'GetAccountSettings', params: {} });
  const arn = 'arn:aws:lambda:us-east-1:123456789012:function:f:live';
  assert.deepEqual(await route('GET', `/2015-03-31/functions/${encodeURIComponent(arn)}`), {
    operation: 'GetFunction',
    params: { FunctionName: arn },
  });
  assert.deepEqual(await route('POST', '/2015-03-31/functions/my-fn/invocations'), {
    operation: 'Invoke',
    params: { FunctionName: 'my-fn' },
  });
  assert.deepEqual(await route('GET', '/2099-01-01/things/a/b%20c/d'), { operation: 'Rest', params: { Key: 'a/b c/d' } });
});

it('anything else is 404 UnknownOperationException, named by method and path; a bad escape is 400', async () => {
  for (const [method, path] of [
    ['DELETE', '/2016-08-19/account-settings/'],
    ['GET', '/2015-03-31/functions'],
    ['GET', '/2015-03-31/functions/f/extra'],
    ['POST', '/2015-03-31/functions/f/invocations/more'],
    ['GET', '/2099-01-01/things'],
  ]) {
    await assert.rejects(route(method, path), (err: unknown) => {
      assert.ok(err instanceof AwsError);
      assert.deepEqual([err.type, err.status], ['UnknownOperationException', 404]);
      assert.match(err.message, new RegExp(`${method} ${path}`));
      return true;
    });
  }
  await assert.rejects(route('GET', '/2015-03-31/functions/%E0%A4%A'), (err: unknown) => err instanceof AwsError && err.status === 400);
});
