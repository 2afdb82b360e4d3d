/** A real S3-protocol server (s3rver, in its own process) for S3 tests: examples/shared/s3.ts, which the examples' scale-out shape uses too. */
export { type LocalS3 as TestS3, startS3 } from '../../examples/shared/s3.ts';
