/**
 * Resource tags (Lambda's and Step Functions' TagResource): per user and tagged resource, its
 * tags. A port of its own, generic over resources: a resource is keyed as core/tags.ts's
 * `taggedResource` spells it (`lambda:function:NAME`, `states:stateMachine:NAME`), so any
 * taggable resource can keep its tags here. What a resource's tags may be is core/tags.ts's
 * decision; a backend runs it inside the change, so two TagResource calls at once cannot pass
 * the limit together. A resource's tags go with it, and a new resource of the same key starts
 * untagged: the database does that (migration 0035's triggers on functions and state machines;
 * a new taggable table adds its own pair).
 */
import type { TagMap, TagRules } from '../../core/index.ts';

export interface ResourceTags {
  /** The resource's tags ({} when it has none). */
  getTags(userId: string, resource: string): Promise<TagMap>;
  /** Sets `tags` on the resource (a key it has takes the new value), the result decided by
   *  core's mergeTags: TagLimitExceeded, and nothing changed, when it would have too many. The
   *  caller has checked the tags and that the resource is there. Resolves to its tags now. */
  tagResource(userId: string, resource: string, tags: TagMap, rules: Pick<TagRules, 'maxTags'>): Promise<TagMap>;
  /** Removes the tags of `keys` it has; resolves to its tags now. */
  untagResource(userId: string, resource: string, keys: readonly string[]): Promise<TagMap>;
}
