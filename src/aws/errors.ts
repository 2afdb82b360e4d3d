/**
 * The AWS layer's errors, and the one mapping from what went wrong to the error name and status
 * an AWS client expects. Names follow AWS's common errors (Lambda's API reference lists them);
 * a service whose names differ (SQS's query heritage, say) overrides them in its adapter.
 */
import {
  Conflict,
  Forbidden,
  type HangarError,
  InvalidInput,
  NotFound,
  Throttled,
  TooLarge,
  Unauthorized,
  Unavailable,
} from '../core/errors.ts';

/** An error answered as AWS would: its AWS name (`__type`, `x-amzn-ErrorType`), status, message. */
export class AwsError extends Error {
  readonly type: string;
  readonly status: number;
  /** Whose fault: Lambda's errors say `"Type": "User"` or `"Service"`. */
  readonly fault: 'User' | 'Service';
  /** More members of the error body, where the service names them (Lambda's throttles say
   *  their `Reason`). */
  readonly fields: Record<string, string>;
  constructor(type: string, status: number, message: string, fault: 'User' | 'Service' = 'User', fields: Record<string, string> = {}) {
    super(message);
    this.type = type;
    this.status = status;
    this.fault = fault;
    this.fields = fields;
  }
}

/** Why a request's signature was refused. */
export const Refusal = {
  /** No Authorization header (nor presigned query). */
  Missing: 'missing',
  /** An Authorization header that is not a complete SigV4 one, or a required part left unsigned. */
  Incomplete: 'incomplete',
  /** No key has this access key id. */
  UnknownKey: 'unknown-key',
  /** The key was revoked. */
  Revoked: 'revoked',
  /** The key was made before keys were kept for signing: Hangar cannot check its signatures. */
  CannotSign: 'cannot-sign',
  /** The signature does not match the request. */
  Mismatch: 'mismatch',
  /** X-Amz-Date is more than 15 minutes from now. */
  Expired: 'expired',
} as const;
export type Refusal = (typeof Refusal)[keyof typeof Refusal];

/** The request's signature does not prove who sent it. */
export class SignatureRefused extends Error {
  readonly reason: Refusal;
  constructor(reason: Refusal, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** The names AWS's front end gives each refusal (Lambda, Step Functions, Kinesis...). */
export const COMMON_REFUSALS: Record<Refusal, { type: string; status: number }> = {
  missing: { type: 'MissingAuthenticationTokenException', status: 403 },
  incomplete: { type: 'IncompleteSignatureException', status: 403 },
  'unknown-key': { type: 'UnrecognizedClientException', status: 403 },
  revoked: { type: 'UnrecognizedClientException', status: 403 },
  'cannot-sign': { type: 'UnrecognizedClientException', status: 403 },
  mismatch: { type: 'InvalidSignatureException', status: 403 },
  expired: { type: 'InvalidSignatureException', status: 403 },
};

/** Kinds of domain error (src/core/errors.ts) an adapter names in its service's words. */
export type DomainErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'throttled'
  | 'unavailable'
  /** Anything else: a fault of the server's, answered without details. */
  | 'internal';

export function kindOf(err: HangarError): DomainErrorKind {
  if (err instanceof InvalidInput) return 'invalid';
  if (err instanceof Unauthorized) return 'unauthorized';
  if (err instanceof Forbidden) return 'forbidden';
  if (err instanceof NotFound) return 'not-found';
  if (err instanceof Conflict) return 'conflict';
  if (err instanceof TooLarge) return 'too-large';
  if (err instanceof Throttled) return 'throttled';
  if (err instanceof Unavailable) return 'unavailable';
  return 'internal';
}

/** AWS's common names for each kind, where a service says nothing else. */
export const COMMON_DOMAIN_ERRORS: Record<DomainErrorKind, { type: string; status: number }> = {
  invalid: { type: 'ValidationException', status: 400 },
  unauthorized: { type: 'UnrecognizedClientException', status: 403 },
  forbidden: { type: 'AccessDeniedException', status: 403 },
  'not-found': { type: 'ResourceNotFoundException', status: 404 },
  conflict: { type: 'ResourceConflictException', status: 409 },
  'too-large': { type: 'RequestEntityTooLargeException', status: 413 },
  throttled: { type: 'ThrottlingException', status: 429 },
  unavailable: { type: 'ServiceUnavailableException', status: 503 },
  internal: { type: 'InternalFailure', status: 500 },
};
