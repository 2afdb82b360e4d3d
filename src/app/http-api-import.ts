/**
 * ImportApi and ReimportApi (issue 23): an HTTP API made from an OpenAPI 3.0 definition, or one
 * put over an existing API (core/http-api/import.ts decides what a document holds,
 * core/http-api/definition.ts what replacing an API's definition keeps): an integration per
 * function and payload format version its routes name, its JWT and Lambda authorizers (their
 * functions resolved as the integrations' are), its routes. All or nothing: the definition is
 * one write of the store, and an import whose definition is refused deletes the API it made.
 */
import type { CorsConfig, HttpApi, HttpApiDefinition, HttpIntegrationInput, OpenApiImport } from '../core/index.ts';
import type { ServedHttpApi } from '../store/index.ts';
import { deleteHttpApi, getHttpApi, type HttpApisApp, replaceHttpApiDefinition } from './http-apis.ts';
import { createTaggedHttpApi, type TagsApp } from './tags.ts';

/** The function an integration URI names (refusing one that names none of the user's). */
type TargetOf = (uri: string) => HttpIntegrationInput;

export async function importHttpApi(
  app: HttpApisApp & TagsApp,
  userId: string,
  plan: OpenApiImport,
  targetOf: TargetOf,
  cors: CorsConfig | null,
): Promise<HttpApi> {
  const definition = definitionOf(plan, targetOf, cors);
  const api = await createTaggedHttpApi(app, userId, { name: plan.name, cors, tags: plan.tags });
  try {
    return (await replaceHttpApiDefinition(app, userId, api.apiId, definition)).api;
  } catch (err) {
    await deleteHttpApi(app, userId, api.apiId).catch(() => {});
    throw err;
  }
}

/** ReimportApi: the API's name, CORS, integrations, authorizers and routes are the document's;
 *  its tags, stage settings and deployments stay. */
export async function reimportHttpApi(
  app: HttpApisApp,
  userId: string,
  apiId: string,
  plan: OpenApiImport,
  targetOf: TargetOf,
  cors: CorsConfig | null,
): Promise<ServedHttpApi> {
  await getHttpApi(app, userId, apiId);
  return replaceHttpApiDefinition(app, userId, apiId, definitionOf(plan, targetOf, cors));
}

/** One integration per integration URI and payload format version the routes name, in the
 *  order they first name them. */
function definitionOf(plan: OpenApiImport, targetOf: TargetOf, cors: CorsConfig | null): HttpApiDefinition {
  const integrationOf = (r: OpenApiImport['routes'][number]) => `${r.payloadFormatVersion} ${r.integrationUri}`;
  const keys = [...new Set(plan.routes.map(integrationOf))];
  const names = plan.authorizers.map((a) => a.name);
  return {
    name: plan.name,
    cors,
    integrations: keys.map((key) => {
      const r = plan.routes.find((x) => integrationOf(x) === key) as OpenApiImport['routes'][number];
      return { ...targetOf(r.integrationUri), payloadFormatVersion: r.payloadFormatVersion };
    }),
    authorizers: plan.authorizers.map((a) => {
      if (a.kind !== 'lambda') return a;
      const { authorizerUri, ...rest } = a;
      const target = targetOf(authorizerUri);
      return { ...rest, functionName: target.functionName, qualifier: target.qualifier ?? null };
    }),
    routes: plan.routes.map((r) => ({
      routeKey: r.routeKey,
      integration: keys.indexOf(integrationOf(r)),
      authorizer: r.authorizer === null ? null : names.indexOf(r.authorizer),
    })),
  };
}
