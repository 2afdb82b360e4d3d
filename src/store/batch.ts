/**
 * What a batch submit (Store.submitMany) inserts and what it answers, the same for every
 * backend: each entry is new, a replay of a task submitted before with its idempotency key, or a
 * replay of an earlier entry of the batch with the same key. A key reused with another body
 * fails the whole batch (409), naming the entry.
 */
import { Conflict, ErrorCode } from '../core/index.ts';
import type { NewTask, Task } from '../core/index.ts';
import type { SubmitResult } from './ports/index.ts';

/** Entry i of the batch: a task that exists already, or the j-th of the tasks to insert. */
type Slot = { existing: Task } | { insert: number; created: boolean };

export interface BatchPlan {
  /** The entries to insert, in batch order. */
  inserts: NewTask[];
  slots: Slot[];
}

export function idempotencyConflict(key: string, taskId: string, index?: number): Conflict {
  return new Conflict(ErrorCode.IdempotencyConflict, `idempotency key '${key}' was already used with a different request`, {
    taskId,
    index,
  });
}

/** `found(user, key)`: the stored task with that idempotency key ('' for no user), if any. */
export function planBatch(tasks: NewTask[], found: (user: string, key: string) => Task | undefined): BatchPlan {
  const inserts: NewTask[] = [];
  const slots: Slot[] = [];
  const earlier = new Map<string, number>();
  tasks.forEach((t, index) => {
    if (t.idempotencyKey) {
      const user = t.userId ?? '';
      const stored = found(user, t.idempotencyKey);
      if (stored) {
        if (stored.requestHash !== t.requestHash) throw idempotencyConflict(t.idempotencyKey, stored.id, index);
        slots.push({ existing: stored });
        return;
      }
      const mapKey = `${user}\0${t.idempotencyKey}`;
      const j = earlier.get(mapKey);
      if (j !== undefined) {
        if (inserts[j].requestHash !== t.requestHash) {
          // No task to name: the batch is refused whole, so the earlier entry is not stored either.
          const first = slots.findIndex((s) => 'insert' in s && s.insert === j);
          throw new Conflict(
            ErrorCode.IdempotencyConflict,
            `idempotency key '${t.idempotencyKey}' is used by entry ${first} of this batch with a different request`,
            { index },
          );
        }
        slots.push({ insert: j, created: false });
        return;
      }
      earlier.set(mapKey, inserts.length);
    }
    slots.push({ insert: inserts.length, created: true });
    inserts.push(t);
  });
  return { inserts, slots };
}

/** The answer, entry by entry: `inserted[j]` is the stored row of `plan.inserts[j]`. */
export function batchResults(plan: BatchPlan, inserted: Task[]): SubmitResult[] {
  return plan.slots.map((s) => ('existing' in s ? { task: s.existing, created: false } : { task: inserted[s.insert], created: s.created }));
}

/** The lanes that got a new task in a submit (each once): their followers, a terminal's, look. */
export function lanesWithNew(tasks: NewTask[], results: SubmitResult[]): string[] {
  const lanes = new Set<string>();
  results.forEach((r, i) => {
    const lane = tasks[i].lane;
    if (r.created && lane) lanes.add(lane);
  });
  return [...lanes];
}
