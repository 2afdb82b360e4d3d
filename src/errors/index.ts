/**
 * The error family lives in core/errors.ts (domain errors, no HTTP); this module re-exports it
 * so that every existing import keeps working. `api/problem.ts` turns them into
 * application/problem+json.
 */
export * from '../core/errors.ts';
