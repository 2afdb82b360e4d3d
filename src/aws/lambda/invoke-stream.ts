/**
 * Lambda's InvokeWithResponseStream (POST /2021-11-15/functions/{FunctionName}/response-
 * streaming-invocations): the answer is an event stream (application/vnd.amazon.eventstream,
 * ../eventstream.ts) of PayloadChunk events, one per piece the function streams as it streams
 * it, then one InvokeComplete {ErrorCode, ErrorDetails, LogResult}. A function that does not
 * stream (no awslambda.streamifyResponse) has its payload in one PayloadChunk. A function's
 * failure, before or mid-stream, is the InvokeComplete's ErrorCode (the error's type:
 * `Error`, `Sandbox.Timedout`...) and ErrorDetails (its message), the answer still 200, as
 * Lambda; a refusal before anything ran (no such function, bad input, throttled) is the usual
 * error answer. DryRun answers 204. LogType Tail puts the log's last 4 KB in LogResult. A caller
 * that reads slowly slows the function (functions/stream-writer.ts); one that has gone takes
 * nothing more while the function runs on.
 */
import { PassThrough } from 'node:stream';
import { type AccountDirectory, InvocationType, type InvokeResult, invokeFunction } from '../../app/index.ts';
import { ErrorCode, InvalidInput } from '../../core/index.ts';
import { STREAM_HIGH_WATER_BYTES, writeStreamed } from '../../functions/index.ts';
import { eventMessage } from '../eventstream.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsReply } from '../service.ts';
import type { LambdaContext } from './context.ts';
import { invokeInputOf } from './invoke.ts';

const payloadChunk = (bytes: Uint8Array) => eventMessage('PayloadChunk', 'application/octet-stream', bytes);

/** The last event: how the invocation ended. */
function invokeComplete(r: InvokeResult): Buffer {
  const fields: Record<string, string> = {};
  if (r.functionError) {
    fields.ErrorCode = r.errorType ?? 'Unhandled';
    fields.ErrorDetails = errorMessageOf(r.payload);
  }
  if (r.logTail !== undefined) fields.LogResult = r.logTail;
  return eventMessage('InvokeComplete', 'application/json', Buffer.from(JSON.stringify(fields)));
}

/** The error document's errorMessage, or the document as text when it has none. */
function errorMessageOf(doc: Buffer): string {
  try {
    const m = (JSON.parse(doc.toString('utf8')) as { errorMessage?: unknown }).errorMessage;
    if (typeof m === 'string') return m;
  } catch {
    // Not JSON: as it is.
  }
  return doc.toString('utf8');
}

export function invokeStreamOperation(ctx: LambdaContext, accounts: AccountDirectory): RestOperation {
  return {
    name: 'InvokeWithResponseStream',
    method: 'POST',
    audited: false,
    path: '/2021-11-15/functions/{FunctionName}/response-streaming-invocations',
    async run(call, params): Promise<AwsReply> {
      const { userId, input } = await invokeInputOf(ctx, accounts, call, params.FunctionName);
      if (input.type === InvocationType.Event)
        throw new InvalidInput(ErrorCode.FunctionInvalid, 'InvocationType must be RequestResponse or DryRun for InvokeWithResponseStream');
      const events = new PassThrough({ highWaterMark: STREAM_HIGH_WATER_BYTES });
      let executedVersion = '';
      let started: () => void = () => {};
      const streaming = new Promise<null>((resolve) => {
        started = () => resolve(null);
      });
      const ran = invokeFunction(ctx, userId, input, {
        version: (v) => {
          executedVersion = v;
        },
        start: () => started(),
        chunk: (bytes) => writeStreamed(events, [payloadChunk(bytes)]),
      });
      const finish = (r: InvokeResult) => {
        if (!r.functionError && r.payload.length > 0) events.write(payloadChunk(r.payload));
        events.end(invokeComplete(r));
      };
      // Answered once the function streams, or once it has ended without: a refusal before it
      // ran is thrown here, answered as Lambda's error.
      const ended = await Promise.race([streaming, ran]);
      if (ended?.kind === 'dry-run') return { status: 204, headers: { 'x-amz-executed-version': ended.executedVersion } };
      if (ended) finish(ended);
      else ran.then(finish, (err: unknown) => events.destroy(err instanceof Error ? err : new Error(String(err))));
      return {
        status: 200,
        headers: { 'content-type': 'application/vnd.amazon.eventstream', 'x-amz-executed-version': executedVersion },
        body: events,
      };
    },
  };
}
