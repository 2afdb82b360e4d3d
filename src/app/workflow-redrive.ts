/**
 * RedriveExecution: a STANDARD execution that FAILED, TIMED_OUT or was ABORTED runs again from
 * the states that did not succeed (core/execution-redrive.ts decides whether it may, and what
 * becomes of each frame). The redrive is one store write — the execution RUNNING again, due now,
 * its restart frames, an ExecutionRedriven event (and a MapRunRedriven per Map Run that goes on)
 * — after which any runner claims it as it claims any due execution and goes on from those
 * frames (workflow-runner.ts): a redriven execution is as durable as one just started.
 */
import {
  checkRedrivable,
  type Execution,
  type HistoryEventRecord,
  REDRIVE_REASONS,
  redriveErrors,
  redriveTokensAfter,
  repeatedRedrive,
} from '../core/index.ts';
import { LiveExecution, MAX_EVENTS } from './workflow-execution.ts';
import { describeExecution, type WorkflowsApp } from './workflows.ts';

/** The execution as the redrive left it (RUNNING). A clientToken repeated within 15 minutes of
 *  the redrive it made is answered with that redrive, unchanged. */
export async function redriveExecution(app: WorkflowsApp, userId: string, id: string, clientToken?: string): Promise<Execution> {
  const e = await describeExecution(app, userId, id);
  const now = app.clock.now();
  const repeated = repeatedRedrive(e, clientToken, now);
  if (repeated) return { ...e, redriveDate: repeated.date };
  const runtime = await app.workflows.loadRuntime(e.id);
  checkRedrivable(e, now, { eventsLeft: runtime.lastEventId < MAX_EVENTS });
  if (runtime.frames.length === 0) {
    // The retention job releases the frames the moment the window closes: if that moment came
    // since `now`, its reason is the answer.
    checkRedrivable(e, app.clock.now());
    throw redriveErrors.notRedrivable(REDRIVE_REASONS.nothingKept);
  }
  const redriveCount = e.redriveCount + 1;
  const eventId = runtime.lastEventId + 1;
  const { frames, mapRuns } = LiveExecution.redriveFrames(runtime.frames, { now, redriveCount, eventId });
  const events: HistoryEventRecord[] = [
    {
      id: eventId,
      previousEventId: runtime.lastEventId,
      type: 'ExecutionRedriven',
      timestamp: now,
      details: JSON.stringify({ redriveCount }),
    },
  ];
  for (const ref of mapRuns) {
    const run = await app.workflows.getMapRun(userId, ref.id);
    const count = (run?.redriveCount ?? 0) + 1;
    const last = events[events.length - 1].id;
    const details = JSON.stringify({ mapRunArn: ref.arn, redriveCount: count });
    events.push({ id: last + 1, previousEventId: last, type: 'MapRunRedriven', timestamp: now, details });
  }
  const redriven = await app.workflows.redriveExecution(userId, e.id, {
    // checkRedrivable let only an ended execution through.
    expect: { status: e.status as Exclude<typeof e.status, 'RUNNING'>, redriveCount: e.redriveCount },
    events,
    frames,
    mapRunIds: mapRuns.map((r) => r.id),
    now,
    tokens: redriveTokensAfter(e, clientToken, now),
  });
  if (redriven) return redriven;
  // Another redrive came first: the same request's answer, or why this one may not.
  const after = await describeExecution(app, userId, id);
  const first = repeatedRedrive(after, clientToken, now);
  if (first) return { ...after, redriveDate: first.date };
  checkRedrivable(after, now);
  throw redriveErrors.notRedrivable(`Execution was redriven meanwhile: ${after.status}`);
}
