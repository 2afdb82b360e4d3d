/**
 * Lambda's layer operations (API version 2018-10-31): publish, read (by name and number, or by
 * ARN), list and delete layer versions, over the use cases of src/app/layers.ts. Another
 * account's layer is one this caller does not have: layer permissions (AddLayerVersionPermission)
 * are not offered.
 */
import {
  deleteLayerVersion,
  getLayerVersion,
  layerContentUrl,
  listLayers,
  listLayerVersions,
  publishLayerVersion,
} from '../../app/index.ts';
import {
  checkLayerVersionNumber,
  ErrorCode,
  InvalidInput,
  layerErrors,
  parseLayerName,
  parseLayerVersionArn,
  type LayerFilter,
  type LayerVersion,
} from '../../core/index.ts';
import { layerArn } from '../identity.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall, AwsCaller } from '../service.ts';
import { type LambdaContext, userOf } from './context.ts';
import { strings } from './function-layers.ts';
import { apiBase } from './functions.ts';
import { field, jsonBody, lastModified, pageOfList, zipOf } from './shapes.ts';

/** The layer a LayerName (a name or the layer's ARN) names; another account's is not found. */
function layerNameOf(caller: AwsCaller, label: string): string {
  const ref = parseLayerName(label);
  if (ref.accountId !== null && ref.accountId !== caller.accountId) throw layerErrors.notFound(ref.name);
  return ref.name;
}

/** Lambda's LayerVersionsListItem: what a list says of a version. */
function listItem(caller: AwsCaller, v: LayerVersion): Record<string, unknown> {
  return {
    LayerVersionArn: layerArn(caller.region, caller.accountId, v.name, v.version),
    Version: v.version,
    Description: v.description,
    CreatedDate: lastModified(v.createdAt),
    CompatibleRuntimes: v.compatibleRuntimes,
    CompatibleArchitectures: v.compatibleArchitectures,
    ...(v.licenseInfo === null ? {} : { LicenseInfo: v.licenseInfo }),
  };
}

/** GetLayerVersion's and PublishLayerVersion's answer. Content.Location is Hangar's native
 *  download of the zip (read with a Bearer key), where Lambda gives a presigned S3 URL. */
function layerVersionBody(ctx: LambdaContext, call: AwsCall, v: LayerVersion): Record<string, unknown> {
  return {
    LayerArn: layerArn(call.caller.region, call.caller.accountId, v.name),
    ...listItem(call.caller, v),
    Content: {
      CodeSha256: v.code.sha256,
      CodeSize: v.code.size,
      Location: layerContentUrl(apiBase(ctx, call), v, call.caller.principal.userId),
    },
  };
}

function filterOf(query: URLSearchParams): LayerFilter {
  return {
    compatibleRuntime: query.get('CompatibleRuntime') ?? undefined,
    compatibleArchitecture: query.get('CompatibleArchitecture') ?? undefined,
  };
}

export function layerOperations(ctx: LambdaContext): RestOperation[] {
  const layer = '/2018-10-31/layers/{LayerName}';
  return [
    {
      name: 'PublishLayerVersion',
      method: 'POST',
      path: `${layer}/versions`,
      async run(call, params) {
        const body = jsonBody(call);
        const content = field.object(body, 'Content');
        if (!content) throw new InvalidInput(ErrorCode.LayerInvalid, 'Content is required: { "ZipFile": <the zip, base64> }');
        const v = await publishLayerVersion(ctx, userOf(call.caller), {
          name: layerNameOf(call.caller, params.LayerName),
          zip: zipOf(content),
          description: field.string(body, 'Description'),
          compatibleRuntimes: strings(body, 'CompatibleRuntimes'),
          compatibleArchitectures: strings(body, 'CompatibleArchitectures'),
          licenseInfo: field.string(body, 'LicenseInfo'),
        });
        return { status: 201, body: layerVersionBody(ctx, call, v) };
      },
    },
    {
      name: 'ListLayerVersions',
      method: 'GET',
      path: `${layer}/versions`,
      async run(call, params) {
        const all = await listLayerVersions(ctx, userOf(call.caller), layerNameOf(call.caller, params.LayerName), filterOf(call.query));
        const page = pageOfList(all, call.query);
        return {
          status: 200,
          body: { LayerVersions: page.items.map((v) => listItem(call.caller, v)), ...(page.next ? { NextMarker: page.next } : {}) },
        };
      },
    },
    {
      name: 'GetLayerVersion',
      method: 'GET',
      path: `${layer}/versions/{VersionNumber}`,
      async run(call, params) {
        const name = layerNameOf(call.caller, params.LayerName);
        const v = await getLayerVersion(ctx, userOf(call.caller), name, checkLayerVersionNumber(params.VersionNumber));
        return { status: 200, body: layerVersionBody(ctx, call, v) };
      },
    },
    {
      name: 'DeleteLayerVersion',
      method: 'DELETE',
      path: `${layer}/versions/{VersionNumber}`,
      async run(call, params) {
        const name = layerNameOf(call.caller, params.LayerName);
        await deleteLayerVersion(ctx, userOf(call.caller), name, checkLayerVersionNumber(params.VersionNumber));
        return { status: 204 };
      },
    },
    {
      // One path, two operations: GetLayerVersionByArn is ListLayers' path with ?find=LayerVersion.
      name: 'ListLayers',
      method: 'GET',
      path: '/2018-10-31/layers',
      async run(call) {
        if (call.query.get('find') === 'LayerVersion') {
          call.named('GetLayerVersionByArn');
          const ref = parseLayerVersionArn(call.query.get('Arn') ?? '');
          if (ref.accountId !== call.caller.accountId) throw layerErrors.notFound(ref.name, ref.version);
          const v = await getLayerVersion(ctx, userOf(call.caller), ref.name, ref.version);
          return { status: 200, body: layerVersionBody(ctx, call, v) };
        }
        const all = await listLayers(ctx, userOf(call.caller), filterOf(call.query));
        const page = pageOfList(all, call.query);
        const layers = page.items.map((v) => ({
          LayerName: v.name,
          LayerArn: layerArn(call.caller.region, call.caller.accountId, v.name),
          LatestMatchingVersion: listItem(call.caller, v),
        }));
        return { status: 200, body: { Layers: layers, ...(page.next ? { NextMarker: page.next } : {}) } };
      },
    },
  ];
}
