// The autoscaling test again, on the scale-out shape (PostgreSQL + S3): worker processes wake on NOTIFY.
process.env.HANGAR_TEST_SHAPE = 'scale-out';
await import('./autoscale.test.ts');
