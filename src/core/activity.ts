/**
 * Step Functions activities: work that a Task state hands to workers the user runs anywhere,
 * which take it with GetActivityTask and answer it with SendTaskSuccess / SendTaskFailure /
 * SendTaskHeartbeat (its task token). An activity is a name per user; the tasks scheduled on it
 * are task tokens of their executions (store/ports/activities.ts).
 */
import { ErrorCode, InvalidInput, NotFound } from './errors.ts';
import { isWorkflowName } from './workflow.ts';

export interface Activity {
  userId: string;
  name: string;
  createdAt: number;
}

/** An activity's name follows a state machine's rules (AWS's CreateActivity). */
export function checkActivityName(name: unknown): string {
  if (!isWorkflowName(name))
    throw new InvalidInput(
      ErrorCode.WorkflowInvalid,
      'an activity name is 1 to 80 characters, without whitespace, brackets, wildcards or any of " # % \\ ^ | ~ ` $ & , ; : /',
    );
  return name;
}

export const activityErrors = {
  notFound: (name: string) => new NotFound(ErrorCode.ActivityNotFound, `Activity does not exist: ${name}`),
};

/** The longest GetActivityTask holds a poll before answering with no task (AWS: 60 s). */
export const ACTIVITY_POLL_MS = 60_000;
