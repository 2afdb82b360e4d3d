/** The fleet port: workers, the autoscaler's decisions, leader leases, alert states and retention. */

export interface WorkerInfo {
  host: string;
  pid: number;
  concurrency: number;
}

export interface WorkerRecord extends WorkerInfo {
  id: string;
  startedAt: number;
  lastSeen: number;
}

export interface WorkerLoad {
  workerId: string;
  running: number;
}

/** One autoscaler decision and what it was computed from. */
export interface NewScalingEvent {
  at: number;
  /** launch: workers started; retire: idle workers stopped; hold: desired changed, nothing to do yet. */
  action: 'launch' | 'retire' | 'hold';
  /** PENDING + RUNNING tasks seen. */
  depth: number;
  /** Workers before the decision (starting ones included). */
  current: number;
  desired: number;
  /** Ids of the workers launched or retired. */
  workers: string[];
  reason: string;
  /** Which autoscaler decided: its leader-lease holder id (host-pid-random); null when not
   *  known (decisions recorded before it was kept). */
  autoscaler: string | null;
}

export interface ScalingEvent extends NewScalingEvent {
  id: number;
}

export interface AlertState {
  name: string;
  state: 'ok' | 'firing';
  since: number;
  value: number | null;
  message: string;
}

/** What start-up and `doctor` check of the database the store runs on. */
export interface StoreHealth {
  /** The database's clock minus this host's, ms, as last measured (0 on SQLite, whose clock
   *  is this host's). The store keeps its times in the database's clock; this host's logs and
   *  metrics use its own. */
  clockOffsetMs: number;
  /** Whether the database's autovacuum is on (without it the dead row versions every claim and
   *  finish leaves are never reclaimed); null where it does not apply (SQLite) or could not be
   *  read. */
  autovacuum: boolean | null;
}

export interface Fleet {
  /** Register or refresh a worker's liveness. */
  touchWorker(workerId: string, info: WorkerInfo): Promise<void>;
  removeWorker(workerId: string): Promise<void>;
  liveWorkers(staleMs: number): Promise<WorkerRecord[]>;
  /** RUNNING tasks per worker id (workers holding none are absent). */
  workerLoads(): Promise<WorkerLoad[]>;
  /** Autoscaler decisions: record one; the latest first. */
  recordScaling(e: NewScalingEvent): Promise<ScalingEvent>;
  scalingEvents(filter: { since?: number; limit: number }): Promise<ScalingEvent[]>;
  purgeScaling(olderThan: number, limit: number): Promise<number>;
  /** A leader lock: `holder` takes the named lease if it is free or expired, or renews it if
   *  it holds it, until now + ttlMs. True if `holder` holds it now. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it. */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Alert rule states (rules never evaluated are absent). */
  alertStates(): Promise<AlertState[]>;
  /** Moves a rule from state `from` (null: never evaluated) to `s.state`; false if another
   *  process moved it first (it then notifies, not this one). */
  transitionAlert(from: AlertState['state'] | null, s: AlertState): Promise<boolean>;
  /** Delete finished tasks older than the cutoff; returns the ids removed (their blobs go next). */
  purgeFinished(olderThan: number, limit: number): Promise<string[]>;
  /** The database's clock offset and autovacuum setting (StoreHealth). */
  health(): Promise<StoreHealth>;
}
