/**
 * The tag operations of a restJson1 service (Lambda's `/2017-03-31/tags/{ARN}`, API Gateway v2's
 * `/v2/tags/{resource-arn}`): tag, untag (`tagKeys` in the query) and list a resource's tags by
 * its ARN, over app/tags.ts. Each service names its members and answers in its own way; what
 * an ARN names is its `taggable`.
 */
import { listTags, type Taggable, type TagsApp, tagResource, untagResource } from '../app/index.ts';
import type { TagMap } from '../core/index.ts';
import { userOf } from './lambda/context.ts';
import type { RestOperation } from './rest-router.ts';
import type { AwsCall, AwsReply } from './service.ts';

export interface RestTagService {
  /** The path, its ARN label `{param}` or `{param+}`. */
  path: string;
  param: string;
  /** The caller's resource the ARN names (its service's errors when it names none). */
  taggable(call: AwsCall, arn: string): Taggable;
  /** The tags of a TagResource request (undefined: none given). */
  tagsOf(call: AwsCall): TagMap | undefined;
  /** Its request's tags member, as its errors name it (`Tags`, `tags`). */
  tagsMember: string;
  /** TagResource's answer. */
  tagged: AwsReply;
  /** The listing operation's name and the member its answer has the tags in. */
  list: { name: string; member: string };
  invalid(message: string): Error;
}

export function restTagOperations(app: TagsApp, s: RestTagService): RestOperation[] {
  const userId = (call: AwsCall) => userOf(call.caller);
  const arn = (params: Record<string, string>) => params[s.param] as string;
  return [
    {
      name: 'TagResource',
      method: 'POST',
      path: s.path,
      async run(call, params) {
        const tags = s.tagsOf(call);
        if (!tags) throw s.invalid(`${s.tagsMember} is required: a map of tag keys to values`);
        await tagResource(app, userId(call), s.taggable(call, arn(params)), tags);
        return s.tagged;
      },
    },
    {
      name: 'UntagResource',
      method: 'DELETE',
      path: s.path,
      async run(call, params) {
        const keys = call.query.getAll('tagKeys');
        if (keys.length === 0) throw s.invalid('tagKeys is required: the keys of the tags to remove');
        await untagResource(app, userId(call), s.taggable(call, arn(params)), keys);
        return { status: 204 };
      },
    },
    {
      name: s.list.name,
      method: 'GET',
      path: s.path,
      async run(call, params) {
        return { status: 200, body: { [s.list.member]: await listTags(app, userId(call), s.taggable(call, arn(params))) } };
      },
    },
  ];
}
