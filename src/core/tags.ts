/**
 * Resource tags, as Lambda and Step Functions take them: what a tag may be, and what a resource's
 * tags become when some are added or removed. Both services allow 50 tags per resource, keys of
 * 1 to 128 characters and values of up to 256, and reserve the `aws:` prefix for AWS's own tags
 * (in keys and values alike, their developer guides say; none can be set, so none can be removed
 * either). Step Functions also limits the characters (its Tag reference); Lambda's guide only
 * recommends the same set, so Lambda takes any. The rules are data, one set per service.
 */
import { ErrorCode, InvalidInput } from './errors.ts';

/** A resource's tags: key → value. */
export type TagMap = Record<string, string>;

export interface TagRules {
  maxTags: number;
  /** In Unicode characters (code points), as AWS counts them. */
  maxKeyLength: number;
  maxValueLength: number;
  /** Keys and values may not start with it (any case: `AWS:` is AWS's as well). */
  reservedPrefix: string;
  /** What every key and value must match entirely; null: any characters. */
  characters: RegExp | null;
}

const COMMON = { maxTags: 50, maxKeyLength: 128, maxValueLength: 256, reservedPrefix: 'aws:' };

/** Lambda's (functions; its code signing configs and event source mappings too). */
export const LAMBDA_TAG_RULES: TagRules = { ...COMMON, characters: null };

/** Step Functions' (state machines and activities): letters, digits, white space and `_ . : / = + - @`. */
export const SFN_TAG_RULES: TagRules = { ...COMMON, characters: /^[\p{L}\p{N}\p{Z}\s_.:/=+\-@]*$/u };

/** API Gateway's (HTTP APIs): its reference gives the set as `[a-zA-Z+-=._:/]`, AWS's tag set;
 *  Hangar takes the same characters as Step Functions' (letters, digits, white space, `_ . : / = + - @`). */
export const APIGATEWAY_TAG_RULES: TagRules = { ...SFN_TAG_RULES };

/** Application Auto Scaling's (scalable targets): the same characters as Step Functions'. */
export const SCALING_TAG_RULES: TagRules = { ...SFN_TAG_RULES };

/**
 * A taggable resource as the tag store keys it (ports/tags.ts): its ARN's service and resource
 * parts, `lambda:function:NAME` or `states:stateMachine:NAME`. The region and account are left
 * out: Hangar's region is a setting and its account ids a function of the user, so neither names
 * anything the user does not. The store's triggers (migration 0035) spell the same keys.
 */
export const taggedResource = (service: string, resource: string): string => `${service}:${resource}`;
export const functionTagKey = (name: string): string => taggedResource('lambda', `function:${name}`);
export const stateMachineTagKey = (name: string): string => taggedResource('states', `stateMachine:${name}`);
export const activityTagKey = (name: string): string => taggedResource('states', `activity:${name}`);
/** A scalable target's, by its resource id (its ARN's id is opaque; migration 0053's triggers
 *  clear them with the target, and a target registered anew starts with none). */
export const scalableTargetTagKey = (resourceId: string): string =>
  taggedResource('application-autoscaling', `scalable-target:${resourceId}`);
/** An HTTP API's: its ARN is `arn:aws:apigateway:{region}::/apis/{apiId}`. */
export const httpApiTagKey = (apiId: string): string => taggedResource('apigateway', `/apis/${apiId}`);
/** An HTTP API stage's (`$default` too): its ARN is `arn:aws:apigateway:{region}::/apis/{apiId}/stages/{name}`
 *  (migration 0052's triggers clear them with the API, and a named stage's with the stage). */
export const httpStageTagKey = (apiId: string, stageName: string): string =>
  taggedResource('apigateway', `/apis/${apiId}/stages/${stageName}`);

export const tagErrors = {
  invalid: (message: string) => new InvalidInput(ErrorCode.TagInvalid, message),
  tooMany: (count: number, max: number) =>
    new InvalidInput(ErrorCode.TagLimitExceeded, `the resource would have ${count} tags; it may have at most ${max}`),
};

const length = (s: string): number => [...s].length;
const reserved = (s: string, rules: TagRules): boolean => s.toLowerCase().startsWith(rules.reservedPrefix);
const show = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

/** A tag key as given to TagResource or UntagResource; refused with TagInvalid if the rules do not take it. */
export function checkTagKey(key: string, rules: TagRules): string {
  if (length(key) < 1 || length(key) > rules.maxKeyLength)
    throw tagErrors.invalid(`tag key ${show(key)} must be 1 to ${rules.maxKeyLength} characters`);
  if (reserved(key, rules)) throw tagErrors.invalid(`tag key ${show(key)}: the prefix '${rules.reservedPrefix}' is reserved for AWS`);
  if (rules.characters && !rules.characters.test(key))
    throw tagErrors.invalid(`tag key ${show(key)} may only have letters, digits, white space and _ . : / = + - @`);
  return key;
}

/** Tags as given (on a create, or to TagResource): each checked, and no more than a resource may have. */
export function checkTags(tags: TagMap, rules: TagRules): TagMap {
  for (const [key, value] of Object.entries(tags)) {
    checkTagKey(key, rules);
    if (length(value) > rules.maxValueLength)
      throw tagErrors.invalid(`the value of tag ${show(key)} is over ${rules.maxValueLength} characters`);
    if (reserved(value, rules))
      throw tagErrors.invalid(`the value of tag ${show(key)}: the prefix '${rules.reservedPrefix}' is reserved for AWS`);
    if (rules.characters && !rules.characters.test(value))
      throw tagErrors.invalid(`the value of tag ${show(key)} may only have letters, digits, white space and _ . : / = + - @`);
  }
  const count = Object.keys(tags).length;
  if (count > rules.maxTags) throw tagErrors.tooMany(count, rules.maxTags);
  return tags;
}

/** A resource's tags with `added` set on them (a key it has takes the new value); refused when
 *  that would be more than the rules allow, counting each key once. `added` is checked already. */
export function mergeTags(current: TagMap, added: TagMap, rules: Pick<TagRules, 'maxTags'>): TagMap {
  const merged = { ...current, ...added };
  const count = Object.keys(merged).length;
  if (count > rules.maxTags) throw tagErrors.tooMany(count, rules.maxTags);
  return merged;
}

/** A resource's tags without `keys` (keys it does not have are no matter). */
export function withoutTags(current: TagMap, keys: readonly string[]): TagMap {
  const gone = new Set(keys);
  return Object.fromEntries(Object.entries(current).filter(([k]) => !gone.has(k)));
}
