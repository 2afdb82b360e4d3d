// Provisioned concurrency again on the scale-out shape (PostgreSQL + S3, the function fleet sharing
// each configuration between the live worker hosts): same API, same tests.
process.env.HANGAR_TEST_SHAPE = 'scale-out';
await import('./lambda-provisioned.test.ts');
