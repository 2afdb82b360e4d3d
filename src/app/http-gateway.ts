/**
 * Serving HTTP APIs (API Gateway HTTP API, payload format 2.0 or, per route, 1.0): one request
 * to an API, by its id, through the pipeline API Gateway runs — the API, its stage (a named
 * stage's name first in the path, else $default) and the route (core match) → a CORS preflight
 * answered by the gateway → auth (none; a Hangar key of the API's owner; a JWT checked against
 * the authorizer's JWKS; a Lambda authorizer's answer, http-lambda-authorizer.ts) → throttle (a
 * token bucket per stage and route, under the stage's own limits) → the response cache (GET) → the route's payload event (2.0, or 1.0)
 * → the function, synchronously (http-invoke.ts) → the answer mapped by the same format → CORS
 * headers. The gateway's own answers are API Gateway's short JSON ({"message": …}).
 *
 * A stage that auto-deploys (every stage unless set otherwise) matches the API's routes as read;
 * one with autoDeploy false matches its deployment's snapshot (core/http-api/deployment.ts), and
 * its CORS is the deployment's too; its variables and throttles stay the stage's live ones.
 *
 * Everything it keeps is in this process, per API node: an API's definition for API_KEEP_MS (a
 * change made through this node is seen at once, through another within that time), deployments'
 * compiled routes (never changed, so never stale: the last DEPLOYMENTS_KEPT_MAX served), throttle
 * buckets, and cached answers (each node fills its own).
 *
 * Throttle buckets: one node alone (embedded) keeps each route's bucket and that is the whole
 * story. Several API nodes (scale-out) each keep a copy of the route's one bucket, and a
 * SharedThrottle tells each what the others let through, as counted in the database every few
 * tens of ms (core takeTokensElsewhere): together they let through about the route's rate, not
 * n times it. Best effort, as AWS's own limits: a node cannot see what the others took since
 * its last read of their counts (with the database away, since it went), a node new to a route
 * starts with a full burst, and no request waits on the database.
 */
import { randomBytes } from 'node:crypto';
import { Counter } from 'prom-client';
import type { Authenticator, JwksVerifier } from '../auth/index.ts';
import {
  bearerToken,
  buildEventV1,
  buildEventV2,
  type Bucket,
  cacheKey,
  cacheUntil,
  checkJwtClaims,
  type Clock,
  type CorsConfig,
  decodeJwt,
  type EventContext,
  effectiveLimit,
  type GatewayRequest,
  type GatewayResponse,
  type HttpApi,
  type HttpApiEventV1,
  type HttpApiEventV2,
  type HttpDeploymentSnapshot,
  type HttpRoute,
  jsonAnswer,
  jwtAuthorizerContext,
  matchRoute,
  type NamedStage,
  namedStageLimit,
  parseRouteKey,
  preflight,
  type RouteKey,
  stageOfPath,
  takeToken,
  takeTokensElsewhere,
  type ThrottleLimit,
  withCorsHeaders,
} from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { HttpApis, HttpDeploymentSnapshots } from '../store/index.ts';
import { invokeForHttp } from './http-invoke.ts';
import { LambdaAuthorizers } from './http-lambda-authorizer.ts';
import type { InvokeApp } from './invoke.ts';

/** How long an API's definition is served before it is read again (changes through another node). */
export const API_KEEP_MS = 1000;
/** API Gateway's request body limit. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** Bytes of cached answers one node keeps; the oldest go first. */
const CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** APIs whose definitions one node keeps (each a few KB). */
const APIS_KEPT_MAX = 10_000;
/** Deployments whose routes one node keeps compiled, the least recently served going first:
 *  each up to 300 routes (a few hundred KB), and never changed, so kept until pushed out. */
const DEPLOYMENTS_KEPT_MAX = 256;

export interface GatewayApp extends InvokeApp {
  httpApis: HttpApis;
  httpDeploymentSnapshots: HttpDeploymentSnapshots;
  clock: Clock;
  /** Checks Hangar keys; null when authentication is off (then a key route is open). */
  auth: Authenticator | null;
  jwks: JwksVerifier;
  /** The 12-digit account id of a user (requestContext.accountId). */
  accountOf(userId: string): string;
  log: Logger;
  metrics: Pick<Metrics, 'registry'>;
  /** Throttles counted across API nodes; null or absent where this process is the whole API. */
  sharedThrottle?: SharedThrottle | null;
}

/** A route's throttle shared by every API node: what this node let through goes into counts
 *  every node reads. Both calls answer from memory at once; the counting happens apart. */
export interface SharedThrottle {
  /** This node let a request through on `key` (a route). */
  took(key: string): void;
  /** Requests the other nodes let through on `key` since the last call, as last heard. */
  takenElsewhere(key: string): number;
}

type Outcome = 'invoked' | 'cached' | 'preflight' | 'not_found' | 'unauthorized' | 'forbidden' | 'authorizer_failed' | 'throttled';
/** The outcome of a refusal by its status (a Lambda authorizer's 500 is authorizer_failed). */
const REFUSALS: Partial<Record<number, Outcome>> = { 401: 'unauthorized', 403: 'forbidden' };

/** A request through a custom domain's mapping (core chooseMapping). */
export interface MappedRequest {
  /** `$default` or a named stage of the API. */
  stage: string;
  /** The path the routes match: the request's, its mapping key taken off. */
  path: string;
  /** The path after the key as sent ('' for the key alone): the payload 2.0 event's rawPath. */
  rawPath: string;
}

/** The mapping's stage (null if the named stage is gone since) and path. */
function mappedStage(stages: readonly NamedStage[], m: MappedRequest): { stage: NamedStage | null; path: string } | null {
  if (m.stage === '$default') return { stage: null, path: m.path };
  const stage = stages.find((s) => s.name === m.stage);
  return stage ? { stage, path: m.path } : null;
}

interface ServedRoute {
  routeKey: RouteKey;
  route: HttpRoute;
}
/** The routes a stage matches and the CORS it answers with: the API's as it is, or a deployment's. */
interface RouteTable {
  cors: CorsConfig | null;
  routes: ServedRoute[];
  /** null: the API as it is (a stage that auto-deploys). */
  deploymentId: string | null;
}
interface Served extends RouteTable {
  api: HttpApi;
  /** The live routes' throttles by key (route settings are the stage's, never deployed): made
   *  the first time a stage serving a deployment needs one. */
  throttles?: Map<string, HttpRoute['throttle']>;
}
type ChosenStage = { stage: NamedStage | null; path: string };

const compile = (routes: readonly HttpRoute[]): ServedRoute[] =>
  routes.map((route) => ({ routeKey: parseRouteKey(route.routeKey), route }));

const NOT_FOUND = () => jsonAnswer(404, { message: 'Not Found' });
const UNAUTHORIZED = () => jsonAnswer(401, { message: 'Unauthorized' });
const FORBIDDEN = () => jsonAnswer(403, { message: 'Forbidden' });
const TOO_MANY = () => jsonAnswer(429, { message: 'Too Many Requests' });

export class HttpGateway {
  private readonly app: GatewayApp;
  private readonly apis = new Map<string, { served: Served | null; until: number }>();
  /** By `${apiId} ${deploymentId}`, least recently served first. */
  private readonly deployments = new Map<string, Promise<RouteTable | null>>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly cache = new Map<string, { until: number; response: GatewayResponse; bytes: number }>();
  private cacheBytes = 0;
  private readonly requests: Counter<'outcome'>;
  private readonly lambdaAuthorizers: LambdaAuthorizers;

  constructor(app: GatewayApp) {
    this.app = app;
    this.lambdaAuthorizers = new LambdaAuthorizers(app);
    // One counter per registry, should a second app be built over the same metrics.
    const name = 'hangar_http_api_requests_total';
    this.requests =
      (app.metrics.registry.getSingleMetric(name) as Counter<'outcome'> | undefined) ??
      new Counter({
        name,
        help: "Requests to users' HTTP APIs by what the gateway did: invoked (the function answered), cached, preflight, not_found, unauthorized, forbidden, authorizer_failed (a Lambda authorizer failed), throttled",
        labelNames: ['outcome'],
        registers: [app.metrics.registry],
      });
  }

  /** Drops what this node keeps of an API (it changed here): its definition and its cached
   *  answers (a route may point elsewhere now). Its throttle buckets stay: a new limit applies
   *  to them from the next request. */
  forget(apiId: string): void {
    this.apis.delete(apiId);
    this.lambdaAuthorizers.forget(apiId);
    const prefix = JSON.stringify([apiId]).slice(0, -1);
    for (const key of this.cache.keys()) if (key.startsWith(prefix)) this.uncache(key);
  }

  /** `domainName`: the host the request came to (for the event's requestContext). `mapped`: a
   *  custom domain's mapping chose the stage and the path the routes match (the key taken off). */
  async serve(apiId: string, domainName: string, req: GatewayRequest, mapped?: MappedRequest): Promise<GatewayResponse> {
    const served = await this.served(apiId);
    if (!served) {
      this.requests.inc({ outcome: 'not_found' });
      return NOT_FOUND();
    }
    const { api } = served;
    // A named stage's name first in the path: its routes match the rest (the event keeps the
    // path as sent, with the stage, as AWS sends it). Through a custom domain, the mapping's
    // stage and the path after its key (a 2.0 event's rawPath is that too; 1.0's path keeps it).
    const chosen = mapped ? mappedStage(api.stages, mapped) : stageOfPath(api.stages, req.rawPath);
    // The one check an auto-deploying stage (every stage, unless set otherwise) pays: it serves
    // the routes read with the API. Another serves its deployment's, or nothing until it has one.
    let table: RouteTable | null = served;
    if (chosen !== null && (chosen.stage === null ? !api.autoDeploy : chosen.stage.autoDeploy === false)) {
      const deploymentId = chosen.stage === null ? api.deploymentId : (chosen.stage.deploymentId ?? null);
      table = deploymentId === null ? null : await this.deployed(apiId, deploymentId);
      if (table === null) {
        this.requests.inc({ outcome: 'not_found' });
        return NOT_FOUND();
      }
    }
    const header = headerReader(req);
    const origin = header('origin');
    const cors = table.cors ?? undefined;
    const early = preflight(cors, { method: req.method, header });
    if (early) {
      this.requests.inc({ outcome: 'preflight' });
      return { statusCode: early.statusCode, headers: early.headers, body: new Uint8Array() };
    }
    const [outcome, answer] = await this.route(served, table, chosen, domainName, req, header, mapped);
    this.requests.inc({ outcome });
    return { ...answer, headers: withCorsHeaders(cors, origin, answer.headers) };
  }

  private async route(
    served: Served,
    table: RouteTable,
    chosen: ChosenStage | null,
    domainName: string,
    req: GatewayRequest,
    header: (n: string) => string | undefined,
    mapped: MappedRequest | undefined,
  ): Promise<[Outcome, GatewayResponse]> {
    const { api } = served;
    if (!chosen) return ['not_found', NOT_FOUND()];
    const { stage, path } = chosen;
    const match = matchRoute(table.routes, req.method, path);
    if (!match) return ['not_found', NOT_FOUND()];
    const { route } = match.route;

    const eventContext: EventContext = {
      accountId: this.app.accountOf(api.userId),
      apiId: api.apiId,
      domainName,
      stage: stage?.name ?? '$default',
      routeKey: route.routeKey,
      pathParameters: match.pathParameters,
      stageVariables: stage ? stage.variables : api.stageVariables,
      mappedRawPath: mapped?.rawPath,
    };
    const auth =
      route.auth.kind === 'lambda'
        ? await this.lambdaAuthorizers.authorize(route, route.auth, req, eventContext, path, table.deploymentId)
        : await this.authorize(route, header);
    if ('refused' in auth) return [REFUSALS[auth.refused.statusCode] ?? 'authorizer_failed', auth.refused];

    // Throttles are the stage's, each with buckets of its own: $default's are the API's default
    // and the live route's own (a route setting, deployed or not); a named stage's, its own.
    const limit = stage ? namedStageLimit(stage, route.routeKey) : defaultStageLimit(served, table, route);
    if (limit) {
      const bucketKey = stage ? `${api.apiId}/${stage.name} ${route.routeKey}` : `${api.apiId} ${route.routeKey}`;
      const shared = this.app.sharedThrottle;
      const now = this.app.clock.now();
      let bucket = this.buckets.get(bucketKey);
      const elsewhere = shared ? shared.takenElsewhere(bucketKey) : 0;
      if (bucket && elsewhere > 0) bucket = takeTokensElsewhere(limit, bucket, elsewhere, now);
      const decision = takeToken(limit, bucket, now);
      this.buckets.set(bucketKey, decision.bucket);
      if (!decision.allowed) return ['throttled', TOO_MANY()];
      shared?.took(bucketKey);
    }

    // Set on the context made above rather than a copy of it: this is every request's path.
    const ctx = eventContext;
    ctx.authorizer = auth.context;
    // One branch per route: a 2.0 route builds its event as it always has, nothing more.
    let event: HttpApiEventV2 | HttpApiEventV1;
    let query: Record<string, string> | undefined;
    if (route.payloadFormatVersion === '1.0') {
      event = buildEventV1(req, ctx);
      query = cacheQueryV1(event.multiValueQueryStringParameters);
    } else {
      event = buildEventV2(req, ctx);
      query = event.queryStringParameters;
    }
    const settings = { ttlS: route.cacheTtlS, keyHeaders: [], keyQuery: query ? Object.keys(query) : [] };
    const key = cacheKey(settings, {
      apiId: api.apiId,
      routeKey: route.routeKey,
      method: req.method,
      rawPath: req.rawPath,
      headers: event.headers,
      query,
      principal: auth.principal,
      ...(mapped ? { stage: mapped.stage } : {}),
      deploymentId: table.deploymentId ?? undefined,
    });
    const now = this.app.clock.now();
    if (key !== null) {
      const hit = this.cache.get(key);
      if (hit && hit.until > now) return ['cached', hit.response];
      if (hit) this.uncache(key);
    }
    const response = await invokeForHttp(this.app, api.userId, { functionName: route.functionName, qualifier: route.qualifier }, event);
    if (key !== null) {
      const until = cacheUntil(settings, response.statusCode, response.headers, this.app.clock.now());
      if (until !== null) this.keep(key, until, response);
    }
    return ['invoked', response];
  }

  /** Who the route lets in: the principal (for the cache key) and what the event's authorizer
   *  says; or the gateway's refusal. */
  private async authorize(
    route: HttpRoute,
    header: (n: string) => string | undefined,
  ): Promise<{ principal: string | undefined; context: Record<string, unknown> | undefined } | { refused: GatewayResponse }> {
    const auth = route.auth;
    switch (auth.kind) {
      case 'none':
        return { principal: undefined, context: undefined };
      case 'key': {
        if (!this.app.auth) return { principal: 'open', context: undefined };
        const xApiKey = header('x-api-key');
        const authorization = xApiKey !== undefined ? `Bearer ${xApiKey}` : header('authorization');
        if (authorization === undefined) return { refused: UNAUTHORIZED() };
        let principal: Awaited<ReturnType<Authenticator['authenticate']>>;
        try {
          principal = await this.app.auth.authenticate(authorization);
        } catch {
          return { refused: UNAUTHORIZED() };
        }
        // A key of the API's owner: another user's key, even an admin's, is not one.
        if (principal.userId !== route.userId) return { refused: FORBIDDEN() };
        return {
          principal: `key:${principal.keyId}`,
          context: { hangar: { userId: principal.userId, keyId: principal.keyId } },
        };
      }
      case 'jwt': {
        const token = bearerToken(header('authorization'));
        const jwt = token === null ? null : decodeJwt(token);
        if (!jwt) return { refused: UNAUTHORIZED() };
        let valid: boolean;
        try {
          valid = await this.app.jwks.verify(auth, jwt);
        } catch (err) {
          this.app.log.warn({ jwksUrl: auth.jwksUrl, issuer: auth.issuer, err: (err as Error).message }, 'jwks unavailable');
          return { refused: UNAUTHORIZED() };
        }
        if (!valid || checkJwtClaims(jwt.claims, auth, this.app.clock.now()) !== null) return { refused: UNAUTHORIZED() };
        const sub = typeof jwt.claims.sub === 'string' ? jwt.claims.sub : (token as string);
        return { principal: `jwt:${auth.issuer} ${sub}`, context: jwtAuthorizerContext(jwt.claims) };
      }
      case 'lambda':
        throw new Error('a Lambda authorizer runs apart (LambdaAuthorizers)');
      default: {
        const unknown: never = auth;
        throw new Error(`unknown auth ${JSON.stringify(unknown)}`);
      }
    }
  }

  private async served(apiId: string): Promise<Served | null> {
    const now = this.app.clock.now();
    const kept = this.apis.get(apiId);
    if (kept && kept.until > now) return kept.served;
    const found = await this.app.httpApis.servedApi(apiId);
    const served = found && { api: found.api, cors: found.api.cors, routes: compile(found.routes), deploymentId: null };
    if (this.apis.size >= APIS_KEPT_MAX) this.apis.delete(this.apis.keys().next().value as string);
    this.apis.set(apiId, { served, until: now + API_KEEP_MS });
    return served;
  }

  /** A deployment's routes, compiled once per node: a snapshot never changes, so what is kept is
   *  never stale (a stage pointed elsewhere names another deployment, read with the API). One
   *  not found is not kept: it may be one this node hears of before its snapshot is readable. */
  private deployed(apiId: string, deploymentId: string): Promise<RouteTable | null> {
    const key = `${apiId} ${deploymentId}`;
    let table = this.deployments.get(key);
    if (table) this.deployments.delete(key);
    else {
      table = this.app.httpDeploymentSnapshots.getSnapshot(apiId, deploymentId).then(
        (snapshot) => {
          if (snapshot === null) this.deployments.delete(key);
          return snapshot && tableOf(snapshot, deploymentId);
        },
        (err: unknown) => {
          this.deployments.delete(key);
          throw err;
        },
      );
      if (this.deployments.size >= DEPLOYMENTS_KEPT_MAX) this.deployments.delete(this.deployments.keys().next().value as string);
    }
    this.deployments.set(key, table);
    return table;
  }

  private keep(key: string, until: number, response: GatewayResponse): void {
    const bytes = response.body.length + key.length + 256;
    if (bytes > CACHE_MAX_BYTES / 16) return;
    this.uncache(key);
    while (this.cacheBytes + bytes > CACHE_MAX_BYTES) this.uncache(this.cache.keys().next().value as string);
    this.cache.set(key, { until, response, bytes });
    this.cacheBytes += bytes;
  }

  private uncache(key: string): void {
    const had = this.cache.get(key);
    if (!had) return;
    this.cache.delete(key);
    this.cacheBytes -= had.bytes;
  }
}

function tableOf(snapshot: HttpDeploymentSnapshot, deploymentId: string): RouteTable {
  return { cors: snapshot.cors, routes: compile(snapshot.routes), deploymentId };
}

/** $default's limit for a route: the live route's own, else the API's default. */
function defaultStageLimit(served: Served, table: RouteTable, route: HttpRoute): ThrottleLimit | undefined {
  const routeThrottle = table === served ? route.throttle : liveThrottle(served, route.routeKey);
  return effectiveLimit(served.api.throttle ?? undefined, routeThrottle ?? undefined);
}

function liveThrottle(served: Served, routeKey: string): HttpRoute['throttle'] {
  served.throttles ??= new Map(served.routes.map(({ route }) => [route.routeKey, route.throttle]));
  return served.throttles.get(routeKey) ?? null;
}

/** A request id of API Gateway's shape (`JKJaXmPLvHcESHA=`). */
export function gatewayRequestId(): string {
  if (idPool.length - idAt < ID_BYTES) {
    idPool = randomBytes(ID_BYTES * 256);
    idAt = 0;
  }
  idAt += ID_BYTES;
  return idPool.toString('base64', idAt - ID_BYTES, idAt).slice(0, 15) + '=';
}
/** Random bytes for request ids, drawn 256 ids at a time: randomBytes per request (a call into
 *  OpenSSL each) was 2.7% of the API's time at 16 concurrent invocations. */
const ID_BYTES = 11;
let idPool = Buffer.alloc(0);
let idAt = 0;

/** A 1.0 event's query as the cache keys it: every value of a repeated parameter, as the 2.0
 *  event's joined ones (1.0's single-valued map holds only the last, which would let `a=1&a=2`
 *  share `a=2`'s cached answer). */
function cacheQueryV1(multi: Record<string, string[]> | null): Record<string, string> | undefined {
  if (multi === null) return undefined;
  return Object.fromEntries(Object.entries(multi).map(([name, values]) => [name, values.join(',')]));
}

function headerReader(req: GatewayRequest): (name: string) => string | undefined {
  return (name) => {
    for (const [n, v] of req.headers) if (n.toLowerCase() === name) return v;
    return undefined;
  };
}
