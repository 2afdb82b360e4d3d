/** HTTP APIs and their routes: /http-apis (src/api/routes/http-apis.ts). */
import { enc, Resource } from './core.ts';

/** An HTTP API as /http-apis shows it (src/api/routes/http-apis.ts). */
export interface HttpApiInfo {
  apiId: string;
  userId: string;
  name: string;
  cors: unknown;
  throttle: { rate: number; burst: number } | null;
  stageVariables: Record<string, string>;
  /** Its $default stage serves the API as it is (true) or only deploymentId's deployment. */
  autoDeploy: boolean;
  deploymentId: string | null;
  stages: { name: string; stageVariables: Record<string, string>; url: string; autoDeploy: boolean; deploymentId: string | null }[];
  url: string;
  hostUrl: string;
  createdAt: string;
  updatedAt: string;
}

export type HttpRouteAuth =
  | { kind: 'none' }
  | { kind: 'key' }
  | { kind: 'jwt'; issuer: string; audience: string[]; jwksUrl?: string | null }
  | {
      kind: 'lambda';
      functionName: string;
      qualifier?: string | null;
      identitySource?: string[];
      simpleResponses?: boolean;
      resultTtlS?: number;
      /** The authorizer's own event: 2.0 (default) or 1.0. */
      payloadFormatVersion?: '1.0' | '2.0';
    };

/** A route of an HTTP API. */
export interface HttpRouteInfo {
  apiId: string;
  routeKey: string;
  functionName: string;
  qualifier: string | null;
  auth: HttpRouteAuth;
  throttle: { rate: number; burst: number } | null;
  cacheTtlS: number;
  /** API Gateway's payload format version of the events its function gets. */
  payloadFormatVersion: '1.0' | '2.0';
  /** The API Gateway v2 integration and authorizer it was made from (null: its own). */
  integrationId: string | null;
  authorizerId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A stage's own throttles: its default (null: none) and its routes' by route key (null removes one). */
export interface StageThrottles {
  throttle?: { rate: number; burst: number } | null;
  routeThrottles?: Record<string, { rate: number; burst: number } | null>;
}

export class HttpApis extends Resource {
  create(
    body: {
      name: string;
      throttle?: { rate: number; burst: number };
      cors?: { allowOrigins: string[]; allowMethods: string[]; allowHeaders: string[]; maxAgeS?: number };
      stageVariables?: Record<string, string>;
    },
    userId?: string,
  ): Promise<HttpApiInfo> {
    return this.transport.json('POST', '/http-apis', { query: { userId }, body });
  }

  list(userId?: string): Promise<{ apis: Array<HttpApiInfo & { routeCount: number }> }> {
    return this.transport.json('GET', '/http-apis', { query: { userId } });
  }

  get(apiId: string, userId?: string): Promise<HttpApiInfo> {
    return this.transport.json('GET', `/http-apis/${enc(apiId)}`, { query: { userId } });
  }

  /** The API as an OpenAPI 3.0 document, as API Gateway's ExportApi writes it. */
  openapi(apiId: string, extensions: boolean, userId?: string): Promise<Record<string, unknown>> {
    return this.transport.json('GET', `/http-apis/${enc(apiId)}/openapi`, { query: { userId, extensions: String(extensions) } });
  }

  delete(apiId: string, userId?: string): Promise<{ apiId: string; deleted: true }> {
    return this.transport.json('DELETE', `/http-apis/${enc(apiId)}`, { query: { userId } });
  }

  /** A deployment of the API as it is; with `stage`, that stage serves it (autoDeploy false). */
  deploy(
    apiId: string,
    body: { stage?: string; description?: string },
    userId?: string,
  ): Promise<{ deploymentId: string; description: string; createdAt: string }> {
    return this.transport.json('POST', `/http-apis/${enc(apiId)}/deployments`, { query: { userId }, body });
  }

  /** Whether a stage auto-deploys, the deployment it serves, its variables (merged: '' removes one). */
  setStage(
    apiId: string,
    stageName: string,
    body: { autoDeploy?: boolean; deploymentId?: string; variables?: Record<string, string> } & StageThrottles,
    userId?: string,
  ): Promise<HttpApiInfo> {
    return this.transport.json('PATCH', `/http-apis/${enc(apiId)}/stages/${enc(stageName)}`, { query: { userId }, body });
  }

  /** A named stage: the API's routes at url/{name}/... with variables of its own. */
  createStage(
    apiId: string,
    body: { name: string; variables?: Record<string, string>; autoDeploy?: boolean; deploymentId?: string } & StageThrottles,
    userId?: string,
  ): Promise<HttpApiInfo> {
    return this.transport.json('POST', `/http-apis/${enc(apiId)}/stages`, { query: { userId }, body });
  }

  /** A named stage deleted; $default's settings reset (deleted false). */
  deleteStage(apiId: string, stageName: string, userId?: string): Promise<{ apiId: string; stageName: string; deleted: boolean }> {
    return this.transport.json('DELETE', `/http-apis/${enc(apiId)}/stages/${enc(stageName)}`, { query: { userId } });
  }

  addRoute(
    apiId: string,
    body: {
      routeKey: string;
      functionName: string;
      qualifier?: string;
      auth?: HttpRouteAuth;
      throttle?: { rate: number; burst: number };
      cacheTtlS?: number;
      payloadFormatVersion?: '1.0' | '2.0';
    },
    userId?: string,
  ): Promise<HttpRouteInfo> {
    return this.transport.json('POST', `/http-apis/${enc(apiId)}/routes`, { query: { userId }, body });
  }

  routes(apiId: string, userId?: string): Promise<{ routes: HttpRouteInfo[] }> {
    return this.transport.json('GET', `/http-apis/${enc(apiId)}/routes`, { query: { userId } });
  }

  deleteRoute(apiId: string, routeKey: string, userId?: string): Promise<{ apiId: string; routeKey: string; deleted: true }> {
    return this.transport.json('DELETE', `/http-apis/${enc(apiId)}/routes/${enc(routeKey)}`, { query: { userId } });
  }
}
