/**
 * ImportApi (issue 23): an HTTP API made from an OpenAPI 3.0 definition (core/http-api/import.ts
 * decides what it holds): the API with its tags, an integration per function its routes name,
 * its JWT authorizers, its routes. All or nothing: when a part cannot be made (a function not
 * there, an issuer refused) the API made so far is deleted again.
 */
import type { CorsConfig, HttpApi, HttpIntegrationInput, OpenApiImport } from '../core/index.ts';
import { createHttpAuthorizer, createHttpIntegration, createHttpRoute, deleteHttpApi, type HttpApisApp } from './http-apis.ts';
import { createTaggedHttpApi, type TagsApp } from './tags.ts';

export async function importHttpApi(
  app: HttpApisApp & TagsApp,
  userId: string,
  plan: OpenApiImport,
  /** The function an integration URI names (refusing one that names none of the user's). */
  targetOf: (uri: string) => HttpIntegrationInput,
  cors: CorsConfig | null,
): Promise<HttpApi> {
  const targets = new Map(plan.routes.map((r) => [r.integrationUri, targetOf(r.integrationUri)]));
  const api = await createTaggedHttpApi(app, userId, { name: plan.name, cors, tags: plan.tags });
  try {
    const integrations = new Map<string, string>();
    for (const [uri, target] of targets) integrations.set(uri, (await createHttpIntegration(app, userId, api.apiId, target)).integrationId);
    const authorizers = new Map<string, string>();
    for (const a of plan.authorizers) authorizers.set(a.name, (await createHttpAuthorizer(app, userId, api.apiId, a)).authorizerId);
    for (const r of plan.routes)
      await createHttpRoute(app, userId, api.apiId, {
        routeKey: r.routeKey,
        integrationId: integrations.get(r.integrationUri) ?? null,
        authorizerId: r.authorizer === null ? null : (authorizers.get(r.authorizer) ?? null),
      });
  } catch (err) {
    await deleteHttpApi(app, userId, api.apiId).catch(() => {});
    throw err;
  }
  return api;
}
