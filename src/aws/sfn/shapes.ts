/**
 * Step Functions' request and response shapes (awsJson1_0): a body's fields as the API
 * reference types them, dates as epoch seconds, and the opaque nextToken of its lists. Refusals
 * of a request's shape are AWS's own names (ValidationException, InvalidToken...), chosen here
 * because no use case knows them.
 */
import { isWorkflowName } from '../../core/index.ts';
import { AwsError } from '../errors.ts';
import type { AwsCall } from '../service.ts';

export const validation = (message: string) => new AwsError('ValidationException', 400, message);

/** The HTTP status of each Step Functions error, as AWS's API model gives it (its `httpError`):
 *  ConflictException 409, ResourceNotFound 404, ServiceQuotaExceededException 402; every other
 *  one (ExecutionDoesNotExist, ExecutionLimitExceeded, ActivityWorkerLimitExceeded...) 400. */
const SFN_STATUS: Readonly<Record<string, number>> = {
  ConflictException: 409,
  ResourceNotFound: 404,
  ServiceQuotaExceededException: 402,
};

export const sfnStatus = (type: string): number => SFN_STATUS[type] ?? 400;

/** A Step Functions error of this name, with its status. */
export const sfnError = (type: string, message: string, fields: Record<string, string> = {}) =>
  new AwsError(type, sfnStatus(type), message, 'User', fields);

/** The request body as an object (an empty body is `{}`). */
export function jsonBody(call: AwsCall): Record<string, unknown> {
  if (call.body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(call.body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 400, 'The request body is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new AwsError('SerializationException', 400, 'The request body must be a JSON object');
  return v as Record<string, unknown>;
}

/** Typed reads of optional fields: absent (or null) is undefined, a wrong type or length is refused naming the field. */
export const field = {
  string(o: Record<string, unknown>, name: string, max = Number.POSITIVE_INFINITY): string | undefined {
    const v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw validation(`${name} must be a string`);
    if (v.length > max) throw validation(`${name} is at most ${max} characters`);
    return v;
  },
  required(o: Record<string, unknown>, name: string, max?: number): string {
    const v = field.string(o, name, max);
    if (v === undefined) throw new AwsError('MissingRequiredParameter', 400, `${name} is required`);
    return v;
  },
  integer(o: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
    const v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw validation(`${name} must be a whole number from ${min} to ${max}`);
    return v;
  },
  boolean(o: Record<string, unknown>, name: string): boolean | undefined {
    const v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw validation(`${name} must be true or false`);
    return v;
  },
};

/** A state machine's or execution's name, refused with AWS's InvalidName. */
export function nameOf(value: string | undefined, what: 'state machine' | 'execution' | 'alias' | 'activity'): string | undefined {
  if (value !== undefined && !isWorkflowName(value))
    throw new AwsError(
      'InvalidName',
      400,
      `Invalid Name: '${String(value).slice(0, 100)}' (a ${what} name is 1 to 80 characters, without whitespace, brackets, wildcards or special characters)`,
    );
  return value;
}

/** JSON text given as an execution's input or a task's output: refused with `errorName` when it is not JSON. */
export function jsonText(value: string | undefined, errorName: 'InvalidExecutionInput' | 'InvalidOutput', max: number): string | undefined {
  if (value === undefined) return undefined;
  if (Buffer.byteLength(value) > max)
    throw new AwsError(errorName, 400, `The ${errorName === 'InvalidOutput' ? 'output' : 'input'} is over ${max} bytes`);
  try {
    JSON.parse(value);
  } catch {
    throw new AwsError(
      errorName,
      400,
      `Invalid ${errorName === 'InvalidOutput' ? 'Output' : 'Input'}: ${JSON.stringify(value.slice(0, 100))} is not JSON`,
    );
  }
  return value;
}

/** awsJson's timestamps: epoch seconds, fractions for the milliseconds. */
export const date = (ms: number): number => ms / 1000;

/** maxResults: 1 to 1000; 0 or none is the default (100), as AWS. */
export function pageSizeOf(body: Record<string, unknown>): number {
  const n = field.integer(body, 'maxResults', 0, 1000);
  return n === undefined || n === 0 ? 100 : n;
}

/** The opaque nextToken: where the next page starts (the last name or id of this one), for one
 *  operation. A token from elsewhere, or edited, is refused with InvalidToken. */
export const pageToken = {
  write(operation: string, after: string | number): string {
    return Buffer.from(JSON.stringify({ o: operation, a: after })).toString('base64url');
  },
  read<T extends string | number>(operation: string, token: string | undefined, kind: 'string' | 'number'): T | undefined {
    if (token === undefined) return undefined;
    let v: unknown;
    try {
      v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      v = null;
    }
    const o = v as { o?: unknown; a?: unknown } | null;
    if (!o || typeof o !== 'object' || o.o !== operation || typeof o.a !== kind)
      throw new AwsError('InvalidToken', 400, `Invalid Token: '${token.slice(0, 100)}'`);
    return o.a as T;
  },
};

/**
 * A page of `size` from a store read of up to `size + 1` (so that a full last page gives no
 * token), or of `size` when that is the largest page (then a full page always gives one).
 */
export async function paged<T, K extends string | number>(
  size: number,
  read: (limit: number) => Promise<T[]>,
  keyOf: (item: T) => K,
  operation: string,
  max: number,
): Promise<{ items: T[]; nextToken?: string }> {
  const rows = await read(Math.min(size + 1, max));
  const items = rows.slice(0, size);
  const more = rows.length > size || (rows.length === size && size === max);
  return more && items.length > 0 ? { items, nextToken: pageToken.write(operation, keyOf(items[items.length - 1])) } : { items };
}
