/**
 * Functions (issue 23): deploy a zip as Lambda takes it, read, list and delete. The native API
 * and the Lambda-compatible API both call these, with the user the caller's key belongs to; the
 * store keeps metadata (ports/functions.ts), the code goes to the BlobStore under a content key.
 */
import { createHash } from 'node:crypto';
import type { BlobStore } from '../blobs/index.ts';
import {
  checkFunctionName,
  Conflict,
  ErrorCode,
  functionErrors,
  imageRefOf,
  Internal,
  InvalidInput,
  LATEST,
  newFunctionConfig,
  parseFunctionRef,
  TooLarge,
  type FunctionCode,
  type FunctionConfigPatch,
  type FunctionSnapshot,
  type Page,
} from '../core/index.ts';
import type { Functions } from '../store/index.ts';

export interface FunctionsApp {
  functions: Functions;
  blobs: BlobStore;
  /** The images imported on this host (ImageStore), for functions packaged as one; absent:
   *  none can be created here. */
  images?: { imported(name: string): Promise<{ importId: string } | null> };
}

/** Lambda's limit for a zip uploaded in the request (ZipFile): 50 MB. */
export const MAX_ZIP_BYTES = 50 * 1024 * 1024;

/**
 * Where a user's code lives: by content, so deploying the same zip twice stores it once and a
 * published version's code stays readable after $LATEST moves on. Per user, so one user's
 * upload never tells another whether some zip exists. Hex, not Lambda's base64 (which has '/').
 */
export const functionCodeKey = (userId: string, sha256Hex: string): string => `functions/${userId}/code/${sha256Hex}.zip`;

/**
 * Where a function's zip is downloaded: the native route GET /functions/{name}/code, stable for
 * as long as the function is. Both surfaces link it (the native view's code.url, read with a
 * key; Lambda's GetFunction Code.Location, presigned on top of it by downloads.ts), so its
 * shape lives here, not in either. A published version's
 * URL names it, since $LATEST's code moves on; a caller other than the owner (an admin, or
 * anyone with authentication off) gets the owner's `userId`, which the route needs from them.
 */
export function functionCodeUrl(base: string, f: FunctionSnapshot, callerUserId: string | null): string {
  const q = new URLSearchParams();
  if (f.version !== LATEST) q.set('qualifier', String(f.version));
  if (f.userId !== callerUserId) q.set('userId', f.userId);
  return `${base.replace(/\/$/, '')}/functions/${encodeURIComponent(f.name)}/code${q.size > 0 ? `?${q}` : ''}`;
}

/** A zip starts with a local file header (PK\3\4), or is an empty archive (only the end record,
 *  PK\5\6), and has its end-of-central-directory record within the last 64 KiB + 22 bytes. */
export function isZip(bytes: Buffer): boolean {
  if (bytes.length < 22) return false;
  const head = bytes.readUInt32LE(0);
  if (head !== 0x04034b50 && head !== 0x06054b50) return false;
  const from = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= from; i--) if (bytes.readUInt32LE(i) === 0x06054b50) return true;
  return false;
}

/** The FunctionCode of a zip (checked: a zip, not too large), to be stored at its blobKey. */
export function codeOf(userId: string, zip: Buffer, maxBytes = MAX_ZIP_BYTES): FunctionCode {
  if (zip.length > maxBytes) throw new TooLarge(`the code zip is ${zip.length} bytes; at most ${maxBytes} may be uploaded`);
  if (!isZip(zip)) throw new InvalidInput(ErrorCode.FunctionInvalid, 'the code is not a zip file');
  const digest = createHash('sha256').update(zip).digest();
  return { sha256: digest.toString('base64'), size: zip.length, blobKey: functionCodeKey(userId, digest.toString('hex')) };
}

/** The code of a function packaged as an image: the image ImageUri names, which must be imported
 *  here (Lambda: InvalidParameterValueException for an image it cannot find). Its CodeSha256 is
 *  that of the image's import record, so a re-import is new code. */
export async function imageCodeOf(app: FunctionsApp, uri: string): Promise<FunctionCode> {
  const ref = imageRefOf(uri);
  const imported = app.images ? await app.images.imported(ref.name) : null;
  if (!imported)
    throw new InvalidInput(
      ErrorCode.FunctionInvalid,
      `Source image ${uri} does not exist: Hangar runs the image '${ref.name}' for it, and none is imported (hangar image import ${ref.name} <OCI tarball>)`,
    );
  return { sha256: Buffer.from(imported.importId, 'hex').toString('base64'), size: 0, blobKey: '', image: ref };
}

/** A zip's code, or an image's: whichever the request gave. */
export async function codeOfEither(app: FunctionsApp, userId: string, given: { zip?: Buffer; imageUri?: string }): Promise<FunctionCode> {
  if (given.imageUri !== undefined) return imageCodeOf(app, given.imageUri);
  if (given.zip === undefined) throw new InvalidInput(ErrorCode.FunctionInvalid, 'the code is missing: a zip or an image URI');
  return codeOf(userId, given.zip);
}

export interface DeployInput {
  name: string;
  /** The code: a zip, or (a function packaged as an image) an ImageUri naming an imported image. */
  zip?: Buffer;
  imageUri?: string;
  /** For a new function, its whole configuration (a runtime at least, or an image's
   *  `imageConfig`); for an existing one, the fields to change. */
  config: FunctionConfigPatch;
}

/**
 * Creates the function, or updates the code and the given configuration of the user's function
 * of that name. The code and the configuration are checked before anything is stored or changed.
 * An image's code is the one CreateFunction and UpdateFunctionCode take (codeOfEither).
 */
export async function deployFunction(
  app: FunctionsApp,
  userId: string,
  input: DeployInput,
): Promise<{ function: FunctionSnapshot; created: boolean }> {
  const name = checkFunctionName(input.name);
  const image = input.imageUri !== undefined;
  const code = await codeOfEither(app, userId, input);
  const store = async () => {
    if (input.zip && !code.image) await app.blobs.put(code.blobKey, input.zip);
  };
  if (!(await app.functions.getFunction(userId, name))) {
    const { runtime } = input.config;
    if (runtime === undefined && !image) throw new InvalidInput(ErrorCode.FunctionInvalid, `function ${name} is new: name its runtime`);
    const config = newFunctionConfig({
      ...input.config,
      runtime: runtime ?? '',
      ...(image ? { imageConfig: input.config.imageConfig ?? {} } : {}),
    });
    await store();
    try {
      return { function: await app.functions.createFunction({ userId, name, code, ...config }), created: true };
    } catch (err) {
      // Created by a concurrent deploy since the read: this one updates it instead.
      if (!(err instanceof Conflict && err.code === ErrorCode.FunctionExists)) throw err;
    }
  }
  // The configuration first: a patch the function cannot take changes nothing, code included.
  // An image given to a zip function (or a zip to an image's) is refused before it changes.
  const before = await app.functions.getFunction(userId, name);
  if (before && (before.code.image === undefined) === image)
    throw new InvalidInput(
      ErrorCode.FunctionInvalid,
      image
        ? `function ${name} is packaged as a zip: deploy it a zip or a project, not an image`
        : `function ${name} is packaged as an image: deploy it an image, not a zip`,
    );
  const current = await app.functions.updateFunctionConfiguration(userId, name, patchOf(input.config));
  // The same image by another URI is new code: the function shows the URI it was given.
  if (current.code.sha256 === code.sha256 && current.code.image?.uri === code.image?.uri) return { function: current, created: false };
  await store();
  return { function: await app.functions.updateFunctionCode(userId, name, code, current.revisionId), created: false };
}

/** Only the fields the deploy named: an update keeps what it does not mention. */
function patchOf(input: FunctionConfigPatch): FunctionConfigPatch {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as FunctionConfigPatch;
}

/** The user's function at the qualifier its name or `qualifier` gives (Lambda's forms); NotFound
 *  if it, the version or the alias is not there. */
export async function getFunction(
  app: Pick<FunctionsApp, 'functions'>,
  userId: string,
  functionName: string,
  qualifier?: string,
): Promise<FunctionSnapshot> {
  const ref = parseFunctionRef(functionName, qualifier);
  const f = await app.functions.getFunction(userId, ref.name, ref.qualifier);
  if (!f) throw functionErrors.notFound(ref.name, ref.qualifier.kind === 'version' ? ref.qualifier.version : undefined);
  return f;
}

/** The zip of the user's function at a qualifier (getFunction's). The code of a stored function
 *  missing from the BlobStore is a fault of the platform, not of the request. */
export async function functionCode(
  app: FunctionsApp,
  userId: string,
  functionName: string,
  qualifier?: string,
): Promise<{ function: FunctionSnapshot; zip: Buffer }> {
  const f = await getFunction(app, userId, functionName, qualifier);
  if (f.code.image)
    throw new InvalidInput(ErrorCode.FunctionInvalid, `function ${f.name} is packaged as the image ${f.code.image.uri}: it has no zip`);
  const zip = await app.blobs.get(f.code.blobKey);
  if (!zip) throw new Internal(`the code of function ${f.name} (${f.code.blobKey}) is missing from the blob store`);
  return { function: f, zip };
}

export function listFunctions(
  app: Pick<FunctionsApp, 'functions'>,
  userId: string,
  page: { after?: string; limit: number },
): Promise<Page<FunctionSnapshot>> {
  return app.functions.listFunctions({ userId, ...page });
}

/** Deletes the function with its versions and aliases. Its code stays in the BlobStore: it is
 *  stored by content and may be another function's too (collecting unreferenced code is later). */
export async function deleteFunction(app: Pick<FunctionsApp, 'functions'>, userId: string, name: string): Promise<void> {
  if (!(await app.functions.deleteFunction(userId, checkFunctionName(name)))) throw functionErrors.notFound(name);
}
