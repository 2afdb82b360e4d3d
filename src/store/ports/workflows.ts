/**
 * The workflows port (issue 24): users' state machines, their STANDARD executions and each
 * execution's history, and what a durable runner needs to carry an execution across the death
 * of any process.
 *
 * An execution that runs is held by one runner at a time under a lease (`claimExecutions`),
 * whatever process it is in. Its runner keeps the execution's working state as *frames* — the
 * root, each Parallel branch, each Map iteration, each effect waiting — whose contents the store
 * does not read (JSON text the runner writes), and moves it on by `commit`s: each writes the
 * history events, frames and wake time of a transition in one transaction, *before* the runner
 * acts on it, and only while the lease is the runner's and the execution is RUNNING. Whoever is
 * not the runner (a callback, StopExecution, a child execution ending) speaks to it through the
 * execution's inbox (`postMessage`), which makes it due at once.
 *
 * Every user-facing read is scoped by userId: another user's state machine or execution is not
 * found, never visible. Reads answer null (or an empty list) for what is not there.
 */
import type {
  asl,
  Execution,
  ExecutionStatus,
  HistoryEventRecord,
  RedriveToken,
  StateMachine,
  StateMachineInput,
  StateMachinePatch,
} from '../../core/index.ts';

/** A piece of an execution's working state; `doc` is the runner's, opaque to the store. */
export interface ExecutionFrame {
  /** Unique within the execution; the runner numbers them (0: the root). */
  frameId: number;
  /** JSON text. */
  doc: string;
}

/** A message for an execution's runner, kept until a commit consumes it. */
export interface InboxMessage {
  /** Increasing within the execution, from 1; never reused, even once consumed. */
  seq: number;
  /** JSON text. */
  body: string;
  at: number;
}

/** What a runner needs to pick an execution up where the last one left it. */
export interface ExecutionRuntime {
  frames: ExecutionFrame[];
  /** Unconsumed messages, by seq. */
  inbox: InboxMessage[];
  /** The id of the history's last event (0: none). */
  lastEventId: number;
}

/** A task token handed to a `.waitForTaskToken` Task or an activity's task; answered through SendTask*. */
export interface TaskTokenRecord {
  token: string;
  executionId: string;
  userId: string;
  /** The frame of the Task state that waits on it. */
  frameId: number;
}

export interface NewExecution {
  execution: Execution;
  /** The first events (ExecutionStarted…), ids from 1. */
  events: HistoryEventRecord[];
  frames: ExecutionFrame[];
  /** When a runner should first look at it (normally the start time: due at once). */
  wakeAt: number | null;
  /** Hand the new execution to this runner at once (it need not be claimed). */
  lease?: { owner: string; until: number };
}

/** The end of an execution, written with its last commit. */
export interface ExecutionEnd {
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  /** JSON text when SUCCEEDED. */
  output: string | null;
  error: string | null;
  cause: string | null;
  stoppedAt: number;
  /** FAILED or TIMED_OUT: the frames kept in place of the execution's, for a redrive
   *  (core/execution-redrive.ts); absent, none is kept. */
  frames?: ExecutionFrame[];
}

/** A redrive (core/execution-redrive.ts) as the use case decided it, written all or nothing. */
export interface ExecutionRedrive {
  /** What the execution must still be (else nothing is written): its status and redrive count
   *  when the redrive was decided. */
  expect: { status: Exclude<ExecutionStatus, 'RUNNING'>; redriveCount: number };
  /** ExecutionRedriven (and a MapRunRedriven per Map Run redriven), ids after the last one. */
  events: HistoryEventRecord[];
  /** The frames the execution goes on from, in place of those it kept. */
  frames: ExecutionFrame[];
  /** The Map Runs redriven: RUNNING again, their redrive count and date moved on. */
  mapRunIds: string[];
  now: number;
  /** The client tokens it keeps after this redrive (core/execution-redrive.ts redriveTokensAfter). */
  tokens: RedriveToken[];
}

/**
 * A Distributed Map's Map Run as a commit writes it: created with the commit that starts it (with
 * its configuration), then its status, stop time and counts replaced by the commits that change
 * them — the runner counts them from the Map's frames, so they cost no write of their own. Its
 * configuration is only written when it is created and by updateMapRun.
 */
export interface MapRunWrite {
  /** A UUID, the last part of its ARN. */
  id: string;
  arn: string;
  /** Of its (made-up) child executions: `…:stateMachine:MACHINE/LABEL`. */
  stateMachineArn: string;
  status: asl.MapRunStatus;
  startedAt: number;
  stoppedAt: number | null;
  maxConcurrency: number;
  toleratedFailureCount: number;
  toleratedFailurePercentage: number;
  counts: asl.MapRunCounts;
}

/** A stored Map Run: its execution's and user's. */
export interface MapRunRecord extends MapRunWrite {
  executionId: string;
  userId: string;
  /** How many times it was redriven with its execution, and when last (null: never). */
  redriveCount: number;
  redriveDate: number | null;
}

/** One transition of an execution, stored before the runner acts on it. */
export interface ExecutionCommit {
  /** Appended to the history; ids continue from the last one, consecutively. */
  events: HistoryEventRecord[];
  /** Frames written (created or replaced) and removed. */
  putFrames: ExecutionFrame[];
  deleteFrames: number[];
  /** Messages up to and including this seq were handled: they are removed. */
  consumedThrough?: number;
  /** Task tokens issued and withdrawn with this transition. One with `activity` schedules an
   *  activity's task (ports/activities.ts): its input (JSON text), and when. */
  addTokens?: { token: string; frameId: number; activity?: { name: string; input: string; scheduledAt: number } }[];
  removeTokens?: string[];
  /** The next time the runner must look (a Wait's or a retry's end, a timeout); null: only a
   *  message wakes it. Ignored when `end` is set. A message still unconsumed after the commit
   *  (one posted while the runner worked) brings it forward to that message's time: due. */
  wakeAt: number | null;
  /** The lease: kept until this time, or given up (null: any runner may claim it once due). */
  leaseUntil: number | null;
  /** The execution ends: every message and token of it is removed, and every frame but those
   *  `end.frames` keeps for a redrive. */
  end?: ExecutionEnd;
  /** Map Runs created or moved on (written with an `end` too). */
  mapRuns?: MapRunWrite[];
  /** The redrive count the runner's state is of: a commit made before a redrive is refused. */
  redriveCount?: number;
}

export interface ExecutionQuery {
  stateMachineName?: string;
  /** Only the executions of this version (started through its ARN or an alias's). */
  version?: number;
  /** Only the executions started through this alias. */
  alias?: string;
  status?: ExecutionStatus;
  /** Only the executions redriven at least once (true) or never (false). */
  redriven?: boolean;
  limit: number;
  /** The id of the last execution of the previous page. */
  after?: string;
}

export interface HistoryQuery {
  limit: number;
  /** Newest first. */
  reverse?: boolean;
  /** Continue after this event id (in the query's order). */
  after?: number;
}

export interface Workflows {
  // State machines
  /** Created; or, when the name is taken by an identical machine (core sameStateMachine), that
   *  one with created false. Conflict STATE_MACHINE_EXISTS when it is taken by another; of two
   *  concurrent creates of one name exactly one creates. `revisionId` is the caller's fresh UUID. */
  createStateMachine(
    userId: string,
    input: StateMachineInput,
    revisionId: string,
    now: number,
  ): Promise<{ machine: StateMachine; created: boolean }>;
  getStateMachine(userId: string, name: string): Promise<StateMachine | null>;
  /** By name; `after` is the last name of the previous page. */
  listStateMachines(userId: string, page: { limit: number; after?: string }): Promise<StateMachine[]>;
  /** The patch applied with this new revision id. NotFound STATE_MACHINE_NOT_FOUND. */
  updateStateMachine(userId: string, name: string, patch: StateMachinePatch, revisionId: string, now: number): Promise<StateMachine>;
  /** False if there was none. Its executions stay readable and running ones run to their end. */
  deleteStateMachine(userId: string, name: string): Promise<boolean>;

  // Executions
  /**
   * Stores a new execution with its first events and frames. The name is unique per state
   * machine and user while its execution is kept (until purgeExecutions; AWS keeps it 90 days):
   * when it is taken by a RUNNING execution with the same input, that one is answered with
   * started false (StartExecution is idempotent then); otherwise Conflict EXECUTION_EXISTS. Of two concurrent starts of one name exactly
   * one starts.
   */
  startExecution(n: NewExecution): Promise<{ execution: Execution; started: boolean }>;
  getExecution(userId: string, id: string): Promise<Execution | null>;
  /** By name, for ARNs (which carry the machine and execution names, not the id). */
  findExecution(userId: string, stateMachineName: string, name: string): Promise<Execution | null>;
  /** Newest first. */
  listExecutions(userId: string, q: ExecutionQuery): Promise<Execution[]>;
  /** The events of the user's execution; empty when there is no such execution. */
  history(userId: string, executionId: string, q: HistoryQuery): Promise<HistoryEventRecord[]>;
  /**
   * Ends a RUNNING execution from outside its runner (StopExecution): ABORTED with the error
   * and cause, its last event (ExecutionAborted, given here without an id: it gets the next
   * one) appended, its messages, tokens and lease removed, so that its runner's next commit
   * fails; its frames are kept (a redrive restarts from them). The execution as it is now; NotFound EXECUTION_NOT_FOUND when the user has
   * none of that id; an execution that had already ended is answered unchanged. Each of its
   * RUNNING Map Runs ends ABORTED at stoppedAt (its running iterations counted aborted), with a
   * MapRunAborted event before the ExecutionAborted.
   */
  stopExecution(
    userId: string,
    executionId: string,
    end: { error: string | null; cause: string | null; stoppedAt: number; event: Omit<HistoryEventRecord, 'id' | 'previousEventId'> },
  ): Promise<Execution>;

  /**
   * RedriveExecution: the ended execution is RUNNING again and due now (no lease: any runner
   * claims it and goes on from `frames`), its stop, output, error and cause cleared, its redrive
   * count moved on by one and its redrive date and token set, the events appended. Null, and
   * nothing written, when it is not as `expect` says any more (another redrive came first, or it
   * has none of that id for the user).
   */
  redriveExecution(userId: string, executionId: string, r: ExecutionRedrive): Promise<Execution | null>;

  // The runner
  /**
   * Up to `limit` RUNNING executions that are due (wakeAt ≤ now) and not leased to a live
   * runner (no lease, or one that ended before now), each now leased to `owner` until
   * now + leaseMs; oldest wake time first. Two claimers never get the same execution.
   */
  claimExecutions(owner: string, now: number, leaseMs: number, limit: number): Promise<Execution[]>;
  /** The frames, unconsumed messages and last event id of an execution (any user's). */
  loadRuntime(executionId: string): Promise<ExecutionRuntime>;
  /** Writes a transition, all or nothing: only while the execution is RUNNING, leased to
   *  `owner` and (when the commit says) at that redrive count (false otherwise, and nothing is
   *  written). */
  commit(executionId: string, owner: string, c: ExecutionCommit): Promise<boolean>;
  /** Extends the lease while it is `owner`'s and the execution RUNNING; false otherwise. */
  renewLease(executionId: string, owner: string, until: number): Promise<boolean>;
  /**
   * Leaves a message for the execution's runner and makes the execution due now (its wakeAt
   * brought forward). False when the execution is not RUNNING (or there is none).
   */
  postMessage(executionId: string, body: string, now: number): Promise<boolean>;
  /** The execution's unconsumed messages, by seq (its runner, which holds it, looks for callbacks
   *  posted on other nodes). */
  inbox(executionId: string): Promise<InboxMessage[]>;
  /** The task waiting on this token, whoever's; null when none does. */
  findTaskToken(token: string): Promise<TaskTokenRecord | null>;
  /** The execution, any user's (the runner and child executions' parents). */
  getExecutionById(executionId: string): Promise<Execution | null>;

  // Map Runs (written by commits)
  /** The user's Map Run of that id; null when there is none (or it is another user's). */
  getMapRun(userId: string, id: string): Promise<MapRunRecord | null>;
  /** The Map Runs of the user's execution, by id; `after` is the last id of the previous page. */
  listMapRuns(userId: string, executionId: string, page: { limit: number; after?: string }): Promise<MapRunRecord[]>;
  /** The user's Map Runs whose id begins with this prefix (a child execution's name holds its
   *  run's first 23 characters: core/asl childRunPrefix); by id. */
  mapRunsByIdPrefix(userId: string, prefix: string): Promise<MapRunRecord[]>;
  /** The user's execution's events of these types only, oldest first, after the id `after` (a
   *  Map's own thread: core/map-run-children.ts); empty when there is no such execution. */
  historyOfTypes(
    userId: string,
    executionId: string,
    types: readonly string[],
    page: { limit: number; after: number },
  ): Promise<HistoryEventRecord[]>;
  /** UpdateMapRun: the configuration of the user's RUNNING Map Run changes (only the fields
   *  given). The Map Run as it is now; null when the user has none of that id. One that has
   *  ended is answered unchanged. */
  updateMapRun(userId: string, id: string, update: asl.MapRunUpdate): Promise<MapRunRecord | null>;

  // Retention (core/execution-retention.ts decides the cutoffs; worker/maintenance.ts runs it)
  /**
   * Deletes up to `limit` closed executions (any user's) that stopped before `before`, oldest
   * stop first, each with everything of it: its events, frames, messages, task tokens and Map
   * Runs (a Distributed Map's child executions are read from its history: they go with it). A
   * RUNNING execution is never deleted, whatever its age. The ids of those deleted (fewer than
   * `limit`: none is left); nothing of them is in the blob store.
   */
  purgeExecutions(before: number, limit: number): Promise<string[]>;
  /**
   * Deletes the frames kept for a redrive (ExecutionEnd.frames, a stop's) by up to `limit`
   * FAILED, TIMED_OUT or ABORTED executions (any user's) that stopped before `before`, oldest
   * stop first: once the redrive window is past they are useless. The execution and its history
   * stay. How many executions were visited (fewer than `limit`: none is left); one visited is
   * never visited again.
   */
  releaseFrames(before: number, limit: number): Promise<number>;
}
