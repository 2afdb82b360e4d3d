// The trace test again, on the scale-out shape (PostgreSQL + S3): the context travels in the task's row.
process.env.HANGAR_TEST_SHAPE = 'scale-out';
await import('./traces.test.ts');
