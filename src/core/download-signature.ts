/**
 * Presigned downloads: a function's code or a layer version's content fetched without a key, as
 * Lambda's Code.Location and Content.Location are presigned S3 URLs a plain `curl` follows for
 * 10 minutes. The URL carries an expiry and an HMAC-SHA256 over everything that selects the
 * bytes (what kind of zip, its owner, its name, the qualifier or version, a function's code
 * digest) and that expiry, so a
 * signature opens that one zip until then and nothing else. The key is the platform's
 * (app/downloads.ts: derived from the secrets master key, which every API node shares, so a URL
 * one node made opens on another).
 */
import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';

/** How long a presigned download lasts: Lambda's Code.Location, 10 minutes. */
export const DOWNLOAD_URL_TTL_S = 600;

/**
 * What a presigned URL opens. A function's: `qualifier` a published version's number, '' for
 * $LATEST (the query's `qualifier` as the URL has it: an alias is resolved to its version when
 * signing), and `sha256` (hex) the code it had then — $LATEST's code may change within the 10
 * minutes, and the URL still gives the zip whose CodeSha256 the same answer named, as an S3 URL
 * does. A layer version's content never changes.
 */
export type DownloadSubject =
  | { kind: 'function'; userId: string; name: string; qualifier: string; sha256: string }
  | { kind: 'layer'; userId: string; name: string; version: number };

/** The text signed: JSON, so no field's content can pass for a boundary between fields. */
export function downloadSigned(s: DownloadSubject, expires: number): string {
  return JSON.stringify(
    s.kind === 'function'
      ? ['function', s.userId, s.name, s.qualifier, s.sha256, expires]
      : ['layer', s.userId, s.name, s.version, expires],
  );
}

/** The signature (hex) of a download of `s` valid until `expires` (Unix seconds). */
export function signDownload(key: KeyObject | Buffer, s: DownloadSubject, expires: number): string {
  return createHmac('sha256', key).update(downloadSigned(s, expires)).digest('hex');
}

/** A new URL's expiry: DOWNLOAD_URL_TTL_S from now, in whole seconds (as S3's X-Amz-Expires). */
export const downloadExpiry = (nowMs: number): number => Math.floor(nowMs / 1000) + DOWNLOAD_URL_TTL_S;

/**
 * - valid: the signature is the key's for this subject and expiry, and that expiry is not past.
 * - malformed: expires or signature is not of the form a URL Hangar made has.
 * - expired: signed, but past its expiry.
 * - invalid: not the key's signature for this subject and expiry (tampered with, made for
 *   another zip, or with another key), or an expiry later than any URL is made for.
 */
export type DownloadVerdict = 'valid' | 'malformed' | 'expired' | 'invalid';

const EXPIRES = /^[0-9]{1,12}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
/** Room for the signing node's clock being ahead of the checking one's, seconds. */
const CLOCK_SLACK_S = 60;

/** Whether the query's `expires` and `signature` open a download of `s` at `nowMs`. The
 *  signature is compared in constant time: how much of a guess matched takes no longer to tell. */
export function checkDownload(
  key: KeyObject | Buffer,
  s: DownloadSubject,
  given: { expires?: string | undefined; signature?: string | undefined },
  nowMs: number,
): DownloadVerdict {
  if (given.expires === undefined || given.signature === undefined) return 'malformed';
  if (!EXPIRES.test(given.expires) || !SIGNATURE.test(given.signature)) return 'malformed';
  const expires = Number(given.expires);
  const want = Buffer.from(signDownload(key, s, expires), 'hex');
  if (!timingSafeEqual(want, Buffer.from(given.signature, 'hex'))) return 'invalid';
  const now = Math.floor(nowMs / 1000);
  if (expires > now + DOWNLOAD_URL_TTL_S + CLOCK_SLACK_S) return 'invalid';
  return now > expires ? 'expired' : 'valid';
}
