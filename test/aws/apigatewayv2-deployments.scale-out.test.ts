// Stages that do not auto-deploy again on the scale-out shape (PostgreSQL + S3): same API, same tests.
process.env.HANGAR_TEST_SHAPE = 'scale-out';
await import('./apigatewayv2-deployments.test.ts');
