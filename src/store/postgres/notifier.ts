/**
 * Wake-ups across processes: this process's listeners are woken at once, other processes' by
 * NOTIFY (batched, after the commits they announce), heard on one LISTEN session that is
 * opened once someone subscribes and reopened when it drops. Push notifications on that
 * session are passed to push dispatch (push.ts), which keeps it open while it offers slots.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { ActivityNotice } from '../ports/activities.ts';
import type { InvocationNotice } from '../ports/function-invocations.ts';
import type { Db, Tx } from './db.ts';

/** A notification's payload is at most 8000 bytes: past this many characters of task ids, it
 *  says '*' (every follower looks). */
const MAX_NOTIFY_IDS = 7000;

/** On the output channel: functions were written (store/cached-functions.ts forgets its reads). */
const FUNCTIONS_CHANGED = 'fnset';

/** channels, payloads (arrays in step): wake-ups sent after the commits they announce. */
const NOTIFY = `SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS x(c, p)`;

/** What push dispatch needs of the LISTEN session. */
export interface PushListener {
  /** Slot adverts stand: the session is reopened after a loss even with no subscriber. */
  readonly active: boolean;
  /** A "push ..." notification was heard. */
  heard(payload: string): void;
  /** The session listens (again): its pid is known. */
  listening(): void;
  /** The session was lost: pushes are no longer heard. */
  lost(): void;
}

export class Notifier {
  readonly channel: string;
  /** Where appended output is announced: "<instance> <task id> <task id> ..." or "<instance> *";
   *  written invocation records too, as `fn:<since>:<user id>:<function name>` (encoded URI
   *  components), so that followers of either need no LISTEN of their own. */
  readonly outputChannel: string;
  /** Payload of this store's notifications, so its own LISTEN ignores them (it woke locally). */
  private readonly instance = randomUUID();
  private readonly db: Db;
  private readonly wake = new EventEmitter();
  private listener: pg.Client | null = null;
  /** Backend pid of the LISTEN session once it listens: slot adverts name it (push.ts). */
  private pid: number | null = null;
  private push: PushListener | null = null;
  /** Notices for other processes, sent on the next turn of the event loop (scheduleNotices). */
  private readyToAnnounce = false;
  private keysToAnnounce = false;
  private readonly outputToAnnounce = new Set<string>();
  private noticesScheduled = false;
  private noticesInFlight = false;

  constructor(db: Db) {
    this.db = db;
    this.channel = `hangar_ready_${db.schema}`;
    this.outputChannel = `hangar_output_${db.schema}`;
    this.wake.setMaxListeners(0);
  }

  /** Backend pid of the LISTEN session while it listens, else null. */
  get listenerPid(): number | null {
    return this.pid;
  }

  /** Push dispatch hears its notifications and the session's comings and goings. */
  attach(push: PushListener): void {
    this.push = push;
  }

  /** Calls the listener when tasks may have become ready, here or in another process. */
  subscribe(listener: () => void): () => void {
    this.wake.on('ready', listener);
    this.listen();
    return () => this.wake.off('ready', listener);
  }

  subscribeKeys(listener: () => void): () => void {
    this.wake.on('keys', listener);
    this.listen();
    return () => this.wake.off('keys', listener);
  }

  subscribeOutput(listener: (taskId: string) => void): () => void {
    this.wake.on('output', listener);
    this.listen();
    return () => this.wake.off('output', listener);
  }

  subscribeInvocations(listener: (n: InvocationNotice) => void): () => void {
    this.wake.on('invocations', listener);
    this.listen();
    return () => this.wake.off('invocations', listener);
  }

  /** Calls the listener when tasks were scheduled on an activity, here or in another process. */
  subscribeActivities(listener: (n: ActivityNotice) => void): () => void {
    this.wake.on('activities', listener);
    this.listen();
    return () => this.wake.off('activities', listener);
  }

  /** Calls the listener when functions may have changed in another process (or when such a
   *  notice may have been missed: the LISTEN session was lost). */
  subscribeFunctionChanges(listener: () => void): () => void {
    this.wake.on('functions', listener);
    this.listen();
    return () => this.wake.off('functions', listener);
  }

  /** Opens the LISTEN connection, once; again a second after it drops while anyone listens
   *  (waking them then: notifications sent meanwhile are lost). */
  listen(): void {
    if (this.listener || this.db.closed) return;
    const client = new pg.Client(this.db.connection);
    this.listener = client;
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = null;
      this.pid = null;
      // Pushes to this process are no longer heard: slot adverts go (a submit checks the session too).
      this.push?.lost();
      client.end().catch(() => {});
      // Revocations and function changes announced meanwhile are not heard: those caches start again.
      this.wake.emit('keys');
      this.wake.emit('functions');
      // Tasks scheduled meanwhile are not heard of: activity pollers look again.
      this.wake.emit('activities', '*');
      if (
        this.db.closed ||
        (['ready', 'output', 'invocations', 'keys', 'functions', 'activities'].every((e) => this.wake.listenerCount(e) === 0) &&
          !this.push?.active)
      )
        return;
      setTimeout(() => {
        this.listen();
        this.wakeLocal();
      }, 1000).unref();
    };
    client.on('notification', (n) => {
      if (n.channel === this.outputChannel) {
        const [from, ...ids] = (n.payload ?? '').split(' ');
        if (from !== this.instance) for (const id of ids) this.heardOutput(id);
      } else if (n.payload?.startsWith('push ')) this.push?.heard(n.payload);
      else if (n.payload?.startsWith('keys ')) {
        if (n.payload !== `keys ${this.instance}`) this.wake.emit('keys');
      } else if (n.payload !== this.instance) this.wakeLocal();
    });
    client.on('error', lost);
    client.on('end', lost);
    client
      .connect()
      .then(() => client.query(`LISTEN ${this.channel}; LISTEN ${this.outputChannel}`))
      .then(() => {
        if (this.listener !== client) return;
        // Revocations and function changes announced before this session listened were not heard.
        this.wake.emit('keys');
        this.wake.emit('functions');
        this.pid = (client as unknown as { processID: number | null }).processID;
        this.push?.listening();
      })
      .catch(lost);
  }

  private heardOutput(id: string): void {
    if (id === FUNCTIONS_CHANGED) return void this.wake.emit('functions');
    if (id === '*') {
      this.wake.emit('invocations', '*');
      this.wake.emit('functions');
      this.wake.emit('activities', '*');
    }
    const a = /^act:([^:]*):([^:]*)$/.exec(id);
    if (a) return void this.wake.emit('activities', { userId: decodeURIComponent(a[1]), name: decodeURIComponent(a[2]) });
    const m = /^fn:(\d+):([^:]*):([^:]*)$/.exec(id);
    if (m) this.wake.emit('invocations', { userId: decodeURIComponent(m[2]), functionName: decodeURIComponent(m[3]), since: Number(m[1]) });
    else this.wake.emit('output', id);
  }

  private wakeLocal(): void {
    this.wake.emit('ready');
  }

  /** Once `tx` commits: wakes this process's listeners, and other processes' (readyNow). */
  async notifyReady(tx: Tx): Promise<void> {
    tx.onEnd((committed) => {
      if (committed) this.readyNow();
    });
  }

  /** Tasks became ready (committed): this process's listeners now, other processes' next. */
  readyNow(): void {
    this.wakeLocal();
    this.readyToAnnounce = true;
    this.scheduleNotices();
  }

  /** Output appended to these tasks, or their attempt ended (committed): this process's
   *  followers now, other processes' next. */
  outputNow(ids: Iterable<string>): void {
    for (const id of ids) {
      this.wake.emit('output', id);
      this.outputToAnnounce.add(id);
    }
    this.scheduleNotices();
  }

  /** Invocation records were written (committed): this process's followers now, other
   *  processes' next. */
  invocationsNow(notices: Exclude<InvocationNotice, '*'>[]): void {
    for (const n of notices) {
      this.wake.emit('invocations', n);
      this.outputToAnnounce.add(`fn:${n.since}:${encodeURIComponent(n.userId)}:${encodeURIComponent(n.functionName)}`);
    }
    this.scheduleNotices();
  }

  /** Tasks were scheduled on these activities (committed): this process's pollers now, other
   *  processes' next (on the output channel, as `act:<user id>:<activity>`, encoded URI components). */
  activitiesNow(notices: Exclude<ActivityNotice, '*'>[]): void {
    for (const n of notices) {
      this.wake.emit('activities', n);
      this.outputToAnnounce.add(`act:${encodeURIComponent(n.userId)}:${encodeURIComponent(n.name)}`);
    }
    this.scheduleNotices();
  }

  /** Functions were written (committed): other processes' function caches forget theirs next
   *  (this process's forgot already: store/cached-functions.ts). */
  functionsChangedNow(): void {
    this.outputToAnnounce.add(FUNCTIONS_CHANGED);
    this.scheduleNotices();
  }

  /** A key was revoked (committed): this process's key caches drop it now, other processes' next. */
  keysNow(): void {
    this.wake.emit('keys');
    this.keysToAnnounce = true;
    this.scheduleNotices();
  }

  /**
   * Other processes hear of what committed with a NOTIFY statement of its own, sent on the next
   * turn of the event loop, never from inside the transactions: PostgreSQL holds a global lock
   * from a transaction's NOTIFY until its commit is flushed, which made every submit wait for
   * the previous one's fsync (measured, 10 connections inserting: 4.5k rows/s with the NOTIFY
   * inside the insert, 12.5k with one sent after each turn). A NOTIFY's commit is flushed too,
   * so one statement is in flight at a time: what commits meanwhile goes in the next. A
   * process that dies between a commit and its notice loses the wake-up: workers find the task
   * at their fallback poll, followers at theirs. A push (INSERT_TASK) is the exception: its
   * notification is its delivery, so it stays in the transaction.
   */
  private scheduleNotices(): void {
    if (this.noticesScheduled || this.noticesInFlight || this.db.closed) return;
    this.noticesScheduled = true;
    setImmediate(() => {
      this.noticesScheduled = false;
      const channels: string[] = [];
      const payloads: string[] = [];
      if (this.readyToAnnounce) {
        this.readyToAnnounce = false;
        channels.push(this.channel);
        payloads.push(this.instance);
      }
      if (this.keysToAnnounce) {
        this.keysToAnnounce = false;
        channels.push(this.channel);
        payloads.push(`keys ${this.instance}`);
      }
      if (this.outputToAnnounce.size > 0) {
        const listed = [...this.outputToAnnounce].join(' ');
        this.outputToAnnounce.clear();
        channels.push(this.outputChannel);
        payloads.push(`${this.instance} ${listed.length <= MAX_NOTIFY_IDS ? listed : '*'}`);
      }
      if (channels.length === 0) return;
      this.noticesInFlight = true;
      this.db
        .query(NOTIFY, [channels, payloads])
        // Unreachable database: the listeners' fallback polls cover it.
        .catch(() => {})
        .finally(() => {
          this.noticesInFlight = false;
          if (this.readyToAnnounce || this.keysToAnnounce || this.outputToAnnounce.size > 0) this.scheduleNotices();
        });
    });
  }

  /** Drops every listener and ends the LISTEN session. */
  async close(): Promise<void> {
    this.wake.removeAllListeners();
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => {});
  }
}
