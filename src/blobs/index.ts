export type { BlobStore } from './types.ts';
export { DiskBlobStore } from './disk.ts';
export { S3BlobStore, type S3BlobStoreOptions } from './s3.ts';

/** Where a task's blobs live; deleting `taskPrefix(id)` removes all of them. */
export const taskPrefix = (taskId: string): string => `tasks/${taskId}`;
export const resultKey = (taskId: string, attempt: number): string => `tasks/${taskId}/${attempt}/result.json`;
export const logKey = (taskId: string, attempt: number, stream: 'stdout' | 'stderr'): string =>
  `tasks/${taskId}/${attempt}/${stream}.log`;
