/**
 * An HTTP API's one stage ($default) as API Gateway's CreateStage and UpdateStage change it: the
 * API's default throttle, the routes' own throttles (its route settings, by route key: one
 * model, so a throttle set on a route natively is a route setting of the stage too) and its
 * stage variables, which every route's event carries (event.ts). Decided here once; a backend
 * applies the answer in one write.
 */
import { ErrorCode, InvalidInput, NotFound } from '../errors.ts';
import { checkThrottleLimit, type ThrottleLimit } from './throttle.ts';
import type { HttpApi, HttpRoute } from './types.ts';

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
}

/** The stage after a patch: the API's throttle and variables, and the routes whose throttle
 *  changes. A route key that names no route is NotFound, as AWS answers it. */
export function applyStagePatch(
  api: HttpApi,
  routes: readonly HttpRoute[],
  patch: StagePatch,
): { throttle: ThrottleLimit | null; stageVariables: StageVariables; routes: Array<{ routeKey: string; throttle: ThrottleLimit | null }> } {
  const given = patch.routeThrottles ?? {};
  const keys = new Set(routes.map((r) => r.routeKey));
  for (const key of Object.keys(given))
    if (!keys.has(key))
      throw new NotFound(ErrorCode.HttpRouteNotFound, `Unable to find Route by key ${key.slice(0, 128)} within the provided RouteSettings`);
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
  };
}

function mergeVariables(before: StageVariables, patch: StagePatch): StageVariables {
  const next = new Map(patch.variablesMode === 'replace' ? [] : Object.entries(before));
  for (const [name, value] of Object.entries(patch.variables ?? {})) {
    if (value === '') next.delete(name);
    else next.set(name, value);
  }
  return checkStageVariables(Object.fromEntries(next));
}
