/**
 * API Gateway v2's tag operations: TagResource, UntagResource and GetTags of
 * `/v2/tags/{resource-arn}`, over app/tags.ts. Hangar tags HTTP APIs
 * (`arn:aws:apigateway:{region}::/apis/{apiId}`) and their stages (`.../stages/{name}`, $default
 * too); API Gateway also tags domain names and VPC links, which Hangar does not tag
 * (BadRequestException naming them). Another user's API, or one of another region, is not found.
 */
import { type Taggable, taggableHttpApi, taggableHttpStage } from '../../app/index.ts';
import { httpApiErrors } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import { tagMapOf } from '../lambda/tags.ts';
import type { RestOperation } from '../rest-router.ts';
import { restTagOperations } from '../rest-tags.ts';
import type { AwsCall } from '../service.ts';
import type { ApiGatewayV2Context } from './context.ts';
import { invalid, jsonBody } from './shapes.ts';

const PATH = '/v2/tags/{resourceArn+}';

/** API Gateway's resource ARNs: no account, a path after `::`. */
const ARN = /^arn:aws[a-zA-Z-]*:apigateway:([a-z0-9-]+)::(\/.+)$/;
const API_PATH = /^\/apis\/([a-z0-9]{1,64})(?:\/stages\/([^/]{1,128}))?$/;

function taggableOf(ctx: ApiGatewayV2Context, call: AwsCall, arn: string): Taggable {
  const m = ARN.exec(arn);
  if (!m) throw invalid(`'${arn.slice(0, 256)}' is not an API Gateway resource ARN (arn:aws:apigateway:{region}::/apis/{apiId})`);
  const [, region, path] = m as unknown as [string, string, string];
  const api = API_PATH.exec(path);
  if (!api)
    throw invalid(
      `tagging '${path.slice(0, 200)}' is not supported by Hangar: it tags HTTP APIs and their stages only (/apis/{apiId}, /apis/{apiId}/stages/{name})`,
    );
  const [, apiId, stageName] = api as unknown as [string, string, string | undefined];
  if (region !== call.caller.region) throw httpApiErrors.apiNotFound(apiId);
  if (stageName !== undefined) return taggableHttpStage(ctx, userOf(call.caller), apiId, stageName);
  return taggableHttpApi(ctx, userOf(call.caller), apiId);
}

export function tagOperations(ctx: ApiGatewayV2Context): RestOperation[] {
  return restTagOperations(ctx, {
    path: PATH,
    param: 'resourceArn',
    taggable: (call, arn) => taggableOf(ctx, call, arn),
    tagsOf: (call) => tagMapOf(jsonBody(call), 'tags'),
    tagsMember: 'tags',
    tagged: { status: 201, body: {} },
    list: { name: 'GetTags', member: 'tags' },
    invalid,
  });
}
