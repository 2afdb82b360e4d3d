/**
 * What a workflow's Task states run (issue 24): the owner's Hangar functions, through the same
 * invoke path as Lambda's Invoke (app/invoke.ts), for the resources core/asl/lambda-task.ts
 * reads — `arn:aws:lambda:…:function:NAME` and `arn:aws:states:::lambda:invoke`, each also with
 * `.waitForTaskToken`. An invocation that cannot happen fails the task with the error Step
 * Functions names (Lambda.ResourceNotFoundException, Lambda.TooManyRequestsException, …), which
 * Retry and Catch see like any other.
 */
import { randomUUID } from 'node:crypto';
import {
  type Json,
  lambdaCallOf,
  lambdaNotFound,
  lambdaResultOf,
  StatesFailure,
  type TaskRequest,
  type TaskResolver,
} from '../core/asl/index.ts';
import { HangarError, NotFound, Throttled, TooLarge } from '../core/index.ts';
import { type InvokeApp, invokeFunction } from './invoke.ts';

export function functionTasks(app: InvokeApp, accountOf: (userId: string) => string): (userId: string) => TaskResolver {
  return (userId) => (request: TaskRequest) => runFunctionTask(app, userId, accountOf(userId), request);
}

async function runFunctionTask(app: InvokeApp, userId: string, accountId: string, request: TaskRequest): Promise<Json> {
  const call = lambdaCallOf(request);
  if (!call) throw new StatesFailure('States.Runtime', `Hangar does not run the Task resource '${request.resource}'`);
  const arn = `arn:aws:lambda:${app.config.awsRegion}:${call.accountId ?? accountId}:function:${call.functionName}${call.qualifier ? `:${call.qualifier}` : ''}`;
  // A workflow reaches its owner's functions only (no cross-account policies here yet).
  if (call.accountId !== undefined && call.accountId !== accountId) throw lambdaNotFound(call, arn, randomUUID());
  let r: Awaited<ReturnType<typeof invokeFunction>>;
  try {
    r = await invokeFunction(app, userId, {
      functionName: call.functionName,
      ...(call.qualifier ? { qualifier: call.qualifier } : {}),
      payload: Buffer.from(call.payload),
      accountId,
    });
  } catch (e) {
    if (e instanceof NotFound) throw lambdaNotFound(call, arn, randomUUID());
    if (e instanceof Throttled) throw new StatesFailure('Lambda.TooManyRequestsException', e.message);
    if (e instanceof TooLarge) throw new StatesFailure('Lambda.RequestTooLargeException', e.message);
    if (e instanceof HangarError) throw new StatesFailure('Lambda.ServiceException', e.message);
    throw e;
  }
  return lambdaResultOf(
    call,
    {
      requestId: r.requestId,
      executedVersion: r.executedVersion,
      payload: r.payload.toString('utf8'),
      ...(r.functionError ? { errorType: r.errorType ?? 'Unhandled' } : {}),
    },
    new Date(),
  );
}
