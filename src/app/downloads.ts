/**
 * Presigned downloads (core/download-signature.ts): the Lambda API's Code.Location and
 * Content.Location are the native download routes' URLs with an expiry and a signature, which
 * open without a key for 10 minutes, as Lambda's presigned S3 URLs do (`curl "$(aws lambda
 * get-function … --query Code.Location --output text)" -o f.zip`). These make such URLs and
 * serve what one opens; the routes without a signature still want a key.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import {
  checkDownload,
  checkFunctionName,
  downloadExpiry,
  Forbidden,
  Internal,
  LATEST,
  signDownload,
  type Clock,
  type DownloadSubject,
  type DownloadVerdict,
  type FunctionSnapshot,
  type LayerVersion,
} from '../core/index.ts';
import type { SecretBox } from '../secrets/index.ts';
import { functionCodeKey, functionCodeUrl, type FunctionsApp, getFunction } from './functions.ts';
import { layerContent, layerContentUrl, type LayersApp } from './layers.ts';

/** What the signing key is derived for (SecretBox.derive): API nodes sharing the master key
 *  share it, so a URL one node made opens on another. */
export const DOWNLOAD_KEY_PURPOSE = 'hangar presigned downloads v1';

/** What signing and checking need: the master key, and the clock (the store's: on PostgreSQL
 *  the database server's, which every node reads alike). */
export interface DownloadsApp {
  secrets: Pick<SecretBox, 'deriveAll'>;
  clock: Clock;
}

/** Derived once per SecretBox (HKDF on every GetFunction would be work for nothing): one per key
 *  of the keyring, the current first. URLs are signed with the current key's; one signed with a
 *  previous key's (by a node not yet restarted while the master key is rotated) still opens. */
const keys = new WeakMap<object, KeyObject[]>();
function downloadKeys(secrets: DownloadsApp['secrets']): KeyObject[] {
  let found = keys.get(secrets);
  if (!found) keys.set(secrets, (found = secrets.deriveAll(DOWNLOAD_KEY_PURPOSE).map((k) => createSecretKey(k))));
  return found;
}

/** The query a presigned download comes with (the owner's user id always: there is no key to
 *  say whose; a function's code digest too). */
export interface PresignedQuery {
  userId?: string | undefined;
  qualifier?: string | undefined;
  expires?: string | undefined;
  signature?: string | undefined;
}

const REFUSED: Record<Exclude<DownloadVerdict, 'valid'>, string> = {
  malformed: 'the download URL is not a whole presigned URL (userId, expires and signature as they were given): use it as given',
  expired: 'the download URL has expired (a presigned URL lasts 10 minutes): ask GetFunction or GetLayerVersion for a new one',
  invalid: 'the download URL does not match its signature: use it as given',
};

function admit(app: DownloadsApp, subject: DownloadSubject, q: PresignedQuery): void {
  // 'invalid' under one key may be another's signature; any other verdict is the same under all.
  let verdict: DownloadVerdict = 'invalid';
  for (const key of downloadKeys(app.secrets)) if ((verdict = checkDownload(key, subject, q, app.clock.now())) !== 'invalid') break;
  if (verdict !== 'valid') throw new Forbidden(REFUSED[verdict]);
}

function presign(app: DownloadsApp, url: string, subject: DownloadSubject): string {
  const expires = downloadExpiry(app.clock.now());
  const signature = signDownload(downloadKeys(app.secrets)[0], subject, expires);
  return `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams({ expires: String(expires), signature })}`;
}

const hexOf = (sha256Base64: string): string => Buffer.from(sha256Base64, 'base64').toString('hex');

/** GetFunction's Code.Location: the native download of `f`'s code, presigned: its owner's
 *  function at the version it names ('' for $LATEST; an alias was resolved to its version by
 *  the read), and the code it has now (`sha256`, hex). */
export function presignedCodeUrl(app: DownloadsApp, base: string, f: FunctionSnapshot): string {
  const sha256 = hexOf(f.code.sha256);
  const qualifier = f.version === LATEST ? '' : String(f.version);
  const url = `${functionCodeUrl(base, f, null)}&${new URLSearchParams({ sha256 })}`;
  return presign(app, url, { kind: 'function', userId: f.userId, name: f.name, qualifier, sha256 });
}

/** GetLayerVersion's and PublishLayerVersion's Content.Location, presigned. */
export function presignedLayerContentUrl(app: DownloadsApp, base: string, v: LayerVersion): string {
  return presign(app, layerContentUrl(base, v, null), { kind: 'layer', userId: v.userId, name: v.name, version: v.version });
}

/**
 * The code a presigned URL opens: the zip it was made for, while the function (at that version)
 * is there — after $LATEST's code changed, still the zip of the answer that gave the URL.
 * Forbidden for a URL expired, tampered with or made for another zip, before anything is read
 * (so a refusal says nothing of what exists).
 */
export async function presignedFunctionCode(
  app: FunctionsApp & DownloadsApp,
  name: string,
  q: PresignedQuery & { sha256?: string | undefined },
): Promise<{ name: string; sha256: string; zip: Buffer }> {
  if (q.userId === undefined || q.sha256 === undefined) throw new Forbidden(REFUSED.malformed);
  admit(app, { kind: 'function', userId: q.userId, name, qualifier: q.qualifier ?? '', sha256: q.sha256 }, q);
  const f = await getFunction(app, q.userId, checkFunctionName(name), q.qualifier || undefined);
  const signed = { sha256: Buffer.from(q.sha256, 'hex').toString('base64'), blobKey: functionCodeKey(q.userId, q.sha256) };
  const code = f.code.sha256 === signed.sha256 ? f.code : signed;
  if (f.code.image) throw new Forbidden(REFUSED.malformed);
  const zip = await app.blobs.get(code.blobKey);
  if (!zip) throw new Internal(`the code of function ${f.name} (${code.blobKey}) is missing from the blob store`);
  return { name: f.name, sha256: code.sha256, zip };
}

/** A layer version's content a presigned URL opens; refused as presignedFunctionCode. */
export async function presignedLayerContent(
  app: LayersApp & DownloadsApp,
  name: string,
  version: number,
  q: PresignedQuery,
): Promise<{ version: LayerVersion; zip: Buffer }> {
  if (q.userId === undefined) throw new Forbidden(REFUSED.malformed);
  admit(app, { kind: 'layer', userId: q.userId, name, version }, q);
  return layerContent(app, q.userId, name, version);
}
