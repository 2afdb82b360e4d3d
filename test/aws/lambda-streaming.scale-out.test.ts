// Lambda response streaming again on the scale-out shape (PostgreSQL + S3): same API, same tests.
process.env.HANGAR_TEST_SHAPE = 'scale-out';
await import('./lambda-streaming.test.ts');
