/**
 * Lambda's Invoke (POST /2015-03-31/functions/{FunctionName}/invocations): the request body is
 * the event as is; the answer is the function's payload as is, 200, with X-Amz-Executed-Version.
 * A function that failed still answers 200, its error document as the payload and
 * X-Amz-Function-Error: Unhandled (as Lambda). DryRun answers 204; LogType Tail adds the log's
 * last 4 KB in X-Amz-Log-Result. Event answers 202 with no body once the event is stored
 * (app/invoke-async.ts), its request id in X-Amzn-RequestId.
 */
import { type AccountDirectory, InvocationType, invocationTypeOf, invokeEvent, invokeFunction } from '../../app/index.ts';
import { CrossAccountAction } from '../../core/index.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall, AwsReply } from '../service.ts';
import type { LambdaContext } from './context.ts';
import { calledAs } from './cross-account.ts';

const header = (call: AwsCall, name: string): string | undefined => {
  const v = call.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The invocation an Invoke request asks for (InvokeWithResponseStream's too), as the caller
 *  named it; the use cases check the header values they are given (a log type they do not know
 *  is refused there). */
export async function invokeInputOf(ctx: LambdaContext, accounts: AccountDirectory, call: AwsCall, functionName: string) {
  const qualifier = call.query.get('Qualifier') ?? undefined;
  const as = await calledAs(ctx, accounts, call, functionName, qualifier, CrossAccountAction.Invoke);
  const input = {
    functionName,
    qualifier,
    payload: call.body,
    type: invocationTypeOf(header(call, 'x-amz-invocation-type')),
    logType: header(call, 'x-amz-log-type') as 'None' | 'Tail' | undefined,
    clientContext: header(call, 'x-amz-client-context'),
    accountId: as.accountId,
    ...(as.caller === undefined ? {} : { callerAccountId: as.caller }),
  };
  return { userId: as.userId, input };
}

export function invokeOperation(ctx: LambdaContext, accounts: AccountDirectory): RestOperation {
  return {
    name: 'Invoke',
    method: 'POST',
    audited: false,
    path: '/2015-03-31/functions/{FunctionName}/invocations',
    async run(call, params): Promise<AwsReply> {
      const { userId, input } = await invokeInputOf(ctx, accounts, call, params.FunctionName);
      if (input.type === InvocationType.Event) {
        const queued = await invokeEvent(ctx, userId, input);
        return { status: 202, headers: { 'x-amzn-requestid': queued.requestId } };
      }
      const r = await invokeFunction(ctx, userId, input);
      if (r.kind === 'dry-run') return { status: 204, headers: { 'x-amz-executed-version': r.executedVersion } };
      return {
        status: 200,
        headers: {
          // A streaming function called with Invoke: its stream whole, with the stream's type.
          'content-type': r.contentType ?? 'application/json',
          'x-amz-executed-version': r.executedVersion,
          ...(r.functionError ? { 'x-amz-function-error': r.functionError } : {}),
          ...(r.logTail !== undefined ? { 'x-amz-log-result': r.logTail } : {}),
        },
        body: r.payload,
      };
    },
  };
}
