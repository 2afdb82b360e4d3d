/**
 * An HTTP API's one stage ($default) as API Gateway's CreateStage and UpdateStage change it: the
 * API's default throttle, the routes' own throttles (its route settings, by route key: one
 * model, so a throttle set on a route natively is a route setting of the stage too) and its
 * stage variables, which every route's event carries (event.ts). Decided here once; a backend
 * applies the answer in one write.
 */
import { Conflict, ErrorCode, InvalidInput, NotFound } from '../errors.ts';
import { nextStageDeployment, type StageDeployment, type StageDeploymentChange, stageDeploymentOf } from './deployment.ts';
import { checkThrottleLimit, type ThrottleLimit } from './throttle.ts';
import type { HttpApi, HttpRoute, NamedStage } from './types.ts';

export type { NamedStage } from './types.ts';

export type StageVariables = Record<string, string>;

/** AWS's limits: names of letters, digits and underscores up to 64 characters; values of
 *  `[A-Za-z0-9-._~:/?#&=,]` up to 2048 (API Gateway's stage variable reference). */
const VARIABLE_NAME = /^[A-Za-z0-9_]{1,64}$/;
const VARIABLE_VALUE = /^[A-Za-z0-9\-._~:/?#&=,]{1,2048}$/;
/** Not AWS's (it names no count): bounds what one API's row and every event carry. */
export const STAGE_VARIABLES_MAX = 100;

const invalid = (message: string) => new InvalidInput(ErrorCode.HttpApiInvalid, message);

export function checkStageVariables(vars: unknown): StageVariables {
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) throw invalid('stage variables are a map of names to values');
  const entries = Object.entries(vars);
  if (entries.length > STAGE_VARIABLES_MAX) throw invalid(`a stage has at most ${STAGE_VARIABLES_MAX} stage variables`);
  for (const [name, value] of entries) {
    if (!VARIABLE_NAME.test(name))
      throw invalid(`stage variable name '${name.slice(0, 80)}' must be 1 to 64 letters, digits or underscores`);
    if (typeof value !== 'string' || !VARIABLE_VALUE.test(value))
      throw invalid(`stage variable ${name}'s value must be 1 to 2048 characters of A-Z a-z 0-9 - . _ ~ : / ? # & = ,`);
  }
  return Object.fromEntries(entries) as StageVariables;
}

/** What one CreateStage, UpdateStage or DeleteRouteSettings changes; absent: not changed. */
export interface StagePatch {
  /** The API's default throttle (defaultRouteSettings); null: none. */
  throttle?: ThrottleLimit | null;
  /** Routes' own throttles by route key (routeSettings); null: the route's is removed. */
  routeThrottles?: Record<string, ThrottleLimit | null>;
  /** `replace`: the routes not named lose theirs (a stage made anew has only the settings given). */
  routeThrottlesMode?: 'merge' | 'replace';
  /** Merged into the stage's variables (UpdateStage's way): an empty value removes the name. */
  variables?: Record<string, string>;
  /** `replace`: the stage's variables are only those given. */
  variablesMode?: 'merge' | 'replace';
  /** Whether it auto-deploys and the deployment it serves (deployment.ts nextStageDeployment). */
  deployment?: StageDeploymentChange;
}

/** $default as a stage made anew without settings (CreateStage), or deleted (DeleteStage: it is
 *  where every API is served, so it stays, with none): no throttles, no variables. */
export const UNSET_STAGE = {
  throttle: null,
  routeThrottles: {},
  routeThrottlesMode: 'replace',
  variables: {},
  variablesMode: 'replace',
} as const satisfies StagePatch;

/** The stage after a patch: the API's throttle and variables, and the routes whose throttle
 *  changes. A route key that names no route is NotFound, as AWS answers it. */
export function applyStagePatch(
  api: HttpApi,
  routes: readonly HttpRoute[],
  patch: StagePatch,
): {
  throttle: ThrottleLimit | null;
  stageVariables: StageVariables;
  routes: Array<{ routeKey: string; throttle: ThrottleLimit | null }>;
  deployment: StageDeployment;
} {
  const deployment = nextStageDeployment(api, stageDeploymentOf(api, null), patch.deployment ?? {});
  const given = patch.routeThrottles ?? {};
  checkRouteSettingKeys(routes, given);
  const changed: Array<{ routeKey: string; throttle: ThrottleLimit | null }> = [];
  for (const r of routes) {
    const named = Object.hasOwn(given, r.routeKey);
    const throttle = given[r.routeKey] ?? null;
    if (named) changed.push({ routeKey: r.routeKey, throttle: throttle && checkThrottleLimit(throttle) });
    else if (patch.routeThrottlesMode === 'replace' && r.throttle !== null) changed.push({ routeKey: r.routeKey, throttle: null });
  }
  return {
    throttle: patch.throttle === undefined ? api.throttle : patch.throttle,
    stageVariables: patch.variables === undefined ? api.stageVariables : mergeVariables(api.stageVariables, patch),
    routes: changed,
    deployment,
  };
}

/** Route settings name routes of the API: one that names none is NotFound, as AWS answers it. */
export function checkRouteSettingKeys(routes: readonly Pick<HttpRoute, 'routeKey'>[], given: Record<string, unknown>): void {
  const keys = new Set(routes.map((r) => r.routeKey));
  for (const key of Object.keys(given))
    if (!keys.has(key))
      throw new NotFound(ErrorCode.HttpRouteNotFound, `Unable to find Route by key ${key.slice(0, 128)} within the provided RouteSettings`);
}

function mergeVariables(before: StageVariables, patch: Pick<StagePatch, 'variables' | 'variablesMode'>): StageVariables {
  const next = new Map(patch.variablesMode === 'replace' ? [] : Object.entries(before));
  for (const [name, value] of Object.entries(patch.variables ?? {})) {
    if (value === '') next.delete(name);
    else next.set(name, value);
  }
  return checkStageVariables(Object.fromEntries(next));
}

// ---- Named stages: the same routes served at `/{name}/...` (AWS: a stage's name is the first
// segment of the path; the function sees the path with it, routes match without it), with
// variables and throttles of their own (a default and route settings by route key).

const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
/** AWS's quota is 10 stages an API; $default is always one of them here. */
export const NAMED_STAGES_MAX = 9;

export const stageErrors = {
  notFound: (apiId: string, name: string) =>
    new NotFound(ErrorCode.HttpStageNotFound, `Invalid stage identifier specified: '${name.slice(0, 128)}' (HTTP API ${apiId})`),
  exists: (name: string) => new Conflict(ErrorCode.HttpStageExists, `Stage already exists: '${name}'`),
};

/** A named stage made or changed: `variables` as a patch merges them (an empty value removes one). */
export interface NamedStageInput {
  name: string;
  variables?: Record<string, string>;
  variablesMode?: 'merge' | 'replace';
  /** true: a new stage (Conflict if there is one of the name); false: an existing one (NotFound). */
  creating: boolean;
  /** Whether it auto-deploys and the deployment it serves (deployment.ts nextStageDeployment). */
  deployment?: StageDeploymentChange;
  /** Its default throttle; null: none. Absent: as it was (none, made anew). */
  throttle?: ThrottleLimit | null;
  /** Merged into its routes' own throttles (a stage made anew has only those given); null
   *  removes a route's. Each must name a route of the API (NotFound, HTTP_ROUTE_NOT_FOUND). */
  routeThrottles?: Record<string, ThrottleLimit | null>;
}

export function namedStageOf(api: HttpApi, name: string): NamedStage {
  const found = api.stages.find((s) => s.name === name);
  if (!found) throw stageErrors.notFound(api.apiId, name);
  return found;
}

/** The API's stages after one is made or changed at `now`; the stage as it is then. */
export function putNamedStage(
  api: HttpApi,
  routes: readonly Pick<HttpRoute, 'routeKey'>[],
  input: NamedStageInput,
  now: number,
): { stages: NamedStage[]; stage: NamedStage } {
  if (!STAGE_NAME.test(input.name) || input.name === '$default')
    throw invalid(`a stage name is 1 to 128 letters, digits, hyphens or underscores, not '${input.name.slice(0, 128)}'`);
  const had = api.stages.find((s) => s.name === input.name);
  if (input.creating && had) throw stageErrors.exists(input.name);
  if (!input.creating && !had) throw stageErrors.notFound(api.apiId, input.name);
  if (!had && api.stages.length >= NAMED_STAGES_MAX)
    throw invalid(`an HTTP API has at most ${NAMED_STAGES_MAX + 1} stages on Hangar, $default among them`);
  // Checked with the routes read in the same write as the stage's: a route deleted meanwhile
  // (and its settings with it: stagesWithoutGoneRoutes) is not named by a setting after it.
  checkRouteSettingKeys(routes, input.routeThrottles ?? {});
  const variables = input.variables === undefined ? (had?.variables ?? {}) : mergeVariables(had?.variables ?? {}, input);
  const { autoDeploy, deploymentId } = nextStageDeployment(
    api,
    had ? stageDeploymentOf(api, had) : { autoDeploy: true, deploymentId: null },
    input.deployment ?? {},
  );
  const throttle = input.throttle === undefined ? (had?.throttle ?? null) : input.throttle && checkThrottleLimit(input.throttle);
  const routeThrottles = mergeRouteThrottles(had?.routeThrottles ?? {}, input.routeThrottles ?? {});
  const stage: NamedStage = {
    name: input.name,
    variables,
    autoDeploy,
    deploymentId,
    ...(throttle ? { throttle } : {}),
    ...(Object.keys(routeThrottles).length > 0 ? { routeThrottles } : {}),
    createdAt: had?.createdAt ?? now,
    updatedAt: now,
  };
  return { stages: had ? api.stages.map((s) => (s === had ? stage : s)) : [...api.stages, stage], stage };
}

function mergeRouteThrottles(
  before: Record<string, ThrottleLimit>,
  given: Record<string, ThrottleLimit | null>,
): Record<string, ThrottleLimit> {
  const next = new Map(Object.entries(before));
  for (const [key, limit] of Object.entries(given)) {
    if (limit === null) next.delete(key);
    else next.set(key, checkThrottleLimit(limit));
  }
  return Object.fromEntries(next);
}

/** The limit a request to a route of a named stage runs under: the stage's own setting for the
 *  route, else the stage's default, else none ($default's are $default's alone). */
export function namedStageLimit(stage: NamedStage, routeKey: string): ThrottleLimit | undefined {
  return stage.routeThrottles?.[routeKey] ?? stage.throttle ?? undefined;
}

export function removeNamedStage(api: HttpApi, name: string): NamedStage[] {
  namedStageOf(api, name);
  return api.stages.filter((s) => s.name !== name);
}

/**
 * The named stages once routes are gone (DeleteRoute; ReimportApi dropping some): the route
 * settings of keys that name no route any more (`present` says which do) go with them, in the
 * same write as the routes, so a route made later with the same key starts without any. $default's
 * are the routes' own throttles and go with their rows anyway. null: no stage changes.
 *
 * AWS keeps them: DeleteRoute's reference names no effect on a stage, and users report the
 * settings of a deleted route staying on the stage until DeleteRouteSettings removes them
 * (serverless/serverless#12776, aws/serverless-application-model#1939, where an UpdateStage that
 * still names one fails "Unable to find Route by key ... within the provided RouteSettings"; AWS
 * support, quoted in serverless/serverless#8590, called not being able to remove them a gap).
 * Hangar drops them instead: what they would do is throttle an unrelated later route of the same
 * key, and a DeleteRouteSettings sent after the DeleteRoute still succeeds (aws/apigatewayv2).
 */
export function stagesWithoutGoneRoutes(stages: readonly NamedStage[], present: (routeKey: string) => boolean): NamedStage[] | null {
  let changed = false;
  const next = stages.map((s) => {
    const throttles = Object.entries(s.routeThrottles ?? {});
    const kept = throttles.filter(([key]) => present(key));
    if (kept.length === throttles.length) return s;
    changed = true;
    const { routeThrottles: _, ...rest } = s;
    return kept.length > 0 ? { ...rest, routeThrottles: Object.fromEntries(kept) } : rest;
  });
  return changed ? next : null;
}

/** Which stage a request's path is for: a named stage's name as its first segment (the rest is
 *  the path its routes match), else $default (null) with the whole path. */
export function stageOfPath(stages: readonly NamedStage[], rawPath: string): { stage: NamedStage | null; path: string } {
  if (stages.length === 0) return { stage: null, path: rawPath };
  const end = rawPath.indexOf('/', 1);
  const first = end < 0 ? rawPath.slice(1) : rawPath.slice(1, end);
  const stage = stages.find((s) => s.name === first);
  return stage ? { stage, path: end < 0 ? '/' : rawPath.slice(end) } : { stage: null, path: rawPath };
}
