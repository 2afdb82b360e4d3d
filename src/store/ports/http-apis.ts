/**
 * The HTTP APIs port: users' HTTP APIs (API Gateway HTTP API) and their routes. What is valid is
 * decided in core/http-api/model.ts; a backend checks with it, then persists. Every method is
 * scoped by userId: another user's API is not found, never visible. Reads answer null (or an
 * empty list) for what is not there; changes to what is not there throw NotFound
 * (HTTP_API_NOT_FOUND, HTTP_ROUTE_NOT_FOUND).
 */
import type {
  HttpApi,
  HttpApiDefinition,
  HttpApiInput,
  HttpAuthorizer,
  HttpAuthorizerInput,
  HttpDeployment,
  HttpDeploymentSnapshot,
  HttpIntegration,
  HttpIntegrationInput,
  HttpRoute,
  HttpRouteInput,
  NamedStage,
  NamedStageInput,
  StagePatch,
  TagMap,
} from '../../core/index.ts';

/** An API as the gateway serves it: the API and all its routes. */
export interface ServedHttpApi {
  api: HttpApi;
  routes: HttpRoute[];
}

export type HttpRoutePatch = Partial<Omit<HttpRouteInput, 'routeKey'>>;

export interface HttpApis {
  // APIs
  /** A new API with a fresh 10-character id. InvalidInput (HTTP_API_INVALID) if the input is not valid. */
  createApi(userId: string, input: HttpApiInput): Promise<HttpApi>;
  getApi(userId: string, apiId: string): Promise<HttpApi | null>;
  /** A user's APIs, oldest first. */
  listApis(userId: string): Promise<HttpApi[]>;
  /** How many routes each of a user's APIs has, by API id, in one read (an API without routes
   *  is absent): the list views' counts, without reading every API's routes. */
  routeCounts(userId: string): Promise<Map<string, number>>;
  /** The patch applied (absent fields stay; null clears cors or throttle). */
  updateApi(userId: string, apiId: string, patch: Partial<HttpApiInput>): Promise<HttpApi>;
  /** The API with its routes; false if there was none. Conflict (HTTP_API_MAPPED, naming them)
   *  while a custom domain's mapping names it (API Gateway's DeleteApi refuses so): the check
   *  and the delete are one, so a mapping made meanwhile is never deleted unseen. */
  deleteApi(userId: string, apiId: string): Promise<boolean>;

  /** Its $default stage changed in one write, as core applyStagePatch decides: the API's default
   *  throttle and stage variables, routes' own throttles, whether it auto-deploys and the
   *  deployment it serves. NotFound (HTTP_API_NOT_FOUND; for a
   *  route key that names no route HTTP_ROUTE_NOT_FOUND, and nothing changes); InvalidInput
   *  (HTTP_API_INVALID). `tags` (checked by the caller): $default's tags become exactly these in
   *  the same write (CreateStage's Tags: a stage made anew has only those given; DeleteStage: {}),
   *  so the stage is never changed without them nor they without it; absent: they stay. */
  updateStage(userId: string, apiId: string, patch: StagePatch, tags?: TagMap): Promise<ServedHttpApi>;

  /** A named stage made or changed (core putNamedStage): NotFound (HTTP_API_NOT_FOUND;
   *  HTTP_STAGE_NOT_FOUND changing one not there); Conflict (HTTP_STAGE_EXISTS) making one that is;
   *  InvalidInput (HTTP_API_INVALID). `tags` (checked by the caller): the stage's tags become
   *  exactly these in the same write (CreateStage's Tags); absent: they stay. */
  putNamedStage(userId: string, apiId: string, input: NamedStageInput, tags?: TagMap): Promise<NamedStage>;
  /** NotFound (HTTP_API_NOT_FOUND, HTTP_STAGE_NOT_FOUND). */
  deleteNamedStage(userId: string, apiId: string, name: string): Promise<void>;

  /** ReimportApi: its name, CORS, integrations, authorizers and routes replaced in one write, as
   *  core applyDefinition decides (what is the stage's stays, but for the named stages' settings
   *  of route keys it drops: stagesWithoutGoneRoutes). NotFound (HTTP_API_NOT_FOUND);
   *  InvalidInput (HTTP_API_INVALID), and then nothing changes. */
  replaceDefinition(userId: string, apiId: string, def: HttpApiDefinition): Promise<ServedHttpApi>;

  // Integrations and authorizers (core/http-api/parts.ts); read with the API (getApi).
  /** NotFound (HTTP_API_NOT_FOUND) without such an API. */
  createIntegration(userId: string, apiId: string, input: HttpIntegrationInput): Promise<HttpIntegration>;
  /** The integration's function replaced, and that of every route made from it, at once.
   *  NotFound (HTTP_INTEGRATION_NOT_FOUND). */
  updateIntegration(userId: string, apiId: string, integrationId: string, input: HttpIntegrationInput): Promise<HttpIntegration>;
  /** NotFound as above; Conflict (HTTP_API_PART_IN_USE) while a route is made from it. */
  deleteIntegration(userId: string, apiId: string, integrationId: string): Promise<void>;
  createAuthorizer(userId: string, apiId: string, input: HttpAuthorizerInput): Promise<HttpAuthorizer>;
  /** The authorizer replaced (its id stays), and the auth of every route made from it, at once.
   *  NotFound (HTTP_AUTHORIZER_NOT_FOUND). */
  updateAuthorizer(userId: string, apiId: string, authorizerId: string, input: HttpAuthorizerInput): Promise<HttpAuthorizer>;
  /** NotFound (HTTP_AUTHORIZER_NOT_FOUND); Conflict (HTTP_API_PART_IN_USE) while a route uses it. */
  deleteAuthorizer(userId: string, apiId: string, authorizerId: string): Promise<void>;

  // Deployments (parts.ts): listed with the API; their snapshots are HttpDeploymentSnapshots'.
  /** A new deployment with the id given (InvalidInput past DEPLOYMENTS_MAX); `stage`: the stage
   *  ('$default' or a named one) that reports or serves it from now on (core deployTo); null:
   *  none. NotFound (HTTP_API_NOT_FOUND; HTTP_STAGE_NOT_FOUND for a stage not there). */
  createDeployment(
    userId: string,
    apiId: string,
    input: { deploymentId: string; description: string; stage: string | null },
  ): Promise<HttpDeployment>;
  /** Its description replaced. NotFound (HTTP_DEPLOYMENT_NOT_FOUND); InvalidInput past 1,024 characters. */
  updateDeployment(userId: string, apiId: string, deploymentId: string, description: string): Promise<HttpDeployment>;
  /** NotFound (HTTP_DEPLOYMENT_NOT_FOUND); InvalidInput for one a stage reports or serves. */
  deleteDeployment(userId: string, apiId: string, deploymentId: string): Promise<void>;

  // Routes
  /** NotFound (HTTP_API_NOT_FOUND) without such an API, or of an integration or authorizer it
   *  names; Conflict (HTTP_ROUTE_EXISTS) if the route key is taken: of two concurrent creates
   *  exactly one wins. */
  createRoute(userId: string, apiId: string, input: HttpRouteInput): Promise<HttpRoute>;
  getRoute(userId: string, apiId: string, routeKey: string): Promise<HttpRoute | null>;
  /** By route key; empty when there is no such API. */
  listRoutes(userId: string, apiId: string): Promise<HttpRoute[]>;
  updateRoute(userId: string, apiId: string, routeKey: string, patch: HttpRoutePatch): Promise<HttpRoute>;
  /** The route, and its settings on every named stage, in one write (core
   *  stagesWithoutGoneRoutes); false if there was none (no API: none). */
  deleteRoute(userId: string, apiId: string, routeKey: string): Promise<boolean>;

  // Serving
  /** The API with this id, whoever owns it, with its routes by route key; null when none. An id
   *  names one API across all users (the gateway's URLs carry only the id). */
  servedApi(apiId: string): Promise<ServedHttpApi | null>;
}

/**
 * The snapshots of HTTP API deployments (core/http-api/deployment.ts): what a stage that does not
 * auto-deploy serves. Kept apart from the API's row, as one can be a few hundred KB (300 routes);
 * never changed once kept; deleted with their deployment, and with their API.
 */
export interface HttpDeploymentSnapshots {
  /** Kept for the API's deployment `deploymentId` (which the API need not list yet: the snapshot
   *  is kept first, so a stage never names a deployment without one). A second put of the same
   *  id keeps the first. NotFound (HTTP_API_NOT_FOUND) without such an API of the user's. */
  putSnapshot(userId: string, apiId: string, deploymentId: string, snapshot: HttpDeploymentSnapshot): Promise<void>;
  /** By the API's id alone, whoever owns it (the gateway's reads); null when none is kept. */
  getSnapshot(apiId: string, deploymentId: string): Promise<HttpDeploymentSnapshot | null>;
  /** Which of `deploymentIds` have a snapshot. */
  snapshotsKept(userId: string, apiId: string, deploymentIds: string[]): Promise<Set<string>>;
  /** Nothing if there is none. */
  deleteSnapshot(userId: string, apiId: string, deploymentId: string): Promise<void>;
}
