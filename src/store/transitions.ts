/** Moved to src/core/transitions.ts (issue 22); re-exported for code not yet moved. */
export * from '../core/transitions.ts';
