/**
 * Serving a function URL: the request's url-id names the URL (whoever's it is), CORS preflights
 * are answered from its configuration, the resource-based policy decides whether the caller may
 * invoke (core functionUrlAllows: both lambda:InvokeFunctionUrl and lambda:InvokeFunction, as
 * Lambda has required since October 2025), and the request runs the function as a payload 2.0
 * event with routeKey `$default`, as Lambda sends it. The answer is a GatewayResponse the
 * surface writes as is; a RESPONSE_STREAM URL's is a StreamedGatewayResponse once the function
 * streams (function-url-stream.ts).
 *
 * `invokeWithEvent` is the one step an HTTP API route shares ("event → invoke → mapped
 * response"): kept small and alone so that both serve through one implementation.
 */
import {
  buildEventV2,
  FunctionUrlAuthType,
  functionUrlAllows,
  InvokeMode,
  jsonAnswer,
  preflight,
  withCorsHeaders,
  type GatewayRequest,
  type GatewayResponse,
  type HttpApiEventV2,
  type PolicyCaller,
} from '../core/index.ts';
import type { FunctionAccessApp } from './function-access.ts';
import { gatewayAnswer, invokeForFront, NOT_FOUND } from './front-invocation.ts';
import { type StreamedGatewayResponse, streamWithEvent } from './function-url-stream.ts';
import type { InvokeApp } from './invoke.ts';

export type FunctionUrlApp = FunctionAccessApp & InvokeApp;

/** Who sent the request, asked only of an AWS_IAM URL: a user (a valid SigV4 signature by their
 *  key), anonymous (none, or one that proves nobody), or `owner` when authentication is off
 *  (HANGAR_AUTH=none: every caller is everyone). */
export type UrlCaller = { kind: 'user'; userId: string } | { kind: 'anonymous' } | { kind: 'owner' };

export interface FunctionUrlCall {
  urlId: string;
  /** The request, its rawPath the path after the URL's own prefix ('/' at least). */
  request: GatewayRequest;
  /** The host name the URL was called on (requestContext.domainName). */
  domainName: string;
  /** The signature's verdict, run only for an AWS_IAM URL; `iam` fills requestContext.authorizer. */
  authenticate(): Promise<{ caller: UrlCaller; iam?: Record<string, string> }>;
  /** A user's 12-digit account id (aws/identity.ts accountIdOf). */
  accountIdOf(userId: string): string;
}

/** Lambda's answers of its own, before or instead of the function's. */
const FORBIDDEN = (): GatewayResponse => jsonAnswer(403, { Message: 'Forbidden' });

/** A RESPONSE_STREAM URL answers a streamed response as it comes (function-url-stream.ts). */
export async function serveFunctionUrl(app: FunctionUrlApp, call: FunctionUrlCall): Promise<GatewayResponse | StreamedGatewayResponse> {
  const url = await app.functionAccess.functionUrlById(call.urlId);
  if (!url) return NOT_FOUND();
  const header = (name: string) => call.request.headers.find(([n]) => n.toLowerCase() === name)?.[1];
  const cors = url.cors ?? undefined;
  const pre = preflight(cors, { method: call.request.method, header });
  if (pre) return { ...pre, body: new Uint8Array() };

  const owner = call.accountIdOf(url.userId);
  let authorizer: Record<string, unknown> | undefined;
  if (url.authType === FunctionUrlAuthType.AWS_IAM) {
    const who = await call.authenticate();
    const isOwner = who.caller.kind === 'owner' || (who.caller.kind === 'user' && who.caller.userId === url.userId);
    const caller: PolicyCaller =
      who.caller.kind === 'user'
        ? { kind: 'account', accountId: call.accountIdOf(who.caller.userId) }
        : isOwner
          ? { kind: 'account', accountId: owner }
          : { kind: 'anonymous' };
    if (!(await allowed(app, url, caller, isOwner))) return FORBIDDEN();
    if (who.iam) authorizer = { iam: who.iam };
  } else if (!(await allowed(app, url, { kind: 'anonymous' }, false))) return FORBIDDEN();

  const event = buildEventV2(call.request, {
    accountId: owner,
    apiId: url.urlId,
    domainName: call.domainName,
    stage: '$default',
    routeKey: '$default',
    authorizer,
  });
  const target = { functionName: url.functionName, qualifier: url.qualifier || undefined };
  const answer =
    url.invokeMode === InvokeMode.RESPONSE_STREAM
      ? await streamWithEvent(app, url.userId, target, event, owner)
      : await invokeWithEvent(app, url.userId, target, event, owner);
  return { ...answer, headers: withCorsHeaders(cors, header('origin'), answer.headers) };
}

/** The policy of what the URL invokes: the function's own for its URL, the alias's for an
 *  alias's URL. As on AWS, a permission's scope is its ARN: the function's policy does not open
 *  an alias (nor an alias's the function). */
async function allowed(
  app: FunctionUrlApp,
  url: { userId: string; functionName: string; qualifier: string; authType: FunctionUrlAuthType },
  caller: PolicyCaller,
  isOwner: boolean,
): Promise<boolean> {
  const policy = await app.functionAccess.getPolicy(url.userId, url.functionName, url.qualifier);
  return functionUrlAllows(url.authType, policy?.statements ?? [], caller, isOwner);
}

/**
 * Event → synchronous invoke → mapped response: the function's result as payload 2.0 maps it,
 * a failed function as 502, and the invocation's refusals as their statuses (429
 * throttled, 413 too large, 503 no worker, 404 the function is gone), never a thrown error.
 */
export async function invokeWithEvent(
  app: InvokeApp,
  userId: string,
  target: { functionName: string; qualifier?: string | undefined },
  event: HttpApiEventV2,
  accountId: string,
): Promise<GatewayResponse> {
  return gatewayAnswer(await invokeForFront(app, userId, target, event, accountId));
}
