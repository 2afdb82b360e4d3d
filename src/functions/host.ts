/**
 * What runs functions in one process: the warm pool, the unpacked code it runs, and the count of
 * invocations in flight per function (reserved concurrency). One per process that runs workers;
 * on the embedded shape that is the process serving the API, so the count is exact. (On the
 * scale-out shape the count is the store's, shared by every API node: app/dispatch.ts.)
 */
import { basename, join } from 'node:path';
import { ErrorCode, type FunctionPeak, peakKey, Unavailable } from '../core/index.ts';
import type { ImageStore, ImportedImage } from '../images/index.ts';
import { CodeDirectories } from './code-dirs.ts';
import { OptDirectories } from './opt-dirs.ts';
import { instancesUnreachable, UNREACHABLE_FOR_CALLERS } from './reach.ts';
import { warmKey } from './warm-key.ts';
import { InstancePool, type PoolDeps, type PoolOptions } from './pool.ts';
import type { FunctionVersionConfig } from './runtimes.ts';

export class FunctionHost {
  readonly pool: InstancePool;
  readonly code: CodeDirectories;
  /** The layers' merged contents (bound at /opt), beside the code they link to. */
  readonly opt: OptDirectories;
  /** The images imported on this host (functions packaged as an image run in one); null: none. */
  readonly images: ImageStore | null;
  private readonly inflight = new Map<string, number>();
  /** Invocations running on this host per alias or version of a function (core peakKey), and
   *  the most at once since takePeaks() last read them: provisioned concurrency scaling's
   *  measure (app/scaling.ts), taken by the scaling loop (embedded) or by each advert (a worker
   *  host, app/dispatch.ts). Two map updates an invocation, in memory. */
  private readonly running = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private readonly sandboxUid: number | null;
  /** Why instances cannot start here, as checkReach() last found; null: nothing known against. */
  private unreachable: string | null = null;
  /** The import of each image this host last ran instances of (imageFor). */
  private readonly imports = new Map<string, string>();

  /** `sandboxUid`: the uid instances run as, whose reach checkReach() checks. */
  constructor(deps: PoolDeps & { codeDir: string; sandboxUid?: number; images?: ImageStore }, o: PoolOptions) {
    const { codeDir, sandboxUid, images, ...poolDeps } = deps;
    this.images = images ?? null;
    this.pool = new InstancePool({ ...poolDeps, beforeStart: () => this.startable() }, o);
    this.code = new CodeDirectories(codeDir);
    this.opt = new OptDirectories(join(codeDir, 'opt'), this.code);
    this.sandboxUid = sandboxUid ?? null;
  }

  /**
   * Why no instance could start here, or null: a directory instances bind that the sandbox uid
   * cannot reach (functions/reach.ts). Start-up logs it; until a check finds it fixed, every cold
   * start fails with it instead of an obscure error from inside the sandbox.
   */
  async checkReach(): Promise<string | null> {
    this.unreachable = null;
    if (this.sandboxUid === null) return null;
    this.unreachable = await instancesUnreachable(this.code.root, this.sandboxUid);
    return this.unreachable;
  }

  /** Only a host found blocked checks again, at each cold start: a chmod works without a restart. */
  private async startable(): Promise<void> {
    if (this.unreachable === null) return;
    // The caller is told that it is so, not where: the paths are the operator's (logged at start).
    if ((await this.checkReach()) !== null) throw new Unavailable(ErrorCode.FunctionsUnavailable, UNREACHABLE_FOR_CALLERS, 60);
  }

  start(): void {
    this.pool.start();
  }

  /**
   * The image `name` as imported on this host now (null: not imported). Once it is another import
   * than the one instances last started in (`hangar image import --replace`, or rm and import),
   * the instances of the former are retired (pool.retire): every invocation from now on runs the
   * new import, none a warm instance of the old one (their pool key, which holds the importId,
   * would not match anyway; retired, they stop holding memory and being advertised).
   */
  async imageFor(name: string): Promise<ImportedImage | null> {
    const image = this.images ? await this.images.imported(name) : null;
    if (!image) return null;
    const had = this.imports.get(name);
    this.imports.set(name, image.importId);
    if (had !== undefined && had !== image.importId)
      await this.pool.retire((c) => c.image?.name === name && c.image.importId !== image.importId);
    return image;
  }

  /**
   * Takes one of `limit` concurrent slots of `key` (null: unlimited), or answers null when all
   * are taken. The caller releases the slot once its invocation ends.
   */
  acquire(key: string, limit: number | null): (() => void) | null {
    const n = this.inflight.get(key) ?? 0;
    if (limit !== null && n >= limit) return null;
    this.inflight.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inflight.get(key) ?? 1) - 1;
      if (left > 0) this.inflight.set(key, left);
      else this.inflight.delete(key);
    };
  }

  /** Counts an invocation of the user's function running here, under each qualifier it is
   *  measured by (core measuredQualifiers), until the returned call. */
  run(owner: string, functionName: string, qualifiers: readonly string[]): () => void {
    const keys = qualifiers.map((q) => peakKey(owner, functionName, q));
    for (const key of keys) {
      const n = (this.running.get(key) ?? 0) + 1;
      this.running.set(key, n);
      if (n > (this.peaks.get(key) ?? 0)) this.peaks.set(key, n);
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const key of keys) {
        const left = (this.running.get(key) ?? 1) - 1;
        if (left > 0) this.running.set(key, left);
        else this.running.delete(key);
      }
    };
  }

  /** The most invocations of each alias or version running here at once since the last call
   *  (those that ran since); counting starts again from those running now. */
  takePeaks(): FunctionPeak[] {
    const out: FunctionPeak[] = [];
    // Every key running has a peak (run() keeps peak ≥ running): the peaks are all there is.
    for (const [key, peak] of this.peaks) {
      const [userId, functionName, qualifier] = JSON.parse(key) as [string, string, string];
      out.push({ userId, functionName, qualifier, peak: Math.max(peak, this.running.get(key) ?? 0) });
    }
    this.peaks.clear();
    for (const [key, n] of this.running) this.peaks.set(key, n);
    return out;
  }

  /** Gives back peaks taken but not delivered (an advert not written): the next take has them. */
  restorePeaks(peaks: readonly FunctionPeak[]): void {
    for (const p of peaks) {
      const key = peakKey(p.userId, p.functionName, p.qualifier);
      if (p.peak > (this.peaks.get(key) ?? 0)) this.peaks.set(key, p.peak);
    }
  }

  /** Idle warm instances by warm key (what a worker host advertises). */
  warm(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { owner, config } of this.pool.idleVersions()) {
      const k = FunctionHost.warmKeyOf(owner, config);
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }

  /** The warm key of an instance of `config` owned by `owner`. */
  static warmKeyOf(owner: string, config: FunctionVersionConfig): string {
    return warmKey(owner, config.name, config.version, basename(config.codeDir), config.optDir ? basename(config.optDir) : null);
  }

  /** Invocations in flight, all functions. */
  get concurrent(): number {
    let n = 0;
    for (const v of this.inflight.values()) n += v;
    return n;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
