/**
 * API Gateway v2's tag operations: TagResource, UntagResource and GetTags of
 * `/v2/tags/{resource-arn}`, over app/tags.ts. Hangar tags HTTP APIs
 * (`arn:aws:apigateway:{region}::/apis/{apiId}`); API Gateway also tags stages, domain names and
 * VPC links, which Hangar does not model (BadRequestException naming them). Another user's API,
 * or one of another region, is not found.
 */
import { listTags, type Taggable, taggableHttpApi, tagResource, untagResource } from '../../app/index.ts';
import { httpApiErrors } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import { tagMapOf } from '../lambda/tags.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall } from '../service.ts';
import type { ApiGatewayV2Context } from './context.ts';
import { invalid, jsonBody } from './shapes.ts';

const PATH = '/v2/tags/{resourceArn+}';

/** API Gateway's resource ARNs: no account, a path after `::`. */
const ARN = /^arn:aws[a-zA-Z-]*:apigateway:([a-z0-9-]+)::(\/.+)$/;
const API_PATH = /^\/apis\/([a-z0-9]{1,64})$/;

function taggableOf(ctx: ApiGatewayV2Context, call: AwsCall, arn: string): Taggable {
  const m = ARN.exec(arn);
  if (!m) throw invalid(`'${arn.slice(0, 256)}' is not an API Gateway resource ARN (arn:aws:apigateway:{region}::/apis/{apiId})`);
  const [, region, path] = m as unknown as [string, string, string];
  const api = API_PATH.exec(path);
  if (!api) throw invalid(`tagging '${path.slice(0, 200)}' is not supported by Hangar: it tags HTTP APIs only (/apis/{apiId})`);
  const apiId = api[1] as string;
  if (region !== call.caller.region) throw httpApiErrors.apiNotFound(apiId);
  return taggableHttpApi(ctx, userOf(call.caller), apiId);
}

export function tagOperations(ctx: ApiGatewayV2Context): RestOperation[] {
  return [
    {
      name: 'TagResource',
      method: 'POST',
      path: PATH,
      async run(call, params) {
        const tags = tagMapOf(jsonBody(call), 'tags');
        if (!tags) throw invalid('tags is required: a map of tag keys to values');
        await tagResource(ctx, userOf(call.caller), taggableOf(ctx, call, params.resourceArn as string), tags);
        return { status: 201, body: {} };
      },
    },
    {
      name: 'UntagResource',
      method: 'DELETE',
      path: PATH,
      async run(call, params) {
        const keys = call.query.getAll('tagKeys');
        if (keys.length === 0) throw invalid('tagKeys is required: the keys of the tags to remove');
        await untagResource(ctx, userOf(call.caller), taggableOf(ctx, call, params.resourceArn as string), keys);
        return { status: 204 };
      },
    },
    {
      name: 'GetTags',
      method: 'GET',
      path: PATH,
      async run(call, params) {
        const tags = await listTags(ctx, userOf(call.caller), taggableOf(ctx, call, params.resourceArn as string));
        return { status: 200, body: { tags } };
      },
    },
  ];
}
