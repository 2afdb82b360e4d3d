/**
 * ExportApi (issue 23): an HTTP API of the user's as an OpenAPI 3.0 document, decided in
 * core/http-api/export.ts from the API, its routes and its tags as they are now (Hangar serves
 * every change at once, so the $default stage and the API's latest configuration are one).
 */
import { exportOpenApi, type OpenApiExportOptions } from '../core/index.ts';
import { getHttpApi, type HttpApisApp, listHttpRoutes } from './http-apis.ts';
import { listTags, taggableHttpApi, type TagsApp } from './tags.ts';

export async function exportHttpApi(
  app: HttpApisApp & TagsApp,
  userId: string,
  apiId: string,
  options: Omit<OpenApiExportOptions, 'tags'>,
): Promise<Record<string, unknown>> {
  const tags = await listTags(app, userId, taggableHttpApi(app, userId, apiId));
  const api = await getHttpApi(app, userId, apiId);
  return exportOpenApi(api, await listHttpRoutes(app, userId, apiId), { ...options, tags });
}
