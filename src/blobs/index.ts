export type { BlobStore } from './types.ts';
export { DiskBlobStore } from './disk.ts';
// S3BlobStore is imported from './s3.ts' where needed: the AWS SDK takes ~45 ms to load, which
// every process that stores on disk (and every worker the autoscaler starts) would pay.
export type { S3BlobStoreOptions } from './s3.ts';

/** Where a task's blobs live; deleting `taskPrefix(id)` removes all of them. */
export const taskPrefix = (taskId: string): string => `tasks/${taskId}`;
export const resultKey = (taskId: string, attempt: number): string => `tasks/${taskId}/${attempt}/result.json`;
export const logKey = (taskId: string, attempt: number, stream: 'stdout' | 'stderr'): string => `tasks/${taskId}/${attempt}/${stream}.log`;
