/**
 * RedriveExecution (Step Functions): whether a STANDARD execution may be redriven, and what a
 * redrive does to each piece of its working state. A redrive restarts an execution that did not
 * succeed from the states that did not: the state that failed (or was running when it timed out
 * or was stopped) is entered again with the input it had; a Map's or Parallel's iterations and
 * branches that succeeded keep their results, and only the others run again. The execution keeps
 * its ARN, definition and history, which goes on with an ExecutionRedriven event.
 *
 * The runner's frames (app/workflow-execution.ts) are the working state; `restartOf` names what
 * becomes of each kind of frame, here, once for every backend.
 */
import { Conflict, ErrorCode } from './errors.ts';
import type { Execution, RedriveToken, StateMachineType } from './workflow.ts';

export const REDRIVE_STATUS = {
  Redrivable: 'REDRIVABLE',
  NotRedrivable: 'NOT_REDRIVABLE',
  /** A Map Run's child execution: it is redriven with its parent (the Map Run's redrive). */
  RedrivableByMapRun: 'REDRIVABLE_BY_MAP_RUN',
} as const;
export type RedriveStatus = (typeof REDRIVE_STATUS)[keyof typeof REDRIVE_STATUS];

/** AWS redrives an execution up to 14 days after it stopped. */
export const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;

/** AWS answers a repeated clientToken with the first redrive's answer for 15 minutes... */
export const REDRIVE_TOKEN_MS = 15 * 60 * 1000;
/** ...for the last 10 client tokens that redrove the execution. */
export const REDRIVE_TOKENS_KEPT = 10;

/** AWS's reasons (DescribeExecution's redriveStatusReason, ExecutionNotRedrivable's message). */
export const REDRIVE_REASONS = {
  running: 'Execution is RUNNING and cannot be redriven',
  succeeded: 'Execution is SUCCEEDED and cannot be redriven',
  period: 'Execution redrivable period exceeded',
  events: 'Execution history event limit exceeded',
  express: 'Execution of an EXPRESS state machine cannot be redriven',
  /** It kept nothing to redrive from (Hangar's ended before redrive existed): AWS's reason for
   *  executions started before RedriveExecution's launch. */
  nothingKept: 'Execution was started before the launch of RedriveExecution',
} as const;

export type Redrivability = { status: 'REDRIVABLE' } | { status: 'NOT_REDRIVABLE'; reason: string };

/**
 * Whether the execution may be redriven now. `eventsLeft`: false when its history is at the
 * runner's event cap (a redrive could write nothing). EXPRESS executions are never redriven
 * (only a Map Run's EXPRESS children, with their parent). An execution that keeps no frames
 * (`framesReleased`: it ended before Hangar kept them, or its window closed) is not either.
 */
export function redrivability(
  e: Pick<Execution, 'status' | 'stoppedAt'> & { framesReleased?: boolean },
  now: number,
  o: { type?: StateMachineType; eventsLeft?: boolean } = {},
): Redrivability {
  if (o.type === 'EXPRESS') return { status: 'NOT_REDRIVABLE', reason: REDRIVE_REASONS.express };
  switch (e.status) {
    case 'RUNNING':
      return { status: 'NOT_REDRIVABLE', reason: REDRIVE_REASONS.running };
    case 'SUCCEEDED':
      return { status: 'NOT_REDRIVABLE', reason: REDRIVE_REASONS.succeeded };
    case 'FAILED':
    case 'TIMED_OUT':
    case 'ABORTED':
      if (e.stoppedAt !== null && now - e.stoppedAt > REDRIVE_WINDOW_MS)
        return { status: 'NOT_REDRIVABLE', reason: REDRIVE_REASONS.period };
      if (e.framesReleased === true) return { status: 'NOT_REDRIVABLE', reason: REDRIVE_REASONS.nothingKept };
      if (o.eventsLeft === false) return { status: 'NOT_REDRIVABLE', reason: REDRIVE_REASONS.events };
      return { status: 'REDRIVABLE' };
    default: {
      const never: never = e.status;
      throw new Error(`unknown execution status ${String(never)}`);
    }
  }
}

/** The redrive already made with this client token, one of the last 10 within 15 minutes of
 *  it (its date: the answer is that redrive's again); undefined: none. */
export function repeatedRedrive(
  e: Pick<Execution, 'redriveTokens'>,
  clientToken: string | undefined,
  now: number,
): RedriveToken | undefined {
  if (clientToken === undefined) return undefined;
  return e.redriveTokens.find((t) => t.token === clientToken && now - t.date <= REDRIVE_TOKEN_MS);
}

/** The client tokens an execution keeps once redriven now with `clientToken`: the last 10, those
 *  still within their 15 minutes. */
export function redriveTokensAfter(e: Pick<Execution, 'redriveTokens'>, clientToken: string | undefined, now: number): RedriveToken[] {
  const live = e.redriveTokens.filter((t) => now - t.date <= REDRIVE_TOKEN_MS);
  const next = clientToken === undefined ? live : [...live, { token: clientToken, date: now }];
  return next.slice(-REDRIVE_TOKENS_KEPT);
}

export const redriveErrors = {
  notRedrivable: (reason: string) => new Conflict(ErrorCode.ExecutionNotRedrivable, reason),
};

/**
 * A Distributed Map's child execution: redriven only with its parent, by the Map Run (AWS:
 * "If the parent workflow isn't redrivable, you can't redrive the child workflows in a Map
 * Run"). One that is running or succeeded answers for itself; one that did not succeed is
 * REDRIVABLE (REDRIVABLE_BY_MAP_RUN on the wire) while its parent runs or may be redriven, and
 * otherwise NOT_REDRIVABLE with the parent's reason (its window closed, its frames released,
 * it succeeded with the failure tolerated).
 */
export function childRedrivability(
  child: Pick<Execution, 'status' | 'stoppedAt'>,
  parent: (Pick<Execution, 'status' | 'stoppedAt'> & { framesReleased?: boolean }) | null,
  now: number,
): Redrivability {
  if (child.status === 'RUNNING' || child.status === 'SUCCEEDED' || parent === null) return redrivability(child, now);
  if (parent.status === 'RUNNING') return { status: 'REDRIVABLE' };
  return redrivability(parent, now);
}

/** Throws ExecutionNotRedrivable unless the execution may be redriven now. */
export function checkRedrivable(
  e: Pick<Execution, 'status' | 'stoppedAt'> & { framesReleased?: boolean },
  now: number,
  o: { type?: StateMachineType; eventsLeft?: boolean } = {},
): void {
  const r = redrivability(e, now, o);
  if (r.status === 'NOT_REDRIVABLE') throw redriveErrors.notRedrivable(r.reason);
}

/** The kinds of a runner's frames (app/workflow-execution.ts). */
export type FrameKind = 'enter' | 'pending' | 'task' | 'retry' | 'wait' | 'read' | 'map' | 'parallel' | 'write' | 'ended';

/**
 * What a redrive does to one frame of a thread:
 * - keep: it stands as it is (a state about to be entered, an iteration not started, a Map or
 *   Parallel whose children are kept, an iteration or branch that succeeded);
 * - reenter: its state is entered again with the input it had (a task, a retry or a wait cut
 *   short, a read of a Map's items; a Map or Parallel whose children are gone; a ResultWriter
 *   export whose Map failed);
 * - rewrite: a ResultWriter export of a Map that succeeded is written again;
 * - rerun: an iteration or branch that failed runs again from the state that failed in it;
 * - resume: an iteration or branch that failed in an inline Map or Parallel of its own, whose
 *   children were kept (`hasChildren`), goes on in it: its children are restarted in turn (what
 *   succeeded in it stays, to any depth), as AWS reruns only the iterations and branches that
 *   failed or were aborted.
 */
export type Restart = 'keep' | 'reenter' | 'rewrite' | 'rerun' | 'resume';

export function restartOf(f: { k: FrameKind; ok?: boolean; hasChildren?: boolean; mapSucceeded?: boolean }): Restart {
  switch (f.k) {
    case 'enter':
    case 'pending':
      return 'keep';
    case 'task':
    case 'retry':
    case 'wait':
    case 'read':
      return 'reenter';
    case 'map':
    case 'parallel':
      return f.hasChildren ? 'keep' : 'reenter';
    case 'write':
      return f.mapSucceeded ? 'rewrite' : 'reenter';
    case 'ended':
      return f.ok ? 'keep' : f.hasChildren ? 'resume' : 'rerun';
    default: {
      const never: never = f.k;
      throw new Error(`unknown frame kind ${String(never)}`);
    }
  }
}
