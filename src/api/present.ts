/** Task → the API's view (seed 000's field names; times as ISO 8601). */
import type { FastifyRequest } from 'fastify';
import type { HistoryEntry, Task } from '../core/index.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** `now` decides whether a PENDING task is still in its backoff (`nextAttemptAt`). */
export function taskView(t: Task, base: string, now: number, detailedResults?: Record<string, unknown> | null) {
  return {
    taskId: t.id,
    status: t.status,
    command: t.command,
    args: t.args,
    shell: t.shell,
    priority: t.priority,
    queue: t.queue,
    queueType: t.queueType,
    userId: t.userId,
    timeout: t.timeout,
    metadata: t.metadata,
    resources: t.resources,
    network: t.network,
    image: t.image,
    secrets: t.secrets,
    projectId: t.projectId,
    group: t.lane,
    attempt: t.attempt,
    maxAttempts: t.maxAttempts,
    attemptLimit: t.attemptLimit,
    createdAt: new Date(t.createdAt).toISOString(),
    startedAt: iso(t.startedAt),
    completedAt: iso(t.completedAt),
    nextAttemptAt: t.status === 'PENDING' && t.runAfter > now ? iso(t.runAfter) : null,
    duration: t.completedAt === null ? null : t.completedAt - t.createdAt,
    deadLettered: t.deadLettered,
    cancelRequested: t.cancelRequested,
    error: t.failure,
    summary: t.summary,
    ...(detailedResults !== undefined ? { detailedResults } : {}),
    logsUrl: `${base}/tasks/${t.id}/logs`,
  };
}

export function historyView(id: string, h: HistoryEntry[]) {
  return {
    taskId: id,
    history: h.map((e) => ({
      at: new Date(e.at).toISOString(),
      status: e.status,
      attempt: e.attempt,
      workerId: e.workerId,
      reason: e.reason,
    })),
  };
}

/** The origin links point to: HANGAR_PUBLIC_URL, else the request's own. */
export function baseUrl(ctx: { config: { publicUrl?: string | null } }, req: FastifyRequest): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/\/$/, '');
  return `${req.protocol}://${req.host}`;
}

/** One entry of a submit's answer (seed 000's shape). */
export function submittedView(task: Task, created: boolean, base: string, start: number) {
  return {
    success: true as const,
    taskId: task.id,
    status: task.status,
    priority: task.priority,
    queueType: task.queueType,
    queue: task.queue,
    message: created ? 'Task queued for processing' : 'Task already submitted with this idempotency key',
    statusUrl: `${base}/tasks/${task.id}`,
    estimatedStartTime: new Date(start).toISOString(),
  };
}
