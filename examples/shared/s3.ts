/**
 * A real S3-protocol server (s3rver, in its own process) on a free port, with a bucket: the
 * blob store of a scale-out Hangar on one machine, for the tests (test/helpers/s3.ts) and for
 * the examples' scale-out shape (examples/directory-pipeline/run.ts --shape scale-out).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3BlobStoreOptions } from '../../src/blobs/index.ts';

export interface LocalS3 {
  endpoint: string;
  /** Options of an S3BlobStore on the bucket (s3rver's fixed credentials). */
  options: S3BlobStoreOptions;
  /** HANGAR_* variables of a platform storing blobs there. */
  env: Record<string, string>;
  /** The server stops answering (SIGSTOP): connections are accepted, requests hang. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./s3rver.ts', import.meta.url));

/** `address`: where it listens (default 127.0.0.1; 0.0.0.0 for workers in other network namespaces). */
export async function startS3(bucket = 'hangar-test', address = '127.0.0.1'): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'hangar-s3-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--disable-warning=ExperimentalWarning', SERVER, directory, bucket, address],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /port=(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const options: S3BlobStoreOptions = {
    bucket,
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  };
  return {
    endpoint,
    options,
    env: {
      HANGAR_S3_BUCKET: bucket,
      HANGAR_S3_ENDPOINT: endpoint,
      HANGAR_S3_REGION: 'us-east-1',
      HANGAR_S3_ACCESS_KEY_ID: 'S3RVER',
      HANGAR_S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
    async close() {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
