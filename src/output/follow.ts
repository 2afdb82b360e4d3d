/**
 * Following a task: its status changes and its output, chunk by chunk, from a cursor on, until
 * it ends. Shared by the SSE and WebSocket endpoints.
 *
 * Everything a follower gets is read from the store (src/worker/live-output.ts puts it there), so a
 * follower on any node sees the same sequence, and resuming from a cursor gives no gap and no
 * duplicate. It is a pull: the consumer asks for the next event when its client has taken the
 * last one, so a slow client holds one page of chunks in memory, never a growing buffer, and
 * slows nobody else: it catches up from the store at its own pace.
 *
 * Wake-ups: the store's output notices (in process, or LISTEN/NOTIFY across nodes) wake a
 * follower at once, for new chunks and for the end of the attempt (a worker's finish, or the
 * reaper's); other status changes (a start, a cancel while pending) are seen by a poll every
 * `pollMs`, every RUNNING_POLL_MS or more while the task runs. A task that stays pending is
 * polled less and less often, down to every PENDING_POLL_MAX_MS: its first output still wakes
 * its follower at once, only a silent start is seen that much later.
 */
import type { FeedEntry, OutputCursor, OutputStream, TaskStatus } from '../core/index.ts';
import type { OutputLog, TaskQueue, TaskReads } from '../store/index.ts';

export type LiveEvent =
  | { type: 'status'; taskId: string; status: TaskStatus; attempt: number; cursor: OutputCursor }
  | { type: 'output'; taskId: string; attempt: number; seq: number; stream: OutputStream; data: Buffer; at: number; cursor: OutputCursor }
  | { type: 'end'; taskId: string; status: TaskStatus | 'GONE'; cursor: OutputCursor };

export interface FollowOptions {
  /** Events after this place; { attempt: 0, seq: 0 } for everything. */
  after: OutputCursor;
  signal: AbortSignal;
  /** Status poll while nothing wakes the follower, ms (default 250). */
  pollMs?: number;
  /** Chunks read per store call (default 200). */
  pageSize?: number;
}

const FINAL = new Set<TaskStatus>(['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED']);

/** A follower's poll while its task runs, ms (at least): only for notices missed. */
const RUNNING_POLL_MS = 2000;

/** A pending task's poll doubles from `pollMs` up to this, ms (at least `pollMs`): a follower
 *  of a task queued behind a backlog read it four times a second for as long as it waited. */
const PENDING_POLL_MAX_MS = 2000;

/** A cursor as clients write it: "<attempt>.<seq>" (an SSE event id), or null if it is not one. */
export function parseCursor(s: string | undefined): OutputCursor | null {
  if (s === undefined || s === '') return { attempt: 0, seq: 0 };
  const m = /^(\d{1,9})\.(\d{1,9})$/.exec(s.trim());
  return m ? { attempt: Number(m[1]), seq: Number(m[2]) } : null;
}

export function formatCursor(c: OutputCursor): string {
  return `${c.attempt}.${c.seq}`;
}

/** Waits `ms`, or until aborted, or until the function handed to `setWake` is called (it is
 *  handed null again when the wait ends). */
function nap(ms: number, signal: AbortSignal, setWake: (f: (() => void) | null) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      setWake(null);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    setWake(done);
  });
}

/** A task's events after `o.after`, ending with an 'end' event when the task is final (or gone). */
export async function* follow(store: OutputLog & Pick<TaskReads, 'get'>, taskId: string, o: FollowOptions): AsyncGenerator<LiveEvent> {
  const pollMs = o.pollMs ?? 250;
  const pageSize = o.pageSize ?? 200;
  let cursor: OutputCursor = { ...o.after };
  let seen: { status: TaskStatus; attempt: number } | null = null;
  let pendingPollMs = pollMs;
  let woken = false;
  let wake: (() => void) | null = null;
  const off = store.subscribeOutput((id) => {
    if (id !== taskId && id !== '*') return;
    woken = true;
    wake?.();
  });
  try {
    while (!o.signal.aborted) {
      woken = false;
      // The task before its output: the worker stores all output before it records the
      // outcome, so output read after a final status is all there is.
      const task = await store.get(taskId);
      if (!task) {
        yield { type: 'end', taskId, status: 'GONE', cursor };
        return;
      }
      if (!seen || seen.status !== task.status || seen.attempt !== task.attempt) {
        seen = { status: task.status, attempt: task.attempt };
        pendingPollMs = pollMs;
        yield { type: 'status', taskId, status: task.status, attempt: task.attempt, cursor };
      }
      for (;;) {
        const page = await store.readOutput(taskId, cursor, pageSize);
        for (const c of page) {
          cursor = { attempt: c.attempt, seq: c.seq };
          yield { type: 'output', taskId, attempt: c.attempt, seq: c.seq, stream: c.stream, data: c.data, at: c.at, cursor };
          if (o.signal.aborted) return;
        }
        if (page.length < pageSize) break;
      }
      if (FINAL.has(task.status)) {
        yield { type: 'end', taskId, status: task.status, cursor };
        return;
      }
      if (woken || o.signal.aborted) continue;
      // A running attempt's output and end (a worker's finish, or the reaper's) come with
      // notices: its poll is only for notices missed. A pending task's start comes with none.
      let ms = Math.max(pollMs, RUNNING_POLL_MS);
      if (task.status !== 'RUNNING') {
        ms = pendingPollMs;
        pendingPollMs = Math.min(pendingPollMs * 2, Math.max(pollMs, PENDING_POLL_MAX_MS));
      }
      await nap(ms, o.signal, (f) => (wake = f));
    }
  } finally {
    off();
  }
}

/** Where a lane's follower is: after `cursor` of task `taskId` (null: from the lane's start). */
export interface LaneCursor {
  taskId: string | null;
  cursor: OutputCursor;
}

/** "<taskId>/<attempt>.<seq>" (a terminal channel's event id), or null if it is not one. */
export function parseLaneCursor(s: string | undefined): LaneCursor | null {
  if (s === undefined || s === '') return { taskId: null, cursor: { attempt: 0, seq: 0 } };
  const m = /^([A-Za-z0-9_-]{1,128})\/(\d{1,9}\.\d{1,9})$/.exec(s.trim());
  const cursor = m ? parseCursor(m[2]) : null;
  return m && cursor ? { taskId: m[1], cursor } : null;
}

export function formatLaneCursor(taskId: string, c: OutputCursor): string {
  return `${taskId}/${formatCursor(c)}`;
}

/** An idle lane follower's poll, ms. */
const LANE_POLL_MS = 1000;

/** Most recent tasks of a lane a follower looks back at. */
const LANE_WINDOW = 500;

/**
 * A lane's events (a terminal's commands), task after task in submit order, each task's as
 * follow() gives them, then waiting for the next task. Never ends by itself: the consumer stops
 * it (o.signal). `after` resumes inside a task and goes on with the ones after it.
 */
export async function* followLane(
  store: OutputLog & Pick<TaskReads, 'get' | 'list'>,
  lane: string,
  userId: string | null,
  o: Omit<FollowOptions, 'after'> & { after: LaneCursor },
): AsyncGenerator<LiveEvent> {
  // Between tasks the lane's own notices wake it; this poll is for those missed (a database
  // session lost meanwhile). A task it follows is polled at follow()'s pace.
  const pollMs = o.pollMs ?? LANE_POLL_MS;
  let resume: LaneCursor | null = o.after.taskId ? o.after : null;
  const followed = new Set<string>();
  let woken = false;
  let wake: (() => void) | null = null;
  // Woken by a new task of this lane only ('*': another process could not list what changed),
  // not by every submit and output of the deployment: an idle terminal costs its poll alone.
  const offOutput = store.subscribeOutput((id) => {
    if (id !== `lane:${lane}` && id !== '*') return;
    woken = true;
    wake?.();
  });
  try {
    while (!o.signal.aborted) {
      woken = false;
      const page = await store.list({ lane, limit: LANE_WINDOW, ...(userId !== null ? { userId } : {}) });
      const tasks = page.items.filter((t) => t.userId === userId).reverse();
      let start = 0;
      if (resume) {
        const i = tasks.findIndex((t) => t.id === resume!.taskId);
        if (i >= 0) start = i;
      }
      const next = tasks.slice(start).find((t) => !followed.has(t.id));
      if (next) {
        const after = resume && resume.taskId === next.id ? resume.cursor : { attempt: 0, seq: 0 };
        resume = null;
        for await (const e of follow(store, next.id, { ...o, after })) yield e;
        if (o.signal.aborted) return;
        followed.add(next.id);
        for (const t of tasks.slice(0, start)) followed.add(t.id);
        continue;
      }
      if (woken) continue;
      await nap(pollMs, o.signal, (f) => (wake = f));
    }
  } finally {
    offOutput();
  }
}

/** A transition id may commit after a higher one (PostgreSQL assigns ids at insert): a feed
 *  reader keeps reading this far back, by the transitions' times, and skips what it gave. */
const FEED_HOLD_MS = 5_000;
const FEED_PAGE = 500;

/**
 * Transitions of one user's tasks (userId), of tasks without a user (null), or of all
 * (undefined), as they happen, after transition id `after` (null: from now on). Never ends by
 * itself. Each transition once, in id order within what one read returns.
 */
export async function* followFeed(
  store: Pick<TaskReads, 'feed' | 'feedHead'> & Pick<TaskQueue, 'subscribe'>,
  userId: string | null | undefined,
  o: { after: number | null; signal: AbortSignal; pollMs?: number; now?: () => number },
): AsyncGenerator<FeedEntry> {
  const pollMs = o.pollMs ?? 250;
  const now = o.now ?? Date.now;
  let cursor = o.after ?? (await store.feedHead());
  /** Ids above the cursor already given. */
  const given = new Set<number>();
  let woken = false;
  let wake: (() => void) | null = null;
  const off = store.subscribe(() => {
    woken = true;
    wake?.();
  });
  try {
    while (!o.signal.aborted) {
      woken = false;
      let from = cursor;
      let settled = cursor;
      let contiguous = true;
      for (;;) {
        const page = await store.feed(from, userId, FEED_PAGE);
        for (const e of page) {
          if (!given.has(e.id)) {
            given.add(e.id);
            yield e;
            if (o.signal.aborted) return;
          }
          // The cursor moves past what is old enough that nothing below it can still commit.
          if (contiguous && e.at < now() - FEED_HOLD_MS) settled = e.id;
          else contiguous = false;
        }
        if (page.length < FEED_PAGE) break;
        from = page[page.length - 1].id;
      }
      cursor = settled;
      for (const id of given) if (id <= cursor) given.delete(id);
      if (woken || o.signal.aborted) continue;
      await nap(pollMs, o.signal, (f) => (wake = f));
    }
  } finally {
    off();
  }
}
