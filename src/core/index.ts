/** The core: Hangar's model, its pure decisions and its clock. It knows nothing of SQL or HTTP. */
export * from './access.ts';
export * from './clock.ts';
export * from './output.ts';
export * from './project.ts';
export * from './retry.ts';
export * from './task.ts';
export * from './transitions.ts';
