/**
 * Warm instances, kept per function version and owner: an invocation takes an idle instance of
 * exactly its key (owner, account, function, version and code), or starts one (a cold start);
 * an instance is never given to another key, so two functions, or two users' functions of the
 * same name, never share a sandbox. An instance idle past `idleMs` is reaped; a dead one (timed
 * out, crashed, failed its init) is dropped, so the next invocation starts a new one.
 *
 * Provisioned concurrency: provision() keeps a number of instances of a key started ahead of
 * invocations (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency). They wait among the idle
 * instances, so an invocation takes one like any warm instance, and are never reaped while
 * provisioned; one that dies is replaced on the next provision(). Unprovisioned, they are
 * ordinary idle instances again. When the last provision() of a key could not start an instance
 * because its init failed, provisionFailure() says with what error (Lambda's FAILED status).
 */
import { Instance, type InstanceDeps, type InvokeOptions, type InvokeOutcome } from './instance.ts';
import type { FunctionError } from './runtime-api.ts';
import type { FunctionVersionConfig } from './runtimes.ts';

/** Who a function version belongs to: the key's other half (the version is in its config). */
export interface FunctionOwner {
  /** The Hangar user id. */
  owner: string;
  /** The owner's 12-digit account id (ARNs). */
  accountId: string;
}

export interface PoolOptions {
  /** How long an idle instance is kept warm. Lambda keeps them for minutes; default 10 minutes. */
  idleMs: number;
  /** The clock reaping reads (injected: tests move time, never sleep). */
  now?: () => number;
}

/** What an instance needs from the pool's owner, less what the key decides (owner, account). */
export type PoolDeps = Omit<InstanceDeps, 'accountId' | 'owner'>;

interface Idle {
  instance: Instance;
  since: number;
  owner: string;
}

/** The key of an instance: every field that must match to reuse it. */
function keyOf(o: FunctionOwner, f: FunctionVersionConfig): string {
  // All of the configuration: $LATEST's memory, timeout, environment, secrets or network can
  // change with its code unchanged, and the next invocation must run with the new ones.
  return JSON.stringify([
    o.owner,
    o.accountId,
    f.name,
    f.version,
    f.codeDir,
    // New layers are a new /opt: an instance of the old ones must not serve the next invocation.
    f.optDir ?? null,
    f.runtime,
    f.handler,
    f.memoryMb,
    f.timeoutS,
    f.environment,
    f.secrets,
    f.network,
    f.logging ?? null,
    // An image function: its image and which import of it, process, cwd and Env (an ImageConfig
    // change or a re-import of the image is a new instance).
    f.image ?? null,
  ]);
}

export class InstancePool {
  private readonly deps: PoolDeps;
  private readonly idleMs: number;
  private readonly now: () => number;
  private readonly idle = new Map<string, Idle[]>();
  private readonly busy = new Set<Instance>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly watchers = new Set<(owner: string, config: FunctionVersionConfig) => void>();
  /** Provisioned instances by key (idle or busy; started ones only). */
  private readonly pinned = new Map<string, Set<Instance>>();
  /** The init error of the last provision() of a key that had one (cleared by one that had none). */
  private readonly initFailures = new Map<string, FunctionError>();
  /** Busy instances retire() named: closed when their invocation ends, never idle again. */
  private readonly retiring = new WeakSet<Instance>();

  constructor(deps: PoolDeps, o: PoolOptions) {
    this.deps = deps;
    this.idleMs = o.idleMs;
    this.now = o.now ?? Date.now;
  }

  /** Starts reaping idle instances on a timer (a pool used without start() reaps on reap()). */
  start(): void {
    this.timer = setInterval(() => void this.reap(), Math.max(1000, Math.floor(this.idleMs / 2)));
    this.timer.unref();
  }

  /** Runs one invocation on a warm instance of its key, or on a new one. */
  async invoke(owner: FunctionOwner, f: FunctionVersionConfig, event: Buffer, o: InvokeOptions = {}): Promise<InvokeOutcome> {
    if (this.closed) throw new Error('instance pool closed');
    const key = keyOf(owner, f);
    const instance = this.take(key) ?? (await Instance.start(f, { ...this.deps, accountId: owner.accountId, owner: owner.owner }));
    this.busy.add(instance);
    try {
      return await instance.invoke(event, o);
    } finally {
      this.busy.delete(instance);
      if (instance.state === 'idle' && !this.closed && !this.retiring.has(instance)) this.putIdle(key, owner.owner, instance);
      else {
        this.pinned.get(key)?.delete(instance);
        void instance.close();
      }
    }
  }

  /**
   * Keeps `n` instances of the key provisioned: drops the dead, starts the missing ones (each
   * waits for its init to end; one whose init fails is dropped, to be tried again next time) and
   * lets go of any beyond `n` (then reaped as ordinary idle instances). Answers how many are
   * started. `n` 0 lets go of them all.
   */
  async provision(owner: FunctionOwner, f: FunctionVersionConfig, n: number): Promise<number> {
    if (this.closed) return 0;
    const key = keyOf(owner, f);
    const set = this.pinned.get(key) ?? new Set<Instance>();
    for (const i of set) if (i.state === 'dead') set.delete(i);
    for (const i of [...set].slice(n)) set.delete(i);
    if (set.size === 0 && n === 0) {
      this.pinned.delete(key);
      this.initFailures.delete(key);
      return 0;
    }
    this.pinned.set(key, set);
    const missing = n - set.size;
    const initFailures: FunctionError[] = [];
    if (missing > 0) {
      const deps = { ...this.deps, accountId: owner.accountId, owner: owner.owner, initializationType: 'provisioned-concurrency' as const };
      await Promise.all(
        Array.from({ length: missing }, async () => {
          const instance = await Instance.start(f, deps);
          const failed = await instance.ready();
          if (failed) initFailures.push(failed);
          if (failed || this.closed || this.pinned.get(key) !== set || instance.state !== 'idle') {
            await instance.close();
            return;
          }
          set.add(instance);
          this.putIdle(key, owner.owner, instance);
        }),
      );
    }
    if (initFailures.length > 0 && this.pinned.get(key) === set) this.initFailures.set(key, initFailures[0]);
    else this.initFailures.delete(key);
    return set.size;
  }

  /** Lets go of the provisioned instances of every key but those in `keep` (pool keys made by
   *  provisionKey), which then are reaped as ordinary idle instances. */
  unprovisionExcept(keep: ReadonlySet<string>): void {
    for (const key of this.pinned.keys()) if (!keep.has(key)) this.pinned.delete(key);
    for (const key of this.initFailures.keys()) if (!keep.has(key)) this.initFailures.delete(key);
  }

  /** The key provision() keeps instances under (for unprovisionExcept). */
  static provisionKey(owner: FunctionOwner, f: FunctionVersionConfig): string {
    return keyOf(owner, f);
  }

  /** Started provisioned instances of the key, idle or busy. */
  provisioned(owner: FunctionOwner, f: FunctionVersionConfig): number {
    let n = 0;
    for (const i of this.pinned.get(keyOf(owner, f)) ?? []) if (i.state !== 'dead') n++;
    return n;
  }

  /** The init error that kept the last provision() of the key from starting an instance, if any. */
  provisionFailure(owner: FunctionOwner, f: FunctionVersionConfig): FunctionError | null {
    return this.initFailures.get(keyOf(owner, f)) ?? null;
  }

  /** Calls `f` with its owner and version when a key that had no idle instance has one (a
   *  version may have become warm: a
   *  worker host advertises it, functions/warm-key.ts; one that stops being warm waits for its
   *  next advert); answers the call that stops it. */
  watchIdle(f: (owner: string, config: FunctionVersionConfig) => void): () => void {
    this.watchers.add(f);
    return () => this.watchers.delete(f);
  }

  /** Idle instances: whose, of which version (its config), one entry per instance. */
  idleVersions(): { owner: string; config: FunctionVersionConfig }[] {
    return [...this.idle.values()].flat().map((e) => ({ owner: e.owner, config: e.instance.config }));
  }

  /** Warm instances per key, and those serving an invocation. */
  stats(): { idle: number; busy: number; keys: number } {
    let idle = 0;
    for (const l of this.idle.values()) idle += l.length;
    return { idle, busy: this.busy.size, keys: this.idle.size };
  }

  /**
   * Retires the instances whose version `stale` names (an image re-imported: functions/host.ts):
   * the idle ones are closed now, provisioned ones too (the next provision() starts them anew),
   * and a busy one ends its invocation and is closed then, so none serves another. Answers how
   * many there were.
   */
  async retire(stale: (config: FunctionVersionConfig) => boolean): Promise<number> {
    const gone: Instance[] = [];
    for (const [key, list] of this.idle) {
      const keep: Idle[] = [];
      for (const e of list) {
        if (stale(e.instance.config)) gone.push(e.instance);
        else keep.push(e);
      }
      if (keep.length) this.idle.set(key, keep);
      else this.idle.delete(key);
    }
    for (const set of this.pinned.values()) for (const i of set) if (stale(i.config)) set.delete(i);
    let busy = 0;
    for (const i of this.busy)
      if (stale(i.config)) {
        this.retiring.add(i);
        busy++;
      }
    await Promise.all(gone.map((i) => i.close()));
    return gone.length + busy;
  }

  /** Closes the instances idle longer than idleMs (provisioned ones are kept while alive). */
  async reap(): Promise<number> {
    const cutoff = this.now() - this.idleMs;
    const gone: Instance[] = [];
    for (const [key, list] of this.idle) {
      const pinned = this.pinned.get(key);
      const keep = list.filter((e) => {
        if ((e.since > cutoff || pinned?.has(e.instance)) && e.instance.state === 'idle') return true;
        gone.push(e.instance);
        return false;
      });
      if (keep.length) this.idle.set(key, keep);
      else this.idle.delete(key);
    }
    await Promise.all(gone.map((i) => i.close()));
    return gone.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.pinned.clear();
    const all = [...this.busy, ...[...this.idle.values()].flat().map((e) => e.instance)];
    this.idle.clear();
    await Promise.all(all.map((i) => i.close()));
  }

  private putIdle(key: string, owner: string, instance: Instance): void {
    const list = this.idle.get(key) ?? [];
    list.push({ instance, since: this.now(), owner });
    this.idle.set(key, list);
    if (list.length === 1) for (const f of this.watchers) f(owner, instance.config);
  }

  /** The most recently used idle instance of the key (its caches are the warmest). */
  private take(key: string): Instance | null {
    const list = this.idle.get(key);
    while (list?.length) {
      const e = list.pop()!;
      if (e.instance.state === 'idle') {
        if (list.length === 0) this.idle.delete(key);
        return e.instance;
      }
      void e.instance.close();
    }
    this.idle.delete(key);
    return null;
  }
}
