/**
 * Lambda layers (core/layer.ts): publish a version from a zip, read, list and delete versions,
 * and resolve the layer versions a function names to the content it runs with. The zip is
 * checked and stored as a function's code is (functions.ts codeOf: the same content key), so a
 * layer and a function of the same zip share it, and a deleted version's content stays for the
 * functions that use it (code is not collected yet).
 */
import type { BlobStore } from '../blobs/index.ts';
import { BadZip, MAX_UNZIPPED_BYTES, unzippedBytes } from '../functions/index.ts';
import {
  checkLayerName,
  ErrorCode,
  Internal,
  InvalidInput,
  latestMatching,
  layerErrors,
  layerMatches,
  newLayerVersion,
  type FunctionLayer,
  type LayerFilter,
  type LayerVersion,
  type LayerVersionInput,
} from '../core/index.ts';
import type { Layers } from '../store/index.ts';
import { codeOf } from './functions.ts';

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
 *  the native view's code.url and Lambda's Content.Location, as functionCodeUrl is for code. */
export function layerContentUrl(base: string, v: LayerVersion, callerUserId: string | null): string {
  const q = v.userId === callerUserId ? '' : `?${new URLSearchParams({ userId: v.userId })}`;
  return `${base.replace(/\/$/, '')}/layers/${encodeURIComponent(v.name)}/versions/${v.version}/content${q}`;
}

/**
 * The layers a function is to use, in the order named, each with its content: every one must be
 * a version of the user's that exists now (a deleted one cannot be added, as on Lambda; another
 * user's is not the user's to name). Refused as a bad parameter of the function, as Lambda does.
 */
export async function functionLayersOf(
  app: Pick<LayersApp, 'layers'>,
  userId: string,
  refs: { name: string; version: number }[],
): Promise<FunctionLayer[]> {
  const out: FunctionLayer[] = [];
  for (const r of refs) {
    const v = await app.layers.getLayerVersion(userId, r.name, r.version);
    if (!v) throw new InvalidInput(ErrorCode.FunctionInvalid, `layer version ${r.name}:${r.version} does not exist`);
    out.push({ name: v.name, version: v.version, code: v.code });
  }
  return out;
}
