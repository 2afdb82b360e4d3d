/** HTTP routes (API Gateway HTTP API): route keys, choosing a route, the payload 2.0 event and
 *  answer, CORS, throttling and caching — pure decisions, no HTTP server. */
export * from './cache.ts';
export * from './cors.ts';
export * from './definition.ts';
export * from './deployment.ts';
export * from './domain.ts';
export * from './event.ts';
export * from './event-v1.ts';
export * from './export.ts';
export * from './import.ts';
export * from './match.ts';
export * from './model.ts';
export * from './parts.ts';
export * from './response.ts';
export * from './route-key.ts';
export * from './stage.ts';
export * from './throttle.ts';
export * from './jwt.ts';
export * from './lambda-authorizer.ts';
