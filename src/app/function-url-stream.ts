/**
 * A RESPONSE_STREAM function URL: a streaming function's response (awslambda.streamifyResponse)
 * answered chunked as the function writes it. A stream of HttpResponseStream.from's type starts
 * with its prelude (JSON {statusCode, headers, cookies}, then 8 zero bytes): the answer waits for
 * it and takes its status, headers and cookies; any other stream is 200 with the stream's type.
 * A function that fails mid-stream cuts the answer short (no final chunk: the client sees an
 * incomplete response, as from Lambda); one that fails before it streams, or that does not
 * stream at all, is answered as a BUFFERED URL answers. A client that reads slowly slows the
 * function (functions/stream-writer.ts); one that has gone takes nothing more.
 */
import { PassThrough, type Readable } from 'node:stream';
import {
  type GatewayResponse,
  HTTP_INTEGRATION_TYPE,
  type HttpApiEventV2,
  jsonAnswer,
  mapStreamPrelude,
  PRELUDE_DELIMITER,
} from '../core/index.ts';
import { type ResponseSink, STREAM_HIGH_WATER_BYTES, writeStreamed } from '../functions/index.ts';
import { gatewayAnswer, invokeForFront } from './front-invocation.ts';
import type { InvokeApp } from './invoke.ts';

/** An answer whose body comes as the function writes it (ended or destroyed with it). */
export interface StreamedGatewayResponse {
  statusCode: number;
  /** In order; a name may repeat (set-cookie). Names lower-case. */
  headers: Array<[string, string]>;
  stream: Readable;
}

/** A prelude longer than this before its delimiter is not one. */
const MAX_PRELUDE_BYTES = 64 * 1024;
const BAD_GATEWAY = (): GatewayResponse => jsonAnswer(502, { message: 'Internal Server Error' });

/** Settles once the answer's status and headers are known: at the stream's start (or its
 *  prelude's end), or at the invocation's end when it never streamed. */
export function streamWithEvent(
  app: InvokeApp,
  userId: string,
  target: { functionName: string; qualifier?: string | undefined },
  event: HttpApiEventV2,
  accountId: string,
): Promise<GatewayResponse | StreamedGatewayResponse> {
  return new Promise((resolve, reject) => {
    const body = new PassThrough({ highWaterMark: STREAM_HIGH_WATER_BYTES });
    let answered = false;
    /** The prelude's bytes so far, while one is awaited. */
    let prelude: Buffer | null = null;
    const answer = (a: GatewayResponse | StreamedGatewayResponse) => {
      if (answered) return;
      answered = true;
      resolve(a);
    };
    const refuse = () => {
      answer(BAD_GATEWAY());
      body.destroy();
    };
    const sink: ResponseSink = {
      start(contentType) {
        if (contentType === HTTP_INTEGRATION_TYPE) prelude = Buffer.alloc(0);
        else answer({ statusCode: 200, headers: [['content-type', contentType]], stream: body });
      },
      chunk(bytes) {
        // The client may have gone: the function runs on, its bytes go nowhere.
        if (body.destroyed) return undefined;
        if (prelude === null) return writeStreamed(body, [bytes]);
        const sofar = Buffer.concat([prelude, bytes]);
        const end = sofar.indexOf(PRELUDE_DELIMITER);
        if (end < 0) {
          if (sofar.length > MAX_PRELUDE_BYTES) refuse();
          else prelude = sofar;
          return undefined;
        }
        prelude = null;
        const head = mapStreamPrelude(sofar.subarray(0, end).toString('utf8'));
        if (!head) {
          refuse();
          return undefined;
        }
        answer({ ...head, stream: body });
        const rest = sofar.subarray(end + PRELUDE_DELIMITER.length);
        return rest.length > 0 ? writeStreamed(body, [rest]) : undefined;
      },
    };
    invokeForFront(app, userId, target, event, accountId, sink).then(
      (r) => {
        if (!answered) {
          // It never streamed (or failed first): as BUFFERED; a prelude never ended is malformed.
          answer(prelude === null ? gatewayAnswer(r) : BAD_GATEWAY());
          body.destroy();
        } else if ('statusCode' in r || r.functionError) body.destroy(new Error('the function failed mid-stream'));
        else if (!body.destroyed) body.end();
      },
      (err: unknown) => {
        if (answered) body.destroy(err instanceof Error ? err : new Error(String(err)));
        else reject(err);
      },
    );
  });
}
