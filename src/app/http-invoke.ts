/**
 * A function behind an HTTP front (an HTTP API's route; a function URL): the payload 2.0 event
 * (or, on a route that asks for it, the 1.0 event)
 * goes to the owner's function through the same synchronous invocation as Lambda's Invoke
 * (invoke.ts), and the result comes back as the HTTP answer API Gateway would give
 * (core/http-api/response.ts), read by the event's own format.
 *
 * What the caller of the HTTP endpoint sees when the invocation does not give a result is
 * API Gateway's own short JSON, never Hangar's problem+json (the endpoint is the user's, not
 * Hangar's API): a function that failed, or one that is gone, is 500 Internal Server Error (the
 * integration failed; AWS says no more); over the function's reserved concurrency 429; no host
 * that runs functions 503; an event over Lambda's 6 MB 413. Any other error is a bug and is
 * thrown for the surface to log.
 */
import { isUtf8 } from 'node:buffer';
import {
  type GatewayResponse,
  HangarError,
  type HttpApiEventV1,
  type HttpApiEventV2,
  internalServerError,
  jsonAnswer,
  mapResponseV1,
  mapResponseV2,
  Throttled,
  TooLarge,
  Unavailable,
} from '../core/index.ts';
import { type InvokeApp, invokeFunction } from './invoke.ts';

export interface HttpTarget {
  functionName: string;
  /** A version number or alias; null: $LATEST. */
  qualifier: string | null;
}

/** Runs `owner`'s function for one HTTP request. The account the function sees is the event's
 *  (requestContext.accountId). */
export async function invokeForHttp(
  app: InvokeApp,
  owner: string,
  target: HttpTarget,
  event: HttpApiEventV2 | HttpApiEventV1,
): Promise<GatewayResponse> {
  let payload: Buffer;
  try {
    const r = await invokeFunction(app, owner, {
      functionName: target.functionName,
      ...(target.qualifier === null ? {} : { qualifier: target.qualifier }),
      payload: Buffer.from(JSON.stringify(event)),
      payloadIsOwnJson: true,
      accountId: event.requestContext.accountId,
    });
    if (r.functionError) return internalServerError();
    payload = r.payload;
  } catch (err) {
    const answer = gatewayAnswerFor(err);
    if (answer) return answer;
    throw err;
  }
  if (event.version === '1.0') return mapResponseV1(payload.toString('utf8'));
  // Its own bytes are the body of an inferred answer when they are the text's encoding (valid
  // UTF-8: the text has no replacement characters they lack).
  return mapResponseV2(payload.toString('utf8'), isUtf8(payload) ? payload : undefined);
}

/** API Gateway's answer for an invocation refused or failed; null for an error that is a bug. */
export function gatewayAnswerFor(err: unknown): GatewayResponse | null {
  if (err instanceof Throttled) return jsonAnswer(429, { message: 'Too Many Requests' });
  if (err instanceof Unavailable) return jsonAnswer(503, { message: 'Service Unavailable' });
  if (err instanceof TooLarge) return jsonAnswer(413, { message: 'Request Entity Too Large' });
  // The target function was deleted or renamed, its code cannot be unpacked: the integration
  // fails, as on AWS when the function is gone.
  if (err instanceof HangarError) return internalServerError();
  return null;
}
