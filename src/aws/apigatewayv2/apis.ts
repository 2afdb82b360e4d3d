/**
 * API Gateway v2's APIs and stages over Hangar's HTTP APIs (app/http-apis.ts). An API's
 * ApiEndpoint is where Hangar serves it (`{base}/http/{apiId}`, needing no DNS). ImportApi makes
 * one from an OpenAPI document, ReimportApi puts one over an API. Quick create (`target` and
 * `routeKey`) makes the integration and the route too. A stage made by CreateStage auto-deploys
 * (serves the API as it is) only with AutoDeploy true, as on AWS; otherwise it serves the
 * deployment it names, and nothing until it names one (core/http-api/deployment.ts). `$default`
 * is always there, auto-deploying until CreateStage or UpdateStage says otherwise (DeleteStage
 * takes its settings back to those; the API is served until it is deleted itself): they set its
 * default throttle, its route settings (the routes' own throttles) and its stage variables (in
 * every route's event). A named stage serves the same routes at `{ApiEndpoint}/{stageName}/...`
 * with variables and throttles of its own (its own buckets too). Stages are tagged as APIs are.
 */
import {
  createHttpIntegration,
  createHttpRoute,
  createTaggedHttpApi,
  deleteHttpApi,
  deleteHttpStage,
  getHttpApi,
  getHttpStage,
  httpApiAddress,
  importHttpApi,
  listHttpApis,
  listTags,
  putHttpNamedStage,
  stageTagsOf,
  reimportHttpApi,
  taggableHttpApi,
  taggableHttpStage,
  updateHttpApi,
  updateHttpStage,
} from '../../app/index.ts';
import { parse as parseYaml } from 'yaml';
import {
  type CorsConfig,
  type HttpApi,
  type HttpApiInput,
  type NamedStage,
  type OpenApiImport,
  parseRouteKey,
  planOpenApiImport,
  type StageDeploymentChange,
  UNSET_STAGE,
} from '../../core/index.ts';
import type { ServedHttpApi } from '../../store/index.ts';
import { AwsError } from '../errors.ts';
import { userOf } from '../lambda/context.ts';
import { apiBase } from '../lambda/functions.ts';
import { tagMapOf } from '../lambda/tags.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall } from '../service.ts';
import type { ApiGatewayV2Context } from './context.ts';
import {
  API_REFUSED,
  apiShape,
  checkApiConstants,
  corsOf,
  DEFAULT_STAGE,
  field,
  integrationInputOf,
  integrationTargetOf,
  invalid,
  jsonBody,
  pageOf,
  refuse,
  required,
  routeSettingsOf,
  STAGE_REFUSED,
  stageShape,
  stageThere,
  stageVariablesOf,
  throttleOf,
} from './shapes.ts';

function protocolOf(body: Record<string, unknown>): void {
  const protocol = required(body, 'protocolType');
  if (protocol === 'WEBSOCKET') throw invalid('WebSocket APIs are not supported by Hangar: protocolType must be HTTP');
  if (protocol !== 'HTTP') throw invalid(`protocolType must be HTTP, not '${protocol.slice(0, 40)}'`);
}

/** ImportApi's and ReimportApi's document (`body`, JSON or YAML) as what it makes, and its CORS. */
function importOf(call: AwsCall): { plan: OpenApiImport; cors: CorsConfig | null } {
  const definition = required(jsonBody(call), 'body');
  const basepath = call.query.get('basepath');
  if (basepath !== null && basepath !== 'ignore')
    throw invalid(`basepath ${basepath.slice(0, 20)} is not supported by Hangar: the servers' base path is ignored`);
  let parsed: unknown;
  try {
    // YAML 1.2 reads JSON too; no custom tags, at most 100 aliases resolved (a billion laughs is refused).
    parsed = parseYaml(definition, { maxAliasCount: 100 });
  } catch (err) {
    throw invalid(`body is not a JSON or YAML document: ${(err as Error).message.split('\n')[0].slice(0, 200)}`);
  }
  const plan = planOpenApiImport(parsed);
  return { plan, cors: corsOf({ corsConfiguration: plan.cors ?? undefined }) ?? null };
}

export function apiOperations(ctx: ApiGatewayV2Context): RestOperation[] {
  const endpoint = (call: AwsCall, apiId: string) => httpApiAddress(apiBase(ctx, call), apiId);
  /** The API as API Gateway answers it, with its tags. */
  const shaped = async (call: AwsCall, a: HttpApi) =>
    apiShape(a, endpoint(call, a.apiId), await listTags(ctx, userOf(call.caller), taggableHttpApi(ctx, userOf(call.caller), a.apiId)));
  const api = '/v2/apis/{apiId}';
  return [
    {
      name: 'CreateApi',
      method: 'POST',
      path: '/v2/apis',
      async run(call) {
        const body = jsonBody(call);
        protocolOf(body);
        refuse(body, API_REFUSED);
        checkApiConstants(body);
        const input: HttpApiInput = { name: required(body, 'name'), cors: corsOf(body) ?? null };
        const target = field.string(body, 'target');
        const routeKey = field.string(body, 'routeKey');
        if (routeKey !== undefined && target === undefined) throw invalid('routeKey is only for quick create: give target too');
        const userId = userOf(call.caller);
        // Quick create: checked before anything is made, undone if the function is not there.
        const quick = target === undefined ? null : { target: integrationTargetOf(call.caller, target), routeKey: routeKey ?? '$default' };
        if (quick) parseRouteKey(quick.routeKey);
        const a = await createTaggedHttpApi(ctx, userId, { ...input, tags: tagMapOf(body, 'tags') });
        if (quick) {
          try {
            const integration = await createHttpIntegration(ctx, userId, a.apiId, quick.target);
            await createHttpRoute(ctx, userId, a.apiId, { routeKey: quick.routeKey, integrationId: integration.integrationId });
          } catch (err) {
            await deleteHttpApi(ctx, userId, a.apiId);
            throw err;
          }
        }
        return { status: 201, body: await shaped(call, a) };
      },
    },
    {
      name: 'GetApis',
      method: 'GET',
      path: '/v2/apis',
      async run(call) {
        const page = pageOf(await listHttpApis(ctx, userOf(call.caller)), call.query);
        return { status: 200, body: { ...page, items: await Promise.all(page.items.map((a) => shaped(call, a))) } };
      },
    },
    {
      name: 'GetApi',
      method: 'GET',
      path: api,
      async run(call, params) {
        const a = await getHttpApi(ctx, userOf(call.caller), params.apiId as string);
        return { status: 200, body: await shaped(call, a) };
      },
    },
    {
      name: 'UpdateApi',
      method: 'PATCH',
      path: api,
      async run(call, params) {
        const body = jsonBody(call);
        if (body.protocolType !== undefined) protocolOf(body);
        refuse(body, {
          ...API_REFUSED,
          target: 'quick create is for CreateApi only',
          routeKey: 'quick create is for CreateApi only',
          tags: 'UpdateApi does not tag: use TagResource',
        });
        checkApiConstants(body);
        const cors = corsOf(body);
        const a = await updateHttpApi(ctx, userOf(call.caller), params.apiId as string, {
          ...(body.name !== undefined ? { name: required(body, 'name') } : {}),
          ...(cors ? { cors } : {}),
        });
        return { status: 200, body: await shaped(call, a) };
      },
    },
    {
      name: 'DeleteApi',
      method: 'DELETE',
      path: api,
      async run(call, params) {
        await deleteHttpApi(ctx, userOf(call.caller), params.apiId as string);
        return { status: 204 };
      },
    },
    {
      // An OpenAPI 3.0 definition (JSON or YAML, as ExportApi writes them) as an HTTP API (core/http-api/import.ts).
      name: 'ImportApi',
      method: 'PUT',
      path: '/v2/apis',
      async run(call) {
        const { plan, cors } = importOf(call);
        const a = await importHttpApi(ctx, userOf(call.caller), plan, (uri) => integrationInputOf(call.caller, uri), cors);
        return { status: 201, body: await shaped(call, a) };
      },
    },
    {
      // The same put over an API: its routes, integrations and authorizers replaced, all or nothing.
      name: 'ReimportApi',
      method: 'PUT',
      path: api,
      async run(call, params) {
        const { plan, cors } = importOf(call);
        const target = (uri: string) => integrationInputOf(call.caller, uri);
        const { api: a } = await reimportHttpApi(ctx, userOf(call.caller), params.apiId as string, plan, target, cors);
        return { status: 201, body: await shaped(call, a) };
      },
    },
    {
      name: 'DeleteCorsConfiguration',
      method: 'DELETE',
      path: `${api}/cors`,
      async run(call, params) {
        await updateHttpApi(ctx, userOf(call.caller), params.apiId as string, { cors: null });
        return { status: 204 };
      },
    },
    ...stageOperations(ctx),
  ];
}

/** AutoDeploy and DeploymentId as a change of the stage's deployment (core nextStageDeployment).
 *  A stage made without AutoDeploy does not auto-deploy, as on AWS: it serves nothing until a
 *  deployment is made for it or named (quick create's $default, made with the API, does). */
function deploymentChangeOf(body: Record<string, unknown>, creating: boolean): StageDeploymentChange | undefined {
  const autoDeploy = field.boolean(body, 'autoDeploy') ?? (creating ? false : undefined);
  const deploymentId = field.string(body, 'deploymentId');
  if (autoDeploy === undefined && !deploymentId) return undefined;
  return { ...(autoDeploy !== undefined ? { autoDeploy } : {}), ...(deploymentId ? { deploymentId } : {}) };
}

/** What UpdateStage may not set besides what no stage may. */
const UPDATE_STAGE_REFUSED = { ...STAGE_REFUSED, tags: 'UpdateStage does not tag: use TagResource' };

function stageOperations(ctx: ApiGatewayV2Context): RestOperation[] {
  const stages = '/v2/apis/{apiId}/stages';
  /** A stage ($default: null) as API Gateway answers it, with its tags. */
  const shapedStage = async (call: AwsCall, served: ServedHttpApi, stage: NamedStage | null) => {
    const userId = userOf(call.caller);
    const tags = await listTags(ctx, userId, taggableHttpStage(ctx, userId, served.api.apiId, stage?.name ?? DEFAULT_STAGE));
    return stageShape(served, stage, tags);
  };
  /**
   * CreateStage and UpdateStage of $default: the API's default throttle (defaultRouteSettings),
   * the routes' own throttles (routeSettings), the stage variables, whether it auto-deploys and
   * the deployment it serves, in one write. Made anew, the stage has the settings given (the
   * routes not named lose theirs, the variables are those given); changed, those not given stay,
   * and the variables given are merged (an empty value removes one), as API Gateway merges them.
   */
  const configure = async (call: AwsCall, apiId: string, body: Record<string, unknown>, creating: boolean) => {
    refuse(body, creating ? STAGE_REFUSED : UPDATE_STAGE_REFUSED);
    const throttle = throttleOf(body);
    const routeThrottles = routeSettingsOf(body);
    const variables = stageVariablesOf(body);
    const deployment = deploymentChangeOf(body, creating);
    const userId = userOf(call.caller);
    if (creating)
      return updateHttpStage(
        ctx,
        userId,
        apiId,
        {
          ...UNSET_STAGE,
          ...(throttle ? { throttle } : {}),
          ...(routeThrottles ? { routeThrottles } : {}),
          ...(variables ? { variables } : {}),
          ...(deployment ? { deployment } : {}),
        },
        stageTagsOf(tagMapOf(body, 'tags') ?? {}),
      );
    if (throttle === undefined && routeThrottles === undefined && variables === undefined && deployment === undefined)
      return getHttpStage(ctx, userId, apiId);
    return updateHttpStage(ctx, userId, apiId, {
      ...(throttle !== undefined ? { throttle } : {}),
      ...(routeThrottles ? { routeThrottles } : {}),
      ...(variables ? { variables } : {}),
      ...(deployment ? { deployment } : {}),
    });
  };
  /** CreateStage and UpdateStage of a named stage: its own throttles (defaultRouteSettings, and
   *  routeSettings by route key) and variables (replaced when made, merged when changed), whether
   *  it auto-deploys and the deployment it serves. */
  const configureNamed = async (call: AwsCall, apiId: string, name: string, body: Record<string, unknown>, creating: boolean) => {
    refuse(body, creating ? STAGE_REFUSED : UPDATE_STAGE_REFUSED);
    const throttle = throttleOf(body);
    const routeThrottles = routeSettingsOf(body);
    const variables = stageVariablesOf(body);
    const deployment = deploymentChangeOf(body, creating);
    const userId = userOf(call.caller);
    // Made anew, the stage and the tags given are one write.
    const tags = creating ? stageTagsOf(tagMapOf(body, 'tags') ?? {}) : undefined;
    const input = {
      name,
      creating,
      ...(throttle !== undefined ? { throttle } : {}),
      ...(routeThrottles ? { routeThrottles } : {}),
      ...(variables ? { variables } : {}),
      variablesMode: creating ? ('replace' as const) : ('merge' as const),
      ...(deployment ? { deployment } : {}),
    };
    const stage = await putHttpNamedStage(ctx, userId, apiId, input, tags);
    return shapedStage(call, await getHttpStage(ctx, userId, apiId), stage);
  };
  const stage = `${stages}/{stageName}`;
  return [
    {
      name: 'CreateStage',
      method: 'POST',
      path: stages,
      async run(call, params) {
        const body = jsonBody(call);
        const name = required(body, 'stageName');
        const apiId = params.apiId as string;
        if (name !== DEFAULT_STAGE) return { status: 201, body: await configureNamed(call, apiId, name, body, true) };
        return { status: 201, body: await shapedStage(call, await configure(call, apiId, body, true), null) };
      },
    },
    {
      name: 'GetStages',
      method: 'GET',
      path: stages,
      async run(call, params) {
        const served = await getHttpStage(ctx, userOf(call.caller), params.apiId as string);
        const page = pageOf([null, ...served.api.stages], call.query);
        return { status: 200, body: { ...page, items: await Promise.all(page.items.map((s) => shapedStage(call, served, s))) } };
      },
    },
    {
      name: 'GetStage',
      method: 'GET',
      path: stage,
      async run(call, params) {
        const served = await getHttpStage(ctx, userOf(call.caller), params.apiId as string);
        return { status: 200, body: await shapedStage(call, served, stageThere(served.api, params.stageName as string)) };
      },
    },
    {
      name: 'UpdateStage',
      method: 'PATCH',
      path: stage,
      async run(call, params) {
        const apiId = params.apiId as string;
        const named = stageThere(await getHttpApi(ctx, userOf(call.caller), apiId), params.stageName as string);
        if (named) return { status: 200, body: await configureNamed(call, apiId, named.name, jsonBody(call), false) };
        return { status: 200, body: await shapedStage(call, await configure(call, apiId, jsonBody(call), false), null) };
      },
    },
    {
      name: 'DeleteStage',
      method: 'DELETE',
      path: stage,
      async run(call, params) {
        // $default stays, with its settings reset (app deleteHttpStage): the API is served until it is
        // deleted itself — which is what a Terraform destroy does next (docs/aws.md).
        await deleteHttpStage(ctx, userOf(call.caller), params.apiId as string, params.stageName as string);
        return { status: 204 };
      },
    },
    {
      // A route's settings are its own throttle on the stage: the route runs under the stage's default.
      name: 'DeleteRouteSettings',
      method: 'DELETE',
      path: `${stage}/routesettings/{routeKey}`,
      async run(call, params) {
        const [userId, apiId, routeKey] = [userOf(call.caller), params.apiId as string, params.routeKey as string];
        const { api, routes } = await getHttpStage(ctx, userId, apiId);
        const named = stageThere(api, params.stageName as string);
        // A route deleted took its settings on every stage with it (core stagesWithoutGoneRoutes),
        // where AWS keeps them until this call: a client that cleans up after a DeleteRoute so
        // still succeeds.
        if (!routes.some((r) => r.routeKey === routeKey)) return { status: 204 };
        const has = named
          ? Object.hasOwn(named.routeThrottles ?? {}, routeKey)
          : routes.some((r) => r.routeKey === routeKey && r.throttle !== null);
        if (!has) throw new AwsError('NotFoundException', 404, `Unable to find RouteSettings for route key ${routeKey.slice(0, 128)}`);
        if (named) await putHttpNamedStage(ctx, userId, apiId, { name: named.name, creating: false, routeThrottles: { [routeKey]: null } });
        else await updateHttpStage(ctx, userId, apiId, { routeThrottles: { [routeKey]: null } });
        return { status: 204 };
      },
    },
  ];
}
