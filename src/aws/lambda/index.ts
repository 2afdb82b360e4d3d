/**
 * The Lambda adapter: Lambda's restJson1 API (the AWS SDK's LambdaClient) over Hangar's use
 * cases. Its operations live under dated prefixes, none of which is a native route's.
 */
import { AccountDirectory, MAX_ZIP_BYTES } from '../../app/index.ts';
import { ErrorCode } from '../../core/index.ts';
import { accountIdOf } from '../identity.ts';
import { RestRouter } from '../rest-router.ts';
import { Protocol, type AwsService } from '../service.ts';
import { getAccountSettings } from './account-settings.ts';
import type { LambdaContext } from './context.ts';
import { eventInvokeConfigOperations } from './event-invoke-config.ts';
import { functionSettingOperations } from './function-settings.ts';
import { functionOperations } from './functions.ts';
import { invokeOperation } from './invoke.ts';
import { invokeStreamOperation } from './invoke-stream.ts';
import { layerOperations } from './layers.ts';
import { policyOperations } from './policy.ts';
import { provisionedOperations } from './provisioned.ts';
import { tagOperations } from './tags.ts';
import { urlOperations } from './urls.ts';
import { versionOperations } from './versions.ts';

/** Lambda takes a ZipFile of up to 50 MB; base64 makes that 4/3 as many bytes, and the rest of
 *  the JSON (configuration, a 4 KB environment) fits in the 1 MB added. */
export const LAMBDA_BODY_LIMIT = Math.ceil((MAX_ZIP_BYTES * 4) / 3) + 1024 * 1024;

/** Every dated prefix Lambda's API uses (functions, account settings, event sources, layers,
 *  code signing, runtime management, function URLs, provisioned concurrency, recursion...), so that an operation Hangar does not
 *  have yet answers Lambda's UnknownOperationException rather than a native 404. */
export const LAMBDA_PATH_PREFIXES = [
  '/2014-11-13/',
  '/2015-03-31/',
  '/2016-08-19/',
  '/2017-03-31/',
  '/2017-10-31/',
  '/2018-10-31/',
  '/2019-09-25/',
  '/2019-09-30/',
  '/2020-04-22/',
  '/2020-06-30/',
  '/2021-07-20/',
  '/2021-10-31/',
  '/2021-11-15/',
  '/2022-03-31/',
  '/2024-08-31/',
] as const;

export function lambdaService(ctx: LambdaContext): AwsService {
  // Who another account's ARN belongs to (Invoke and reads across accounts).
  const accounts = new AccountDirectory({ keys: ctx.store, accountOf: accountIdOf });
  const router = new RestRouter([
    { name: 'GetAccountSettings', method: 'GET', path: '/2016-08-19/account-settings/', run: (call) => getAccountSettings(ctx, call) },
    ...functionOperations(ctx, accounts),
    ...functionSettingOperations(ctx),
    ...versionOperations(ctx),
    ...eventInvokeConfigOperations(ctx),
    invokeOperation(ctx, accounts),
    invokeStreamOperation(ctx, accounts),
    ...policyOperations(ctx),
    ...urlOperations(ctx),
    ...provisionedOperations(ctx),
    ...tagOperations(ctx),
    ...layerOperations(ctx, accounts),
  ]);
  return {
    signingName: 'lambda',
    protocol: Protocol.RestJson1,
    pathPrefixes: LAMBDA_PATH_PREFIXES,
    bodyLimit: LAMBDA_BODY_LIMIT,
    domainErrors: {
      invalid: { type: 'InvalidParameterValueException', status: 400 },
      'too-large': { type: 'RequestTooLargeException', status: 413 },
      throttled: { type: 'TooManyRequestsException', status: 429 },
      unavailable: { type: 'ServiceException', status: 503 },
      internal: { type: 'ServiceException', status: 500 },
    },
    errorCodes: {
      [ErrorCode.FunctionRevisionMismatch]: { type: 'PreconditionFailedException', status: 412 },
      [ErrorCode.FunctionVersionInUse]: { type: 'ResourceConflictException', status: 409 },
      // AddPermission and AddLayerVersionPermission past the 20 KB a policy may hold.
      [ErrorCode.FunctionPolicyTooLarge]: { type: 'PolicyLengthExceededException', status: 400 },
      // Lambda refuses a PublishVersion whose CodeSha256 is not $LATEST's as a bad parameter.
      [ErrorCode.FunctionCodeMismatch]: { type: 'InvalidParameterValueException', status: 400 },
      [ErrorCode.FunctionProvisionedConfigNotFound]: { type: 'ProvisionedConcurrencyConfigNotFoundException', status: 404 },
      [ErrorCode.FunctionPayloadInvalid]: { type: 'InvalidRequestContentException', status: 400 },
      // An open circuit breaker (Hangar's own, core/circuit-breaker.ts): Lambda's modeled
      // ServiceException, so every SDK knows it, 503 with Retry-After (the seconds to the probe),
      // and a Reason that tells it from Lambda's own service faults.
      [ErrorCode.FunctionCircuitOpen]: { type: 'ServiceException', status: 503, fields: { Reason: 'CircuitBreakerOpen' } },
      // Lambda's throttle of a function at its reserved concurrency says so in its Reason.
      [ErrorCode.FunctionThrottled]: {
        type: 'TooManyRequestsException',
        status: 429,
        fields: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
      },
    },
    handle: (call) => router.handle(call),
  };
}
