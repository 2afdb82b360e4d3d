/**
 * What a service adapter is: one AWS service (by its SigV4 signing name) spoken in one protocol,
 * over the same use cases (src/app) the native API calls. Lambda is the first; Step Functions,
 * SQS, Kinesis and EventBridge Scheduler are each one more adapter in services.ts.
 */
import type { Principal } from '../auth/index.ts';
import type { ErrorCode } from '../core/index.ts';
import type { DomainErrorKind, Refusal } from './errors.ts';

/**
 * The wire protocols (Smithy's names). restJson1: operations by method and path, errors named
 * in the `x-amzn-ErrorType` header (Lambda, API Gateway, Scheduler). awsJson1_0 / awsJson1_1:
 * every operation a POST to `/` named by `X-Amz-Target: <prefix>.<Operation>`, errors as
 * `{"__type": ..., "message": ...}` (Step Functions, SQS and DynamoDB 1.0; Kinesis 1.1).
 */
export const Protocol = { RestJson1: 'restJson1', AwsJson1_0: 'awsJson1_0', AwsJson1_1: 'awsJson1_1' } as const;
export type Protocol = (typeof Protocol)[keyof typeof Protocol];

/** Who is calling, as the adapters see it: the Hangar identity (so the use cases' tenancy
 *  applies unchanged) and its AWS names. */
export interface AwsCaller {
  principal: Principal;
  /** The caller's 12-digit account id (identity.ts). */
  accountId: string;
  region: string;
}

/** One request, authenticated. */
export interface AwsCall {
  method: string;
  /** The path, percent-decoded per segment by the adapter's router; here as sent. */
  rawPath: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** The body's bytes (empty when there was none). */
  body: Buffer;
  caller: AwsCaller;
  /** The adapter names the operation as soon as it knows it (the audit log's action). */
  named(operation: string, audited?: boolean): void;
  /** Aborts when the client goes away before its answer is sent (a long poll stops waiting). */
  signal?: AbortSignal;
}

export interface AwsReply {
  status: number;
  /** Serialised as JSON, or sent as is when bytes or a stream of them (a Readable). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface AwsService {
  /** The SigV4 credential scope's service: `lambda`, `states`, `sqs`, `kinesis`, `scheduler`. */
  signingName: string;
  protocol: Protocol;
  /** restJson1: the path prefixes its operations live under (`/2015-03-31/`). Must not be a
   *  native route's (the API's routes are /tasks, /keys, /me, ...; AWS's are dated). */
  pathPrefixes?: readonly string[];
  /** awsJson: the X-Amz-Target prefix before the operation name (`AWSStepFunctions`). */
  targetPrefix?: string;
  /** Refusal names where the service's differ from AWS's common ones (errors.ts). */
  refusals?: Partial<Record<Refusal, { type: string; status: number }>>;
  /** Domain error names where the service's differ from the common ones. */
  domainErrors?: Partial<Record<DomainErrorKind, { type: string; status: number }>>;
  /** Names of particular domain errors (by code), where the service tells them apart from
   *  the rest of their kind (Lambda: a stale RevisionId is PreconditionFailedException, 412,
   *  not a ResourceConflictException). */
  errorCodes?: Partial<Record<ErrorCode, { type: string; status: number; fields?: Record<string, string> }>>;
  /** The largest request body its operations take, bytes, when more than the API's
   *  (HANGAR_BODY_LIMIT): Lambda's ZipFile is up to 50 MB of zip as base64 in JSON, a Step
   *  Functions definition 1 MiB as a JSON string. */
  bodyLimit?: number;
  /** Runs the operation the call names; an unknown one throws AwsError (UnknownOperation...). */
  handle(call: AwsCall): Promise<AwsReply>;
}
