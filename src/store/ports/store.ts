/**
 * The store: the single source of truth. The API, workers and background jobs reach it only
 * through these ports, so the SQLite (embedded) and PostgreSQL (scale-out) backends are
 * interchangeable and pass one conformance suite (test/conformance/store.ts). A consumer asks
 * for the ports it uses (a `TaskReads`, a `TaskQueue & Dispatch`), not the whole store.
 */
import type { Access } from './access.ts';
import type { Dispatch } from './dispatch.ts';
import type { Fleet } from './fleet.ts';
import type { OutputLog } from './output.ts';
import type { Projects } from './projects.ts';
import type { TaskQueue } from './task-queue.ts';
import type { TaskReads } from './task-reads.ts';

/** What a backend can do, as data: callers branch on these, never on `'method' in store`. */
export interface StoreCapabilities {
  /** Wake-ups reach other processes (PostgreSQL NOTIFY); false = in-process only. */
  crossProcessWakeups: boolean;
  /** advertise() offers a worker's free slots to submits in other processes, which then insert
   *  a task already leased to it (PostgreSQL). False: it offers nothing, as in one process a
   *  submit sees the attached takers directly (SQLite). */
  pushDispatch: boolean;
  /** countRequests() shares rate-limit and route-throttle counts between API nodes on one
   *  database (PostgreSQL). False: one process is the whole API and counts in memory, and
   *  countRequests() is not to be called (SQLite). */
  sharedRequestCounts: boolean;
}

/** Every port of one backend, over one database. */
export interface Store extends TaskQueue, TaskReads, Dispatch, Fleet, Access, OutputLog, Projects {
  readonly capabilities: StoreCapabilities;
  /** The store's clock, which every time it keeps is in (on PostgreSQL the database server's,
   *  whatever this host's says). */
  now(): number;
  close(): Promise<void>;
}
