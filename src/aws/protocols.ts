/** How each protocol writes an answer and an error (the AWS SDK's deserialisers read these). */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { AwsError } from './errors.ts';
import { Protocol, type AwsReply } from './service.ts';

const JSON_TYPES: Record<Protocol, string> = {
  restJson1: 'application/json',
  awsJson1_0: 'application/x-amz-json-1.0',
  awsJson1_1: 'application/x-amz-json-1.1',
};

export function sendReply(reply: FastifyReply, protocol: Protocol, r: AwsReply): FastifyReply {
  reply.code(r.status);
  for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
  if (r.body === undefined) return reply.send();
  // Bytes, or a stream of them (an event stream: Lambda's InvokeWithResponseStream).
  if (Buffer.isBuffer(r.body) || r.body instanceof Readable) return reply.send(r.body);
  return reply.type(JSON_TYPES[protocol]).send(JSON.stringify(r.body));
}

/**
 * restJson1 names the error in `x-amzn-ErrorType` and says `{"message"}` (Lambda's own errors add
 * `"Type": "User" | "Service"`; the front end's refusals of a signature do not). awsJson names it
 * in the body's `__type`, beside the members its error shape has (Step Functions' ResourceNotFound
 * and TooManyTags name the `resourceName`).
 */
export function sendError(reply: FastifyReply, protocol: Protocol, err: AwsError, opts: { signature: boolean }): FastifyReply {
  reply.code(err.status);
  if (protocol === Protocol.RestJson1) {
    reply.header('x-amzn-errortype', err.type);
    const body = opts.signature ? { message: err.message } : { ...err.fields, Type: err.fault, message: err.message };
    return reply.type(JSON_TYPES[protocol]).send(JSON.stringify(body));
  }
  return reply.type(JSON_TYPES[protocol]).send(JSON.stringify({ ...err.fields, __type: err.type, message: err.message }));
}
