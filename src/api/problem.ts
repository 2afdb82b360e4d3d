/** The one place errors become application/problem+json (RFC 9457). No input yields a 5xx:
 *  anything not recognised as the client's fault is logged and answered 500 without details;
 *  a database that cannot be reached is 503 with Retry-After (nothing was accepted). */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AuthError } from '../auth/index.ts';
import {
  Conflict,
  ErrorCode,
  Forbidden,
  Gone,
  HangarError,
  Internal,
  InvalidInput,
  Misconfigured,
  NotFound,
  Throttled,
  TooLarge,
  Unauthorized,
  Unavailable,
  UnsupportedMedia,
} from '../core/errors.ts';
import { InvalidDefinition } from '../core/workflow.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Media types the route's body may have, named by a 415 (default: application/json). */
    bodyTypes?: readonly string[];
    /** The body field holding a batch's entries: a validation error inside one names it (`index`). */
    batchOf?: string;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
  /** The task a conflict is about (409 IDEMPOTENCY_CONFLICT). */
  taskId?: string;
  /** The entry of a batch (POST /tasks/batch) that was refused. */
  index?: number;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
  500: 'Internal Server Error',
};

export function problem(status: number, code: string, detail: string, errors?: ProblemBody['errors']): ProblemBody {
  return {
    type: `urn:hangar:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(JSON.stringify(body));
}

/** Fastify's own client-error codes we translate to stable Hangar codes. */
const FASTIFY_CODES: Record<string, { status: number; code: ErrorCode }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: ErrorCode.BodyTooLarge },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: ErrorCode.ValidationFailed },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: ErrorCode.ValidationFailed },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: ErrorCode.ValidationFailed },
};

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors = err.validation.map((v) => ({
      path: [
        err.validationContext,
        ...String(v.instancePath ?? '')
          .split('/')
          .filter(Boolean),
      ].join('.'),
      message: v.message ?? 'invalid',
    }));
    // No body at all: the schema's "expected object, received null" said nothing of what to send.
    if (err.validationContext === 'body' && req.body == null) {
      return sendProblem(reply, problem(400, ErrorCode.ValidationFailed, `the request has no body: send ${bodyWanted(req)}`, errors));
    }
    const index = entryIndex(
      req,
      err.validationContext,
      err.validation.map((v) => String(v.instancePath ?? '')),
    );
    return sendProblem(reply, {
      ...problem(400, ErrorCode.ValidationFailed, errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors),
      ...(index !== undefined ? { index } : {}),
    });
  }
  if (err instanceof HangarError) {
    const status = statusOf(err);
    if (status < 500 || status === 503) {
      if (err instanceof AuthError) reply.header('www-authenticate', err.challenge);
      const { retryAfter, taskId, index } = dataOf(err);
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
      return sendProblem(reply, {
        ...problem(status, err.code, err.message, err instanceof InvalidDefinition ? diagnosticsOf(err) : undefined),
        ...(typeof taskId === 'string' ? { taskId } : {}),
        ...(typeof index === 'number' ? { index } : {}),
      });
    }
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return sendProblem(reply, problem(415, ErrorCode.UnsupportedMediaType, mediaTypeHint(req)));
  const known = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (known) return sendProblem(reply, problem(known.status, known.code, err.message));
  if (err instanceof SyntaxError || (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500)) {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
    return sendProblem(reply, problem(status, ErrorCode.ValidationFailed, err.message));
  }
  req.log.error({ err }, 'request failed');
  return sendProblem(reply, problem(500, ErrorCode.Internal, 'internal error; see the server log'));
}

/** An invalid definition's diagnostics, each where in the definition it is (a JSON pointer). */
function diagnosticsOf(err: InvalidDefinition): ProblemBody['errors'] {
  return err.diagnostics.map((d) => ({ path: d.location || '/', message: `${d.code}: ${d.message}` }));
}

/** The status each kind of domain error is answered with: the API's one mapping (core/errors.ts
 *  says what an error means, never how a surface answers it). */
export function statusOf(err: HangarError): number {
  if (err instanceof InvalidInput) return 400;
  if (err instanceof Unauthorized) return 401;
  if (err instanceof Forbidden) return 403;
  if (err instanceof NotFound) return 404;
  if (err instanceof Conflict) return 409;
  if (err instanceof Gone) return 410;
  if (err instanceof TooLarge) return 413;
  if (err instanceof UnsupportedMedia) return 415;
  if (err instanceof Throttled) return 429;
  if (err instanceof Unavailable) return 503;
  if (err instanceof Misconfigured || err instanceof Internal) return 500;
  // An old-style error (src/store, src/worker, src/executor until they are converted).
  return err.legacyStatus ?? 500;
}

/** What a problem body and its headers say besides the code: the error's own data, or an
 *  old-style error's details. */
function dataOf(err: HangarError): { retryAfter?: number; taskId?: unknown; index?: unknown } {
  const legacy = (err.details ?? {}) as { retryAfter?: number; taskId?: unknown; index?: unknown };
  return {
    retryAfter: err instanceof Throttled || err instanceof Unavailable ? err.retryAfter : legacy.retryAfter,
    taskId: err instanceof Conflict ? err.taskId : legacy.taskId,
    index: err.index ?? legacy.index,
  };
}

/** What to send instead: Fastify's own 415 says only "Unsupported Media Type", and a POST
 *  without a Content-Type (curl -d sends a form type; some clients send none) left users guessing. */
function mediaTypeHint(req: FastifyRequest): string {
  const sent = req.headers['content-type'];
  const got = sent ? `Content-Type ${sent.split(';')[0].trim()} is not accepted` : 'the request has no Content-Type';
  return `${got}: send ${bodyWanted(req)}`;
}

/** "a JSON body with Content-Type: application/json", or the route's own media types. */
function bodyWanted(req: FastifyRequest): string {
  const types = req.routeOptions.config?.bodyTypes ?? ['application/json'];
  const want = types.length === 1 ? `Content-Type: ${types[0]}` : `a Content-Type of ${types.join(', ')}`;
  const what = types.includes('application/json') ? 'a JSON body' : 'the body';
  return `${what} with ${want}`;
}

/** The batch entry the first failing path lies in (`/tasks/3/priority` → 3), on a route whose
 *  body is a batch, so a refused batch names its entry as every other refusal of it does. */
function entryIndex(req: FastifyRequest, context: string | undefined, paths: string[]): number | undefined {
  const field = req.routeOptions.config?.batchOf;
  if (!field || context !== 'body') return undefined;
  const indexes = paths
    .map((p) => p.split('/'))
    .filter(([, f, i]) => f === field && /^\d+$/.test(i ?? ''))
    .map(([, , i]) => Number(i));
  return indexes.length > 0 ? Math.min(...indexes) : undefined;
}
