/** Task → the API's view (seed 000's field names; times as ISO 8601). */
import type { HistoryEntry, Task } from '../store/index.ts';

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
    history: h.map((e) => ({ at: new Date(e.at).toISOString(), status: e.status, attempt: e.attempt, workerId: e.workerId, reason: e.reason })),
  };
}
