/**
 * A request for a task, as a submit's body describes it (POST /tasks, an entry of
 * POST /tasks/batch, a terminal's command), with the schema's defaults applied; and the stored
 * task it becomes.
 */
import { createHash } from 'node:crypto';
import { uuidv7 } from '../store/index.ts';
import type { NewTask } from '../core/index.ts';
import type { AppContext } from './context.ts';

export interface TaskRequest {
  command?: string;
  args?: string[];
  shell?: string;
  priority: number;
  userId?: string;
  timeout?: number;
  metadata?: Record<string, unknown>;
  queue: string;
  maxAttempts?: number;
  idempotencyKey?: string;
  visibilityTimeout?: number;
  resources?: { cpu: number; memory: number };
  env?: Record<string, string>;
  network?: 'none' | 'egress';
  secrets?: string[];
  group?: string;
  project?: string;
  image?: string;
}

/** Canonical JSON (sorted keys) so that the same body hashes the same whatever its key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The stored form of a request, owned by `userId`; `traceParent` is the submit's span, if traced. */
export function newTask(
  app: Pick<AppContext, 'config'>,
  b: TaskRequest,
  userId: string | null,
  idempotencyKey: string | null,
  traceParent: string | null,
): NewTask {
  const { idempotencyKey: _ignored, ...hashed } = b;
  return {
    id: uuidv7(),
    command: b.command ?? (b.args ? b.args.join(' ') : (b.shell ?? '')).slice(0, 256),
    args: b.args ?? null,
    shell: b.shell ?? null,
    queue: b.queue,
    priority: b.priority,
    userId,
    timeout: b.timeout ?? app.config.defaultTimeout,
    visibilityTimeout: b.visibilityTimeout ?? app.config.visibilityTimeout,
    maxAttempts: b.maxAttempts ?? defaultAttempts(app, b),
    idempotencyKey,
    requestHash: idempotencyKey ? createHash('sha256').update(canonical(hashed)).digest('base64url') : null,
    resources: { cpu: b.resources?.cpu ?? 256, memory: b.resources?.memory ?? 512 },
    env: b.env ?? {},
    metadata: b.metadata ?? {},
    // The seed's network-test makes real requests: it gets egress unless told otherwise.
    network: b.network ?? (b.command === 'network-test' && !b.args && !b.shell ? 'egress' : 'none'),
    image: b.image ?? null,
    secrets: b.secrets ?? [],
    projectId: b.project ?? null,
    lane: b.group ?? null,
    traceParent,
  };
}

/** Attempts when the request names none. A user's own program (`args`, `shell`, a terminal's
 *  command) runs once, as AWS Batch: a non-zero exit is its answer, and running it again would
 *  repeat its side effects (a line appended three times). Built-in workloads keep seed 000's
 *  retries (HANGAR_MAX_ATTEMPTS). Either way a worker lost mid-attempt costs no user a run: the
 *  attempt runs again (core/transitions.ts, decideExpiry). */
function defaultAttempts(app: Pick<AppContext, 'config'>, b: TaskRequest): number {
  return b.args !== undefined || b.shell !== undefined ? 1 : app.config.maxAttempts;
}
