// The function invocation records and logs tests again on the scale-out shape (PostgreSQL + S3),
// with a second API node following what the first runs.
process.env.HANGAR_TEST_SHAPE = 'scale-out';
await import('./function-logs.test.ts');
