/**
 * Map Runs (DescribeMapRun, ListMapRuns, UpdateMapRun): the runs of a user's Distributed Map
 * states, stored by the runner's commits (store/ports/workflows.ts MapRunWrite). Only STANDARD
 * executions have them on record: EXPRESS ones are not kept (as on AWS, where their histories
 * and Map Runs are not queryable either). A miss is the same NotFound whoever's it is.
 */
import { type MapRunUpdate, mapRunUpdateProblem } from '../core/asl/index.ts';
import { ErrorCode, InvalidInput, workflowErrors } from '../core/index.ts';
import type { MapRunRecord } from '../store/index.ts';
import { describeExecution, pageLimit, runnerOf, type WorkflowsApp } from './workflows.ts';

export async function describeMapRun(app: WorkflowsApp, userId: string, id: string): Promise<MapRunRecord> {
  const run = await app.workflows.getMapRun(userId, id);
  if (!run) throw workflowErrors.mapRunNotFound(id);
  return run;
}

/** The Map Runs of the user's execution, by id. */
export async function listMapRuns(
  app: WorkflowsApp,
  userId: string,
  executionId: string,
  page: { limit?: number; after?: string },
): Promise<MapRunRecord[]> {
  await describeExecution(app, userId, executionId);
  return app.workflows.listMapRuns(userId, executionId, { limit: pageLimit(page.limit), after: page.after });
}

/**
 * UpdateMapRun: the configuration is stored, and the running Map is told (through its
 * execution's runner, or its inbox), so that it starts iterations and judges failures under it
 * from its next transition on. A Map Run that has ended is refused.
 */
export async function updateMapRun(app: WorkflowsApp, userId: string, id: string, update: MapRunUpdate): Promise<MapRunRecord> {
  const problem = mapRunUpdateProblem(update);
  if (problem) throw new InvalidInput(ErrorCode.ValidationFailed, problem);
  const before = await describeMapRun(app, userId, id);
  if (before.status !== 'RUNNING') throw new InvalidInput(ErrorCode.ValidationFailed, `Map Run is not running: it is ${before.status}`);
  const runner = runnerOf(app);
  const after = await app.workflows.updateMapRun(userId, id, update);
  if (!after) throw workflowErrors.mapRunNotFound(id);
  if (after.status === 'RUNNING') await runner.updateMapRun(after.executionId, id, update);
  return after;
}
