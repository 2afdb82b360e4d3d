/**
 * BlobStore on S3 or any S3-compatible server (MinIO, Ceph RGW, R2, s3rver...): one bucket,
 * keys under an optional prefix. Path-style addressing for servers that do not do virtual
 * hosts. Credentials come from the options or the SDK's usual chain (AWS_* variables, profile,
 * instance role).
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ErrorCode, Unavailable } from '../core/index.ts';
import type { BlobStore } from './types.ts';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' = the bucket's root). */
  prefix?: string;
  region?: string;
  /** For S3-compatible servers, e.g. http://127.0.0.1:9000. */
  endpoint?: string;
  /** Bucket in the path (http://host/bucket/key) instead of the host name. */
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** A request not answered within this many ms, or whose body then goes as long without a
   *  byte, fails with a TimeoutError (the SDK tries 3 times in all); default
   *  DEFAULT_REQUEST_TIMEOUT_MS. The SDK's own default is no bound: a server that accepts
   *  connections and stops answering held a put forever (measured). */
  requestTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Connecting to the server: at most this long, ms. */
const CONNECT_TIMEOUT_MS = 5_000;

export class S3BlobStore implements BlobStore {
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(o: S3BlobStoreOptions) {
    const timeout = o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const config: S3ClientConfig = {
      region: o.region ?? 'us-east-1',
      endpoint: o.endpoint,
      forcePathStyle: o.forcePathStyle ?? Boolean(o.endpoint),
      // requestTimeout bounds the wait for the response's headers; socketTimeout, the same
      // length of silence at any point, so a body that stops mid-way fails too (measured
      // through a proxy that stops forwarding after 1 MB of an 8 MB get: never returned).
      requestHandler: {
        requestTimeout: timeout,
        socketTimeout: timeout,
        connectionTimeout: CONNECT_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    };
    if (o.accessKeyId && o.secretAccessKey) config.credentials = { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey };
    this.s3 = new S3Client(config);
    this.bucket = o.bucket;
    this.prefix = o.prefix ? o.prefix.replace(/\/*$/, '/') : '';
  }

  private key(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === '.')) throw new Error(`blob key escapes the store: ${key}`);
    return this.prefix + key;
  }

  async put(key: string, data: Buffer | string): Promise<void> {
    await reachable(this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: data })));
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return res.Body ? Buffer.from(await res.Body.transformToByteArray()) : Buffer.alloc(0);
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return null;
      throw unavailable(err);
    }
  }

  /** Keys under `prefix` as a path: `tasks/a` holds `tasks/a/x`, not `tasks/ab/x` (as on disk). */
  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for await (const keys of this.pages(prefix)) out.push(...keys.map((k) => k.slice(this.prefix.length)));
    return out.sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    for await (const keys of this.pages(prefix)) {
      if (keys.length === 1) await reachable(this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: keys[0] })));
      else if (keys.length > 0) {
        await reachable(
          this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } })),
        );
      }
    }
  }

  /** Full object keys under a path prefix, a page (≤ 1,000) at a time. */
  private async *pages(prefix: string): AsyncGenerator<string[]> {
    const p = prefix === '' ? this.prefix : this.key(prefix).replace(/\/*$/, '/');
    let token: string | undefined;
    do {
      const res = await reachable(this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: p, ContinuationToken: token })));
      yield (res.Contents ?? []).map((c) => c.Key!).filter(Boolean);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async check(): Promise<boolean> {
    const key = `_health/${randomUUID()}`;
    try {
      await this.put(key, 'ok');
      const back = await this.get(key);
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return back?.toString() === 'ok';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.s3.destroy();
  }
}

/**
 * A failure to reach the server (refused, reset, no answer within the request timeout) or a
 * server error (5xx: S3's InternalError, SlowDown...) as a 503 the API passes on with
 * Retry-After; the SDK has already tried 3 times. A 4xx (no such bucket, access denied) is a
 * configuration error and stays as it is.
 */
function unavailable(err: unknown): unknown {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (!(err instanceof Error) || (status !== undefined && status < 500)) return err;
  return new Unavailable(
    ErrorCode.BlobStoreUnavailable,
    `the blob store cannot be reached (${err.name}: ${err.message}); retry shortly`,
    1,
    { cause: err },
  );
}

function reachable<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    throw unavailable(err);
  });
}
