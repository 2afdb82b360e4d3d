// The function versions/aliases/concurrency API tests again on the scale-out shape (PostgreSQL + S3).
process.env.HANGAR_TEST_SHAPE = 'scale-out';
await import('./function-versions.test.ts');
