/**
 * Push dispatch and the local takers. A local taker (a worker pool in this process) takes
 * tasks handed to it at submit (submit.ts). While it has free slots and the queue is empty,
 * it also advertises them to submits in every process: a slot advert, written to its
 * worker_offers row, lets another process's submit insert the task already leased to it and
 * notify this process ("push ..."), which hands the lease to the taker. A taker's own
 * `offer()` is different again: it reserves one of its slots for a task about to be handed to
 * it.
 */
import { leaseOf } from '../../core/hand-off.ts';
import { taskFromRow, type Row } from '../row.ts';
import type { AttemptRef, LocalTaker } from '../../core/index.ts';
import type { Db } from './db.ts';
import { PUSHED } from './new-task.ts';
import type { Notifier, PushListener } from './notifier.ts';

/** worker_id, gen, slots, change in slots, queues (null for all), listener_pid, expires_at: a
 *  worker's slot advert (its worker_offers row). Within one generation the change is added, so that pushes
 *  committed meanwhile, whose notifications are still on their way, stay counted; a new
 *  generation (after a withdrawal or a failed write) sets the slots outright. */
const UPSERT_ADVERT = `
INSERT INTO worker_offers (worker_id, gen, slots, queues, listener_pid, expires_at) VALUES ($1, $2, $3, $5, $6, $7)
ON CONFLICT (worker_id) DO UPDATE SET
  slots = CASE WHEN worker_offers.gen = EXCLUDED.gen THEN greatest(0, worker_offers.slots + $4::integer) ELSE EXCLUDED.slots END,
  gen = EXCLUDED.gen, queues = EXCLUDED.queues, listener_pid = EXCLUDED.listener_pid, expires_at = EXCLUDED.expires_at`;

/** worker_id */
const DELETE_ADVERT = `DELETE FROM worker_offers WHERE worker_id = $1`;

/** id, worker_id: a task pushed to that worker at submit, if it still holds it. */
const SELECT_PUSHED = `SELECT * FROM tasks WHERE id = $1 AND worker_id = $2 AND attempt = 1 AND status = 'RUNNING'`;

/** worker ids, since: tasks pushed to those workers at or after `since` that they still hold in
 *  their first attempt; their notifications may have been lost with a LISTEN session. */
const SELECT_PUSHED_SINCE = `
SELECT t.* FROM tasks t
WHERE t.status = 'RUNNING' AND t.attempt = 1 AND t.worker_id = ANY($1::text[]) AND t.started_at >= $2
  AND EXISTS (SELECT 1 FROM task_history h WHERE h.task_id = t.id AND h.attempt = 1 AND h.reason = '${PUSHED}')`;

/** How long a pushed task is remembered as handed over (so a late notification and a search
 *  after a lost LISTEN session cannot both hand it over), ms. */
const ADOPTED_MEMORY_MS = 60_000;

/** A push notification heard within this many ms of its submit is trusted as it is; a later
 *  one is checked against the task's row first. */
const PUSH_FRESH_MS = 1000;

/** How long a withdrawn advert's pushes are still recognized as this process's, ms. */
const PUSH_GRACE_MS = 10_000;

/** A local taker's advert of free slots to other processes' submits: what this process knows
 *  of the taker's worker_offers row. */
interface SlotAdvert {
  /** Slots the taker wants offered. */
  want: number;
  /** Slots the row holds, counting pushes whose notification has not arrived as not taken. */
  have: number;
  /** Generation of the row: pushes name it, so those of a withdrawn advert are not counted. */
  gen: number;
  /** A write failed: the row's state is unknown until the next write. */
  unknown: boolean;
  ttlMs: number;
  /** When the row's expiry was last pushed back (clock ms). */
  refreshedAt: number;
  /** A row may exist (written since the last delete). */
  written: boolean;
  /** The listener session the row names. */
  pid: number | null;
  writing: boolean;
  /** Its taker is gone and it is about to be forgotten. */
  forgetting: boolean;
}

export class PushDispatch implements PushListener {
  private readonly db: Db;
  private readonly notifier: Notifier;
  /** Gives back a pushed task that its taker declined. */
  private readonly release: (ref: AttemptRef) => Promise<boolean>;
  private readonly takers: LocalTaker[] = [];
  /** Adverts of local takers' free slots, by worker id. */
  private readonly adverts = new Map<string, SlotAdvert>();
  private advertGen = 0;
  /** When the LISTEN session was lost, while adverts stood: pushes since may not have been heard. */
  private listenLostAt: number | null = null;
  /** Pushed tasks handed over (or released) lately, with when, oldest first. */
  private readonly adopted = new Map<string, number>();

  constructor(db: Db, notifier: Notifier, release: (ref: AttemptRef) => Promise<boolean>) {
    this.db = db;
    this.notifier = notifier;
    this.release = release;
    notifier.attach(this);
  }

  /** Adverts stand: the LISTEN session is kept for their pushes. */
  get active(): boolean {
    return this.adverts.size > 0;
  }

  /** The attached local takers, in attach order (which of them a new task may be handed to is
   *  takersFor's, core/hand-off.ts). */
  get attached(): readonly LocalTaker[] {
    return this.takers;
  }

  attachTaker(taker: LocalTaker): () => void {
    this.takers.push(taker);
    return () => {
      const i = this.takers.indexOf(taker);
      if (i >= 0) this.takers.splice(i, 1);
      this.advertise(taker.workerId, 0, 0);
    };
  }

  /**
   * Push dispatch: offers `slots` of a local taker's free slots to submits in any process
   * (worker_offers), for `ttlMs` unless offered again; 0 withdraws. Written in the background,
   * one write at a time per worker, only when the count changes or the expiry needs pushing
   * back. Offered slots are not reserved: the taker takes a push even when full (it waits for
   * a slot), and one it declines (stopping, gone) is released.
   */
  advertise(workerId: string, slots: number, ttlMs: number): void {
    let o = this.adverts.get(workerId);
    if (!o) {
      if (slots <= 0 || !this.takerOf(workerId)) return;
      o = {
        want: 0,
        have: 0,
        gen: ++this.advertGen,
        unknown: false,
        written: false,
        forgetting: false,
        ttlMs,
        refreshedAt: 0,
        pid: null,
        writing: false,
      };
      this.adverts.set(workerId, o);
    }
    o.want = Math.max(0, slots);
    if (ttlMs > 0) o.ttlMs = ttlMs;
    // Pushes arrive as notifications: the advert is written once this store listens.
    this.notifier.listen();
    this.syncAdvert(workerId, o);
  }

  /** The attached taker of that worker, if it is still attached. */
  private takerOf(workerId: string): LocalTaker | undefined {
    return this.takers.find((k) => k.workerId === workerId);
  }

  private syncAdverts(): void {
    for (const [id, o] of this.adverts) this.syncAdvert(id, o);
  }

  /** The LISTEN session listens (again): adverts name its pid, and what was pushed while it
   *  was lost is looked for. */
  listening(): void {
    this.syncAdverts();
    if (this.listenLostAt !== null) {
      const since = this.listenLostAt - PUSH_GRACE_MS;
      this.listenLostAt = null;
      void this.adoptUnheard(since);
    }
  }

  /** The LISTEN session was lost: pushes to this process are no longer heard, so adverts go
   *  (a submit checks the session too). */
  lost(): void {
    if (this.adverts.size > 0) this.listenLostAt ??= this.db.now();
    this.syncAdverts();
  }

  private syncAdvert(workerId: string, o: SlotAdvert): void {
    if (o.writing) return;
    const taker = this.takerOf(workerId);
    const pid = this.notifier.listenerPid;
    const want = this.db.closed || !taker || pid === null ? 0 : o.want;
    const now = this.db.now();
    let write: Promise<unknown>;
    if (want === 0) {
      // A row whose slots pushes took is left (it offers nothing) unless the taker has gone.
      if (o.have === 0 && !o.unknown && (taker || !o.written)) {
        // Forgotten a while later: a push committed before the withdrawal may still be on its
        // way, and is then released rather than left to its lease's expiry.
        if (!taker && !o.forgetting) {
          o.forgetting = true;
          setTimeout(() => {
            o.forgetting = false;
            if (this.adverts.get(workerId) === o && !o.writing && !this.takerOf(workerId)) this.adverts.delete(workerId);
          }, PUSH_GRACE_MS).unref();
        }
        return;
      }
      // Pushes of this generation still on their way are not counted against the next advert.
      o.gen = ++this.advertGen;
      o.have = 0;
      o.written = false;
      write = this.db.query(DELETE_ADVERT, [workerId]);
    } else {
      if (!o.unknown && want === o.have && pid === o.pid && now < o.refreshedAt + o.ttlMs / 3) return;
      write = this.db.query(UPSERT_ADVERT, [workerId, o.gen, want, want - o.have, taker!.queues ?? null, pid, now + o.ttlMs]);
      o.have = want;
      o.written = true;
      o.pid = pid;
      o.refreshedAt = now;
    }
    o.unknown = false;
    o.writing = true;
    write
      .catch(() => {
        // The row may or may not have changed: the next write starts a new generation.
        o.unknown = true;
        o.gen = ++this.advertGen;
        o.have = 0;
      })
      .finally(() => {
        o.writing = false;
        // Once more if the wish changed meanwhile; after a failure, at the next advertise.
        if (!o.unknown) this.syncAdvert(workerId, o);
      });
  }

  /** "push <worker> <gen> <task> [<row>]": a submit inserted a task leased to that worker. If
   *  it is one of ours, hand the lease over (reading the row if the payload lacks it, or if it
   *  comes late); if the taker declines it (stopping) or is gone, release it. */
  heard(payload: string): void {
    const m = /^push (\S+) (\S+) (\S+)(?: (.*))?$/s.exec(payload);
    if (!m) return;
    const [, workerId, gen, taskId, json] = m;
    const o = this.adverts.get(workerId);
    if (!o) return; // another process's worker
    if (String(o.gen) === gen && o.have > 0) o.have--;
    const taker = this.takerOf(workerId);
    // A notification heard late (this process was stopped, or starved) may announce a task
    // that has since been re-queued and run elsewhere: then the row is read, not trusted.
    const row = json ? rowFromJson(json) : null;
    const fresh = row !== null && this.db.now() - Number(row.started_at) < PUSH_FRESH_MS;
    void this.adoptPushed(taker, workerId, taskId, fresh ? row : null);
  }

  /** After the LISTEN session came back: hands over what was pushed to this process's workers
   *  since `since` and not heard of (otherwise it would wait for its lease to expire). */
  private async adoptUnheard(since: number): Promise<void> {
    try {
      const rows = await this.db.rows(SELECT_PUSHED_SINCE, [[...this.adverts.keys()], since]);
      for (const row of rows) {
        const workerId = String(row.worker_id);
        void this.adoptPushed(this.takerOf(workerId), workerId, String(row.id), row);
      }
    } catch {
      // The database went again: the next reconnection looks once more.
      this.listenLostAt ??= since + PUSH_GRACE_MS;
    }
  }

  private async adoptPushed(taker: LocalTaker | undefined, workerId: string, taskId: string, pushed: Row | null): Promise<void> {
    const now = this.db.now();
    if (this.adopted.has(taskId)) return;
    for (const [id, at] of this.adopted) {
      if (at > now - ADOPTED_MEMORY_MS) break;
      this.adopted.delete(id);
    }
    this.adopted.set(taskId, now);
    try {
      const [row] = pushed ? [pushed] : await this.db.rows(SELECT_PUSHED, [taskId, workerId]);
      if (!row) return; // cancelled, or reaped
      const task = taskFromRow(row);
      const deliver = taker?.offer(true);
      if (deliver) return deliver(leaseOf(task, workerId, this.db.now()));
      await this.release({ taskId, attempt: 1 });
    } catch {
      // The database is unreachable: a search after the LISTEN session's return may find it
      // again; otherwise its lease expires and it runs again elsewhere.
      this.adopted.delete(taskId);
    }
  }

  /** Withdraws every advert (the store is closing). */
  async withdrawAll(): Promise<void> {
    await Promise.all([...this.adverts.keys()].map((id) => this.db.query(DELETE_ADVERT, [id]).catch(() => {})));
  }
}

/** A row as row_to_json gives it, as a query gives it here: JSON columns as text. Only they
 *  come out as objects or arrays (the other columns are text, numbers and booleans). */
function rowFromJson(json: string): Row {
  const row = JSON.parse(json) as Row;
  for (const [k, v] of Object.entries(row)) if (v !== null && typeof v === 'object') row[k] = JSON.stringify(v);
  return row;
}
