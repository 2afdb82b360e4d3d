/**
 * The store's vocabulary during the move to src/core (issue 22): the model and its decisions
 * live in src/core, the ports in src/store/ports; this file re-exports both for code not yet moved.
 */
export * from '../core/index.ts';
export * from './ports/index.ts';
