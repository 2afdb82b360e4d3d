/**
 * Resource tags (Lambda's TagResource, UntagResource, ListTags and CreateFunction's Tags; Step
 * Functions' TagResource, UntagResource, ListTagsForResource and CreateStateMachine's tags): the
 * tags of a user's function, state machine or activity. A tagged resource is a `Taggable`: its key in the
 * tag store, its service's rules (core/tags.ts) and how to tell it is the user's, so another
 * taggable resource is one more Taggable, not more use cases. Another user's
 * resource is not there (NotFound), as every read of one is.
 */
import {
  activityTagKey,
  APIGATEWAY_TAG_RULES,
  checkTagKey,
  checkTags,
  functionTagKey,
  type HttpApi,
  type HttpApiInput,
  httpApiTagKey,
  httpStageTagKey,
  DEFAULT_STAGE,
  namedStageOf,
  LAMBDA_TAG_RULES,
  SFN_TAG_RULES,
  stateMachineTagKey,
  type FunctionSnapshot,
  type TagMap,
  type TagRules,
} from '../core/index.ts';
import type { ResourceTags } from '../store/index.ts';
import { type ActivitiesApp, createActivity, deleteActivity, getActivity } from './activities.ts';
import { createFunction } from './function-admin.ts';
import { deleteFunction, type FunctionsApp, getFunction } from './functions.ts';
import { createHttpApi, deleteHttpApi, getHttpApi, type HttpApisApp } from './http-apis.ts';
import { type CreateStateMachineInput, deleteStateMachine, createStateMachine, getStateMachine, type WorkflowsApp } from './workflows.ts';

export interface TagsApp {
  tags: ResourceTags;
}

/** A resource the user may tag. */
export interface Taggable {
  /** Its key in the tag store (core/tags.ts's taggedResource). */
  key: string;
  rules: TagRules;
  /** Resolves if it is the user's; NotFound (its own code) if not. */
  mustExist(): Promise<unknown>;
}

/** The user's function of that name (tags are the function's, not a version's or an alias's). */
export const taggableFunction = (app: Pick<FunctionsApp, 'functions'>, userId: string, name: string): Taggable => ({
  key: functionTagKey(name),
  rules: LAMBDA_TAG_RULES,
  mustExist: () => getFunction(app, userId, name),
});

export const taggableStateMachine = (app: WorkflowsApp, userId: string, name: string): Taggable => ({
  key: stateMachineTagKey(name),
  rules: SFN_TAG_RULES,
  mustExist: () => getStateMachine(app, userId, name),
});

/** Step Functions tags activities by their ARN, as state machines, under the same rules. */
export const taggableActivity = (app: ActivitiesApp, userId: string, name: string): Taggable => ({
  key: activityTagKey(name),
  rules: SFN_TAG_RULES,
  mustExist: () => getActivity(app, userId, name),
});

/** API Gateway tags an HTTP API by its ARN (`arn:aws:apigateway:{region}::/apis/{apiId}`). */
export const taggableHttpApi = (app: HttpApisApp, userId: string, apiId: string): Taggable => ({
  key: httpApiTagKey(apiId),
  rules: APIGATEWAY_TAG_RULES,
  mustExist: () => getHttpApi(app, userId, apiId),
});

/** API Gateway tags a stage ($default too) by its ARN (`.../apis/{apiId}/stages/{name}`). */
export const taggableHttpStage = (app: HttpApisApp, userId: string, apiId: string, stageName: string): Taggable => ({
  key: httpStageTagKey(apiId, stageName),
  rules: APIGATEWAY_TAG_RULES,
  mustExist: async () => {
    const api = await getHttpApi(app, userId, apiId);
    if (stageName !== DEFAULT_STAGE) namedStageOf(api, stageName);
  },
});

export async function listTags(app: TagsApp, userId: string, t: Taggable): Promise<TagMap> {
  await t.mustExist();
  return app.tags.getTags(userId, t.key);
}

/** Sets the tags on the resource (a key it has takes the new value); TagInvalid or
 *  TagLimitExceeded (50 in all), and nothing set, when they cannot be. */
export async function tagResource(app: TagsApp, userId: string, t: Taggable, tags: TagMap): Promise<TagMap> {
  checkTags(tags, t.rules);
  await t.mustExist();
  return app.tags.tagResource(userId, t.key, tags, t.rules);
}

/** Removes the tags of those keys it has; an `aws:` key is refused (AWS's own cannot be removed). */
export async function untagResource(app: TagsApp, userId: string, t: Taggable, keys: readonly string[]): Promise<TagMap> {
  for (const k of keys) checkTagKey(k, t.rules);
  await t.mustExist();
  return app.tags.untagResource(userId, t.key, keys);
}

/**
 * A resource just made, tagged: `undo` removes it again when its tags cannot be kept (the store
 * failed between the two writes), so the create is all or nothing unless the process dies
 * between them. The tags were checked before it was made; a new resource has none yet (the
 * store clears any on insert), so only a failure of the store refuses them.
 */
async function tagNew(app: TagsApp, userId: string, t: Taggable, tags: TagMap, undo: () => Promise<void>): Promise<void> {
  if (Object.keys(tags).length === 0) return;
  try {
    await app.tags.tagResource(userId, t.key, tags, t.rules);
  } catch (err) {
    // The store's failure is the answer; an undo failing too (the same store) adds nothing to it.
    await undo().catch(() => {});
    throw err;
  }
}

/** CreateFunction with Tags: the tags are checked before anything is made. */
export async function createTaggedFunction(
  app: FunctionsApp & TagsApp,
  userId: string,
  input: Parameters<typeof createFunction>[2] & { tags?: TagMap },
): Promise<FunctionSnapshot> {
  const tags = checkTags(input.tags ?? {}, LAMBDA_TAG_RULES);
  const f = await createFunction(app, userId, input);
  await tagNew(app, userId, taggableFunction(app, userId, f.name), tags, () => deleteFunction(app, userId, f.name));
  return f;
}

/** CreateStateMachine with tags: checked before anything is made. A repeat of a create that
 *  finds the same machine (AWS's idempotent create) sets them on it, as TagResource would. */
export async function createTaggedStateMachine(
  app: WorkflowsApp & TagsApp,
  userId: string,
  input: CreateStateMachineInput & { tags?: TagMap },
): Promise<Awaited<ReturnType<typeof createStateMachine>>> {
  const tags = checkTags(input.tags ?? {}, SFN_TAG_RULES);
  const made = await createStateMachine(app, userId, input);
  const t = taggableStateMachine(app, userId, made.machine.name);
  if (made.created) await tagNew(app, userId, t, tags, () => deleteStateMachine(app, userId, made.machine.name));
  else if (Object.keys(tags).length > 0) await app.tags.tagResource(userId, t.key, tags, t.rules);
  return made;
}

/** CreateActivity with tags: checked before anything is made. A create that finds the activity
 *  there answers it with its tags as they were: AWS ignores a repeat's tags. */
export async function createTaggedActivity(
  app: ActivitiesApp & TagsApp,
  userId: string,
  input: { name: unknown; tags?: TagMap },
): Promise<Awaited<ReturnType<typeof createActivity>>> {
  const tags = checkTags(input.tags ?? {}, SFN_TAG_RULES);
  const made = await createActivity(app, userId, input);
  const { name } = made.activity;
  if (made.created)
    await tagNew(app, userId, taggableActivity(app, userId, name), tags, async () => void (await deleteActivity(app, userId, name)));
  return made;
}

/** CreateApi with tags: checked before anything is made. */
export async function createTaggedHttpApi(
  app: HttpApisApp & TagsApp,
  userId: string,
  input: HttpApiInput & { tags?: TagMap },
): Promise<HttpApi> {
  const { tags: given, ...api } = input;
  const tags = checkTags(given ?? {}, APIGATEWAY_TAG_RULES);
  const made = await createHttpApi(app, userId, api);
  await tagNew(app, userId, taggableHttpApi(app, userId, made.apiId), tags, () => deleteHttpApi(app, userId, made.apiId));
  return made;
}

/** CreateStage's Tags, checked before anything is made; the stage's write then replaces its tags
 *  with them in the same transaction (updateHttpStage, putHttpNamedStage): a stage made anew has
 *  only the tags given — a named one is new, $default, which stays, loses those it had. */
export const stageTagsOf = (given: TagMap): TagMap => checkTags(given, APIGATEWAY_TAG_RULES);
