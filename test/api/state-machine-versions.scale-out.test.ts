// The versions and aliases REST tests again on the scale-out shape (PostgreSQL + S3).
process.env.HANGAR_TEST_SHAPE = 'scale-out';
await import('./state-machine-versions.test.ts');
