/**
 * Task states that invoke a Lambda function, as Step Functions runs them: the resource
 * `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` (the state's input is the event,
 * the function's result the task's) and the optimised integration `arn:aws:states:::lambda:invoke`
 * (Parameters `FunctionName`, `Payload`, `Qualifier`; the result is Lambda's Invoke response:
 * ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode), each also with
 * `.waitForTaskToken`. Pure: the runner invokes, this says what to invoke and what came of it.
 */
import { isObject, type Json, StatesFailure } from './errors.ts';
import type { TaskRequest } from './run.ts';

export interface LambdaCall {
  /** The function's name (an ARN's or a name as given). */
  functionName: string;
  qualifier: string | undefined;
  /** The account of an ARN, when the resource names one. */
  accountId: string | undefined;
  /** The event, as JSON text. */
  payload: string;
  /** `direct`: the lambda ARN form; `invoke`: arn:aws:states:::lambda:invoke. */
  integration: 'direct' | 'invoke';
  /** `.waitForTaskToken`: the invocation's result is not the task's; a callback is. */
  waitForToken: boolean;
}

const FUNCTION_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9$_-]{1,128}))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9$_-]{1,128}))?$/;
const NAME = /^([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9$_-]{1,128}))?$/;
const INVOKE = /^arn:aws[a-zA-Z-]*:states:::lambda:invoke(\.waitForTaskToken)?$/;

/** Whether a Task's resource is a Lambda function (either form). */
export function isLambdaResource(resource: string): boolean {
  return INVOKE.test(resource) || FUNCTION_ARN.test(resource.replace(/\.waitForTaskToken$/, ''));
}

function parseFunction(ref: string): { name: string; qualifier: string | undefined; accountId: string | undefined } | null {
  const m = FUNCTION_ARN.exec(ref) ?? PARTIAL_ARN.exec(ref);
  if (m) return { accountId: m[1], name: m[2], qualifier: m[3] };
  const n = NAME.exec(ref);
  return n ? { accountId: undefined, name: n[1], qualifier: n[2] } : null;
}

/** What a Lambda Task invokes; null when the resource is not a Lambda one. */
export function lambdaCallOf(request: TaskRequest): LambdaCall | null {
  const invoke = INVOKE.exec(request.resource);
  if (invoke) {
    const params = isObject(request.parameters) ? request.parameters : {};
    const ref = typeof params.FunctionName === 'string' ? parseFunction(params.FunctionName) : null;
    if (!ref)
      throw new StatesFailure(
        'Lambda.InvalidParameterValueException',
        `The FunctionName parameter must be a function name or ARN, not ${JSON.stringify(params.FunctionName ?? null)}`,
      );
    const qualifier = typeof params.Qualifier === 'string' ? params.Qualifier : ref.qualifier;
    // A string Payload is sent as it is (Lambda parses it); none (or null) is {}; anything else its JSON.
    const payload =
      params.Payload === undefined || params.Payload === null
        ? '{}'
        : typeof params.Payload === 'string'
          ? params.Payload
          : JSON.stringify(params.Payload);
    return {
      functionName: ref.name,
      qualifier,
      accountId: ref.accountId,
      payload,
      integration: 'invoke',
      waitForToken: Boolean(invoke[1]),
    };
  }
  const waitForToken = request.resource.endsWith('.waitForTaskToken');
  const m = FUNCTION_ARN.exec(waitForToken ? request.resource.slice(0, -'.waitForTaskToken'.length) : request.resource);
  if (!m) return null;
  return {
    functionName: m[2],
    qualifier: m[3],
    accountId: m[1],
    payload: JSON.stringify(request.parameters),
    integration: 'direct',
    waitForToken,
  };
}

/** What the invocation gave. */
export interface LambdaOutcome {
  requestId: string;
  executedVersion: string;
  /** The function's result, or its error document (Lambda's JSON) when errorType is set. */
  payload: string;
  errorType?: string;
}

function parsed(body: string): Json {
  try {
    return JSON.parse(body) as Json;
  } catch {
    return body;
  }
}

/** The function not found, in the words of each integration. */
export function lambdaNotFound(call: LambdaCall, arn: string, requestId: string): StatesFailure {
  return new StatesFailure(
    'Lambda.ResourceNotFoundException',
    call.integration === 'invoke'
      ? `Function not found: ${arn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${requestId}; Proxy: null)`
      : `Function not found: ${arn}`,
  );
}

/** The task's result; a function error is thrown as the failure Retry and Catch see: its
 *  errorType, with Lambda's error document as the cause (re-serialised compactly by lambda:invoke). */
export function lambdaResultOf(call: LambdaCall, outcome: LambdaOutcome, date: Date): Json {
  if (outcome.errorType !== undefined) {
    const cause = call.integration === 'invoke' ? JSON.stringify(parsed(outcome.payload)) : outcome.payload;
    throw new StatesFailure(outcome.errorType, cause);
  }
  const result = parsed(outcome.payload);
  if (call.integration === 'direct') return result;
  const length = String(Buffer.byteLength(outcome.payload));
  const when = date.toUTCString();
  const v = outcome.executedVersion;
  const id = outcome.requestId;
  return {
    ExecutedVersion: v,
    Payload: result,
    SdkHttpMetadata: {
      AllHttpHeaders: {
        'X-Amz-Executed-Version': [v],
        'x-amzn-Remapped-Content-Length': ['0'],
        Connection: ['keep-alive'],
        'x-amzn-RequestId': [id],
        'Content-Length': [length],
        Date: [when],
        'X-Amzn-Trace-Id': ['Root=1-0-0'],
        'Content-Type': ['application/json'],
      },
      HttpHeaders: {
        Connection: 'keep-alive',
        'Content-Length': length,
        'Content-Type': 'application/json',
        Date: when,
        'X-Amz-Executed-Version': v,
        'x-amzn-Remapped-Content-Length': '0',
        'x-amzn-RequestId': id,
        'X-Amzn-Trace-Id': 'Root=1-0-0',
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: id },
    StatusCode: 200,
  };
}
