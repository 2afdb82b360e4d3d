/**
 * Provisioned concurrency (Lambda's PutProvisionedConcurrencyConfig and its Get, List and
 * Delete): the use cases over the store's configurations (ports/provisioned-concurrency.ts), and
 * the keeper each function host runs, which keeps the instances asked for started in its pool
 * (functions/pool.ts provision()).
 *
 * Where they are kept: embedded, the one host keeps all of each configuration. Scale-out, every
 * live worker host keeps an even share rounded up (core provisionedShare over the hosts the
 * function fleet lists), so together they keep at least what was asked, a few more when the
 * count does not divide; an invocation reaches a host with an idle one through the dispatcher's
 * warm adverts. Allocated counts are exact embedded; an API node without a host of its own
 * counts the idle warm instances the hosts advertise (busy ones are not advertised).
 *
 * FAILED, with the init error as StatusReason, when the keeper's last try to start a missing
 * instance failed its init; known to the process that runs the keeper (embedded: the one
 * process). An API node without a host of its own does not see the hosts' init errors (the
 * adverts carry counts only): there a failing configuration stays IN_PROGRESS.
 */
import {
  checkProvisionedCount,
  checkProvisionedQualifier,
  checkProvisionedVersion,
  LATEST,
  parseQualifier,
  provisionedNotFound,
  provisionedShare,
  provisionedStatus,
  type FunctionSnapshot,
  type ProvisionedConfig,
  type ProvisionedInitError,
  type ProvisionedStatus,
} from '../core/index.ts';
import type { BlobStore } from '../blobs/index.ts';
import { type FunctionError, type FunctionHost, InstancePool } from '../functions/index.ts';
import type { FunctionFleet, Functions, ProvisionedConcurrency } from '../store/index.ts';
import { getFunction } from './functions.ts';
import { versionConfigOn, warmKeyOfSnapshot } from './invoke.ts';

export interface ProvisionedApp {
  functions: Functions;
  blobs: BlobStore;
  provisioned: ProvisionedConcurrency;
  /** This process's keeper, when it runs functions (it is told of each change at once). */
  provisionedKeeper?: { current: ProvisionedKeeper | null };
  /** Scale-out: the hosts' adverts, for the allocated count of an API node without a host. */
  functionFleet?: Pick<FunctionFleet, 'listHosts'> | null;
}

/** A configuration with how far it is kept. */
export interface ProvisionedView extends ProvisionedConfig {
  allocated: number;
  available: number;
  status: ProvisionedStatus;
  /** Why it is FAILED (null otherwise). */
  statusReason: string | null;
}

/** Puts the function's configuration at a published version or an alias (core checks). */
export async function putProvisionedConfig(
  app: ProvisionedApp,
  userId: string,
  functionName: string,
  qualifier: string | undefined,
  requested: unknown,
): Promise<ProvisionedView> {
  // The function first: another user's (or none) is not there, whatever the qualifier.
  await getFunction(app, userId, functionName);
  const q = checkProvisionedQualifier(qualifier);
  const f = await getFunction(app, userId, functionName, q);
  checkProvisionedVersion(f.version);
  const [reserved, all] = await Promise.all([
    app.functions.getConcurrency(userId, f.name),
    app.provisioned.listProvisioned(userId, f.name),
  ]);
  const others = all.filter((c) => c.qualifier !== q).reduce((n, c) => n + c.requested, 0);
  const n = checkProvisionedCount(requested, reserved, others);
  const c = await app.provisioned.putProvisioned(userId, f.name, q, n);
  await app.provisionedKeeper?.current?.poke();
  return view(app, c, f);
}

export async function getProvisionedConfig(
  app: ProvisionedApp,
  userId: string,
  functionName: string,
  qualifier: string | undefined,
): Promise<ProvisionedView> {
  const f = await getFunction(app, userId, functionName);
  const q = checkProvisionedQualifier(qualifier);
  const c = await app.provisioned.getProvisioned(userId, f.name, q);
  if (!c) throw provisionedNotFound(f.name, q);
  return view(app, c, await app.functions.getFunction(userId, f.name, parseQualifier(q)));
}

export async function listProvisionedConfigs(app: ProvisionedApp, userId: string, functionName: string): Promise<ProvisionedView[]> {
  const f = await getFunction(app, userId, functionName);
  const all = await app.provisioned.listProvisioned(userId, f.name);
  return Promise.all(all.map(async (c) => view(app, c, await app.functions.getFunction(userId, f.name, parseQualifier(c.qualifier)))));
}

export async function deleteProvisionedConfig(
  app: ProvisionedApp,
  userId: string,
  functionName: string,
  qualifier: string | undefined,
): Promise<void> {
  const f = await getFunction(app, userId, functionName);
  const q = checkProvisionedQualifier(qualifier);
  if (!(await app.provisioned.deleteProvisioned(userId, f.name, q))) throw provisionedNotFound(f.name, q);
  await app.provisionedKeeper?.current?.poke();
}

async function view(app: ProvisionedApp, c: ProvisionedConfig, f: FunctionSnapshot | null): Promise<ProvisionedView> {
  const kept = f && f.version !== LATEST ? await keptOf(app, c.userId, f) : { allocated: 0, initError: null };
  const allocated = Math.min(c.requested, kept.allocated);
  return { ...c, allocated, available: allocated, ...provisionedStatus(c.requested, allocated, kept.initError) };
}

/** How far a version's instances are kept: how many are started, and the init error that kept
 *  the last try from starting more (this process's keeper only). */
export interface Kept {
  allocated: number;
  initError: ProvisionedInitError | null;
}

async function keptOf(app: ProvisionedApp, userId: string, f: FunctionSnapshot): Promise<Kept> {
  const keeper = app.provisionedKeeper?.current;
  if (keeper) return keeper.kept(userId, f);
  if (!app.functionFleet) return { allocated: 0, initError: null };
  const key = warmKeyOfSnapshot(userId, f);
  return { allocated: (await app.functionFleet.listHosts()).reduce((n, h) => n + (h.warm[key] ?? 0), 0), initError: null };
}

/** The errorType and errorMessage of a runtime's error document (its own JSON, or not JSON). */
function initErrorOf(e: FunctionError): ProvisionedInitError {
  let doc: unknown;
  try {
    doc = JSON.parse(e.payload.toString('utf8'));
  } catch {
    doc = null;
  }
  const message = doc && typeof doc === 'object' ? (doc as { errorMessage?: unknown }).errorMessage : undefined;
  return { errorType: e.errorType, errorMessage: typeof message === 'string' ? message : e.payload.toString('utf8') };
}

export interface KeeperDeps {
  host: FunctionHost;
  blobs: BlobStore;
  functions: Functions;
  provisioned: ProvisionedConcurrency;
  /** The 12-digit account id of a user (the instances' ARNs, part of the pool's key). */
  accountIdOf(userId: string): string;
  /** Scale-out: how many function hosts share the configurations (the fleet's live adverts);
   *  absent, this host keeps every instance. */
  liveHosts?: () => Promise<number>;
  /** How often the configurations are read again (default 5 s). */
  intervalMs?: number;
  log: { warn(obj: object, msg: string): void };
}

/** Keeps this host's share of every configuration started: every few seconds, and at once when
 *  this process changes one (poke). */
export class ProvisionedKeeper {
  private readonly deps: KeeperDeps;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(deps: KeeperDeps) {
    this.deps = deps;
  }

  start(): void {
    this.timer = setInterval(() => void this.poke(), this.deps.intervalMs ?? 5000);
    this.timer.unref();
    void this.poke();
  }

  /** Reconciles now (or once more after the run under way); settles when that run ends. */
  poke(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcile();
        } catch (err) {
          this.deps.log.warn({ err }, 'provisioned concurrency: the configurations could not be read');
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Started provisioned instances of `f` (a published version) on this host, and the init error
   *  of the last try to start more, if it failed. */
  async kept(userId: string, f: FunctionSnapshot): Promise<Kept> {
    const config = await versionConfigOn(this.deps.host, this.deps.blobs, f);
    const owner = { owner: userId, accountId: this.deps.accountIdOf(userId) };
    const failure = this.deps.host.pool.provisionFailure(owner, config);
    return { allocated: this.deps.host.pool.provisioned(owner, config), initError: failure ? initErrorOf(failure) : null };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async reconcile(): Promise<void> {
    const { host, functions, provisioned, liveHosts, accountIdOf } = this.deps;
    const [configs, hosts] = await Promise.all([provisioned.listAllProvisioned(), liveHosts ? liveHosts() : Promise.resolve(1)]);
    // An alias and the version it names keep instances of one key: their counts add up.
    const wanted = new Map<string, { owner: { owner: string; accountId: string }; f: FunctionSnapshot; n: number }>();
    await Promise.all(
      configs.map(async (c) => {
        try {
          const f = await functions.getFunction(c.userId, c.functionName, parseQualifier(c.qualifier));
          if (!f || f.version === LATEST) return;
          const owner = { owner: c.userId, accountId: accountIdOf(c.userId) };
          const key = InstancePool.provisionKey(owner, await versionConfigOn(host, this.deps.blobs, f));
          const w = wanted.get(key) ?? { owner, f, n: 0 };
          w.n += provisionedShare(c.requested, hosts);
          wanted.set(key, w);
        } catch (err) {
          this.deps.log.warn({ err, function: c.functionName, qualifier: c.qualifier }, 'provisioned concurrency: cannot resolve');
        }
      }),
    );
    host.pool.unprovisionExcept(new Set(wanted.keys()));
    await Promise.all(
      [...wanted.values()].map(async (w) => {
        try {
          await host.pool.provision(w.owner, await versionConfigOn(host, this.deps.blobs, w.f), w.n);
        } catch (err) {
          this.deps.log.warn({ err, function: w.f.name }, 'provisioned concurrency: an instance could not be started');
        }
      }),
    );
  }
}
