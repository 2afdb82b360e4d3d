/**
 * /http-apis (issue 23): a user's HTTP APIs and their routes, over the use cases in
 * app/http-apis.ts. A route is named in URLs by its route key, percent-encoded
 * (`GET /pets/{id}` → `GET%20%2Fpets%2F%7Bid%7D`), as AWS names routes by key in its consoles;
 * an API's view says where it is served (routes/http-gateway.ts). Its OpenAPI 3.0 document, as
 * API Gateway's ExportApi writes it, is at /http-apis/{apiId}/openapi; its tags at
 * /http-apis/{apiId}/tags (tags.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createHttpApi,
  createHttpDeployment,
  createHttpRoute,
  deleteHttpApi,
  deleteHttpDeployment,
  deleteHttpRoute,
  deleteHttpStage,
  exportHttpApi,
  functionOwner,
  getHttpApi,
  getHttpRoute,
  type HttpApisApp,
  httpApiAddress,
  listHttpApisWithRouteCounts,
  listHttpRoutes,
  putHttpNamedStage,
  updateHttpApi,
  updateHttpRoute,
  updateHttpStage,
} from '../../app/index.ts';
import {
  AUTHORIZER_TTL_MAX_S,
  CACHE_TTL_MAX_S,
  CORS_MAX_AGE_MAX_S,
  DEFAULT_STAGE,
  DEPLOYMENT_DESCRIPTION_MAX,
  type HttpApi,
  type HttpDeployment,
  type HttpRoute,
  IDENTITY_SOURCES_MAX,
  PayloadFormat,
  ROUTE_KEY_MAX,
  THROTTLE_MAX,
} from '../../core/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiContext } from '../context.ts';
import { baseUrl } from '../present.ts';
import { Problem, UserId } from '../schemas.ts';

// Types only: values (origins, methods, URLs, ranges, route keys) are checked once in core, so a
// refusal carries the same code on every surface.
const Cors = z.strictObject({
  allowOrigins: z.array(z.string().max(512)).max(100).default([]).describe('Exact origins (https://app.example.com) or *.'),
  allowMethods: z.array(z.string().max(16)).max(16).default([]).describe('Methods or *.'),
  allowHeaders: z.array(z.string().max(256)).max(100).default([]),
  exposeHeaders: z.array(z.string().max(256)).max(100).default([]),
  maxAgeS: z.int().optional().describe(`Seconds a browser keeps a preflight's answer, 0-${CORS_MAX_AGE_MAX_S}.`),
  allowCredentials: z.boolean().default(false),
});
const Throttle = z.strictObject({
  rate: z.number().describe(`Requests a second, steady (0-${THROTTLE_MAX.rate}).`),
  burst: z.int().describe(`Requests at once (0-${THROTTLE_MAX.burst}).`),
});
const PayloadFormatField = z.enum([PayloadFormat.V2, PayloadFormat.V1]);

const Auth = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('key') }).describe("Any Hangar API key of the API's owner: Authorization: Bearer, or X-Api-Key."),
  z
    .strictObject({
      kind: z.literal('jwt'),
      issuer: z.string().max(2048).describe('The iss the tokens must carry (https://..., or http:// on a loopback address).'),
      audience: z.array(z.string().max(512)).max(50).describe('One of these in aud (or client_id).'),
      jwksUrl: z
        .string()
        .max(2048)
        .nullable()
        .optional()
        .describe("Where the issuer's signing keys are (a JWKS); none: the jwks_uri of the issuer's OpenID configuration."),
    })
    .describe('A JWT in Authorization (Bearer optional), signed by a key of jwksUrl.'),
  z
    .strictObject({
      kind: z.literal('lambda'),
      functionName: z.string().max(256).describe("The authorizer: a function of the API's owner."),
      qualifier: z.string().max(128).nullable().default(null).describe('A version or alias; none: $LATEST.'),
      identitySource: z
        .array(z.string().max(256))
        .max(IDENTITY_SOURCES_MAX)
        .default([])
        .describe(
          '$request.header.<name>, $request.querystring.<name>, $context.<variable>, $stageVariables.<name>: a request without one (or with one empty) is 401 without running the authorizer.',
        ),
      simpleResponses: z
        .boolean()
        .default(false)
        .describe('true: the authorizer answers {isAuthorized, context}; false: an IAM policy for execute-api:Invoke on the route ARN.'),
      resultTtlS: z
        .int()
        .default(0)
        .describe(`Seconds an answer is kept per identity, 0-${AUTHORIZER_TTL_MAX_S}; over 0 needs identity sources.`),
      payloadFormatVersion: PayloadFormatField.default(PayloadFormat.V2).describe(
        "The authorizer's own event (API Gateway's AuthorizerPayloadFormatVersion): 2.0 (routeArn, identitySource a list) or 1.0 (REST-like, methodArn, identitySource comma-joined; answers an IAM policy, no simpleResponses).",
      ),
    })
    .describe(
      "A Lambda authorizer (API Gateway's, payload 2.0 or 1.0): the function decides; allowed requests carry its context in requestContext.authorizer.lambda (either route payload format), denied ones are 403.",
    ),
]);

const ApiBody = z.strictObject({
  name: z.string().max(128).describe('1-128 letters, digits, spaces, . _ -'),
  cors: Cors.nullable().optional().describe('The gateway answers preflights and sets CORS headers itself.'),
  throttle: Throttle.nullable().optional().describe("Every route's limit unless the route has its own."),
  stageVariables: z
    .record(z.string().max(64), z.string().max(2048))
    .nullable()
    .optional()
    .describe(
      "Its stage's variables, in every route's event (stageVariables): names of letters, digits and _ (1-64), values of A-Z a-z 0-9 - . _ ~ : / ? # & = , (1-2048). Replaces them all; null or {}: none.",
    ),
});
const ApiPatch = ApiBody.partial();
const RouteFields = {
  functionName: z.string().max(256).describe("A function of the API's owner."),
  qualifier: z.string().max(128).nullable().optional().describe('A version or alias; none: $LATEST.'),
  auth: Auth.optional().describe('Default: none.'),
  throttle: Throttle.nullable().optional(),
  cacheTtlS: z.int().optional().describe(`Seconds a GET's 200 answer is kept, 0-${CACHE_TTL_MAX_S}; 0 (default): not cached.`),
  payloadFormatVersion: PayloadFormatField.optional().describe(
    "The event the function gets and how its answer is read: API Gateway's payload format 2.0 (default) or 1.0 (the REST API shape: multiValueHeaders, no inferred answers).",
  ),
};
const RouteBody = z.strictObject({
  routeKey: z.string().max(ROUTE_KEY_MAX).describe("'METHOD /path' (ANY, {param}, {proxy+}) or $default."),
  ...RouteFields,
});
const RoutePatch = z.strictObject(RouteFields).partial();

const ApiView = z.object({
  apiId: z.string(),
  userId: z.string(),
  name: z.string(),
  cors: z
    .object({
      allowOrigins: z.array(z.string()),
      allowMethods: z.array(z.string()),
      allowHeaders: z.array(z.string()),
      exposeHeaders: z.array(z.string()),
      maxAgeS: z.number().optional(),
      allowCredentials: z.boolean(),
    })
    .nullable(),
  throttle: z.object({ rate: z.number(), burst: z.number() }).nullable(),
  stageVariables: z.record(z.string(), z.string()),
  autoDeploy: z
    .boolean()
    .describe('Its $default stage serves the API as it is now (true, the default), or only the deployment deploymentId names.'),
  deploymentId: z
    .string()
    .nullable()
    .describe('The deployment its $default stage serves (autoDeploy false) or reports (the latest made for it); null: none.'),
  stages: z
    .array(
      z.object({
        name: z.string(),
        stageVariables: z.record(z.string(), z.string()),
        url: z.string(),
        autoDeploy: z.boolean(),
        deploymentId: z.string().nullable(),
        throttle: z
          .object({ rate: z.number(), burst: z.number() })
          .nullable()
          .describe("Its own default throttle (API Gateway v2's DefaultRouteSettings); null: none."),
        routeThrottles: z
          .record(z.string(), z.object({ rate: z.number(), burst: z.number() }))
          .describe("Its own route throttles by route key (API Gateway v2's RouteSettings)."),
      }),
    )
    .describe(
      "Its stages besides $default (made with API Gateway v2's CreateStage): the same routes at url (or, autoDeploy false, its deployment's), with their own variables and throttles.",
    ),
  url: z.string().describe('Where it is served (the path prefix form).'),
  hostUrl: z.string().describe('The Host form, as AWS: needs a DNS name {apiId}.execute-api.<domain> pointing at Hangar.'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const ApiListItem = ApiView.extend({ routeCount: z.int().describe('How many routes it has.') });
const RouteView = z.object({
  apiId: z.string(),
  routeKey: z.string(),
  functionName: z.string(),
  qualifier: z.string().nullable(),
  auth: Auth,
  throttle: z.object({ rate: z.number(), burst: z.number() }).nullable(),
  cacheTtlS: z.number(),
  payloadFormatVersion: PayloadFormatField.describe('API Gateway payload format version of its events: 2.0 or 1.0.'),
  integrationId: z
    .string()
    .nullable()
    .describe('The integration its function comes from (made with the API Gateway v2 API); null: its own.'),
  authorizerId: z.string().nullable().describe('The JWT or Lambda authorizer its auth comes from (API Gateway v2 API); null: its own.'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const DeploymentView = z.object({
  deploymentId: z.string(),
  description: z.string(),
  createdAt: z.string(),
});
const DeployBody = z.strictObject({
  stage: z
    .string()
    .max(128)
    .optional()
    .describe('The stage ($default or a named one) that serves it from now on (or, auto-deploying, reports it); absent: none.'),
  description: z.string().max(DEPLOYMENT_DESCRIPTION_MAX).optional(),
});
const StageVariablesField = z.record(z.string().max(64), z.string().max(2048));
const StageDeploymentFields = {
  autoDeploy: z.boolean().optional().describe('true: it serves the API as it is now; false: only the deployment it names.'),
  deploymentId: z.string().max(64).optional().describe('The deployment it serves (autoDeploy false): a rollback names an earlier one.'),
};
/** A stage's own throttles (API Gateway v2's DefaultRouteSettings and RouteSettings). */
const StageThrottleFields = {
  throttle: Throttle.nullable()
    .optional()
    .describe("The stage's default throttle, for every route without its own (null: none; $default's is the API's throttle)."),
  routeThrottles: z
    .record(z.string().max(ROUTE_KEY_MAX), Throttle.nullable())
    .optional()
    .describe(
      "Routes' own throttles in this stage by route key, merged into the stage's (null removes a route's); each names a route of the API.",
    ),
};
const StagePatch = z.strictObject({
  ...StageDeploymentFields,
  ...StageThrottleFields,
  variables: StageVariablesField.optional().describe(
    "Merged into the stage's variables, as API Gateway's UpdateStage merges them: an empty value removes one.",
  ),
});
const StageBody = z.strictObject({
  name: z.string().max(128).describe('1-128 letters, digits, - and _ (not $default: every API has it).'),
  variables: StageVariablesField.optional().describe(
    "Its stage variables, in every route's event of the stage (the rules of the API's stageVariables).",
  ),
  autoDeploy: StageDeploymentFields.autoDeploy.describe(
    "Default: true, it serves the API as it is now (API Gateway v2's CreateStage defaults to false, as AWS does).",
  ),
  deploymentId: StageDeploymentFields.deploymentId,
  ...StageThrottleFields,
});

const ApiParams = z.strictObject({ apiId: z.string().max(64) });
const StageParams = ApiParams.extend({ stageName: z.string().max(128).describe('$default or a named stage.') });
const DeploymentParams = ApiParams.extend({ deploymentId: z.string().max(64) });
const RouteParams = ApiParams.extend({ routeKey: z.string().max(ROUTE_KEY_MAX).describe('The route key, percent-encoded.') });
const OwnerQuery = z.strictObject({ userId: UserId.optional().describe("Admin keys only: whose API (default: the key's user).") });

const iso = (ms: number) => new Date(ms).toISOString();

/** A stage's autoDeploy and deploymentId as given: absent ones stay as they were. */
const deploymentChangeOf = (b: { autoDeploy?: boolean; deploymentId?: string }) => ({
  ...(b.autoDeploy !== undefined ? { autoDeploy: b.autoDeploy } : {}),
  ...(b.deploymentId !== undefined ? { deploymentId: b.deploymentId } : {}),
});

function apiView(base: string, a: HttpApi): z.infer<typeof ApiView> {
  const { protocol, host } = new URL(base);
  return {
    apiId: a.apiId,
    userId: a.userId,
    name: a.name,
    cors: a.cors,
    throttle: a.throttle,
    stageVariables: a.stageVariables,
    autoDeploy: a.autoDeploy,
    deploymentId: a.deploymentId,
    stages: a.stages.map((s) => ({
      name: s.name,
      stageVariables: s.variables,
      url: `${httpApiAddress(base, a.apiId)}/${s.name}`,
      autoDeploy: s.autoDeploy ?? true,
      deploymentId: s.deploymentId ?? null,
      throttle: s.throttle ?? null,
      routeThrottles: s.routeThrottles ?? {},
    })),
    url: httpApiAddress(base, a.apiId),
    hostUrl: `${protocol}//${a.apiId}.execute-api.${host}`,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

const deploymentView = (d: HttpDeployment): z.infer<typeof DeploymentView> => ({
  deploymentId: d.deploymentId,
  description: d.description,
  createdAt: iso(d.createdAt),
});

function routeView(r: HttpRoute): z.infer<typeof RouteView> {
  return {
    apiId: r.apiId,
    routeKey: r.routeKey,
    functionName: r.functionName,
    qualifier: r.qualifier,
    // A Lambda auth stored before 1.0 authorizers has no format: it is 2.0.
    auth: r.auth.kind === 'lambda' ? { ...r.auth, payloadFormatVersion: r.auth.payloadFormatVersion ?? PayloadFormat.V2 } : r.auth,
    throttle: r.throttle,
    cacheTtlS: r.cacheTtlS,
    payloadFormatVersion: r.payloadFormatVersion,
    integrationId: r.integrationId,
    authorizerId: r.authorizerId,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

export function httpApiRoutes(app: FastifyInstance, ctx: ApiContext & HttpApisApp, accountOf: (userId: string) => string): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const owner = (req: FastifyRequest, asked: string | undefined) => functionOwner(principalOf(req), asked);
  const view = (req: FastifyRequest, a: HttpApi) => apiView(baseUrl(ctx, req), a);
  const tags = ['http-apis'];

  r.post(
    '/http-apis',
    {
      schema: {
        summary: 'Create an HTTP API (API Gateway HTTP API): routes to functions, served at its url',
        tags,
        querystring: OwnerQuery,
        body: ApiBody,
        response: { 201: ApiView, 403: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const a = await createHttpApi(ctx, userId, req.body);
      req.auditTarget = `${userId}/${a.apiId}`;
      return reply.code(201).send(view(req, a));
    },
  );

  r.get(
    '/http-apis',
    {
      schema: {
        summary: "A user's HTTP APIs, oldest first (a user key: its own)",
        tags,
        querystring: OwnerQuery,
        response: { 200: z.object({ apis: z.array(ApiListItem) }), 403: Problem },
      },
    },
    async (req) => ({
      apis: (await listHttpApisWithRouteCounts(ctx, owner(req, req.query.userId))).map((a) => ({
        ...view(req, a),
        routeCount: a.routeCount,
      })),
    }),
  );

  r.get(
    '/http-apis/:apiId',
    {
      schema: {
        summary: 'An HTTP API',
        tags,
        params: ApiParams,
        querystring: OwnerQuery,
        response: { 200: ApiView, 403: Problem, 404: Problem },
      },
    },
    async (req) => view(req, await getHttpApi(ctx, owner(req, req.query.userId), req.params.apiId)),
  );

  r.patch(
    '/http-apis/:apiId',
    {
      schema: {
        summary: "Change an HTTP API's name, CORS, default throttle or stage variables (null clears)",
        tags,
        params: ApiParams,
        querystring: OwnerQuery,
        body: ApiPatch,
        response: { 200: ApiView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.apiId}`;
      return view(req, await updateHttpApi(ctx, userId, req.params.apiId, req.body));
    },
  );

  r.delete(
    '/http-apis/:apiId',
    {
      schema: {
        summary: 'Delete an HTTP API with its routes',
        description:
          "Refused (409 HTTP_API_MAPPED, naming them) while a custom domain's API mapping names the API, as API Gateway's DeleteApi refuses: delete the mappings first.",
        tags,
        params: ApiParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ apiId: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteHttpApi(ctx, userId, req.params.apiId);
      req.auditTarget = `${userId}/${req.params.apiId}`;
      return { apiId: req.params.apiId, deleted: true as const };
    },
  );

  r.post(
    '/http-apis/:apiId/routes',
    {
      schema: {
        summary: "Add a route: a route key's requests go to a function of the API's owner",
        tags,
        params: ApiParams,
        querystring: OwnerQuery,
        body: RouteBody,
        response: { 201: RouteView, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const route = await createHttpRoute(ctx, userId, req.params.apiId, req.body);
      req.auditTarget = `${userId}/${req.params.apiId}/${route.routeKey}`;
      return reply.code(201).send(routeView(route));
    },
  );

  r.get(
    '/http-apis/:apiId/routes',
    {
      schema: {
        summary: "An HTTP API's routes by route key",
        tags,
        params: ApiParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ routes: z.array(RouteView) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => ({ routes: (await listHttpRoutes(ctx, owner(req, req.query.userId), req.params.apiId)).map(routeView) }),
  );

  r.post(
    '/http-apis/:apiId/deployments',
    {
      schema: {
        summary: 'Deploy an HTTP API: its routes and CORS as they are now, kept; with stage, that stage serves it',
        description:
          "A stage with autoDeploy false serves only the deployment it names; its variables and throttles stay the stage's and apply at once.",
        tags,
        params: ApiParams,
        querystring: OwnerQuery,
        body: DeployBody,
        response: { 201: DeploymentView, 400: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.apiId}`;
      const d = await createHttpDeployment(ctx, userId, req.params.apiId, {
        description: req.body.description,
        stage: req.body.stage ?? null,
      });
      return reply.code(201).send(deploymentView(d));
    },
  );

  r.get(
    '/http-apis/:apiId/deployments',
    {
      schema: {
        summary: "An HTTP API's deployments, oldest first",
        tags,
        params: ApiParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ deployments: z.array(DeploymentView) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => ({
      deployments: (await getHttpApi(ctx, owner(req, req.query.userId), req.params.apiId)).deployments.map(deploymentView),
    }),
  );

  r.delete(
    '/http-apis/:apiId/deployments/:deploymentId',
    {
      schema: {
        summary: 'Delete a deployment (400 while a stage serves or reports it)',
        tags,
        params: DeploymentParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ deploymentId: z.string(), deleted: z.literal(true) }), 400: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.apiId}/${req.params.deploymentId}`;
      await deleteHttpDeployment(ctx, userId, req.params.apiId, req.params.deploymentId);
      return { deploymentId: req.params.deploymentId, deleted: true as const };
    },
  );

  r.post(
    '/http-apis/:apiId/stages',
    {
      schema: {
        summary: "Add a named stage: the API's routes served at url/{name}/... with variables of its own (API Gateway's CreateStage)",
        description:
          "It runs under its own throttles only (throttle, routeThrottles), not $default's: none given, none. 409 if the API has a stage of the name; 400 past 10 stages, $default among them; 404 for a route key that names no route.",
        tags,
        params: ApiParams,
        querystring: OwnerQuery,
        body: StageBody,
        response: { 201: ApiView, 400: Problem, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req, reply) => {
      const userId = owner(req, req.query.userId);
      const { apiId } = req.params;
      const { name, variables, throttle, routeThrottles } = req.body;
      req.auditTarget = `${userId}/${apiId}/${name}`;
      await putHttpNamedStage(ctx, userId, apiId, {
        name,
        creating: true,
        ...(variables ? { variables, variablesMode: 'replace' as const } : {}),
        ...(throttle !== undefined ? { throttle } : {}),
        ...(routeThrottles ? { routeThrottles } : {}),
        deployment: deploymentChangeOf(req.body),
      });
      return reply.code(201).send(view(req, await getHttpApi(ctx, userId, apiId)));
    },
  );

  r.patch(
    '/http-apis/:apiId/stages/:stageName',
    {
      schema: {
        summary:
          'Change a stage: whether it auto-deploys, the deployment it serves (a rollback names an earlier one), its variables, its throttles',
        description:
          "$default's variables are the API's stageVariables, its throttle the API's and its route throttles the routes'. Absent fields stay; 404 for a route key that names no route.",
        tags,
        params: StageParams,
        querystring: OwnerQuery,
        body: StagePatch,
        response: { 200: ApiView, 400: Problem, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const { apiId, stageName } = req.params;
      const { variables, throttle, routeThrottles } = req.body;
      req.auditTarget = `${userId}/${apiId}/${stageName}`;
      const deployment = deploymentChangeOf(req.body);
      const throttles = { ...(throttle !== undefined ? { throttle } : {}), ...(routeThrottles ? { routeThrottles } : {}) };
      if (stageName === DEFAULT_STAGE)
        await updateHttpStage(ctx, userId, apiId, { deployment, ...throttles, ...(variables ? { variables } : {}) });
      else
        await putHttpNamedStage(ctx, userId, apiId, {
          name: stageName,
          creating: false,
          deployment,
          ...throttles,
          ...(variables ? { variables, variablesMode: 'merge' as const } : {}),
        });
      return view(req, await getHttpApi(ctx, userId, apiId));
    },
  );

  r.delete(
    '/http-apis/:apiId/stages/:stageName',
    {
      schema: {
        summary: "Delete a named stage; $default, which every API has, stays with its settings reset (API Gateway's DeleteStage)",
        description: "$default's reset: no default or route throttles, no variables, auto-deploying again.",
        tags,
        params: StageParams,
        querystring: OwnerQuery,
        response: {
          200: z.object({
            apiId: z.string(),
            stageName: z.string(),
            deleted: z.boolean().describe('true: the named stage is gone; false: $default, reset.'),
          }),
          403: Problem,
          404: Problem,
        },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const { apiId, stageName } = req.params;
      req.auditTarget = `${userId}/${apiId}/${stageName}`;
      await deleteHttpStage(ctx, userId, apiId, stageName);
      return { apiId, stageName, deleted: stageName !== DEFAULT_STAGE };
    },
  );

  r.get(
    '/http-apis/:apiId/openapi',
    {
      schema: {
        summary: "The API as an OpenAPI 3.0 document, as API Gateway's ExportApi writes it (OAS30, JSON)",
        description:
          'Its routes with their Lambda proxy integrations (x-amazon-apigateway-integration), JWT auth as security schemes ' +
          '(x-amazon-apigateway-authorizer), CORS and tags. YAML: the API Gateway v2 API (ExportApi, outputType YAML).',
        tags,
        params: ApiParams,
        querystring: OwnerQuery.extend({
          extensions: z.enum(['true', 'false']).default('true').describe("false: without API Gateway's x-amazon-apigateway-* members."),
        }),
        response: { 200: z.record(z.string(), z.unknown()), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      const region = ctx.config.awsRegion;
      const fn = (name: string, qualifier: string | null) =>
        `arn:aws:lambda:${region}:${accountOf(userId)}:function:${name}${qualifier === null ? '' : `:${qualifier}`}`;
      return exportHttpApi(ctx, userId, req.params.apiId, {
        endpoint: httpApiAddress(baseUrl(ctx, req), req.params.apiId),
        integrationUri: (name, qualifier) =>
          `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${fn(name, qualifier)}/invocations`,
        extensions: req.query.extensions === 'true',
      });
    },
  );

  r.get(
    '/http-apis/:apiId/routes/:routeKey',
    {
      schema: {
        summary: 'A route',
        tags,
        params: RouteParams,
        querystring: OwnerQuery,
        response: { 200: RouteView, 403: Problem, 404: Problem },
      },
    },
    async (req) => routeView(await getHttpRoute(ctx, owner(req, req.query.userId), req.params.apiId, req.params.routeKey)),
  );

  r.patch(
    '/http-apis/:apiId/routes/:routeKey',
    {
      schema: {
        summary: "Change a route's target, auth, throttle, cache TTL or payload format version (null clears)",
        tags,
        params: RouteParams,
        querystring: OwnerQuery,
        body: RoutePatch,
        response: { 200: RouteView, 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      req.auditTarget = `${userId}/${req.params.apiId}/${req.params.routeKey}`;
      return routeView(await updateHttpRoute(ctx, userId, req.params.apiId, req.params.routeKey, req.body));
    },
  );

  r.delete(
    '/http-apis/:apiId/routes/:routeKey',
    {
      schema: {
        summary: 'Delete a route',
        tags,
        params: RouteParams,
        querystring: OwnerQuery,
        response: { 200: z.object({ apiId: z.string(), routeKey: z.string(), deleted: z.literal(true) }), 403: Problem, 404: Problem },
      },
    },
    async (req) => {
      const userId = owner(req, req.query.userId);
      await deleteHttpRoute(ctx, userId, req.params.apiId, req.params.routeKey);
      req.auditTarget = `${userId}/${req.params.apiId}/${req.params.routeKey}`;
      return { apiId: req.params.apiId, routeKey: req.params.routeKey, deleted: true as const };
    },
  );
}
