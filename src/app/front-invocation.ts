/**
 * An HTTP front's invocation (a function URL, served buffered or streamed): the event run
 * synchronously, the invocation's refusals turned into the answers Lambda's fronts give.
 */
import { isUtf8 } from 'node:buffer';
import {
  ErrorCode,
  type GatewayResponse,
  HangarError,
  type HttpApiEventV2,
  internalServerError,
  jsonAnswer,
  mapResponseV2,
  mapStreamedWhole,
  NotFound,
  Throttled,
  TooLarge,
  Unavailable,
} from '../core/index.ts';
import type { ResponseSink } from '../functions/index.ts';
import { invokeFunction, type InvokeApp, type InvokeResult } from './invoke.ts';

export const NOT_FOUND = (): GatewayResponse => jsonAnswer(404, { Message: 'Not Found' });

/** What a front answers for an invocation's result or refusal (a refusal is its answer already). */
export function gatewayAnswer(r: InvokeResult | GatewayResponse): GatewayResponse {
  if ('statusCode' in r) return r;
  // A failed function is the gateway's fault to the caller: 502, as AWS answers.
  if (r.functionError) return jsonAnswer(502, { message: 'Internal Server Error' });
  if (r.contentType !== undefined) return mapStreamedWhole(r.contentType, r.payload);
  return mapResponseV2(r.payload.toString('utf8'), isUtf8(r.payload) ? r.payload : undefined);
}

/** The invocation of an HTTP front's event; its refusals as the answers they are. A streamed
 *  response goes to `sink` when one is given. */
export async function invokeForFront(
  app: InvokeApp,
  userId: string,
  target: { functionName: string; qualifier?: string | undefined },
  event: HttpApiEventV2,
  accountId: string,
  sink?: ResponseSink,
): Promise<InvokeResult | GatewayResponse> {
  try {
    return await invokeFunction(
      app,
      userId,
      { functionName: target.functionName, qualifier: target.qualifier, payload: Buffer.from(JSON.stringify(event)), accountId },
      sink,
    );
  } catch (err) {
    if (err instanceof Throttled) return jsonAnswer(429, { Message: 'Rate Exceeded.' });
    if (err instanceof TooLarge)
      return jsonAnswer(413, { Message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation' });
    if (err instanceof Unavailable) return jsonAnswer(503, { Message: 'Service Unavailable' });
    if (err instanceof NotFound) return NOT_FOUND();
    if (err instanceof HangarError && err.code === ErrorCode.FunctionInvalid) return internalServerError();
    throw err;
  }
}
