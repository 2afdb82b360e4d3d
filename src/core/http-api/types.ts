/**
 * An HTTP API's shapes: the API, its routes, and the integrations and authorizers API Gateway
 * v2's management API makes (model.ts checks APIs and routes, parts.ts the parts; both export
 * these again).
 */
import type { CorsConfig } from './cors.ts';
import type { ThrottleLimit } from './throttle.ts';

/**
 * The payload format a route's function gets, as API Gateway's PayloadFormatVersion: '2.0' (the
 * HTTP API's own event, event.ts) or '1.0' (the REST API's shape, event-v1.ts). Each has its own
 * answer mapping (response.ts).
 */
export const PayloadFormat = { V1: '1.0', V2: '2.0' } as const;
export type PayloadFormat = (typeof PayloadFormat)[keyof typeof PayloadFormat];

export type RouteAuth =
  | { kind: 'none' }
  /** A Hangar API key of the API's owner. */
  | { kind: 'key' }
  /** A JWT signed by a key of `jwksUrl` (null: the one `issuer`'s OpenID configuration names),
   *  from `issuer`, for one of `audience`. */
  | { kind: 'jwt'; issuer: string; audience: string[]; jwksUrl?: string | null }
  /** A Lambda (REQUEST) authorizer: the owner's function decides (lambda-authorizer.ts). */
  | LambdaAuth;

/**
 * A Lambda authorizer as API Gateway's HTTP APIs run one: the owner's function `functionName`
 * (at `qualifier`; null: $LATEST) is given the request in its `payloadFormatVersion` (2.0: the
 * route's 2.0 event with `routeArn`; 1.0: the REST-like event with `methodArn`) and answers allow
 * or deny — `{isAuthorized, context}` with `simpleResponses` (2.0 only), else an IAM policy.
 * Requests without every one of `identitySource` are refused before it runs; its answer is kept
 * for `resultTtlS` seconds per identity (0: not kept).
 */
export interface LambdaAuth {
  kind: 'lambda';
  functionName: string;
  qualifier: string | null;
  /** `$request.header.X`, `$request.querystring.x`, `$context.x`, `$stageVariables.x`. */
  identitySource: string[];
  simpleResponses: boolean;
  resultTtlS: number;
  /** The authorizer's own payload format (AuthorizerPayloadFormatVersion); absent (stored before
   *  1.0 authorizers): 2.0. */
  payloadFormatVersion?: PayloadFormat;
}

export interface HttpApi {
  userId: string;
  apiId: string;
  name: string;
  cors: CorsConfig | null;
  throttle: ThrottleLimit | null;
  /** Its stage's variables (stage.ts), in every route's event; {}: none. */
  stageVariables: Record<string, string>;
  /** Its stages besides $default (stage.ts), by name: each serves the API at `/{name}/...`. */
  stages: NamedStage[];
  /** Made through the management API (parts.ts), oldest first. */
  integrations: HttpIntegration[];
  authorizers: HttpAuthorizer[];
  /** Recorded by CreateDeployment (parts.ts), oldest first. */
  deployments: HttpDeployment[];
  /** The deployment its $default stage reports (auto-deployed: the latest made for it) or, with
   *  `autoDeploy` false, serves; null: none yet. */
  deploymentId: string | null;
  /** Its $default stage serves the API as it is now (true, Hangar's default) or only the
   *  deployment it names (deployment.ts). */
  autoDeploy: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A stage besides $default: the same routes, served under its name, with its own variables and
 *  throttles (not $default's: each stage has its own buckets, as on AWS). */
export interface NamedStage {
  name: string;
  variables: Record<string, string>;
  /** Its default throttle (DefaultRouteSettings); absent (stored before stages had their own) or
   *  null: none. */
  throttle?: ThrottleLimit | null;
  /** Its routes' own throttles (RouteSettings) by route key; absent: none. */
  routeThrottles?: Record<string, ThrottleLimit>;
  /** Absent (stages stored before deployments were snapshots): true. false: it serves only the
   *  deployment it names (deployment.ts). */
  autoDeploy?: boolean;
  /** The deployment it reports (auto-deployed) or serves; absent or null: none. */
  deploymentId?: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface HttpApiInput {
  name: string;
  cors?: CorsConfig | null;
  throttle?: ThrottleLimit | null;
  /** Replaces its stage's variables (stage.ts); null or {}: none. */
  stageVariables?: Record<string, string> | null;
}

export interface HttpRoute {
  userId: string;
  apiId: string;
  routeKey: string;
  functionName: string;
  /** A version number or alias; null: $LATEST. */
  qualifier: string | null;
  auth: RouteAuth;
  throttle: ThrottleLimit | null;
  /** 0: not cached. */
  cacheTtlS: number;
  /** The event its function gets and how its answer is read; from its integration when it has one. */
  payloadFormatVersion: PayloadFormat;
  /** The integration its function comes from (parts.ts); null: it names its function itself. */
  integrationId: string | null;
  /** The authorizer its auth comes from; null: none, or its own. */
  authorizerId: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A route names its function (and qualifier), or an integration of its API's; its auth, or an
 *  authorizer of its API's (parts.ts resolveRouteParts). */
export interface HttpRouteInput {
  routeKey: string;
  functionName?: string;
  qualifier?: string | null;
  integrationId?: string | null;
  authorizerId?: string | null;
  auth?: RouteAuth;
  throttle?: ThrottleLimit | null;
  cacheTtlS?: number;
  /** Absent: 2.0 (or its integration's). */
  payloadFormatVersion?: PayloadFormat;
}

export interface HttpIntegration {
  integrationId: string;
  functionName: string;
  /** A version number or alias; null: $LATEST. */
  qualifier: string | null;
  /** What the routes made from it send their function (stored before it existed: 2.0). */
  payloadFormatVersion: PayloadFormat;
  /** 'invocation': API Gateway v2's integrationUri named the function by its invocation URI
   *  (Terraform's `invoke_arn`), which API Gateway answers as given; absent: by its ARN. */
  uriForm?: 'invocation';
}

export interface HttpIntegrationInput {
  functionName: string;
  qualifier?: string | null;
  /** Absent: 2.0. */
  payloadFormatVersion?: PayloadFormat;
  uriForm?: 'invocation';
}

/** An API's authorizer: a JWT one, or a Lambda one (routes made from it copy its auth). */
export type HttpAuthorizer = JwtAuthorizer | LambdaAuthorizer;

export interface JwtAuthorizer {
  authorizerId: string;
  name: string;
  /** Absent in authorizers stored before Lambda authorizers: every one of those is JWT. */
  kind?: 'jwt';
  issuer: string;
  audience: string[];
  /** null: the issuer's OpenID configuration says where its keys are, as on AWS. */
  jwksUrl: string | null;
}

export type LambdaAuthorizer = { authorizerId: string; name: string } & LambdaAuth;

/** An authorizer as checked, before it has an id. */
export type HttpAuthorizerFields = Omit<JwtAuthorizer, 'authorizerId'> | Omit<LambdaAuthorizer, 'authorizerId'>;

export type HttpAuthorizerInput =
  | (Omit<JwtAuthorizer, 'authorizerId' | 'jwksUrl'> & { jwksUrl?: string | null })
  | Omit<LambdaAuthorizer, 'authorizerId'>;

/**
 * A deployment of an API: an id, a description and a time, listed with the API; what it serves
 * (its snapshot, deployment.ts) is kept apart, as it can be large. A stage that auto-deploys
 * serves the API as it is and only reports one; a stage that does not serves the one it names.
 */
export interface HttpDeployment {
  deploymentId: string;
  description: string;
  createdAt: number;
}
