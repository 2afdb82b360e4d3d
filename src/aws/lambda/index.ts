/**
 * The Lambda adapter: Lambda's restJson1 API (the AWS SDK's LambdaClient) over Hangar's use
 * cases. Its operations live under dated prefixes, none of which is a native route's.
 */
import { RestRouter } from '../rest-router.ts';
import { Protocol, type AwsService } from '../service.ts';
import { getAccountSettings } from './account-settings.ts';
import type { LambdaContext } from './context.ts';

/** Every dated prefix Lambda's API uses (functions, account settings, event sources, layers,
 *  code signing, function URLs, provisioned concurrency...), so that an operation Hangar does not
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
  '/2021-10-31/',
  '/2021-11-15/',
  '/2022-03-31/',
] as const;

export function lambdaService(ctx: LambdaContext): AwsService {
  const router = new RestRouter([
    { name: 'GetAccountSettings', method: 'GET', path: '/2016-08-19/account-settings/', run: () => getAccountSettings(ctx) },
  ]);
  return {
    signingName: 'lambda',
    protocol: Protocol.RestJson1,
    pathPrefixes: LAMBDA_PATH_PREFIXES,
    domainErrors: {
      invalid: { type: 'InvalidParameterValueException', status: 400 },
      throttled: { type: 'TooManyRequestsException', status: 429 },
      unavailable: { type: 'ServiceException', status: 503 },
      internal: { type: 'ServiceException', status: 500 },
    },
    handle: (call) => router.handle(call),
  };
}
