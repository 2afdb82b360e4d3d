/**
 * The store's vocabulary during the move to src/core (issue 22): the model now lives in
 * src/core and the ports in src/store/ports; this file re-exports both for code not yet moved.
 */
export * from '../core/access.ts';
export * from '../core/clock.ts';
export * from '../core/output.ts';
export * from '../core/project.ts';
export * from '../core/retry.ts';
export * from '../core/task.ts';
export * from './ports/index.ts';
