/**
 * Domain errors, named by what they mean (STYLE.md rule 7). Each carries the stable `code` the
 * API answers with (ErrorCode: these strings are part of the API and never change) and only its
 * own data. No HTTP here: each surface maps the class to its answer in one place
 * (api/problem.ts for the HTTP API). The same code can mean two things: a PROJECT_NOT_FOUND is
 * NotFound on GET /projects/{id} but InvalidInput when a submit names a missing project.
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
  // Functions (core/function.ts).
  /** A function's name, configuration, qualifier or alias is not valid as sent. */
  FunctionInvalid: 'FUNCTION_INVALID',
  /** No such function, or no such version of it. */
  FunctionNotFound: 'FUNCTION_NOT_FOUND',
  FunctionExists: 'FUNCTION_EXISTS',
  FunctionAliasNotFound: 'FUNCTION_ALIAS_NOT_FOUND',
  FunctionAliasExists: 'FUNCTION_ALIAS_EXISTS',
  /** A conditional update named a RevisionId that is no longer the current one. */
  FunctionRevisionMismatch: 'FUNCTION_REVISION_MISMATCH',
  /** PublishVersion named a CodeSha256 that is not $LATEST's. */
  FunctionCodeMismatch: 'FUNCTION_CODE_MISMATCH',
  /** A version an alias names cannot be deleted. */
  FunctionVersionInUse: 'FUNCTION_VERSION_IN_USE',
  /** An invocation over the function's reserved concurrency (0: every one). */
  FunctionThrottled: 'FUNCTION_THROTTLED',
  /** An invocation's payload is not JSON. */
  FunctionPayloadInvalid: 'FUNCTION_PAYLOAD_INVALID',
  /** No process here can run the function (no sandboxing worker in this process). */
  FunctionsUnavailable: 'FUNCTIONS_UNAVAILABLE',
  /** The function (at that qualifier) has no asynchronous invocation configuration. */
  FunctionEventConfigNotFound: 'FUNCTION_EVENT_CONFIG_NOT_FOUND',
  /** The function (at that qualifier) has no provisioned concurrency configuration. */
  FunctionProvisionedConfigNotFound: 'FUNCTION_PROVISIONED_CONFIG_NOT_FOUND',
  /** No scalable target (Application Auto Scaling) has that resource id. */
  ScalableTargetNotFound: 'SCALABLE_TARGET_NOT_FOUND',
  /** No scaling policy of the target has that name. */
  ScalingPolicyNotFound: 'SCALING_POLICY_NOT_FOUND',
  /** The function's circuit breaker is open: the invocation failed fast, nothing ran
   *  (core/circuit-breaker.ts). */
  FunctionCircuitOpen: 'FUNCTION_CIRCUIT_OPEN',
  /** The function has no circuit breaker. */
  FunctionCircuitBreakerNotFound: 'FUNCTION_CIRCUIT_BREAKER_NOT_FOUND',
  // Resource-based policies and function URLs (core/function-policy.ts, core/function-url.ts).
  /** AddPermission with a StatementId the policy already has. */
  FunctionStatementExists: 'FUNCTION_STATEMENT_EXISTS',
  /** No such statement, or no policy at all. */
  FunctionPolicyNotFound: 'FUNCTION_POLICY_NOT_FOUND',
  /** AddPermission that would take the policy past 20 KB. */
  FunctionPolicyTooLarge: 'FUNCTION_POLICY_TOO_LARGE',
  FunctionUrlExists: 'FUNCTION_URL_EXISTS',
  FunctionUrlNotFound: 'FUNCTION_URL_NOT_FOUND',
  // Layers (core/layer.ts).
  /** A layer's name, version, ARN or settings are not valid as sent. */
  LayerInvalid: 'LAYER_INVALID',
  /** No such layer version of the caller's (another user's is not found either). */
  LayerNotFound: 'LAYER_NOT_FOUND',
  // HTTP routes (core/http-api/).
  /** A route key, or an HTTP API's CORS or throttle setting, is not valid as sent. */
  HttpRouteInvalid: 'HTTP_ROUTE_INVALID',
  HttpApiInvalid: 'HTTP_API_INVALID',
  HttpApiNotFound: 'HTTP_API_NOT_FOUND',
  HttpRouteNotFound: 'HTTP_ROUTE_NOT_FOUND',
  HttpRouteExists: 'HTTP_ROUTE_EXISTS',
  /** No integration / authorizer of that id in the API (core/http-api/parts.ts). */
  HttpIntegrationNotFound: 'HTTP_INTEGRATION_NOT_FOUND',
  HttpAuthorizerNotFound: 'HTTP_AUTHORIZER_NOT_FOUND',
  /** No deployment of that id in the API (core/http-api/parts.ts). */
  HttpDeploymentNotFound: 'HTTP_DEPLOYMENT_NOT_FOUND',
  /** An integration or authorizer a route still uses cannot be deleted. */
  HttpApiPartInUse: 'HTTP_API_PART_IN_USE',
  /** No named stage of that name in the API; one of that name is there already (core/http-api/stage.ts). */
  HttpStageNotFound: 'HTTP_STAGE_NOT_FOUND',
  HttpStageExists: 'HTTP_STAGE_EXISTS',
  /** A custom domain name or API mapping is not valid as sent (core/http-api/domain.ts). */
  HttpDomainNameInvalid: 'HTTP_DOMAIN_NAME_INVALID',
  /** No custom domain name of that name of the caller's (another user's is not found either). */
  HttpDomainNameNotFound: 'HTTP_DOMAIN_NAME_NOT_FOUND',
  /** The domain name is someone's already: a name serves one user's APIs. */
  HttpDomainNameExists: 'HTTP_DOMAIN_NAME_EXISTS',
  HttpApiMappingNotFound: 'HTTP_API_MAPPING_NOT_FOUND',
  /** The domain name has a mapping of that key already. */
  HttpApiMappingExists: 'HTTP_API_MAPPING_EXISTS',
  /** An API a custom domain's mapping still names cannot be deleted (as API Gateway refuses). */
  HttpApiMapped: 'HTTP_API_MAPPED',
  // Workflows (core/workflow.ts, core/asl/).
  /** A state machine's or execution's name, type or role is not valid as sent. */
  WorkflowInvalid: 'WORKFLOW_INVALID',
  /** The definition is not valid Amazon States Language (the diagnostics say where). */
  StateMachineDefinitionInvalid: 'STATE_MACHINE_DEFINITION_INVALID',
  StateMachineNotFound: 'STATE_MACHINE_NOT_FOUND',
  /** A state machine of that name exists with another definition, type or role. */
  StateMachineExists: 'STATE_MACHINE_EXISTS',
  ExecutionNotFound: 'EXECUTION_NOT_FOUND',
  /** An execution of that name exists (ended, or running with another input). */
  ExecutionExists: 'EXECUTION_EXISTS',
  /** The execution has ended (StopExecution, a callback). */
  ExecutionNotRunning: 'EXECUTION_NOT_RUNNING',
  /** The execution cannot be redriven (core/execution-redrive.ts says why). */
  ExecutionNotRedrivable: 'EXECUTION_NOT_REDRIVABLE',
  /** No task waits on this token (never issued, already answered, or its execution ended). */
  TaskTokenNotFound: 'TASK_TOKEN_NOT_FOUND',
  /** No Map Run of that id is the user's (a Distributed Map's run). */
  MapRunNotFound: 'MAP_RUN_NOT_FOUND',
  /** No activity of that name is the user's (core/activity.ts). */
  ActivityNotFound: 'ACTIVITY_NOT_FOUND',
  // State machine versions and aliases (core/state-machine-version.ts).
  StateMachineVersionNotFound: 'STATE_MACHINE_VERSION_NOT_FOUND',
  StateMachineAliasNotFound: 'STATE_MACHINE_ALIAS_NOT_FOUND',
  /** An alias of that name exists with another description or routing. */
  StateMachineAliasExists: 'STATE_MACHINE_ALIAS_EXISTS',
  /** A publish named a revision id that is no longer the machine's current one. */
  StateMachineRevisionMismatch: 'STATE_MACHINE_REVISION_MISMATCH',
  /** A version an alias routes to cannot be deleted. */
  StateMachineVersionInUse: 'STATE_MACHINE_VERSION_IN_USE',
  /** The machine has as many versions (1,000) or aliases (100) as it may. */
  StateMachineVersionQuota: 'STATE_MACHINE_VERSION_QUOTA',
  StateMachineAliasQuota: 'STATE_MACHINE_ALIAS_QUOTA',
  // Resource tags (core/tags.ts).
  /** A tag's key or value is not one the service takes (length, characters, the `aws:` prefix). */
  TagInvalid: 'TAG_INVALID',
  /** The resource would have more tags than the service allows (50). */
  TagLimitExceeded: 'TAG_LIMIT_EXCEEDED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What every domain error may say besides its message. */
export interface ErrorOptions {
  cause?: unknown;
  /** The entry of a batch (POST /tasks/batch) the refusal is about. */
  index?: number;
}

/**
 * The base of the family. Its old constructor, `new HangarError(code, message, status, opts)`,
 * still works for the throw sites not converted yet (src/store, src/worker, src/executor).
 */
export class HangarError extends Error {
  readonly code: ErrorCode;
  /** The entry of a batch the refusal is about. */
  readonly index: number | undefined;
  /** @deprecated Old-style errors only: data chosen at the throw site ({retryAfter, taskId, index}). */
  private readonly legacyDetails: unknown;
  /** @deprecated Old-style errors only: the HTTP status chosen at the throw site. */
  readonly legacyStatus: number | undefined;

  /** @deprecated Throw one of the classes below; this signature is for unconverted sites. */
  constructor(code: ErrorCode, message: string, status?: number, opts: { cause?: unknown; details?: unknown; index?: number } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'HangarError';
    this.code = code;
    this.legacyStatus = status;
    this.legacyDetails = opts.details;
    this.index = opts.index;
  }

  /**
   * @deprecated The HTTP status the API answers this error with, for the readers of `.status`
   * that remain (store/postgres/store.ts; test/auth/cache.test.ts, test/blobs/s3.test.ts). The
   * API itself does not read it: api/problem.ts maps by class, and test/core/errors.test.ts
   * checks that the two agree.
   */
  get status(): number {
    if (this.legacyStatus !== undefined) return this.legacyStatus;
    for (let c = this.constructor; c && c !== HangarError; c = Object.getPrototypeOf(c) as typeof c) {
      const status = LEGACY_STATUS.get(c);
      if (status !== undefined) return status;
    }
    return 500;
  }

  /**
   * @deprecated The error's data as one object, for the readers of `.details` that remain
   * (the store conformance suite): an old-style error's details as given, else its own data
   * (taskId, retryAfter, index; those it has).
   */
  get details(): unknown {
    if (this.legacyDetails !== undefined) return this.legacyDetails;
    const own: { taskId?: string; retryAfter?: number; index?: number } = {};
    if (this instanceof Conflict && this.taskId !== undefined) own.taskId = this.taskId;
    if ((this instanceof Throttled || this instanceof Unavailable) && this.retryAfter !== undefined) own.retryAfter = this.retryAfter;
    if (this.index !== undefined) own.index = this.index;
    return Object.keys(own).length ? own : undefined;
  }

  /** The same refusal, naming batch entry `index`. */
  atIndex(index: number): HangarError {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as HangarError;
    Object.defineProperties(copy, Object.getOwnPropertyDescriptors(this));
    Object.defineProperty(copy, 'index', { value: index, enumerable: true });
    return copy;
  }
}

/** The request is wrong as sent (a bad value, a reference to something that is not there). */
export class InvalidInput extends HangarError {
  constructor(code: ErrorCode, message: string, opts: ErrorOptions = {}) {
    super(code, message, undefined, opts);
    this.name = 'InvalidInput';
  }
}

/** The caller is not known (no key, or a key that is not valid). */
export class Unauthorized extends HangarError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super(ErrorCode.Unauthorized, message, undefined, opts);
    this.name = 'Unauthorized';
  }
}

/** The caller is known and may not do this. */
export class Forbidden extends HangarError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super(ErrorCode.Forbidden, message, undefined, opts);
    this.name = 'Forbidden';
  }
}

/** The object does not exist, or the caller may not know that it does. */
export class NotFound extends HangarError {
  constructor(code: ErrorCode, message: string, opts: ErrorOptions = {}) {
    super(code, message, undefined, opts);
    this.name = 'NotFound';
  }
}

/** The object's state does not allow this (already finished, busy, a key used otherwise). */
export class Conflict extends HangarError {
  /** The task the conflict is about (an idempotency key's). */
  readonly taskId: string | undefined;
  constructor(code: ErrorCode, message: string, opts: ErrorOptions & { taskId?: string } = {}) {
    super(code, message, undefined, opts);
    this.name = 'Conflict';
    this.taskId = opts.taskId;
  }
}

/** The object existed and is lost for good. */
export class Gone extends HangarError {
  constructor(code: ErrorCode, message: string, opts: ErrorOptions = {}) {
    super(code, message, undefined, opts);
    this.name = 'Gone';
  }
}

/** The request is larger than allowed. */
export class TooLarge extends HangarError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super(ErrorCode.BodyTooLarge, message, undefined, opts);
    this.name = 'TooLarge';
  }
}

/** The request's body is of a kind this call does not take. */
export class UnsupportedMedia extends HangarError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super(ErrorCode.UnsupportedMediaType, message, undefined, opts);
    this.name = 'UnsupportedMedia';
  }
}

/** Too much, too fast: the same request may succeed after `retryAfter` seconds. */
export class Throttled extends HangarError {
  readonly retryAfter: number;
  constructor(code: ErrorCode, message: string, retryAfter: number, opts: ErrorOptions = {}) {
    super(code, message, undefined, opts);
    this.name = 'Throttled';
    this.retryAfter = retryAfter;
  }
}

/** Something Hangar depends on cannot be reached; nothing was done, and a retry after
 *  `retryAfter` seconds may succeed. */
export class Unavailable extends HangarError {
  readonly retryAfter: number;
  constructor(code: ErrorCode, message: string, retryAfter: number, opts: ErrorOptions = {}) {
    super(code, message, undefined, opts);
    this.name = 'Unavailable';
    this.retryAfter = retryAfter;
  }
}

/** The configuration (or the host) does not let Hangar start or do this: the operator's to fix. */
export class Misconfigured extends HangarError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super(ErrorCode.ConfigInvalid, message, undefined, opts);
    this.name = 'Misconfigured';
  }
}

/** Hangar broke its own invariant (a bug, or data lost behind its back). */
export class Internal extends HangarError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super(ErrorCode.Internal, message, undefined, opts);
    this.name = 'Internal';
  }
}

/** @deprecated See HangarError.status. */
const LEGACY_STATUS = new Map<object, number>([
  [InvalidInput, 400],
  [Unauthorized, 401],
  [Forbidden, 403],
  [NotFound, 404],
  [Conflict, 409],
  [Gone, 410],
  [TooLarge, 413],
  [UnsupportedMedia, 415],
  [Throttled, 429],
  [Unavailable, 503],
  [Misconfigured, 500],
  [Internal, 500],
]);

/** Turns anything thrown into an Error, so every catch can log `.message` safely. */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err));
}
