import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  checkDownload,
  DOWNLOAD_URL_TTL_S,
  type DownloadSubject,
  downloadExpiry,
  signDownload,
} from '../../src/core/download-signature.ts';

const key = randomBytes(32);
const NOW = 1_800_000_000_000;
const code: DownloadSubject = { kind: 'function', userId: 'alice', name: 'f', qualifier: '', sha256: 'ab'.repeat(32) };
const layer: DownloadSubject = { kind: 'layer', userId: 'alice', name: 'f', version: 1 };

/** The query a URL made now for `s` carries. */
const made = (s: DownloadSubject, nowMs = NOW) => {
  const expires = downloadExpiry(nowMs);
  return { expires: String(expires), signature: signDownload(key, s, expires) };
};

describe('presigned downloads', () => {
  it('opens what was signed until the expiry, 10 minutes on, and not after', () => {
    const q = made(code);
    assert.equal(Number(q.expires), NOW / 1000 + DOWNLOAD_URL_TTL_S);
    assert.equal(checkDownload(key, code, q, NOW), 'valid');
    assert.equal(checkDownload(key, code, q, NOW + DOWNLOAD_URL_TTL_S * 1000), 'valid');
    assert.equal(checkDownload(key, code, q, NOW + DOWNLOAD_URL_TTL_S * 1000 + 1000), 'expired');
  });

  it('opens nothing else: each field of the subject is signed, and the kind', () => {
    const q = made(code);
    for (const other of [
      { ...code, userId: 'bob' },
      { ...code, name: 'g' },
      { ...code, qualifier: '1' },
      { ...code, sha256: 'cd'.repeat(32) },
      { ...layer, version: 0 },
    ] as DownloadSubject[])
      assert.equal(checkDownload(key, other, q, NOW), 'invalid', JSON.stringify(other));
    assert.equal(checkDownload(key, layer, made(layer), NOW), 'valid');
    assert.equal(checkDownload(key, { ...layer, version: 2 }, made(layer), NOW), 'invalid');
    // A field's content cannot pass for the boundary between two fields.
    const a: DownloadSubject = { ...code, userId: 'a","b', name: 'c' };
    const b: DownloadSubject = { ...code, userId: 'a', name: 'b","c' };
    assert.equal(checkDownload(key, b, made(a), NOW), 'invalid');
  });

  it('refuses another key, another expiry, and an expiry later than any URL is made for', () => {
    const q = made(code);
    assert.equal(checkDownload(randomBytes(32), code, q, NOW), 'invalid');
    assert.equal(checkDownload(key, code, { ...q, expires: String(Number(q.expires) + 1) }, NOW), 'invalid');
    const far = Math.floor(NOW / 1000) + 10 * DOWNLOAD_URL_TTL_S;
    assert.equal(checkDownload(key, code, { expires: String(far), signature: signDownload(key, code, far) }, NOW), 'invalid');
  });

  it('calls anything not of the form a URL has malformed', () => {
    const q = made(code);
    for (const bad of [
      { signature: q.signature },
      { expires: q.expires },
      { ...q, expires: '' },
      { ...q, expires: '-1' },
      { ...q, expires: '1e9' },
      { ...q, expires: '9'.repeat(13) },
      { ...q, signature: '' },
      { ...q, signature: q.signature.toUpperCase() },
      { ...q, signature: q.signature.slice(2) },
      { ...q, signature: `${q.signature}00` },
    ])
      assert.equal(checkDownload(key, code, bad, NOW), 'malformed', JSON.stringify(bad));
  });
});
