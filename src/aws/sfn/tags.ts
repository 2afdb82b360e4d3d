/**
 * Step Functions' tag operations: TagResource, UntagResource and ListTagsForResource of a state
 * machine's or an activity's ARN, over app/tags.ts, and CreateStateMachine's and CreateActivity's
 * `tags`. Tags are a list of `{key, value}` here. Another account's ARN names nothing
 * (ResourceNotFound), as does a version's or an alias's; an ARN of anything else is refused
 * (InvalidArn). The
 * misses and the limit are answered with the ARN as `resourceName`, as Step Functions does.
 */
import { listTags, type Taggable, taggableActivity, taggableStateMachine, tagResource, untagResource } from '../../app/index.ts';
import { ErrorCode, HangarError, type TagMap } from '../../core/index.ts';
import { AwsError } from '../errors.ts';
import { userOf } from '../lambda/context.ts';
import type { AwsCall } from '../service.ts';
import { invalidArn, parseArn } from './arns.ts';
import type { SfnContext } from './context.ts';
import type { JsonOperation } from './operation.ts';
import { sfnError, validation } from './shapes.ts';

/** The resource a resourceArn names, as the caller's Taggable. */
function taggableOf(ctx: SfnContext, call: AwsCall, arn: unknown): Taggable {
  const p = parseArn(call.caller, arn, 'resourceArn');
  if (p.resourceType !== 'stateMachine' && p.resourceType !== 'activity') throw invalidArn(arn as string);
  if (!p.own || p.names.length !== 1) throw notFound(arn as string);
  const userId = userOf(call.caller);
  return p.resourceType === 'activity' ? taggableActivity(ctx, userId, p.names[0]) : taggableStateMachine(ctx, userId, p.names[0]);
}

const notFound = (arn: string) => sfnError('ResourceNotFound', `Resource not found: '${arn}'`, { resourceName: arn });

/** Runs `fn`, naming the resource in its refusals as Step Functions does: ResourceNotFound and TooManyTags carry resourceName. */
export async function aboutResource<T>(arn: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HangarError && (err.code === ErrorCode.StateMachineNotFound || err.code === ErrorCode.ActivityNotFound))
      throw notFound(arn);
    if (err instanceof HangarError && err.code === ErrorCode.TagLimitExceeded)
      throw new AwsError('TooManyTags', 400, err.message, 'User', { resourceName: arn });
    throw err;
  }
}

/** A request's `tags`: a list of `{key, value}` (a value left out is ''); the last of a key repeated counts. */
export function tagListOf(body: Record<string, unknown>): TagMap | undefined {
  const list = body.tags;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw validation('tags must be a list of {"key", "value"}');
  const tags: TagMap = {};
  for (const t of list) {
    const { key, value } = (typeof t === 'object' && t !== null ? t : {}) as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || (value !== undefined && value !== null && typeof value !== 'string'))
      throw validation('each of tags is {"key": string, "value": string}');
    tags[key] = typeof value === 'string' ? value : '';
  }
  return tags;
}

const tagList = (tags: TagMap) => Object.entries(tags).map(([key, value]) => ({ key, value }));

export function tagOperations(ctx: SfnContext): JsonOperation[] {
  return [
    {
      name: 'TagResource',
      async run(call, body) {
        const tags = tagListOf(body);
        if (!tags) throw new AwsError('MissingRequiredParameter', 400, 'tags is required');
        const t = taggableOf(ctx, call, body.resourceArn);
        await aboutResource(String(body.resourceArn), () => tagResource(ctx, userOf(call.caller), t, tags));
        return {};
      },
    },
    {
      name: 'UntagResource',
      async run(call, body) {
        const keys = body.tagKeys;
        if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))
          throw new AwsError('MissingRequiredParameter', 400, 'tagKeys is required: a list of the keys to remove');
        const t = taggableOf(ctx, call, body.resourceArn);
        await aboutResource(String(body.resourceArn), () => untagResource(ctx, userOf(call.caller), t, keys as string[]));
        return {};
      },
    },
    {
      name: 'ListTagsForResource',
      async run(call, body) {
        const t = taggableOf(ctx, call, body.resourceArn);
        return { tags: tagList(await aboutResource(String(body.resourceArn), () => listTags(ctx, userOf(call.caller), t))) };
      },
    },
  ];
}
