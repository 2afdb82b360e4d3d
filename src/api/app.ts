/**
 * The HTTP API (Fastify). Request and response schemas are zod; they validate, serialise and
 * produce /openapi.json and the docs at /docs. Handlers stay thin: they call the store and the
 * blob store through their interfaces.
 */
import { readFileSync } from 'node:fs';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { DOMAINS_KEEP_MS, DomainIndex, HttpGateway } from '../app/index.ts';
import { JwksVerifier } from '../auth/index.ts';
import { splitList } from '../config/index.ts';
import { accountIdOf, registerAws, type AwsEdge } from '../aws/index.ts';
import { ErrorCode, InvalidInput, Throttled } from '../core/errors.ts';
import type { Logger } from '../log/index.ts';
import { registerAudit } from './audit-calls.ts';
import { registerAuthentication } from './authenticate.ts';
import { Problem } from './schemas.ts';
import type { ApiContext } from './context.ts';
import { errorHandler, problem, sendProblem } from './problem.ts';
import { accessRoutes } from './routes/access.ts';
import { functionEventConfigRoutes } from './routes/function-event-config.ts';
import { functionCircuitBreakerRoutes } from './routes/function-circuit-breaker.ts';
import { functionProvisionedRoutes } from './routes/function-provisioned.ts';
import { functionVersionRoutes } from './routes/function-versions.ts';
import { functionAccessRoutes } from './routes/function-access.ts';
import { functionInvokeRoutes } from './routes/function-invoke.ts';
import { functionLogRoutes } from './routes/function-logs.ts';
import { functionUrlRoutes, hostRewrite } from './routes/function-urls.ts';
import { functionRoutes } from './routes/functions.ts';
import { domainNameRoutes } from './routes/domain-names.ts';
import { gatewayRoutes, rewriteCustomDomain, rewriteHostForm } from './routes/http-gateway.ts';
import { httpApiRoutes } from './routes/http-apis.ts';
import { layerRoutes } from './routes/layers.ts';
import { healthRoutes } from './routes/health.ts';
import { opsRoutes } from './routes/ops.ts';
import { SharedRateCounts } from './rate-counts.ts';
import { SharedThrottleCounts } from './throttle-counts.ts';
import { liveRoutes } from './routes/live.ts';
import { projectRoutes } from './routes/projects.ts';
import { uiRoutes } from './routes/ui.ts';
import { queueRoutes } from './routes/queues.ts';
import { taskRoutes } from './routes/tasks.ts';
import { mapRunRoutes } from './routes/map-runs.ts';
import { activityRoutes } from './routes/activities.ts';
import { stateMachineVersionRoutes } from './routes/state-machine-versions.ts';
import { testStateRoutes } from './routes/workflow-test-state.ts';
import { tagRoutes } from './routes/tags.ts';
import { workflowRoutes } from './routes/workflows.ts';

export async function buildApp(ctx: ApiContext, log: Logger): Promise<FastifyInstance> {
  const c = ctx.config;
  // Slow clients: the whole request within requestTimeoutMs, checked often enough to matter
  // (Node checks every 30 s by default).
  const timeouts = {
    headersTimeout: c.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(c.requestTimeoutMs / 4))),
  };
  // Custom domain names of HTTP APIs, looked up by Host in memory (app/domain-index.ts); read
  // again in the background only where other processes change them (API nodes sharing a store).
  const domains = new DomainIndex(
    () => ctx.domainNames.servedDomains(),
    log.child({ module: 'http-gateway' }),
    ctx.store.capabilities.crossProcessWakeups ? DOMAINS_KEEP_MS : null,
  );
  const app = Fastify({
    loggerInstance: log.child({ module: 'api' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: c.bodyLimit,
    trustProxy: true,
    // A route key is a path parameter (/http-apis/{apiId}/routes/{routeKey}), up to 512
    // characters before percent-encoding; the router's default (100) would make long ones 404.
    routerOptions: { maxParamLength: 2048 },
    requestTimeout: c.requestTimeoutMs,
    // Host forms take their path form's routes: an HTTP API's ({apiId}.execute-api.…) the
    // /http/{apiId} routes, a function URL's (<url-id>.lambda-url.<region>.<domain>) /lambda-url/,
    // a custom domain name's those of the API its mapping for the path names.
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      const fnUrl = hostRewrite(req.headers.host, url);
      if (fnUrl !== url) return fnUrl;
      const hostForm = rewriteHostForm(req);
      return hostForm !== url ? hostForm : rewriteCustomDomain(req, domains);
    },
    ...(c.tlsCert && c.tlsKey
      ? { https: { cert: readFileSync(c.tlsCert), key: readFileSync(c.tlsKey), ...timeouts } }
      : { http: timeouts }),
  }) as unknown as FastifyInstance;
  // JSON bodies: fastify's parser (prototype poisoning refused) behind a nesting limit. A body
  // nested thousands deep parsed fine, then overflowed the stack wherever it was serialised
  // again (the store, responses): a 500 from input. Refused here with a 400 instead.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const depth = jsonDepth(body as string);
    if (depth > MAX_JSON_DEPTH) {
      done(
        new InvalidInput(ErrorCode.ValidationFailed, `JSON nested ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted`),
        undefined,
      );
      return;
    }
    parseJson(req, body as string, done);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // Set once the AWS routes are: a signed request no route matches is answered in AWS's shape.
  let aws: AwsEdge | null = null;
  app.setNotFoundHandler((req, reply) =>
    aws?.claims(req) ? aws.notFound(req, reply) : sendProblem(reply, problem(404, ErrorCode.NotFound, `no route ${req.method} ${req.url}`)),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Hangar API',
        version: '0.1.0',
        description: 'Submit work, watch it run in priority queues, read results and logs. Request and response shapes follow seed 000.',
      },
      tags: [
        { name: 'tasks' },
        { name: 'functions' },
        { name: 'layers' },
        { name: 'http-apis' },
        { name: 'domain-names' },
        { name: 'workflows' },
        { name: 'queues' },
        { name: 'access' },
        { name: 'operations' },
      ],
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer hk_…`' } },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());

  documentErrors(app, c.rateLimit > 0, Boolean(c.databaseUrl || c.s3Bucket));
  registerAuthentication(app, ctx, (req) => aws?.claims(req) === true);
  registerAudit(app, ctx);
  if (c.rateLimit > 0) {
    // Several API nodes on one database share their counts (rate-counts.ts); one process
    // alone counts in memory.
    const countRequests = ctx.store.capabilities.sharedRequestCounts ? ctx.store.countRequests.bind(ctx.store) : null;
    const shared = countRequests ? new SharedRateCounts(countRequests, c.rateLimitWindowMs, app.log) : null;
    if (shared) app.addHook('onClose', async () => shared.close());
    const per = c.rateLimitWindowMs === 1000 ? 'second' : `${c.rateLimitWindowMs} ms`;
    // After the access hook (onRequest), before the body is read: counted per user, per
    // address for public routes; rejected requests count too.
    await app.register(rateLimit, {
      hook: 'preParsing',
      max: c.rateLimit,
      timeWindow: c.rateLimitWindowMs,
      ...(shared ? { store: shared.storeClass() } : {}),
      keyGenerator: (req) =>
        req.principal?.userId !== undefined && req.principal.userId !== null ? `u:${req.principal.userId}` : `ip:${req.ip}`,
      errorResponseBuilder: (_req, rc) =>
        new Throttled(
          ErrorCode.RateLimited,
          `more than ${rc.max} requests per ${per}; retry in ${rc.after}`,
          Math.max(1, Math.ceil(rc.ttl / 1000)),
        ),
    });
  }

  // HTTP APIs: managed under /http-apis (and API Gateway v2's /v2/apis), served under
  // /http/{apiId} (and by Host) by the gateway, which hears of each change made through either
  // at once. Several API nodes on one database share their routes' throttles
  // (throttle-counts.ts); one process alone keeps its buckets.
  const gatewayLog = log.child({ module: 'http-gateway' });
  const sharedThrottle = ctx.store.capabilities.sharedRequestCounts
    ? new SharedThrottleCounts(ctx.store.countRequests.bind(ctx.store), gatewayLog)
    : null;
  if (sharedThrottle) app.addHook('onClose', async () => sharedThrottle.close());
  const gateway = new HttpGateway({
    ...ctx,
    jwks: new JwksVerifier({ allow: splitList(ctx.config.jwksAllow) }),
    accountOf: accountIdOf,
    log: gatewayLog,
    sharedThrottle,
  });
  const httpApisCtx = { ...ctx, httpApiChanged: (apiId: string) => gateway.forget(apiId), domainNamesChanged: () => domains.refresh() };
  await domains.start();
  app.addHook('onClose', async () => domains.close());
  // The AWS-compatible API: its own authentication (SigV4), bodies and error shapes (src/aws).
  aws = await registerAws(app, httpApisCtx);
  taskRoutes(app, ctx);
  queueRoutes(app, ctx);
  accessRoutes(app, ctx);
  healthRoutes(app, ctx);
  opsRoutes(app, ctx);
  functionRoutes(app, ctx);
  layerRoutes(app, ctx);
  functionVersionRoutes(app, ctx);
  functionInvokeRoutes(app, ctx);
  functionEventConfigRoutes(app, ctx);
  functionProvisionedRoutes(app, ctx);
  functionCircuitBreakerRoutes(app, ctx);
  functionLogRoutes(app, ctx);
  httpApiRoutes(app, httpApisCtx, accountIdOf);
  domainNameRoutes(app, httpApisCtx);
  await gatewayRoutes(app, gateway);
  functionAccessRoutes(app, ctx);
  functionUrlRoutes(app, ctx);
  workflowRoutes(app, ctx);
  stateMachineVersionRoutes(app, ctx);
  testStateRoutes(app, ctx, accountIdOf);
  mapRunRoutes(app, ctx);
  activityRoutes(app, ctx, accountIdOf);
  tagRoutes(app, httpApisCtx);
  projectRoutes(app, ctx, { maxBytes: ctx.config.projectMaxBytes, maxFiles: ctx.config.projectMaxFiles });
  await liveRoutes(app, ctx);
  uiRoutes(app);
  await app.ready();
  return app;
}

/**
 * Adds to each documented route the error answers it can give beyond its own: 400 when it
 * validates input, 413 and 415 when a body may come, 401 when it needs a key, 403 when it is
 * admin-only, 429 when requests are rate-limited, 503 when the database or the blob store is a
 * server that can be down (PostgreSQL, S3). The document then lists every status a
 * route may answer, and the fuzz test holds the API to it.
 */
function documentErrors(app: FastifyInstance, rateLimited: boolean, remoteServices: boolean): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as
      | { response?: Record<number, unknown>; body?: unknown; querystring?: unknown; params?: unknown; headers?: unknown }
      | undefined;
    if (!schema?.response) return;
    const add = (status: number) => void (schema.response![status] ??= Problem);
    const cfg = route.config ?? {};
    // Fastify reads a body sent with any of these methods, whether the route wants one or not.
    const bodied = [route.method].flat().some((m) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(m));
    if (bodied || schema.querystring || schema.params || schema.headers) add(400);
    if (bodied) add(413), add(415);
    if (!cfg.public) add(401);
    if (cfg.admin) add(403);
    if (rateLimited) add(429);
    if (remoteServices) add(503);
  });
}

/** Deepest nesting of objects and arrays accepted in a request body. */
export const MAX_JSON_DEPTH = 32;

/** The deepest nesting of `[` and `{` in JSON text, strings skipped; stops counting past the limit. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
      if (max > MAX_JSON_DEPTH) return max;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}
