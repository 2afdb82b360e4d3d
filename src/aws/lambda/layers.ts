/**
 * Lambda's layer operations (API version 2018-10-31): publish, read (by name and number, or by
 * ARN), list and delete layer versions, and a version's policy (AddLayerVersionPermission,
 * RemoveLayerVersionPermission, GetLayerVersionPolicy), over the use cases of src/app/layers.ts.
 * Another account's layer version can be read (GetLayerVersion, GetLayerVersionByArn) when its
 * policy grants the caller's account; everything else on it is its owner's alone.
 */
import {
  type AccountDirectory,
  addLayerVersionPermission,
  deleteLayerVersion,
  foreignLayerVersion,
  getLayerVersion,
  getLayerVersionPolicy,
  listLayers,
  listLayerVersions,
  presignedLayerContentUrl,
  publishLayerVersion,
  removeLayerVersionPermission,
} from '../../app/index.ts';
import {
  checkLayerVersionNumber,
  ErrorCode,
  InvalidInput,
  layerErrors,
  parseLayerName,
  parseLayerVersionArn,
  policyDocument,
  statementDocument,
  type LayerFilter,
  type LayerVersion,
} from '../../core/index.ts';
import { accountIdOf, layerArn } from '../identity.ts';
import type { RestOperation } from '../rest-router.ts';
import type { AwsCall, AwsCaller } from '../service.ts';
import { type LambdaContext, userOf } from './context.ts';
import { strings } from './function-layers.ts';
import { apiBase } from './functions.ts';
import { field, jsonBody, lastModified, pageOfList, zipOf } from './shapes.ts';

/** The layer a LayerName (a name or the layer's ARN) names, for what only its owner does;
 *  another account's is not found. */
function layerNameOf(caller: AwsCaller, label: string): string {
  const ref = parseLayerName(label);
  if (ref.accountId !== null && ref.accountId !== caller.accountId) throw layerErrors.notFound(ref.name);
  return ref.name;
}

/** The account a version's ARNs name: the caller's for their own, else its owner's. */
const accountOfVersion = (caller: AwsCaller, v: LayerVersion): string =>
  v.userId === userOf(caller) ? caller.accountId : accountIdOf(v.userId);

/** Lambda's LayerVersionsListItem: what a list says of a version. */
function listItem(caller: AwsCaller, v: LayerVersion): Record<string, unknown> {
  return {
    LayerVersionArn: layerArn(caller.region, accountOfVersion(caller, v), v.name, v.version),
    Version: v.version,
    Description: v.description,
    CreatedDate: lastModified(v.createdAt),
    CompatibleRuntimes: v.compatibleRuntimes,
    CompatibleArchitectures: v.compatibleArchitectures,
    ...(v.licenseInfo === null ? {} : { LicenseInfo: v.licenseInfo }),
  };
}

/** GetLayerVersion's and PublishLayerVersion's answer. Content.Location is Hangar's native
 *  download of the zip, presigned for 10 minutes (no key needed), as Lambda's S3 URL is. */
function layerVersionBody(ctx: LambdaContext, call: AwsCall, v: LayerVersion): Record<string, unknown> {
  return {
    LayerArn: layerArn(call.caller.region, accountOfVersion(call.caller, v), v.name),
    ...listItem(call.caller, v),
    Content: {
      CodeSha256: v.code.sha256,
      CodeSize: v.code.size,
      Location: presignedLayerContentUrl(ctx, apiBase(ctx, call), v),
    },
  };
}

function filterOf(query: URLSearchParams): LayerFilter {
  return {
    compatibleRuntime: query.get('CompatibleRuntime') ?? undefined,
    compatibleArchitecture: query.get('CompatibleArchitecture') ?? undefined,
  };
}

/**
 * A version to read: the caller's own, or another account's (`accountId`) when its policy grants
 * the caller lambda:GetLayerVersion (AccessDeniedException otherwise, app foreignLayerVersion).
 */
function readableVersion(
  ctx: LambdaContext,
  accounts: AccountDirectory,
  call: AwsCall,
  ref: { accountId: string | null; name: string; version: number },
): Promise<LayerVersion> {
  const { caller } = call;
  if (ref.accountId === null || ref.accountId === caller.accountId) return getLayerVersion(ctx, userOf(caller), ref.name, ref.version);
  const resource = layerArn(caller.region, ref.accountId, ref.name, ref.version);
  return foreignLayerVersion(ctx, { accountId: caller.accountId, accounts }, { ...ref, accountId: ref.accountId }, resource);
}

/** A version's policy operations: the caller's own layers only. Statements and the document are
 *  a function policy's (core function-policy.ts), its Resource the version's ARN. */
function policyOperations(ctx: LambdaContext, version: string): RestOperation[] {
  const target = (call: AwsCall, params: Record<string, string>) => {
    const name = layerNameOf(call.caller, params.LayerName);
    const n = checkLayerVersionNumber(params.VersionNumber);
    return { name, version: n, arn: layerArn(call.caller.region, call.caller.accountId, name, n) };
  };
  return [
    {
      name: 'AddLayerVersionPermission',
      method: 'POST',
      path: `${version}/policy`,
      async run(call, params) {
        const body = jsonBody(call);
        const t = target(call, params);
        const { statement, policy } = await addLayerVersionPermission(ctx, userOf(call.caller), t.name, t.version, {
          sid: field.string(body, 'StatementId'),
          action: field.string(body, 'Action'),
          principal: field.string(body, 'Principal'),
          organizationId: field.string(body, 'OrganizationId'),
          revisionId: call.query.get('RevisionId') ?? undefined,
        });
        return { status: 201, body: { Statement: JSON.stringify(statementDocument(statement, t.arn)), RevisionId: policy.revisionId } };
      },
    },
    {
      name: 'RemoveLayerVersionPermission',
      method: 'DELETE',
      path: `${version}/policy/{StatementId}`,
      async run(call, params) {
        const t = target(call, params);
        const revisionId = call.query.get('RevisionId') ?? undefined;
        await removeLayerVersionPermission(ctx, userOf(call.caller), t.name, t.version, params.StatementId, revisionId);
        return { status: 204 };
      },
    },
    {
      name: 'GetLayerVersionPolicy',
      method: 'GET',
      path: `${version}/policy`,
      async run(call, params) {
        const t = target(call, params);
        const policy = await getLayerVersionPolicy(ctx, userOf(call.caller), t.name, t.version);
        return { status: 200, body: { Policy: JSON.stringify(policyDocument(policy.statements, t.arn)), RevisionId: policy.revisionId } };
      },
    },
  ];
}

export function layerOperations(ctx: LambdaContext, accounts: AccountDirectory): RestOperation[] {
  const layer = '/2018-10-31/layers/{LayerName}';
  return [
    ...policyOperations(ctx, `${layer}/versions/{VersionNumber}`),
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
        const ref = parseLayerName(params.LayerName);
        const v = await readableVersion(ctx, accounts, call, { ...ref, version: checkLayerVersionNumber(params.VersionNumber) });
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
          const v = await readableVersion(ctx, accounts, call, parseLayerVersionArn(call.query.get('Arn') ?? ''));
          return { status: 200, body: layerVersionBody(ctx, call, v) };
        }
        const all = await listLayers(ctx, userOf(call.caller), filterOf(call.query));
        const page = pageOfList(all, call.query);
        const layers = page.items.map((v) => ({
          LayerName: v.name,
          LayerArn: layerArn(call.caller.region, accountOfVersion(call.caller, v), v.name),
          LatestMatchingVersion: listItem(call.caller, v),
        }));
        return { status: 200, body: { Layers: layers, ...(page.next ? { NextMarker: page.next } : {}) } };
      },
    },
  ];
}
