/**
 * The HangarError family: every operational error carries a stable code and the HTTP
 * status the API answers with. `api/problem.ts` turns them into application/problem+json.
 */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  TaskNotFound: 'TASK_NOT_FOUND',
  IdempotencyConflict: 'IDEMPOTENCY_CONFLICT',
  TaskNotCancellable: 'TASK_NOT_CANCELLABLE',
  TaskNotDeadLettered: 'TASK_NOT_DEAD_LETTERED',
  LogNotFound: 'LOG_NOT_FOUND',
  /** A log that was stored is gone from the blob store (410). */
  LogUnavailable: 'LOG_UNAVAILABLE',
  BodyTooLarge: 'BODY_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  NotFound: 'NOT_FOUND',
  InvalidCursor: 'INVALID_CURSOR',
  ConfigInvalid: 'CONFIG_INVALID',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  RateLimited: 'RATE_LIMITED',
  QuotaExceeded: 'QUOTA_EXCEEDED',
  KeyNotFound: 'KEY_NOT_FOUND',
  SecretNotFound: 'SECRET_NOT_FOUND',
  ProjectNotFound: 'PROJECT_NOT_FOUND',
  ProjectBusy: 'PROJECT_BUSY',
  StoreUnavailable: 'STORE_UNAVAILABLE',
  BlobStoreUnavailable: 'BLOB_STORE_UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class HangarError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, status = 500, opts: { cause?: unknown; details?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'HangarError';
    this.code = code;
    this.status = status;
    this.details = opts.details;
  }
}

/** Turns anything thrown into an Error, so every catch can log `.message` safely. */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err));
}
