/**
 * Lambda layers (core/layer.ts): publish a version from a zip, read, list and delete versions,
 * and resolve the layer versions a function names to the content it runs with. The zip is
 * checked and stored as a function's code is (functions.ts codeOf: the same content key), so a
 * layer and a function of the same zip share it, and a deleted version's content stays for the
 * functions that use it (code is not collected yet).
 */
import type { Principal } from '../auth/index.ts';
import type { BlobStore } from '../blobs/index.ts';
import { BadZip, MAX_UNZIPPED_BYTES, unzippedBytes } from '../functions/index.ts';
import {
  checkLayerName,
  checkLayerStatement,
  checkLayerStatementId,
  crossAccountDenied,
  ErrorCode,
  Forbidden,
  Internal,
  InvalidInput,
  LAYER_ACTION,
  latestMatching,
  layerErrors,
  layerMatches,
  layerVersionAllows,
  newLayerVersion,
  policyErrors,
  type FunctionLayer,
  type LayerFilter,
  type LayerStatementInput,
  type LayerVersion,
  type LayerVersionInput,
  type LayerVersionPolicy,
  type PolicyStatement,
} from '../core/index.ts';
import type { Layers } from '../store/index.ts';
import type { AccountDirectory } from './cross-account.ts';
import { codeOf } from './functions.ts';
import { functionOwner } from './ownership.ts';

export interface LayersApp {
  layers: Layers;
  blobs: BlobStore;
}

/** A new version of the user's layer (1 for a new layer). Everything is checked before the zip
 *  is stored: a refused publish leaves nothing behind. */
export async function publishLayerVersion(
  app: LayersApp,
  userId: string,
  input: LayerVersionInput & { zip: Buffer },
): Promise<LayerVersion> {
  const code = codeOf(userId, input.zip);
  const v = newLayerVersion(userId, input, code);
  // Refused now rather than at the first cold start of a function that uses it (Lambda's
  // limit, as unzipTo holds each unpacking to it).
  let bytes: number;
  try {
    bytes = unzippedBytes(input.zip);
  } catch (err) {
    if (err instanceof BadZip) throw new InvalidInput(ErrorCode.LayerInvalid, `the layer's zip cannot be unpacked: ${err.message}`);
    throw err;
  }
  if (bytes > MAX_UNZIPPED_BYTES)
    throw new InvalidInput(ErrorCode.LayerInvalid, `the layer unzips to ${bytes} bytes; at most ${MAX_UNZIPPED_BYTES}`);
  await app.blobs.put(code.blobKey, input.zip);
  return app.layers.publishLayerVersion(v);
}

/** NotFound (LAYER_NOT_FOUND) if the user's layer has no such version. */
export async function getLayerVersion(
  app: Pick<LayersApp, 'layers'>,
  userId: string,
  name: string,
  version: number,
): Promise<LayerVersion> {
  const v = await app.layers.getLayerVersion(userId, checkLayerName(name), version);
  if (!v) throw layerErrors.notFound(name, version);
  return v;
}

/** Each of the user's layers at its latest version matching the filter, by name. */
export async function listLayers(app: Pick<LayersApp, 'layers'>, userId: string, filter: LayerFilter = {}): Promise<LayerVersion[]> {
  return latestMatching(await app.layers.listLayerVersions(userId), filter);
}

/** A layer's versions matching the filter, newest first (none: no such layer). */
export async function listLayerVersions(
  app: Pick<LayersApp, 'layers'>,
  userId: string,
  name: string,
  filter: LayerFilter = {},
): Promise<LayerVersion[]> {
  return (await app.layers.listLayerVersions(userId, checkLayerName(name))).filter((v) => layerMatches(v, filter));
}

/** Deletes a version; answers whether it was there (Lambda's DeleteLayerVersion answers the
 *  same either way, the native API 404s). Functions that use it keep its content: their
 *  snapshots hold it. */
export async function deleteLayerVersion(app: Pick<LayersApp, 'layers'>, userId: string, name: string, version: number): Promise<boolean> {
  return app.layers.deleteLayerVersion(userId, checkLayerName(name), version);
}

/** A version's zip. Missing from the BlobStore is a fault of the platform, not of the request. */
export async function layerContent(
  app: LayersApp,
  userId: string,
  name: string,
  version: number,
): Promise<{ version: LayerVersion; zip: Buffer }> {
  const v = await getLayerVersion(app, userId, name, version);
  const zip = await app.blobs.get(v.code.blobKey);
  if (!zip) throw new Internal(`the content of layer ${v.name}:${v.version} (${v.code.blobKey}) is missing from the blob store`);
  return { version: v, zip };
}

/** Where a version's zip is downloaded (GET /layers/{name}/versions/{n}/content, with a key):
 *  the native view's code.url, and Lambda's Content.Location presigned on top of it
 *  (downloads.ts), as functionCodeUrl is for code. */
export function layerContentUrl(base: string, v: LayerVersion, callerUserId: string | null): string {
  const q = v.userId === callerUserId ? '' : `?${new URLSearchParams({ userId: v.userId })}`;
  return `${base.replace(/\/$/, '')}/layers/${encodeURIComponent(v.name)}/versions/${v.version}/content${q}`;
}

// --- A version's policy, and using another account's layer ---

/** Adds a statement to a version's policy (AddLayerVersionPermission). */
export async function addLayerVersionPermission(
  app: Pick<LayersApp, 'layers'>,
  userId: string,
  name: string,
  version: number,
  input: LayerStatementInput & { revisionId?: string | undefined },
): Promise<{ statement: PolicyStatement; policy: LayerVersionPolicy }> {
  const statement = checkLayerStatement(input);
  const policy = await app.layers.addLayerVersionPermission(userId, checkLayerName(name), version, statement, input.revisionId);
  return { statement, policy };
}

export async function removeLayerVersionPermission(
  app: Pick<LayersApp, 'layers'>,
  userId: string,
  name: string,
  version: number,
  sid: string,
  revisionId?: string,
): Promise<void> {
  await app.layers.removeLayerVersionPermission(userId, checkLayerName(name), version, checkLayerStatementId(sid), revisionId);
}

/** The version's policy: LAYER_NOT_FOUND without the version, FUNCTION_POLICY_NOT_FOUND ("The
 *  resource you requested does not exist.", as Lambda) when its policy has no statement. */
export async function getLayerVersionPolicy(
  app: Pick<LayersApp, 'layers'>,
  userId: string,
  name: string,
  version: number,
): Promise<LayerVersionPolicy> {
  await getLayerVersion(app, userId, name, version);
  const policy = await app.layers.getLayerVersionPolicy(userId, name, version);
  if (!policy) throw policyErrors.notFound();
  return policy;
}

/** Who asks for another account's layer version: their account, and how accounts are found. */
export interface LayerCaller {
  accountId: string;
  accounts: AccountDirectory;
}

/**
 * Another account's layer version, when its policy grants the caller's account (or everyone)
 * lambda:GetLayerVersion. Anything else — no statement for the caller, no such version, no such
 * account — is Lambda's AccessDeniedException, one answer for all: Lambda decides on the policy
 * before the version is looked at, and a stranger learns nothing of what exists. `resource`: the
 * version's ARN, for the message.
 */
export async function foreignLayerVersion(
  app: Pick<LayersApp, 'layers'>,
  caller: LayerCaller,
  ref: { accountId: string; name: string; version: number },
  resource: string,
): Promise<LayerVersion> {
  for (const ownerId of await caller.accounts.usersOf(ref.accountId)) {
    const policy = await app.layers.getLayerVersionPolicy(ownerId, ref.name, ref.version);
    if (!layerVersionAllows(policy, caller.accountId)) continue;
    const v = await app.layers.getLayerVersion(ownerId, ref.name, ref.version);
    if (v) return v;
  }
  throw crossAccountDenied(caller.accountId, LAYER_ACTION, resource);
}

/**
 * Whose layer version a read on the native API reaches (a version, its content): functionOwner's
 * answer, or — a user's key asking for another user's (?userId=) — that user's, when the
 * version's policy grants the key's account (`accountOf`: aws/identity accountIdOf). The
 * download a shared version's Content.Location names is then the grantee's to open.
 */
export async function layerReaderOf(
  app: Pick<LayersApp, 'layers'>,
  p: Principal,
  asked: string | undefined,
  name: string,
  version: number,
  accountOf: (userId: string) => string,
): Promise<string> {
  try {
    return functionOwner(p, asked);
  } catch (err) {
    if (!(err instanceof Forbidden) || asked === undefined || p.userId === null) throw err;
    const policy = await app.layers.getLayerVersionPolicy(asked, checkLayerName(name), version);
    if (layerVersionAllows(policy, accountOf(p.userId))) return asked;
    throw err;
  }
}

/** A layer version a function names: the user's own (no owner), or another account's by its ARN. */
export interface FunctionLayerRef {
  name: string;
  version: number;
  owner?: { accountId: string; arn: string };
}

/**
 * The layers a function is to use, in the order named, each with its content: every one must be
 * a version that exists now (a deleted one cannot be added, as on Lambda). The user's own are
 * refused as a bad parameter of the function when missing, as Lambda does; another account's
 * must be shared with the caller (foreignLayerVersion), and its content is then kept in the
 * function's snapshot like any other: taking the grant back later, or deleting the version,
 * does not stop a function already using it (as on Lambda).
 */
export async function functionLayersOf(
  app: Pick<LayersApp, 'layers'>,
  userId: string,
  refs: FunctionLayerRef[],
  caller?: LayerCaller,
): Promise<FunctionLayer[]> {
  const out: FunctionLayer[] = [];
  for (const r of refs) {
    if (r.owner) {
      if (!caller) throw new InvalidInput(ErrorCode.FunctionInvalid, `another account's layer (${r.owner.arn}) cannot be named here`);
      const v = await foreignLayerVersion(app, caller, { accountId: r.owner.accountId, name: r.name, version: r.version }, r.owner.arn);
      out.push({ name: v.name, version: v.version, code: v.code, ownerId: v.userId });
      continue;
    }
    const v = await app.layers.getLayerVersion(userId, r.name, r.version);
    if (!v) throw new InvalidInput(ErrorCode.FunctionInvalid, `layer version ${r.name}:${r.version} does not exist`);
    out.push({ name: v.name, version: v.version, code: v.code });
  }
  return out;
}
