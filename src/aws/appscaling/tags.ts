/**
 * Application Auto Scaling's tag operations: TagResource, UntagResource and ListTagsForResource
 * of a scalable target's ARN (what Terraform's aws_appautoscaling_target reads and writes for its
 * `tags`), over app/tags.ts, and RegisterScalableTarget's `Tags`. Tags are a map here. An ARN
 * that names none of the caller's targets is ResourceNotFoundException, as AWS answers.
 */
import { listTags, type ScalingApp, taggableScalableTarget, tagResource, untagResource } from '../../app/index.ts';
import type { TagMap } from '../../core/index.ts';
import { AwsError } from '../errors.ts';
import { userOf } from '../lambda/context.ts';
import type { AwsCall } from '../service.ts';
import type { JsonOperation } from '../sfn/operation.ts';
import { required, strings, targetArn, validation } from './shapes.ts';

/** A request's `Tags` map (string values), or undefined. */
export function tagMapOf(body: Record<string, unknown>): TagMap | undefined {
  const v = body.Tags;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string'))
    throw validation('Tags must be a map of strings');
  return v as TagMap;
}

/** The caller's target whose ARN ResourceARN is (the ARN's id is a hash: compared, not parsed). */
async function taggableOf(ctx: ScalingApp, call: AwsCall, body: Record<string, unknown>) {
  const arn = required(body, 'ResourceARN');
  const userId = userOf(call.caller);
  const t = (await ctx.scalableTargets.listTargets(userId)).find((x) => targetArn(call.caller, x) === arn);
  if (!t) throw new AwsError('ResourceNotFoundException', 400, `No scalable target found for ARN: ${arn.slice(0, 300)}`);
  return taggableScalableTarget(ctx, userId, t.resourceId);
}

export function tagOperations(ctx: ScalingApp): JsonOperation[] {
  return [
    {
      name: 'TagResource',
      async run(call, body) {
        const tags = tagMapOf(body);
        if (!tags || Object.keys(tags).length === 0) throw validation('Tags must name at least one tag');
        await tagResource(ctx, userOf(call.caller), await taggableOf(ctx, call, body), tags);
        return {};
      },
    },
    {
      name: 'UntagResource',
      async run(call, body) {
        const keys = strings(body, 'TagKeys');
        if (!keys?.length) throw validation('TagKeys must name at least one key');
        await untagResource(ctx, userOf(call.caller), await taggableOf(ctx, call, body), keys);
        return {};
      },
    },
    {
      name: 'ListTagsForResource',
      async run(call, body) {
        return { Tags: await listTags(ctx, userOf(call.caller), await taggableOf(ctx, call, body)) };
      },
    },
  ];
}
