/**
 * HTTP APIs (issue 23): a user's APIs (API Gateway HTTP API) and their routes, each sending a
 * route key's requests to one of the same user's functions. What is valid is decided in
 * core/http-api/model.ts (the store checks with it too); here: a route's target must be a
 * function of the API's owner at that qualifier when the route is made or retargeted, and every
 * miss is the same NotFound whether the API is another user's or no one's.
 *
 * `changed` hears of every change, so the gateway of this process drops what it keeps of the API
 * at once (other API nodes re-read within a second: gateway.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  authorizerOf,
  DEFAULT_STAGE,
  type HttpApi,
  type HttpApiDefinition,
  type HttpApiInput,
  type HttpAuthorizer,
  type HttpAuthorizerInput,
  type HttpDeployment,
  type HttpIntegration,
  type HttpIntegrationInput,
  type HttpRoute,
  type HttpRouteInput,
  checkDeploymentDescription,
  deploymentOf,
  httpApiErrors,
  integrationOf,
  InvalidInput,
  ErrorCode,
  type NamedStage,
  type NamedStageInput,
  namedStageOf,
  nextStageDeployment,
  partIdFrom,
  snapshotNeededAt,
  snapshotOf,
  type StageDeploymentChange,
  type StagePatch,
  stageDeploymentOf,
  type TagMap,
  UNSET_STAGE,
} from '../core/index.ts';
import type { HttpApis, HttpDeploymentSnapshots, HttpRoutePatch, ServedHttpApi } from '../store/index.ts';
import { type FunctionsApp, getFunction } from './functions.ts';

export interface HttpApisApp extends FunctionsApp {
  httpApis: HttpApis;
  httpDeploymentSnapshots: HttpDeploymentSnapshots;
  /** Told the id of each API that changed (its routes included). */
  httpApiChanged?: (apiId: string) => void;
}

/** The path prefix HTTP APIs are served under on the API's address (`/http/{apiId}/...`). */
export const HTTP_API_PREFIX = '/http';

/** Where an API is served without DNS: its path prefix on the API's address (docs/http-routes.md). */
export const httpApiAddress = (apiBase: string, apiId: string): string => `${apiBase.replace(/\/$/, '')}${HTTP_API_PREFIX}/${apiId}`;

export function createHttpApi(app: HttpApisApp, userId: string, input: HttpApiInput): Promise<HttpApi> {
  return app.httpApis.createApi(userId, input);
}

export async function getHttpApi(app: HttpApisApp, userId: string, apiId: string): Promise<HttpApi> {
  const api = await app.httpApis.getApi(userId, apiId);
  if (!api) throw httpApiErrors.apiNotFound(apiId);
  return api;
}

export function listHttpApis(app: HttpApisApp, userId: string): Promise<HttpApi[]> {
  return app.httpApis.listApis(userId);
}

/** A user's APIs with how many routes each has: two reads, however many APIs (an API made
 *  between them counts 0 routes until the next list). */
export async function listHttpApisWithRouteCounts(app: HttpApisApp, userId: string): Promise<Array<HttpApi & { routeCount: number }>> {
  const [apis, counts] = await Promise.all([app.httpApis.listApis(userId), app.httpApis.routeCounts(userId)]);
  return apis.map((a) => ({ ...a, routeCount: counts.get(a.apiId) ?? 0 }));
}

export async function updateHttpApi(app: HttpApisApp, userId: string, apiId: string, patch: Partial<HttpApiInput>): Promise<HttpApi> {
  const api = await app.httpApis.updateApi(userId, apiId, patch);
  app.httpApiChanged?.(apiId);
  return api;
}

/** Its $default stage changed in one write (core/http-api/stage.ts): the API's default throttle
 *  and stage variables, its routes' own throttles, and `tags` (checked: stageTagsOf), which
 *  replace its tags in the same write; served so at once. */
export async function updateHttpStage(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  patch: StagePatch,
  tags?: TagMap,
): Promise<ServedHttpApi> {
  if (patch.deployment) await snapshotServed(app, userId, await getHttpApi(app, userId, apiId), null, patch.deployment);
  const stage = await app.httpApis.updateStage(userId, apiId, patch, tags);
  app.httpApiChanged?.(apiId);
  return stage;
}

/** A stage besides $default made or changed (core putNamedStage): its route settings must name
 *  routes of the API (checked in the store's write); `tags` (checked: stageTagsOf) replace its tags in the same write. Served so
 *  at once. */
export async function putHttpNamedStage(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  input: NamedStageInput,
  tags?: TagMap,
): Promise<NamedStage> {
  if (input.deployment) {
    const api = await getHttpApi(app, userId, apiId);
    const had = api.stages.find((s) => s.name === input.name);
    await snapshotServed(app, userId, api, had ?? { name: input.name, variables: {}, createdAt: 0, updatedAt: 0 }, input.deployment);
  }
  const stage = await app.httpApis.putNamedStage(userId, apiId, input, tags);
  app.httpApiChanged?.(apiId);
  return stage;
}

export async function deleteHttpNamedStage(app: HttpApisApp, userId: string, apiId: string, name: string): Promise<void> {
  await app.httpApis.deleteNamedStage(userId, apiId, name);
  app.httpApiChanged?.(apiId);
}

/** DeleteStage: a named stage goes, and its tags with it (the store's triggers); $default, where
 *  Hangar serves every HTTP API, cannot, so its settings and tags go back to none in one write (as
 *  a stage made anew without any) and it auto-deploys again. NotFound for a stage not there. */
export async function deleteHttpStage(app: HttpApisApp, userId: string, apiId: string, stageName: string): Promise<void> {
  const api = await getHttpApi(app, userId, apiId);
  if (stageName !== DEFAULT_STAGE) return deleteHttpNamedStage(app, userId, apiId, namedStageOf(api, stageName).name);
  await updateHttpStage(app, userId, apiId, { ...UNSET_STAGE, deployment: { autoDeploy: true } }, {});
}

/** The API with its routes: what its stages report. */
export async function getHttpStage(app: HttpApisApp, userId: string, apiId: string): Promise<ServedHttpApi> {
  const api = await getHttpApi(app, userId, apiId);
  return { api, routes: await app.httpApis.listRoutes(userId, apiId) };
}

export async function deleteHttpApi(app: HttpApisApp, userId: string, apiId: string): Promise<void> {
  if (!(await app.httpApis.deleteApi(userId, apiId))) throw httpApiErrors.apiNotFound(apiId);
  app.httpApiChanged?.(apiId);
}

/** The route's target must exist now (a later delete of the function makes its requests 500,
 *  as on AWS). The API is looked up first, so another user's API is a NotFound for the API, not
 *  a hint about its owner's functions. */
async function checkTarget(app: HttpApisApp, userId: string, functionName: string, qualifier: string | null | undefined): Promise<void> {
  await getFunction(app, userId, functionName, qualifier ?? undefined);
}

export async function createHttpRoute(app: HttpApisApp, userId: string, apiId: string, input: HttpRouteInput): Promise<HttpRoute> {
  await getHttpApi(app, userId, apiId);
  // A route made from an integration: its function was checked when the integration was made.
  if (input.functionName !== undefined) await checkTarget(app, userId, input.functionName, input.qualifier);
  // A route's own Lambda auth: its authorizer function, as a Lambda authorizer's.
  if (input.auth?.kind === 'lambda') await checkTarget(app, userId, input.auth.functionName, input.auth.qualifier);
  const route = await app.httpApis.createRoute(userId, apiId, input);
  app.httpApiChanged?.(apiId);
  return route;
}

/** The API's definition replaced in one write (core/http-api/definition.ts); the functions its
 *  integrations name must be the owner's now. */
export async function replaceHttpApiDefinition(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  definition: HttpApiDefinition,
): Promise<ServedHttpApi> {
  await getHttpApi(app, userId, apiId);
  for (const i of definition.integrations) await checkTarget(app, userId, i.functionName, i.qualifier);
  for (const a of definition.authorizers) if (a.kind === 'lambda') await checkTarget(app, userId, a.functionName, a.qualifier);
  const served = await app.httpApis.replaceDefinition(userId, apiId, definition);
  app.httpApiChanged?.(apiId);
  return served;
}

export async function getHttpRoute(app: HttpApisApp, userId: string, apiId: string, routeKey: string): Promise<HttpRoute> {
  await getHttpApi(app, userId, apiId);
  const route = await app.httpApis.getRoute(userId, apiId, routeKey);
  if (!route) throw httpApiErrors.routeNotFound(apiId, routeKey);
  return route;
}

export async function listHttpRoutes(app: HttpApisApp, userId: string, apiId: string): Promise<HttpRoute[]> {
  await getHttpApi(app, userId, apiId);
  return app.httpApis.listRoutes(userId, apiId);
}

export async function updateHttpRoute(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  routeKey: string,
  patch: HttpRoutePatch,
): Promise<HttpRoute> {
  const before = await getHttpRoute(app, userId, apiId, routeKey);
  if (patch.functionName !== undefined || patch.qualifier !== undefined) {
    await checkTarget(
      app,
      userId,
      patch.functionName ?? before.functionName,
      patch.qualifier === undefined ? before.qualifier : patch.qualifier,
    );
  }
  if (patch.auth?.kind === 'lambda') await checkTarget(app, userId, patch.auth.functionName, patch.auth.qualifier);
  const route = await app.httpApis.updateRoute(userId, apiId, routeKey, patch);
  app.httpApiChanged?.(apiId);
  return route;
}

export async function deleteHttpRoute(app: HttpApisApp, userId: string, apiId: string, routeKey: string): Promise<void> {
  await getHttpApi(app, userId, apiId);
  if (!(await app.httpApis.deleteRoute(userId, apiId, routeKey))) throw httpApiErrors.routeNotFound(apiId, routeKey);
  app.httpApiChanged?.(apiId);
}

// Integrations and authorizers (core/http-api/parts.ts), as API Gateway v2's management API
// makes them; the store retargets the routes made from an integration when it changes.

export async function createHttpIntegration(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  input: HttpIntegrationInput,
): Promise<HttpIntegration> {
  await getHttpApi(app, userId, apiId);
  await checkTarget(app, userId, input.functionName, input.qualifier);
  return app.httpApis.createIntegration(userId, apiId, input);
}

export async function getHttpIntegration(app: HttpApisApp, userId: string, apiId: string, integrationId: string): Promise<HttpIntegration> {
  return integrationOf(await getHttpApi(app, userId, apiId), integrationId);
}

export async function updateHttpIntegration(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  integrationId: string,
  input: HttpIntegrationInput,
): Promise<HttpIntegration> {
  await getHttpIntegration(app, userId, apiId, integrationId);
  await checkTarget(app, userId, input.functionName, input.qualifier);
  const integration = await app.httpApis.updateIntegration(userId, apiId, integrationId, input);
  app.httpApiChanged?.(apiId);
  return integration;
}

export async function deleteHttpIntegration(app: HttpApisApp, userId: string, apiId: string, integrationId: string): Promise<void> {
  await app.httpApis.deleteIntegration(userId, apiId, integrationId);
}

export async function createHttpAuthorizer(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  input: HttpAuthorizerInput,
): Promise<HttpAuthorizer> {
  await getHttpApi(app, userId, apiId);
  if (input.kind === 'lambda') await checkTarget(app, userId, input.functionName, input.qualifier);
  return app.httpApis.createAuthorizer(userId, apiId, input);
}

export async function getHttpAuthorizer(app: HttpApisApp, userId: string, apiId: string, authorizerId: string): Promise<HttpAuthorizer> {
  return authorizerOf(await getHttpApi(app, userId, apiId), authorizerId);
}

export async function deleteHttpAuthorizer(app: HttpApisApp, userId: string, apiId: string, authorizerId: string): Promise<void> {
  await app.httpApis.deleteAuthorizer(userId, apiId, authorizerId);
}

/** The authorizer changed, and the routes made from it check their callers with it at once. */
export async function updateHttpAuthorizer(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  authorizerId: string,
  input: HttpAuthorizerInput,
): Promise<HttpAuthorizer> {
  await getHttpAuthorizer(app, userId, apiId, authorizerId);
  if (input.kind === 'lambda') await checkTarget(app, userId, input.functionName, input.qualifier);
  const authorizer = await app.httpApis.updateAuthorizer(userId, apiId, authorizerId, input);
  app.httpApiChanged?.(apiId);
  return authorizer;
}

// Deployments (core/http-api/deployment.ts): a deployment's snapshot is kept before the
// deployment is listed, so a stage never names one without it; a stage that does not auto-deploy
// serves its deployment's snapshot. This node's gateway forgets the API at once; the others read
// it again within API_KEEP_MS and then the snapshot, which never changes, once.

/**
 * A stage about to serve a deployment (`change` applied to `stage`; null: $default) must have
 * its snapshot: switched to autoDeploy false, one is made now for the deployment it reports if
 * it has none (made before deployments were snapshots: it served the API as it is now, so that
 * is what it keeps serving); naming such a deployment otherwise is refused.
 */
async function snapshotServed(
  app: HttpApisApp,
  userId: string,
  api: HttpApi,
  stage: NamedStage | null,
  change: StageDeploymentChange,
): Promise<void> {
  const before = stageDeploymentOf(api, stage);
  const after = nextStageDeployment(api, before, change);
  if (after.autoDeploy || after.deploymentId === null) return;
  const kept = await app.httpDeploymentSnapshots.snapshotsKept(userId, api.apiId, [after.deploymentId]);
  if (kept.has(after.deploymentId)) return;
  if (snapshotNeededAt(before, after, (id) => kept.has(id)) === null)
    throw new InvalidInput(
      ErrorCode.HttpApiInvalid,
      `deployment '${after.deploymentId}' was made before Hangar kept what a deployment serves: create a deployment and name that one`,
    );
  const routes = await app.httpApis.listRoutes(userId, api.apiId);
  await app.httpDeploymentSnapshots.putSnapshot(userId, api.apiId, after.deploymentId, snapshotOf(api, routes));
}

/** CreateDeployment: the API as it is now, kept; `stage` (a stage's name, null: none) reports
 *  it, or serves it if it does not auto-deploy. */
export async function createHttpDeployment(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  input: { description?: unknown; stage: string | null },
): Promise<HttpDeployment> {
  const description = checkDeploymentDescription(input.description);
  const { api, routes } = await getHttpStage(app, userId, apiId);
  if (input.stage !== null && input.stage !== DEFAULT_STAGE) namedStageOf(api, input.stage);
  const deploymentId = partIdFrom(randomBytes(7));
  await app.httpDeploymentSnapshots.putSnapshot(userId, apiId, deploymentId, snapshotOf(api, routes));
  try {
    const d = await app.httpApis.createDeployment(userId, apiId, { deploymentId, description, stage: input.stage });
    app.httpApiChanged?.(apiId);
    return d;
  } catch (err) {
    await app.httpDeploymentSnapshots.deleteSnapshot(userId, apiId, deploymentId).catch(() => undefined);
    throw err;
  }
}

export async function getHttpDeployment(app: HttpApisApp, userId: string, apiId: string, deploymentId: string): Promise<HttpDeployment> {
  return deploymentOf(await getHttpApi(app, userId, apiId), deploymentId);
}

/** UpdateDeployment: its description replaced (what it serves never changes). */
export async function updateHttpDeployment(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  deploymentId: string,
  description: unknown,
): Promise<HttpDeployment> {
  return app.httpApis.updateDeployment(userId, apiId, deploymentId, checkDeploymentDescription(description));
}

/** Refused while a stage reports or serves it (core removeDeployment); its snapshot goes with it. */
export async function deleteHttpDeployment(app: HttpApisApp, userId: string, apiId: string, deploymentId: string): Promise<void> {
  await app.httpApis.deleteDeployment(userId, apiId, deploymentId);
  await app.httpDeploymentSnapshots.deleteSnapshot(userId, apiId, deploymentId);
}
