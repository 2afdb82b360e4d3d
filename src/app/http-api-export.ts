/**
 * ExportApi (issue 23): an HTTP API of the user's as an OpenAPI 3.0 document, decided in
 * core/http-api/export.ts from the API, its routes and its tags as they are now — or, for a
 * stage that does not auto-deploy, as its deployment holds them (its routes and CORS), as AWS
 * exports a stage's deployed definition.
 */
import {
  DEFAULT_STAGE,
  ErrorCode,
  exportOpenApi,
  InvalidInput,
  namedStageOf,
  type OpenApiExportOptions,
  stageDeploymentOf,
  stageServes,
} from '../core/index.ts';
import { getHttpApi, type HttpApisApp, listHttpRoutes } from './http-apis.ts';
import { listTags, taggableHttpApi, type TagsApp } from './tags.ts';

export async function exportHttpApi(
  app: HttpApisApp & TagsApp,
  userId: string,
  apiId: string,
  options: Omit<OpenApiExportOptions, 'tags'>,
  stageName: string | null = null,
): Promise<Record<string, unknown>> {
  const tags = await listTags(app, userId, taggableHttpApi(app, userId, apiId));
  const api = await getHttpApi(app, userId, apiId);
  const serves =
    stageName === null
      ? { kind: 'live' as const }
      : stageServes(stageDeploymentOf(api, stageName === DEFAULT_STAGE ? null : namedStageOf(api, stageName)));
  if (serves.kind === 'live') return exportOpenApi(api, await listHttpRoutes(app, userId, apiId), { ...options, tags });
  const snapshot = serves.kind === 'deployment' ? await app.httpDeploymentSnapshots.getSnapshot(apiId, serves.deploymentId) : null;
  if (!snapshot) throw new InvalidInput(ErrorCode.HttpApiInvalid, `stage '${stageName}' has no deployment to export`);
  return exportOpenApi({ ...api, cors: snapshot.cors }, snapshot.routes, { ...options, tags });
}
