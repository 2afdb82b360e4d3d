// Workflows on an open circuit breaker again, on the scale-out shape (PostgreSQL + S3).
process.env.HANGAR_TEST_SHAPE = 'scale-out';
await import('./sfn-circuit-breaker.test.ts');
