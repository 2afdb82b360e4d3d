/**
 * What a workflow's Task states run (issue 24): the owner's Hangar functions, through the same
 * invoke path as Lambda's Invoke (app/invoke.ts), for the resources core/asl/lambda-task.ts
 * reads — `arn:aws:lambda:…:function:NAME` and `arn:aws:states:::lambda:invoke`, each also with
 * `.waitForTaskToken`. An invocation that cannot happen fails the task with the error Step
 * Functions names (Lambda.ResourceNotFoundException, Lambda.TooManyRequestsException, …), which
 * Retry and Catch see like any other. An open circuit breaker on the function
 * (core/circuit-breaker.ts) is Hangar's own error, `Hangar.CircuitOpen`: a Catch names it (or
 * States.ALL / States.TaskFailed), a Retry backs off on it until the breaker's probe.
 */
import { randomUUID } from 'node:crypto';
import {
  isActivityResource,
  type Json,
  type LambdaCall,
  lambdaCallOf,
  lambdaNotFound,
  lambdaResultOf,
  StatesFailure,
  type TaskRequest,
  type TaskResolver,
} from '../core/asl/index.ts';
import { CircuitOpen, HangarError, NotFound, Throttled, TooLarge, Unavailable } from '../core/index.ts';
import { type ActivitiesApp, runActivityTask } from './activities.ts';
import type { AppContext } from './context.ts';
import { type InvokeApp, invokeFunction } from './invoke.ts';
import { isHangarTaskResource, type ParseTaskRequest, runHangarTask } from './workflow-hangar-tasks.ts';

export function functionTasks(app: InvokeApp, accountOf: (userId: string) => string): (userId: string) => TaskResolver {
  return (userId) => (request: TaskRequest) => runFunctionTask(app, userId, accountOf(userId), request);
}

async function runFunctionTask(app: InvokeApp, userId: string, accountId: string, request: TaskRequest): Promise<Json> {
  const call = lambdaCallOf(request);
  if (!call) throw new StatesFailure('States.Runtime', `Hangar does not run the Task resource '${request.resource}'`);
  // As Step Functions names a missing function: lambda:invoke with the version it asked for.
  const qualifier = call.qualifier ?? (call.integration === 'invoke' ? '$LATEST' : undefined);
  const arn = `arn:aws:lambda:${app.config.awsRegion}:${call.accountId ?? accountId}:function:${call.functionName}${qualifier ? `:${qualifier}` : ''}`;
  // A workflow reaches its owner's functions only (no cross-account policies here yet).
  if (call.accountId !== undefined && call.accountId !== accountId) throw lambdaNotFound(call, arn, randomUUID());
  let r: Awaited<ReturnType<typeof invokeFunction>>;
  for (let waited = 0, delay = 100; ; waited += delay, delay = Math.min(delay * 2, 2000)) {
    try {
      r = await invokeFunction(app, userId, {
        functionName: call.functionName,
        ...(call.qualifier ? { qualifier: call.qualifier } : {}),
        payload: Buffer.from(call.payload),
        accountId,
      });
      break;
    } catch (e) {
      // No worker host runs functions yet (a cluster starting again): nothing ran, so the task
      // waits for one, up to UNAVAILABLE_WAIT_MS, rather than failing a workflow on a restart.
      // An open circuit breaker is an Unavailable too, but one that must fail fast (a Catch handles it).
      if (!(e instanceof Unavailable) || e instanceof CircuitOpen || waited >= UNAVAILABLE_WAIT_MS) {
        throw asStatesFailure(e, call, arn);
      }
      await new Promise((res) => setTimeout(res, delay));
    }
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

/** How long a Task waits for a worker host to run its function before failing, ms. */
const UNAVAILABLE_WAIT_MS = 60_000;

function asStatesFailure(e: unknown, call: LambdaCall, arn: string): unknown {
  if (e instanceof NotFound) return lambdaNotFound(call, arn, randomUUID());
  if (e instanceof CircuitOpen) return new StatesFailure('Hangar.CircuitOpen', e.message);
  if (e instanceof Throttled) return new StatesFailure('Lambda.TooManyRequestsException', e.message);
  if (e instanceof TooLarge) return new StatesFailure('Lambda.RequestTooLargeException', e.message);
  if (e instanceof HangarError) return new StatesFailure('Lambda.ServiceException', e.message);
  return e;
}

/** Every Task resource a workflow can name: the owner's Hangar tasks (workflow-hangar-tasks.ts),
 *  activities (activities.ts) and functions. */
export function workflowTasks(
  app: InvokeApp & AppContext & ActivitiesApp,
  accountOf: (userId: string) => string,
  parse: ParseTaskRequest,
  closed: () => boolean,
): (userId: string) => TaskResolver {
  const functions = functionTasks(app, accountOf);
  return (userId) => {
    const fn = functions(userId);
    return (request) => {
      if (isHangarTaskResource(request.resource)) return runHangarTask(app, parse, userId, request, closed);
      if (isActivityResource(request.resource))
        return runActivityTask(app, userId, { accountId: accountOf(userId), region: app.config.awsRegion }, request);
      return fn(request);
    };
  };
}
