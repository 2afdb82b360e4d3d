/**
 * Lambda's tag operations (API version 2017-03-31): TagResource, UntagResource and ListTags of
 * `/2017-03-31/tags/{ARN}`, over app/tags.ts. Lambda tags functions, code signing configs and
 * event source mappings by ARN. A function's tags are the function's: its unqualified ARN names
 * it, and a version's or alias's ARN is refused, as Lambda refuses it. Hangar has no code
 * signing configs or event source mappings, so theirs name nothing (ResourceNotFoundException,
 * Lambda's answer for one that is not there), as does another account's or region's ARN.
 */
import { type Taggable, taggableFunction } from '../../app/index.ts';
import { ErrorCode, functionErrors, InvalidInput, NotFound, type TagMap } from '../../core/index.ts';
import type { RestOperation } from '../rest-router.ts';
import { restTagOperations } from '../rest-tags.ts';
import type { AwsCall } from '../service.ts';
import { type LambdaContext, userOf } from './context.ts';
import { field, jsonBody } from './shapes.ts';

const PATH = '/2017-03-31/tags/{ARN}';

/** Lambda's taggable ARNs (its API reference's pattern, loosened to any region name). */
const TAGGABLE_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):(function|code-signing-config|event-source-mapping|capacity-provider):(.+)$/;

const invalid = (message: string) => new InvalidInput(ErrorCode.FunctionInvalid, message);

/** The resource an ARN names, as the caller's Taggable. */
function taggableOf(ctx: LambdaContext, call: AwsCall, arn: string): Taggable {
  const m = TAGGABLE_ARN.exec(arn);
  if (!m) throw invalid(`'${arn.slice(0, 256)}' is not the ARN of a function, code signing config or event source mapping`);
  const [, region, account, type, rest] = m;
  if (type !== 'function') throw new NotFound(ErrorCode.NotFound, `${type} not found: ${arn.slice(0, 256)}`);
  const [name, qualifier] = rest.split(':');
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name) || rest.split(':').length > 2) throw invalid(`'${arn.slice(0, 256)}' is not a function's ARN`);
  if (qualifier !== undefined)
    throw invalid("Tags are not supported on a function's versions or aliases: name the function by its unqualified ARN");
  if (account !== call.caller.accountId || region !== call.caller.region) throw functionErrors.notFound(name);
  return taggableFunction(ctx, userOf(call.caller), name);
}

/** A Tags map of the request: string values only. */
export function tagMapOf(body: Record<string, unknown>, name = 'Tags'): TagMap | undefined {
  const tags = field.object(body, name);
  if (!tags) return undefined;
  for (const [k, v] of Object.entries(tags)) if (typeof v !== 'string') throw invalid(`${name}.${k} must be a string`);
  return tags as TagMap;
}

export function tagOperations(ctx: LambdaContext): RestOperation[] {
  return restTagOperations(ctx, {
    path: PATH,
    param: 'ARN',
    taggable: (call, arn) => taggableOf(ctx, call, arn),
    tagsOf: (call) => tagMapOf(jsonBody(call)),
    tagsMember: 'Tags',
    tagged: { status: 204 },
    list: { name: 'ListTags', member: 'Tags' },
    invalid,
  });
}
