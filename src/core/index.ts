/** The core: Hangar's model, its pure decisions and its clock. It knows nothing of SQL or HTTP. */
export * from './access.ts';
// Amazon States Language under one name: its Json, StatesFailure and retry words are its own.
export * as asl from './asl/index.ts';
export * from './backoff-ends.ts';
export * from './cancel.ts';
export * from './claim-order.ts';
export * from './clock.ts';
export * from './errors.ts';
export * from './finish.ts';
export * from './function.ts';
export * from './function-event.ts';
export * from './function-address.ts';
export * from './function-placement.ts';
export * from './function-policy.ts';
export * from './function-provisioned.ts';
export * from './function-url.ts';
export * from './hand-off.ts';
export * from './http-api/index.ts';
export * from './invocation.ts';
export * from './heartbeat.ts';
export * from './output.ts';
export * from './page.ts';
export * from './project.ts';
export * from './redrive.ts';
export * from './retry.ts';
export * from './task.ts';
export * from './transitions.ts';
export * from './user-limit.ts';
