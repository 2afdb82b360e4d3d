/**
 * The HTTP APIs port on SQLite. Reads run directly; every change is one write of the batch
 * (write-batch.ts), which reads, decides (core/http-api/model.ts) and writes in one
 * transaction. A write may run twice when its batch is retried, so ids and times are made
 * before it and passed in.
 */
import { randomBytes } from 'node:crypto';
import {
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
  type NamedStage,
  type NamedStageInput,
  type StagePatch,
  addAuthorizer,
  addDeployment,
  DEFAULT_STAGE,
  deployTo,
  namedStageOf,
  addIntegration,
  apiIdFrom,
  applyApiPatch,
  applyDefinition,
  applyRoutePatch,
  applyStagePatch,
  checkAuth,
  checkAuthorizerInput,
  checkHttpApiInput,
  checkHttpRouteInput,
  checkIntegrationInput,
  deploymentOf,
  httpApiErrors,
  partIdFrom,
  putNamedStage,
  redescribeDeployment,
  removeAuthorizer,
  removeDeployment,
  removeIntegration,
  removeNamedStage,
  replaceAuthorizer,
  replaceIntegration,
  routeAuthOf,
  stagesWithoutGoneRoutes,
  type TagMap,
  httpStageTagKey,
} from '../../core/index.ts';
import {
  apiFromRow,
  apiValues,
  deploymentValues,
  partValues,
  routeCountsOf,
  routeFromRow,
  routeValues,
  stagesValue,
} from '../http-api-row.ts';
import type { HttpApis, HttpRoutePatch, ServedHttpApi } from '../ports/http-apis.ts';
import type { Row } from '../row.ts';
import type { SqliteContext } from './context.ts';
import { putTags } from './tags.ts';

/** user_id, api_id, name, cors, throttle, stage_variables, created_at, updated_at. */
const INSERT_API = `INSERT INTO http_apis (user_id, api_id, name, cors, throttle, stage_variables, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`;

/** user_id, api_id. */
const SELECT_API = `SELECT * FROM http_apis WHERE user_id = ? AND api_id = ?`;

/** user_id. */
const LIST_APIS = `SELECT * FROM http_apis WHERE user_id = ? ORDER BY created_at, api_id`;
/** user_id. A range of the routes' primary key (user_id, api_id, route_key). */
const ROUTE_COUNTS = `SELECT api_id, count(*) AS n FROM http_routes WHERE user_id = ? GROUP BY api_id`;

/** name, cors, throttle, stage_variables, updated_at, then user_id, api_id. */
const UPDATE_API = `UPDATE http_apis SET name = ?, cors = ?, throttle = ?, stage_variables = ?, updated_at = ?
  WHERE user_id = ? AND api_id = ? RETURNING *`;

/** user_id, api_id. Routes go with it (ON DELETE CASCADE). */
const DELETE_API = `DELETE FROM http_apis WHERE user_id = ? AND api_id = ?`;
/** user_id, api_id: the custom domains' mappings naming the API, which keep it from being deleted. */
const API_MAPPINGS = `SELECT domain_name, mapping_key FROM http_api_mappings WHERE user_id = ? AND api_id = ?
  ORDER BY domain_name, mapping_key`;

/** integrations, authorizers, updated_at, then user_id, api_id. */
const UPDATE_PARTS = `UPDATE http_apis SET integrations = ?, authorizers = ?, updated_at = ? WHERE user_id = ? AND api_id = ?`;

/** deployments, deployment_id, stages, then user_id, api_id (the API itself is as it was). */
const UPDATE_DEPLOYMENTS = `UPDATE http_apis SET deployments = ?, deployment_id = ?, stages = ? WHERE user_id = ? AND api_id = ?`;

/** auto_deploy, deployment_id, then user_id, api_id: what its $default stage serves. */
const UPDATE_DEFAULT_DEPLOYMENT = `UPDATE http_apis SET auto_deploy = ?, deployment_id = ? WHERE user_id = ? AND api_id = ? RETURNING *`;

/** stages, then user_id, api_id (its named stages; the API itself is as it was). */
const UPDATE_STAGES = `UPDATE http_apis SET stages = ? WHERE user_id = ? AND api_id = ?`;

/** auth, updated_at, then user_id, api_id, authorizer_id: the routes made from an authorizer
 *  follow it. */
const REAUTH_ROUTES = `UPDATE http_routes SET auth = ?, updated_at = ? WHERE user_id = ? AND api_id = ? AND authorizer_id = ?`;

/** function_name, qualifier, payload_format_version, updated_at, then user_id, api_id,
 *  integration_id: the routes made from an integration follow it. */
const RETARGET_ROUTES = `UPDATE http_routes SET function_name = ?, qualifier = ?, payload_format_version = ?, updated_at = ?
  WHERE user_id = ? AND api_id = ? AND integration_id = ?`;

/** user_id, api_id, route_key, function_name, qualifier, auth, throttle, cache_ttl_s,
 *  integration_id, authorizer_id, payload_format_version, now. Nothing if the key is taken. */
const INSERT_ROUTE = `INSERT INTO http_routes
  (user_id, api_id, route_key, function_name, qualifier, auth, throttle, cache_ttl_s, integration_id, authorizer_id,
   payload_format_version, created_at, updated_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
  ON CONFLICT (user_id, api_id, route_key) DO NOTHING RETURNING *`;

/** user_id, api_id, route_key. */
const SELECT_ROUTE = `SELECT * FROM http_routes WHERE user_id = ? AND api_id = ? AND route_key = ?`;

/** user_id, api_id. */
const LIST_ROUTES = `SELECT * FROM http_routes WHERE user_id = ? AND api_id = ? ORDER BY route_key`;

/** function_name, qualifier, auth, throttle, cache_ttl_s, integration_id, authorizer_id,
 *  payload_format_version, updated_at, then user_id, api_id, route_key. */
const UPDATE_ROUTE = `UPDATE http_routes SET function_name = ?, qualifier = ?, auth = ?, throttle = ?, cache_ttl_s = ?,
  integration_id = ?, authorizer_id = ?, payload_format_version = ?, updated_at = ? WHERE user_id = ? AND api_id = ? AND route_key = ? RETURNING *`;

/** throttle, updated_at, then user_id, api_id, route_key: a route setting of its stage. */
const UPDATE_ROUTE_THROTTLE = `UPDATE http_routes SET throttle = ?, updated_at = ? WHERE user_id = ? AND api_id = ? AND route_key = ?`;

/** user_id, api_id, route_key. */
const DELETE_ROUTE = `DELETE FROM http_routes WHERE user_id = ? AND api_id = ? AND route_key = ?`;

/** user_id, api_id: every route of the API (a definition replaced). */
const DELETE_ROUTES = `DELETE FROM http_routes WHERE user_id = ? AND api_id = ?`;

/** api_id: whoever owns it (the unique index of migration 0024). */
const SERVED_API = `SELECT * FROM http_apis WHERE api_id = ?`;

export class SqliteHttpApis implements HttpApis {
  private readonly ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.ctx = ctx;
  }

  async createApi(userId: string, input: HttpApiInput): Promise<HttpApi> {
    const api = checkHttpApiInput(input);
    const apiId = apiIdFrom(randomBytes(10));
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => this.ctx.stmt(INSERT_API).get(userId, apiId, ...apiValues(api), now, now) as Row);
    return apiFromRow(row);
  }

  async getApi(userId: string, apiId: string): Promise<HttpApi | null> {
    const row = this.ctx.stmt(SELECT_API).get(userId, apiId) as Row | undefined;
    return row ? apiFromRow(row) : null;
  }

  async listApis(userId: string): Promise<HttpApi[]> {
    return (this.ctx.stmt(LIST_APIS).all(userId) as Row[]).map(apiFromRow);
  }

  async routeCounts(userId: string): Promise<Map<string, number>> {
    return routeCountsOf(this.ctx.stmt(ROUTE_COUNTS).all(userId) as Row[]);
  }

  async updateApi(userId: string, apiId: string, patch: Partial<HttpApiInput>): Promise<HttpApi> {
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => {
      const before = this.ctx.stmt(SELECT_API).get(userId, apiId) as Row | undefined;
      if (!before) throw httpApiErrors.apiNotFound(apiId);
      const next = applyApiPatch(apiFromRow(before), patch);
      return this.ctx.stmt(UPDATE_API).get(...apiValues(next), now, userId, apiId) as Row;
    });
    return apiFromRow(row);
  }

  async updateStage(userId: string, apiId: string, patch: StagePatch, tags?: TagMap): Promise<ServedHttpApi> {
    const now = this.ctx.clock.now();
    return this.ctx.writes.run(() => {
      const api = this.apiIn(userId, apiId);
      const stage = applyStagePatch(api, this.routesIn(userId, apiId), patch);
      const next = applyApiPatch(api, { throttle: stage.throttle, stageVariables: stage.stageVariables });
      this.ctx.stmt(UPDATE_API).run(...apiValues(next), now, userId, apiId);
      const { autoDeploy, deploymentId } = stage.deployment;
      const row = this.ctx.stmt(UPDATE_DEFAULT_DEPLOYMENT).get(autoDeploy ? 1 : 0, deploymentId, userId, apiId) as Row;
      for (const r of stage.routes)
        this.ctx.stmt(UPDATE_ROUTE_THROTTLE).run(r.throttle && JSON.stringify(r.throttle), now, userId, apiId, r.routeKey);
      if (tags) putTags(this.ctx, userId, httpStageTagKey(apiId, DEFAULT_STAGE), tags);
      return { api: apiFromRow(row), routes: this.routesIn(userId, apiId) };
    });
  }

  async putNamedStage(userId: string, apiId: string, input: NamedStageInput, tags?: TagMap): Promise<NamedStage> {
    const now = this.ctx.clock.now();
    return this.ctx.writes.run(() => {
      const { stages, stage } = putNamedStage(this.apiIn(userId, apiId), this.routesIn(userId, apiId), input, now);
      this.ctx.stmt(UPDATE_STAGES).run(stagesValue(stages), userId, apiId);
      // After the stages: their trigger (migration 0052) has cleared what a stage of the name had.
      if (tags) putTags(this.ctx, userId, httpStageTagKey(apiId, input.name), tags);
      return stage;
    });
  }

  async deleteNamedStage(userId: string, apiId: string, name: string): Promise<void> {
    return this.ctx.writes.run(() => {
      this.ctx.stmt(UPDATE_STAGES).run(stagesValue(removeNamedStage(this.apiIn(userId, apiId), name)), userId, apiId);
    });
  }

  async replaceDefinition(userId: string, apiId: string, def: HttpApiDefinition): Promise<ServedHttpApi> {
    const ids = {
      integrations: def.integrations.map(() => partIdFrom(randomBytes(7))),
      authorizers: def.authorizers.map(() => partIdFrom(randomBytes(7))),
    };
    const now = this.ctx.clock.now();
    return this.ctx.writes.run(() => {
      const api = this.apiIn(userId, apiId);
      const next = applyDefinition(api, this.routesIn(userId, apiId), def, ids, checkAuth);
      this.ctx.stmt(UPDATE_PARTS).run(...partValues(next), now, userId, apiId);
      const keys = new Set(next.routes.map((r) => r.routeKey));
      const stages = stagesWithoutGoneRoutes(api.stages, (key) => keys.has(key));
      if (stages) this.ctx.stmt(UPDATE_STAGES).run(stagesValue(stages), userId, apiId);
      const row = this.ctx.stmt(UPDATE_API).get(...apiValues(next.fields), now, userId, apiId) as Row;
      this.ctx.stmt(DELETE_ROUTES).run(userId, apiId);
      for (const r of next.routes) this.ctx.stmt(INSERT_ROUTE).run(userId, apiId, r.routeKey, ...routeValues(r), now);
      return { api: apiFromRow(row), routes: this.routesIn(userId, apiId) };
    });
  }

  async deleteApi(userId: string, apiId: string): Promise<boolean> {
    return this.ctx.writes.run(() => {
      const mapped = this.ctx.stmt(API_MAPPINGS).all(userId, apiId) as Array<{ domain_name: string; mapping_key: string }>;
      if (mapped.length > 0)
        throw httpApiErrors.mapped(
          apiId,
          mapped.map((m) => ({ domainName: m.domain_name, apiMappingKey: m.mapping_key })),
        );
      return Number(this.ctx.stmt(DELETE_API).run(userId, apiId).changes) > 0;
    });
  }

  /** The API as it is in this write's transaction; NotFound without it. */
  private apiIn(userId: string, apiId: string): HttpApi {
    const row = this.ctx.stmt(SELECT_API).get(userId, apiId) as Row | undefined;
    if (!row) throw httpApiErrors.apiNotFound(apiId);
    return apiFromRow(row);
  }

  /** One write: `change` decides the API's parts from the API as it is in the transaction
   *  (NotFound without it), and they are written. */
  private changeParts<T>(
    userId: string,
    apiId: string,
    change: (api: HttpApi, now: number) => { parts: Pick<HttpApi, 'integrations' | 'authorizers'>; result: T },
  ): Promise<T> {
    const now = this.ctx.clock.now();
    return this.ctx.writes.run(() => {
      const { parts, result } = change(this.apiIn(userId, apiId), now);
      this.ctx.stmt(UPDATE_PARTS).run(...partValues(parts), now, userId, apiId);
      return result;
    });
  }

  private routesIn(userId: string, apiId: string): HttpRoute[] {
    return (this.ctx.stmt(LIST_ROUTES).all(userId, apiId) as Row[]).map(routeFromRow);
  }

  async createIntegration(userId: string, apiId: string, input: HttpIntegrationInput): Promise<HttpIntegration> {
    const integration = { integrationId: partIdFrom(randomBytes(7)), ...checkIntegrationInput(input) };
    return this.changeParts(userId, apiId, (api) => ({
      parts: { integrations: addIntegration(api, integration), authorizers: api.authorizers },
      result: integration,
    }));
  }

  async updateIntegration(userId: string, apiId: string, integrationId: string, input: HttpIntegrationInput): Promise<HttpIntegration> {
    const integration = { integrationId, ...checkIntegrationInput(input) };
    return this.changeParts(userId, apiId, (api, now) => {
      const integrations = replaceIntegration(api, integration);
      this.ctx
        .stmt(RETARGET_ROUTES)
        .run(integration.functionName, integration.qualifier, integration.payloadFormatVersion, now, userId, apiId, integrationId);
      return { parts: { integrations, authorizers: api.authorizers }, result: integration };
    });
  }

  async deleteIntegration(userId: string, apiId: string, integrationId: string): Promise<void> {
    return this.changeParts(userId, apiId, (api) => ({
      parts: { integrations: removeIntegration(api, this.routesIn(userId, apiId), integrationId), authorizers: api.authorizers },
      result: undefined,
    }));
  }

  async createAuthorizer(userId: string, apiId: string, input: HttpAuthorizerInput): Promise<HttpAuthorizer> {
    const authorizer = { authorizerId: partIdFrom(randomBytes(7)), ...checkAuthorizerInput(input, checkAuth) };
    return this.changeParts(userId, apiId, (api) => ({
      parts: { integrations: api.integrations, authorizers: addAuthorizer(api, authorizer) },
      result: authorizer,
    }));
  }

  async updateAuthorizer(userId: string, apiId: string, authorizerId: string, input: HttpAuthorizerInput): Promise<HttpAuthorizer> {
    const authorizer = { authorizerId, ...checkAuthorizerInput(input, checkAuth) };
    return this.changeParts(userId, apiId, (api, now) => {
      const authorizers = replaceAuthorizer(api, authorizer);
      this.ctx.stmt(REAUTH_ROUTES).run(JSON.stringify(routeAuthOf(authorizer)), now, userId, apiId, authorizerId);
      return { parts: { integrations: api.integrations, authorizers }, result: authorizer };
    });
  }

  /** One write: `change` decides the API's deployments and the one its stage reports from the
   *  API as it is in the transaction (NotFound without it), and they are written. */
  private changeDeployments<T>(
    userId: string,
    apiId: string,
    change: (api: HttpApi) => { deployments: HttpDeployment[]; deploymentId: string | null; stages: NamedStage[]; result: T },
  ): Promise<T> {
    return this.ctx.writes.run(() => {
      const { result, ...next } = change(this.apiIn(userId, apiId));
      this.ctx.stmt(UPDATE_DEPLOYMENTS).run(...deploymentValues(next), userId, apiId);
      return result;
    });
  }

  async createDeployment(
    userId: string,
    apiId: string,
    input: { deploymentId: string; description: string; stage: string | null },
  ): Promise<HttpDeployment> {
    const deployment = { deploymentId: input.deploymentId, description: input.description, createdAt: this.ctx.clock.now() };
    return this.changeDeployments(userId, apiId, (api) => {
      if (input.stage !== null && input.stage !== DEFAULT_STAGE) namedStageOf(api, input.stage);
      return { deployments: addDeployment(api, deployment), ...deployTo(api, input.stage, deployment.deploymentId), result: deployment };
    });
  }

  async updateDeployment(userId: string, apiId: string, deploymentId: string, description: string): Promise<HttpDeployment> {
    return this.changeDeployments(userId, apiId, (api) => {
      const deployments = redescribeDeployment(api, deploymentId, description);
      return {
        deployments,
        deploymentId: api.deploymentId,
        stages: api.stages,
        result: deploymentOf({ ...api, deployments }, deploymentId),
      };
    });
  }

  async deleteDeployment(userId: string, apiId: string, deploymentId: string): Promise<void> {
    return this.changeDeployments(userId, apiId, (api) => ({
      deployments: removeDeployment(api, deploymentId),
      deploymentId: api.deploymentId,
      stages: api.stages,
      result: undefined,
    }));
  }

  async deleteAuthorizer(userId: string, apiId: string, authorizerId: string): Promise<void> {
    return this.changeParts(userId, apiId, (api) => ({
      parts: { integrations: api.integrations, authorizers: removeAuthorizer(api, this.routesIn(userId, apiId), authorizerId) },
      result: undefined,
    }));
  }

  async createRoute(userId: string, apiId: string, input: HttpRouteInput): Promise<HttpRoute> {
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => {
      const route = checkHttpRouteInput(this.apiIn(userId, apiId), input);
      const inserted = this.ctx.stmt(INSERT_ROUTE).get(userId, apiId, route.routeKey, ...routeValues(route), now) as Row | undefined;
      if (inserted) return inserted;
      throw httpApiErrors.routeExists(apiId, route.routeKey);
    });
    return routeFromRow(row);
  }

  async getRoute(userId: string, apiId: string, routeKey: string): Promise<HttpRoute | null> {
    const row = this.ctx.stmt(SELECT_ROUTE).get(userId, apiId, routeKey) as Row | undefined;
    return row ? routeFromRow(row) : null;
  }

  async listRoutes(userId: string, apiId: string): Promise<HttpRoute[]> {
    return (this.ctx.stmt(LIST_ROUTES).all(userId, apiId) as Row[]).map(routeFromRow);
  }

  async updateRoute(userId: string, apiId: string, routeKey: string, patch: HttpRoutePatch): Promise<HttpRoute> {
    const now = this.ctx.clock.now();
    const row = await this.ctx.writes.run(() => {
      const before = this.ctx.stmt(SELECT_ROUTE).get(userId, apiId, routeKey) as Row | undefined;
      if (!before) throw httpApiErrors.routeNotFound(apiId, routeKey);
      const next = applyRoutePatch(this.apiIn(userId, apiId), routeFromRow(before), patch);
      return this.ctx.stmt(UPDATE_ROUTE).get(...routeValues(next), now, userId, apiId, routeKey) as Row;
    });
    return routeFromRow(row);
  }

  async deleteRoute(userId: string, apiId: string, routeKey: string): Promise<boolean> {
    return this.ctx.writes.run(() => {
      if (Number(this.ctx.stmt(DELETE_ROUTE).run(userId, apiId, routeKey).changes) === 0) return false;
      // Its route settings on the named stages go with it (core stagesWithoutGoneRoutes).
      const stages = stagesWithoutGoneRoutes(this.apiIn(userId, apiId).stages, (key) => key !== routeKey);
      if (stages) this.ctx.stmt(UPDATE_STAGES).run(stagesValue(stages), userId, apiId);
      return true;
    });
  }

  async servedApi(apiId: string): Promise<ServedHttpApi | null> {
    const row = this.ctx.stmt(SERVED_API).get(apiId) as Row | undefined;
    if (!row) return null;
    const api = apiFromRow(row);
    return { api, routes: await this.listRoutes(api.userId, apiId) };
  }
}
