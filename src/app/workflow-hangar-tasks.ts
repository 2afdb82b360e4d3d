/**
 * Task states that run a Hangar task (issue 24): `arn:aws:states:::hangar:task` submits one
 * (the state's Parameters are a POST /tasks body: a program, an image, resources…) and answers
 * with its id; `arn:aws:states:::hangar:task.sync` also waits for its end, as Batch's
 * `submitJob.sync` does, and answers with its status, exit and results — or fails the state
 * (Hangar.TaskFailed, or States.Timeout when the task timed out) with the task as the cause.
 *
 * A launch's task has an idempotency key made of the execution, the state, when it was entered
 * and its retry count, so a launch run again after its runner died finds the task it submitted
 * instead of submitting another; a Retry of the state submits a new one.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../auth/index.ts';
import { type Json, type JsonObject, StatesFailure, type TaskRequest as AslTaskRequest } from '../core/asl/index.ts';
import { FINAL_STATUSES, HangarError } from '../core/index.ts';
import type { AppContext } from './context.ts';
import { submitTask } from './submit.ts';
import type { TaskRequest } from './task-request.ts';
import { readResults } from './tasks.ts';

const HANGAR_TASK = /^arn:aws[a-zA-Z-]*:states:::hangar:task(\.sync)?$/;

export function isHangarTaskResource(resource: string): boolean {
  return HANGAR_TASK.test(resource);
}

/** Checks a submit body as POST /tasks does (the API's schema, given by whoever wires this). */
export type ParseTaskRequest = (body: unknown) => { ok: true; request: TaskRequest } | { ok: false; message: string };

export async function runHangarTask(
  app: AppContext,
  parse: ParseTaskRequest,
  userId: string,
  request: AslTaskRequest,
  closed: () => boolean,
): Promise<Json> {
  const sync = HANGAR_TASK.exec(request.resource)?.[1] !== undefined;
  const parsed = parse(request.parameters);
  if (!parsed.ok) throw new StatesFailure('Hangar.InvalidTaskRequest', parsed.message);
  const who: Principal = { userId, scope: 'user', keyId: null };
  const ctx = (
    request.context && typeof request.context === 'object' && !Array.isArray(request.context) ? request.context : {}
  ) as JsonObject;
  const key = `workflow:${createHash('sha256')
    .update(JSON.stringify([ctx.Execution, ctx.State]))
    .digest('base64url')}`;
  let taskId: string;
  try {
    const submitted = await submitTask(app, who, { ...parsed.request, idempotencyKey: key }, undefined, null);
    taskId = submitted.task.id;
  } catch (e) {
    if (e instanceof HangarError) throw new StatesFailure('Hangar.TaskRefused', e.message);
    throw e;
  }
  if (!sync) return { TaskId: taskId };
  for (let delay = 20; ; delay = Math.min(delay * 2, 1000)) {
    const t = await app.store.get(taskId);
    if (!t) throw new StatesFailure('Hangar.TaskFailed', JSON.stringify({ TaskId: taskId, Status: 'GONE' }));
    if (FINAL_STATUSES.includes(t.status)) {
      const results = (await readResults(app, t)) as JsonObject | null;
      const out: JsonObject = {
        TaskId: taskId,
        Status: t.status,
        Attempts: t.attempt,
        Results: results,
        Summary: (t.summary as JsonObject | null) ?? null,
      };
      if (t.status === 'SUCCESS') return out;
      const cause = JSON.stringify({ ...out, Error: (t.failure as unknown as JsonObject | null) ?? null });
      throw new StatesFailure(t.status === 'TIMEOUT' ? 'States.Timeout' : 'Hangar.TaskFailed', cause);
    }
    if (closed()) return new Promise<Json>(() => {});
    await new Promise((r) => setTimeout(r, delay));
  }
}
