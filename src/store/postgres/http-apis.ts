/**
 * The HTTP APIs port on PostgreSQL. An update reads its row FOR UPDATE, decides
 * (core/http-api/model.ts) and writes in one transaction, so concurrent patches apply one after
 * the other; a route's create is one INSERT that the primary key lets only one of two
 * concurrent creates make.
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
  NotFound,
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
import type { Db, Tx } from './db.ts';
import { putTags } from './tags.ts';

/** user_id, api_id, name, cors, throttle, stage_variables, now. */
const INSERT_API = `INSERT INTO http_apis (user_id, api_id, name, cors, throttle, stage_variables, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`;

/** user_id, api_id. */
const SELECT_API = `SELECT * FROM http_apis WHERE user_id = $1 AND api_id = $2`;

/** user_id, api_id: the row, locked until the transaction ends. */
const LOCK_API = `SELECT * FROM http_apis WHERE user_id = $1 AND api_id = $2 FOR UPDATE`;

/** user_id. */
const LIST_APIS = `SELECT * FROM http_apis WHERE user_id = $1 ORDER BY created_at, api_id`;
/** user_id. A range of the routes' primary key (user_id, api_id, route_key). */
const ROUTE_COUNTS = `SELECT api_id, count(*) AS n FROM http_routes WHERE user_id = $1 GROUP BY api_id`;

/** name, cors, throttle, stage_variables, updated_at, user_id, api_id. */
const UPDATE_API = `UPDATE http_apis SET name = $1, cors = $2, throttle = $3, stage_variables = $4, updated_at = $5
  WHERE user_id = $6 AND api_id = $7 RETURNING *`;

/** throttle, updated_at, user_id, api_id, route_key: a route setting of its stage. */
const UPDATE_ROUTE_THROTTLE = `UPDATE http_routes SET throttle = $1, updated_at = $2 WHERE user_id = $3 AND api_id = $4 AND route_key = $5`;

/** user_id, api_id. Routes go with it (ON DELETE CASCADE). */
const DELETE_API = `DELETE FROM http_apis WHERE user_id = $1 AND api_id = $2`;
/** user_id, api_id: the custom domains' mappings naming the API, which keep it from being deleted. */
const API_MAPPINGS = `SELECT domain_name, mapping_key FROM http_api_mappings WHERE user_id = $1 AND api_id = $2
  ORDER BY domain_name, mapping_key`;

/** integrations, authorizers, updated_at, user_id, api_id. */
const UPDATE_PARTS = `UPDATE http_apis SET integrations = $1, authorizers = $2, updated_at = $3 WHERE user_id = $4 AND api_id = $5`;

/** deployments, deployment_id, stages, user_id, api_id (the API itself is as it was). */
const UPDATE_DEPLOYMENTS = `UPDATE http_apis SET deployments = $1, deployment_id = $2, stages = $3 WHERE user_id = $4 AND api_id = $5`;

/** auto_deploy, deployment_id, user_id, api_id: what its $default stage serves. */
const UPDATE_DEFAULT_DEPLOYMENT = `UPDATE http_apis SET auto_deploy = $1, deployment_id = $2 WHERE user_id = $3 AND api_id = $4 RETURNING *`;

/** stages, user_id, api_id (its named stages; the API itself is as it was). */
const UPDATE_STAGES = `UPDATE http_apis SET stages = $1 WHERE user_id = $2 AND api_id = $3`;

/** auth, updated_at, user_id, api_id, authorizer_id: the routes made from an authorizer follow it. */
const REAUTH_ROUTES = `UPDATE http_routes SET auth = $1, updated_at = $2 WHERE user_id = $3 AND api_id = $4 AND authorizer_id = $5`;

/** function_name, qualifier, payload_format_version, updated_at, user_id, api_id,
 *  integration_id: the routes made from an integration follow it. */
const RETARGET_ROUTES = `UPDATE http_routes SET function_name = $1, qualifier = $2, payload_format_version = $3, updated_at = $4
  WHERE user_id = $5 AND api_id = $6 AND integration_id = $7`;

/** user_id, api_id, route_key, function_name, qualifier, auth, throttle, cache_ttl_s,
 *  integration_id, authorizer_id, payload_format_version, now. Nothing if the key is taken. */
const INSERT_ROUTE = `INSERT INTO http_routes
  (user_id, api_id, route_key, function_name, qualifier, auth, throttle, cache_ttl_s, integration_id, authorizer_id,
   payload_format_version, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
  ON CONFLICT (user_id, api_id, route_key) DO NOTHING RETURNING *`;

/** user_id, api_id, route_key. */
const SELECT_ROUTE = `SELECT * FROM http_routes WHERE user_id = $1 AND api_id = $2 AND route_key = $3`;

/** user_id, api_id, route_key: the row, locked until the transaction ends. */
const LOCK_ROUTE = `SELECT * FROM http_routes WHERE user_id = $1 AND api_id = $2 AND route_key = $3 FOR UPDATE`;

/** user_id, api_id. */
const LIST_ROUTES = `SELECT * FROM http_routes WHERE user_id = $1 AND api_id = $2 ORDER BY route_key`;

/** function_name, qualifier, auth, throttle, cache_ttl_s, integration_id, authorizer_id,
 *  payload_format_version, updated_at, user_id, api_id, route_key. */
const UPDATE_ROUTE = `UPDATE http_routes SET function_name = $1, qualifier = $2, auth = $3, throttle = $4, cache_ttl_s = $5,
  integration_id = $6, authorizer_id = $7, payload_format_version = $8, updated_at = $9
  WHERE user_id = $10 AND api_id = $11 AND route_key = $12 RETURNING *`;

/** user_id, api_id, route_key. */
const DELETE_ROUTE = `DELETE FROM http_routes WHERE user_id = $1 AND api_id = $2 AND route_key = $3 RETURNING route_key`;

/** user_id, api_id: every route of the API (a definition replaced). */
const DELETE_ROUTES = `DELETE FROM http_routes WHERE user_id = $1 AND api_id = $2`;

/** api_id: whoever owns it (the unique index of migration 0024). */
const SERVED_API = `SELECT * FROM http_apis WHERE api_id = $1`;

export class PgHttpApis implements HttpApis {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async createApi(userId: string, input: HttpApiInput): Promise<HttpApi> {
    const api = checkHttpApiInput(input);
    const [row] = await this.db.rows(INSERT_API, [userId, apiIdFrom(randomBytes(10)), ...apiValues(api), this.db.now()]);
    return apiFromRow(row as Record<string, unknown>);
  }

  async getApi(userId: string, apiId: string): Promise<HttpApi | null> {
    const [row] = await this.db.rows(SELECT_API, [userId, apiId]);
    return row ? apiFromRow(row) : null;
  }

  async listApis(userId: string): Promise<HttpApi[]> {
    return (await this.db.rows(LIST_APIS, [userId])).map(apiFromRow);
  }

  async routeCounts(userId: string): Promise<Map<string, number>> {
    return routeCountsOf(await this.db.rows(ROUTE_COUNTS, [userId]));
  }

  updateApi(userId: string, apiId: string, patch: Partial<HttpApiInput>): Promise<HttpApi> {
    return this.db.tx(async (tx) => {
      const [before] = await tx.query(LOCK_API, [userId, apiId]);
      if (!before) throw httpApiErrors.apiNotFound(apiId);
      const next = applyApiPatch(apiFromRow(before), patch);
      const [row] = await tx.query(UPDATE_API, [...apiValues(next), this.db.now(), userId, apiId]);
      return apiFromRow(row as Record<string, unknown>);
    });
  }

  updateStage(userId: string, apiId: string, patch: StagePatch, tags?: TagMap): Promise<ServedHttpApi> {
    return this.db.tx(async (tx) => {
      const api = await lockedApi(tx, userId, apiId);
      const stage = applyStagePatch(api, (await tx.query(LIST_ROUTES, [userId, apiId])).map(routeFromRow), patch);
      const next = applyApiPatch(api, { throttle: stage.throttle, stageVariables: stage.stageVariables });
      const now = this.db.now();
      await tx.query(UPDATE_API, [...apiValues(next), now, userId, apiId]);
      const { autoDeploy, deploymentId } = stage.deployment;
      const [row] = await tx.query(UPDATE_DEFAULT_DEPLOYMENT, [autoDeploy, deploymentId, userId, apiId]);
      for (const r of stage.routes)
        await tx.query(UPDATE_ROUTE_THROTTLE, [r.throttle && JSON.stringify(r.throttle), now, userId, apiId, r.routeKey]);
      if (tags) await putTags(tx, userId, httpStageTagKey(apiId, DEFAULT_STAGE), tags);
      const routes = (await tx.query(LIST_ROUTES, [userId, apiId])).map(routeFromRow);
      return { api: apiFromRow(row as Record<string, unknown>), routes };
    });
  }

  putNamedStage(userId: string, apiId: string, input: NamedStageInput, tags?: TagMap): Promise<NamedStage> {
    return this.db.tx(async (tx) => {
      const api = await lockedApi(tx, userId, apiId);
      const routes = (await tx.query(LIST_ROUTES, [userId, apiId])).map(routeFromRow);
      const { stages, stage } = putNamedStage(api, routes, input, this.db.now());
      await tx.query(UPDATE_STAGES, [stagesValue(stages), userId, apiId]);
      // After the stages: their trigger (migration 0052) has cleared what a stage of the name had.
      if (tags) await putTags(tx, userId, httpStageTagKey(apiId, input.name), tags);
      return stage;
    });
  }

  deleteNamedStage(userId: string, apiId: string, name: string): Promise<void> {
    return this.db.tx(async (tx) => {
      await tx.query(UPDATE_STAGES, [stagesValue(removeNamedStage(await lockedApi(tx, userId, apiId), name)), userId, apiId]);
    });
  }

  replaceDefinition(userId: string, apiId: string, def: HttpApiDefinition): Promise<ServedHttpApi> {
    const ids = {
      integrations: def.integrations.map(() => partIdFrom(randomBytes(7))),
      authorizers: def.authorizers.map(() => partIdFrom(randomBytes(7))),
    };
    return this.db.tx(async (tx) => {
      const api = await lockedApi(tx, userId, apiId);
      const next = applyDefinition(api, (await tx.query(LIST_ROUTES, [userId, apiId])).map(routeFromRow), def, ids, checkAuth);
      const now = this.db.now();
      await tx.query(UPDATE_PARTS, [...partValues(next), now, userId, apiId]);
      const keys = new Set(next.routes.map((r) => r.routeKey));
      const stages = stagesWithoutGoneRoutes(api.stages, (key) => keys.has(key));
      if (stages) await tx.query(UPDATE_STAGES, [stagesValue(stages), userId, apiId]);
      const [row] = await tx.query(UPDATE_API, [...apiValues(next.fields), now, userId, apiId]);
      await tx.query(DELETE_ROUTES, [userId, apiId]);
      for (const r of next.routes) await tx.query(INSERT_ROUTE, [userId, apiId, r.routeKey, ...routeValues(r), now]);
      const routes = (await tx.query(LIST_ROUTES, [userId, apiId])).map(routeFromRow);
      return { api: apiFromRow(row as Record<string, unknown>), routes };
    });
  }

  deleteApi(userId: string, apiId: string): Promise<boolean> {
    return this.db.tx(async (tx) => {
      // The row locked first: a mapping's create keeps it FOR KEY SHARE (domain-names.ts), so one
      // made meanwhile is committed before and seen below, or waits and then finds no API.
      if ((await tx.query(LOCK_API, [userId, apiId])).length === 0) return false;
      const mapped = await tx.query(API_MAPPINGS, [userId, apiId]);
      if (mapped.length > 0)
        throw httpApiErrors.mapped(
          apiId,
          mapped.map((m) => ({ domainName: String(m.domain_name), apiMappingKey: String(m.mapping_key) })),
        );
      await tx.query(DELETE_API, [userId, apiId]);
      return true;
    });
  }

  /**
   * Runs `change` on the API locked for this transaction, then writes the parts it answers.
   * Every change of parts and every create or update of a route locks the API first, so a
   * route cannot be made from an integration while it is being deleted.
   */
  private changeParts<T>(
    userId: string,
    apiId: string,
    change: (api: HttpApi, tx: Tx) => Promise<{ parts: Pick<HttpApi, 'integrations' | 'authorizers'>; result: T }>,
  ): Promise<T> {
    return this.db.tx(async (tx) => {
      const api = await lockedApi(tx, userId, apiId);
      const { parts, result } = await change(api, tx);
      await tx.query(UPDATE_PARTS, [...partValues(parts), this.db.now(), userId, apiId]);
      return result;
    });
  }

  async createIntegration(userId: string, apiId: string, input: HttpIntegrationInput): Promise<HttpIntegration> {
    const integration = { integrationId: partIdFrom(randomBytes(7)), ...checkIntegrationInput(input) };
    return this.changeParts(userId, apiId, async (api) => ({
      parts: { integrations: addIntegration(api, integration), authorizers: api.authorizers },
      result: integration,
    }));
  }

  async updateIntegration(userId: string, apiId: string, integrationId: string, input: HttpIntegrationInput): Promise<HttpIntegration> {
    const integration = { integrationId, ...checkIntegrationInput(input) };
    return this.changeParts(userId, apiId, async (api, tx) => {
      const integrations = replaceIntegration(api, integration);
      await tx.query(RETARGET_ROUTES, [
        integration.functionName,
        integration.qualifier,
        integration.payloadFormatVersion,
        this.db.now(),
        userId,
        apiId,
        integrationId,
      ]);
      return { parts: { integrations, authorizers: api.authorizers }, result: integration };
    });
  }

  async deleteIntegration(userId: string, apiId: string, integrationId: string): Promise<void> {
    return this.changeParts(userId, apiId, async (api, tx) => {
      const routes = (await tx.query(LIST_ROUTES, [userId, apiId])).map(routeFromRow);
      return { parts: { integrations: removeIntegration(api, routes, integrationId), authorizers: api.authorizers }, result: undefined };
    });
  }

  async createAuthorizer(userId: string, apiId: string, input: HttpAuthorizerInput): Promise<HttpAuthorizer> {
    const authorizer = { authorizerId: partIdFrom(randomBytes(7)), ...checkAuthorizerInput(input, checkAuth) };
    return this.changeParts(userId, apiId, async (api) => ({
      parts: { integrations: api.integrations, authorizers: addAuthorizer(api, authorizer) },
      result: authorizer,
    }));
  }

  async updateAuthorizer(userId: string, apiId: string, authorizerId: string, input: HttpAuthorizerInput): Promise<HttpAuthorizer> {
    const authorizer = { authorizerId, ...checkAuthorizerInput(input, checkAuth) };
    return this.changeParts(userId, apiId, async (api, tx) => {
      const authorizers = replaceAuthorizer(api, authorizer);
      await tx.query(REAUTH_ROUTES, [JSON.stringify(routeAuthOf(authorizer)), this.db.now(), userId, apiId, authorizerId]);
      return { parts: { integrations: api.integrations, authorizers }, result: authorizer };
    });
  }

  /** Runs `change` on the API locked for this transaction, then writes the deployments and the
   *  one its stage reports that it answers. */
  private changeDeployments<T>(
    userId: string,
    apiId: string,
    change: (api: HttpApi) => { deployments: HttpDeployment[]; deploymentId: string | null; stages: NamedStage[]; result: T },
  ): Promise<T> {
    return this.db.tx(async (tx) => {
      const { result, ...next } = change(await lockedApi(tx, userId, apiId));
      await tx.query(UPDATE_DEPLOYMENTS, [...deploymentValues(next), userId, apiId]);
      return result;
    });
  }

  createDeployment(
    userId: string,
    apiId: string,
    input: { deploymentId: string; description: string; stage: string | null },
  ): Promise<HttpDeployment> {
    const deployment = { deploymentId: input.deploymentId, description: input.description, createdAt: this.db.now() };
    return this.changeDeployments(userId, apiId, (api) => {
      if (input.stage !== null && input.stage !== DEFAULT_STAGE) namedStageOf(api, input.stage);
      return { deployments: addDeployment(api, deployment), ...deployTo(api, input.stage, deployment.deploymentId), result: deployment };
    });
  }

  updateDeployment(userId: string, apiId: string, deploymentId: string, description: string): Promise<HttpDeployment> {
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

  deleteDeployment(userId: string, apiId: string, deploymentId: string): Promise<void> {
    return this.changeDeployments(userId, apiId, (api) => ({
      deployments: removeDeployment(api, deploymentId),
      deploymentId: api.deploymentId,
      stages: api.stages,
      result: undefined,
    }));
  }

  async deleteAuthorizer(userId: string, apiId: string, authorizerId: string): Promise<void> {
    return this.changeParts(userId, apiId, async (api, tx) => {
      const routes = (await tx.query(LIST_ROUTES, [userId, apiId])).map(routeFromRow);
      return { parts: { integrations: api.integrations, authorizers: removeAuthorizer(api, routes, authorizerId) }, result: undefined };
    });
  }

  async createRoute(userId: string, apiId: string, input: HttpRouteInput): Promise<HttpRoute> {
    return this.db.tx(async (tx) => {
      const route = checkHttpRouteInput(await lockedApi(tx, userId, apiId), input);
      const [row] = await tx.query(INSERT_ROUTE, [userId, apiId, route.routeKey, ...routeValues(route), this.db.now()]);
      if (!row) throw httpApiErrors.routeExists(apiId, route.routeKey);
      return routeFromRow(row);
    });
  }

  async getRoute(userId: string, apiId: string, routeKey: string): Promise<HttpRoute | null> {
    const [row] = await this.db.rows(SELECT_ROUTE, [userId, apiId, routeKey]);
    return row ? routeFromRow(row) : null;
  }

  async listRoutes(userId: string, apiId: string): Promise<HttpRoute[]> {
    return (await this.db.rows(LIST_ROUTES, [userId, apiId])).map(routeFromRow);
  }

  updateRoute(userId: string, apiId: string, routeKey: string, patch: HttpRoutePatch): Promise<HttpRoute> {
    return this.db.tx(async (tx) => {
      const api = await lockedApi(tx, userId, apiId).catch((err: unknown) => {
        throw err instanceof NotFound ? httpApiErrors.routeNotFound(apiId, routeKey) : err;
      });
      const [before] = await tx.query(LOCK_ROUTE, [userId, apiId, routeKey]);
      if (!before) throw httpApiErrors.routeNotFound(apiId, routeKey);
      const next = applyRoutePatch(api, routeFromRow(before), patch);
      const [row] = await tx.query(UPDATE_ROUTE, [...routeValues(next), this.db.now(), userId, apiId, routeKey]);
      return routeFromRow(row as Record<string, unknown>);
    });
  }

  async deleteRoute(userId: string, apiId: string, routeKey: string): Promise<boolean> {
    return this.db.tx(async (tx) => {
      // The API locked first, as putNamedStage locks it: a stage's route settings written
      // meanwhile are seen here, or wait and then find the route gone.
      const [row] = await tx.query(LOCK_API, [userId, apiId]);
      if (!row) return false;
      if ((await tx.query(DELETE_ROUTE, [userId, apiId, routeKey])).length === 0) return false;
      // Its route settings on the named stages go with it (core stagesWithoutGoneRoutes).
      const stages = stagesWithoutGoneRoutes(apiFromRow(row).stages, (key) => key !== routeKey);
      if (stages) await tx.query(UPDATE_STAGES, [stagesValue(stages), userId, apiId]);
      return true;
    });
  }

  async servedApi(apiId: string): Promise<ServedHttpApi | null> {
    const [row] = await this.db.rows(SERVED_API, [apiId]);
    if (!row) return null;
    // Two reads, not one snapshot: a route changed in between is served as it is now, as it
    // would be a moment later anyway (the gateway keeps what it read for a second).
    const api = apiFromRow(row);
    return { api, routes: await this.listRoutes(api.userId, apiId) };
  }
}

/** The API, locked until the transaction ends; NotFound without it. */
async function lockedApi(tx: Tx, userId: string, apiId: string): Promise<HttpApi> {
  const [row] = await tx.query(LOCK_API, [userId, apiId]);
  if (!row) throw httpApiErrors.apiNotFound(apiId);
  return apiFromRow(row);
}
