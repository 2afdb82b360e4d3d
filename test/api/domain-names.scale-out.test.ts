// The native custom domain tests again on the scale-out shape (PostgreSQL + S3): same API, same tests.
process.env.HANGAR_TEST_SHAPE = 'scale-out';
await import('./domain-names.test.ts');
