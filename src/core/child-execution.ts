/**
 * A `states:startExecution.sync` Task waits for the child execution it started. Its runner keeps
 * the child's id on the task once it has started it, so that a launch run again (the parent taken
 * over by another runner) knows a child was started: it waits on that one. A child deleted since
 * (the retention job deletes closed executions) can neither be waited on nor started again in its
 * place — running the same child twice is the worst outcome — so the task fails, naming it.
 */
import { StatesErrors } from './asl/index.ts';

export type ChildLaunch<C> = { kind: 'start' } | { kind: 'wait'; child: C } | { kind: 'gone'; error: string; cause: string };

/**
 * What a launch does: `started` is the id of the child the task started before (undefined: none
 * yet), `found` that child as the store has it now (null: it no longer exists), `arn` its ARN.
 */
export function childLaunch<C>(started: string | undefined, found: C | null, arn: string): ChildLaunch<C> {
  if (started === undefined) return { kind: 'start' };
  if (found !== null) return { kind: 'wait', child: found };
  return {
    kind: 'gone',
    error: StatesErrors.TaskFailed,
    cause:
      `Execution Does Not Exist: '${arn}': the child execution this task started was deleted ` +
      '(retention) before its outcome was read; it is not started again',
  };
}
