/**
 * Admission: whether a submit may queue its tasks, decided before anything is stored. A
 * refusal inside a batch names the entry it is about (`index`), as every other refusal of a
 * batch does.
 */
import { ErrorCode, InvalidInput, Throttled } from '../core/errors.ts';
import { RESERVED_QUEUE_PREFIX, type NewTask } from '../core/index.ts';
import type { Projects } from '../store/index.ts';
import type { AppContext } from './context.ts';
import type { TaskRequest } from './task-request.ts';

/**
 * May `userId` queue these tasks? Its queued tasks plus these must stay within
 * HANGAR_MAX_QUEUED_PER_USER (else Throttled), and every secret they name must exist (else
 * InvalidInput, not a failure at run time; in a batch, `all` gives the entry's index). A
 * `hangar.` queue is the platform's own (function events: core/function-event.ts): refused.
 */
export async function admit(
  app: Pick<AppContext, 'store' | 'config'>,
  userId: string | null,
  bodies: TaskRequest[],
  all?: TaskRequest[],
): Promise<void> {
  const reserved = bodies.find((b) => b.queue.startsWith(RESERVED_QUEUE_PREFIX));
  if (reserved)
    throw new InvalidInput(
      ErrorCode.ValidationFailed,
      `queue '${reserved.queue}' is reserved: queues named ${RESERVED_QUEUE_PREFIX}… are Hangar's own`,
      all && all.length > 1 ? { index: all.indexOf(reserved) } : undefined,
    );
  const max = app.config.maxQueuedPerUser;
  if (userId !== null && max > 0) {
    const pending = (await app.store.userLoad(userId, max)).pending;
    if (pending + bodies.length > max) {
      const what = bodies.length === 1 ? '' : ` (this batch has ${bodies.length} of theirs)`;
      throw new Throttled(
        ErrorCode.QuotaExceeded,
        `user '${userId}' already has ${pending} of ${max} tasks queued${what} (HANGAR_MAX_QUEUED_PER_USER)`,
        5,
      );
    }
  }
  const named = [...new Set(bodies.flatMap((b) => b.secrets ?? []))];
  if (named.length === 0) return;
  const first = bodies.find((b) => (b.secrets ?? []).length > 0) as TaskRequest;
  const at = all && all.length > 1 ? { index: all.indexOf(first) } : undefined;
  if (userId === null) throw new InvalidInput(ErrorCode.ValidationFailed, 'secrets belong to a user: this task has none', at);
  const found = new Set((await app.store.secretsOf(userId, named)).map((s) => s.name));
  const missing = named.filter((n) => !found.has(n));
  if (missing.length > 0) {
    const b = bodies.find((x) => (x.secrets ?? []).some((n) => !found.has(n))) as TaskRequest;
    throw new InvalidInput(
      ErrorCode.SecretNotFound,
      `no secret named ${missing.join(', ')} (PUT /secrets/{name} first)`,
      all && all.length > 1 ? { index: all.indexOf(b) } : undefined,
    );
  }
}

/** Every project named must be its task owner's (else InvalidInput, naming the batch entry). */
export async function checkProjects(store: Projects, tasks: NewTask[]): Promise<void> {
  const checked = new Map<string, boolean>();
  for (const [index, t] of tasks.entries()) {
    if (t.projectId === null) continue;
    const key = `${t.userId ?? ''}\0${t.projectId}`;
    let ok = checked.get(key);
    if (ok === undefined) {
      const proj = await store.getProject(t.projectId);
      checked.set(key, (ok = proj !== null && proj.userId === t.userId));
    }
    if (!ok) {
      throw new InvalidInput(
        ErrorCode.ProjectNotFound,
        `no project ${t.projectId} of ${t.userId === null ? 'this caller' : `user '${t.userId}'`} (POST /projects first)`,
        tasks.length > 1 ? { index } : {},
      );
    }
  }
}
