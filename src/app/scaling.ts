/**
 * Application Auto Scaling of functions' provisioned concurrency: registering a function's alias
 * or version as a scalable target (kept between a minimum and a maximum count), its target
 * tracking policies, and the control loop that applies them through the provisioned concurrency
 * use case (app/provisioned.ts), as AWS's service drives PutProvisionedConcurrencyConfig.
 *
 * The measure: the most invocations of the target's alias or version running at once since the
 * last round (runOnHost counts them under the alias invoked and the version run, synchronous and
 * Event alike: core measuredQualifiers), over the count provisioned, at most 1 — AWS's
 * LambdaProvisionedConcurrencyUtilization counts only the executions its provisioned instances
 * serve. Where it comes from depends on the shape (ScalerDeps.takePeaks): embedded, the
 * process's own function host; scale-out, the worker hosts' adverts (app/dispatch.ts), summed
 * across hosts by the store — each host's most, which may not have been at the same moment, so
 * the sum may overstate a spread load by a little, never understate it. The loop runs on one node
 * at a time, under a leader lease: embedded, the process serving the API and running functions;
 * scale-out, any node (an API node with no host as well as a worker host).
 */
import { randomUUID } from 'node:crypto';
import {
  checkCapacities,
  checkProvisionedQualifier,
  checkProvisionedVersion,
  checkScalingScope,
  checkTags,
  checkTargetTracking,
  type Clock,
  combinedDecision,
  ErrorCode,
  InvalidInput,
  parseScalingResourceId,
  type ScalableTarget,
  type FunctionPeak,
  peakKey,
  type ScalingActivity,
  type ScalingPolicy,
  SCALING_TAG_RULES,
  scalableTargetNotFound,
  scalableTargetTagKey,
  type TagMap,
  scalingPolicyNotFound,
  targetTrackingDecision,
} from '../core/index.ts';
import type { ScalableTargets } from '../store/index.ts';
import { getFunction } from './functions.ts';
import { deleteProvisionedConfig, putProvisionedConfig, type ProvisionedApp } from './provisioned.ts';
import { type Taggable, type TagsApp, tagResource } from './tags.ts';

export interface ScalingApp extends ProvisionedApp, TagsApp {
  scalableTargets: ScalableTargets;
}

/** The user's scalable target of that resource id, as a tagged resource (app/tags.ts). */
export const taggableScalableTarget = (app: ScalingApp, userId: string, resourceId: string): Taggable => ({
  key: scalableTargetTagKey(resourceId),
  rules: SCALING_TAG_RULES,
  mustExist: async () => {
    if (!(await app.scalableTargets.getTarget(userId, resourceId))) throw scalableTargetNotFound(resourceId);
  },
});

export interface TargetRequest {
  serviceNamespace: unknown;
  scalableDimension: unknown;
  resourceId: unknown;
  minCapacity?: number;
  maxCapacity?: number;
  /** Set on the target (added to those it has). */
  tags?: TagMap;
}

/**
 * Registers the target, or changes the capacities of a registered one (the ones not given are
 * kept; a new one needs both). As AWS does, the count provisioned now is brought into
 * [min, max] at once: a configuration is put when there is none and the minimum is above 0.
 */
export async function registerScalableTarget(app: ScalingApp, userId: string, r: TargetRequest): Promise<ScalableTarget> {
  checkScalingScope(r.serviceNamespace, r.scalableDimension);
  const { functionName, qualifier } = parseScalingResourceId(r.resourceId);
  const resourceId = r.resourceId as string;
  if (r.tags) checkTags(r.tags, SCALING_TAG_RULES);
  // What provisioned concurrency may be put on: a published version or an alias of one.
  checkProvisionedVersion((await getFunction(app, userId, functionName, checkProvisionedQualifier(qualifier))).version);
  const old = await app.scalableTargets.getTarget(userId, resourceId);
  const min = r.minCapacity ?? old?.minCapacity;
  const max = r.maxCapacity ?? old?.maxCapacity;
  if (min === undefined || max === undefined)
    throw new InvalidInput(ErrorCode.ValidationFailed, 'MinCapacity and MaxCapacity are required to register a new scalable target');
  checkCapacities(min, max);
  const current = (await app.provisioned.getProvisioned(userId, functionName, qualifier))?.requested ?? 0;
  const clamped = Math.min(max, Math.max(min, current));
  if (clamped !== current) await setCount(app, userId, functionName, qualifier, clamped);
  const t = await app.scalableTargets.putTarget({ userId, resourceId, minCapacity: min, maxCapacity: max });
  if (r.tags && Object.keys(r.tags).length) await tagResource(app, userId, taggableScalableTarget(app, userId, resourceId), r.tags);
  return t;
}

async function setCount(app: ScalingApp, userId: string, functionName: string, qualifier: string, n: number): Promise<void> {
  if (n > 0) await putProvisionedConfig(app, userId, functionName, qualifier, n);
  else await deleteProvisionedConfig(app, userId, functionName, qualifier);
}

/** The user's targets, those of `resourceIds` only when given. */
export async function describeScalableTargets(
  app: ScalingApp,
  userId: string,
  resourceIds: readonly string[] | undefined,
): Promise<ScalableTarget[]> {
  const all = await app.scalableTargets.listTargets(userId);
  return resourceIds?.length ? all.filter((t) => resourceIds.includes(t.resourceId)) : all;
}

/** The user's scaling activities, the latest first (of one target when given). */
export function describeScalingActivities(app: ScalingApp, userId: string, resourceId: string | undefined): Promise<ScalingActivity[]> {
  return app.scalableTargets.listActivities(userId, resourceId);
}

/** Deregisters the target and its policies; the count provisioned stays as it is. */
export async function deregisterScalableTarget(app: ScalingApp, userId: string, r: Omit<TargetRequest, 'minCapacity' | 'maxCapacity'>) {
  checkScalingScope(r.serviceNamespace, r.scalableDimension);
  parseScalingResourceId(r.resourceId);
  if (!(await app.scalableTargets.deleteTarget(userId, r.resourceId as string))) throw scalableTargetNotFound(r.resourceId as string);
}

export type PolicyRequest = Omit<ScalingPolicy, 'userId' | 'createdAt' | 'resourceId'> & {
  serviceNamespace: unknown;
  scalableDimension: unknown;
  resourceId: unknown;
};

/** Creates or replaces a target tracking policy of a registered target. */
export async function putScalingPolicy(app: ScalingApp, userId: string, r: PolicyRequest): Promise<ScalingPolicy> {
  checkScalingScope(r.serviceNamespace, r.scalableDimension);
  parseScalingResourceId(r.resourceId);
  checkTargetTracking(r);
  const { serviceNamespace: _n, scalableDimension: _d, ...p } = r;
  return app.scalableTargets.putPolicy({ ...p, resourceId: r.resourceId as string, userId });
}

export async function describeScalingPolicies(
  app: ScalingApp,
  userId: string,
  f: { resourceId?: string; names?: readonly string[] },
): Promise<ScalingPolicy[]> {
  const all = await app.scalableTargets.listPolicies(userId, f.resourceId);
  return f.names?.length ? all.filter((p) => f.names?.includes(p.name)) : all;
}

export async function deleteScalingPolicy(
  app: ScalingApp,
  userId: string,
  r: { serviceNamespace: unknown; scalableDimension: unknown; resourceId: unknown; name: string },
): Promise<void> {
  checkScalingScope(r.serviceNamespace, r.scalableDimension);
  parseScalingResourceId(r.resourceId);
  if (!(await app.scalableTargets.deletePolicy(userId, r.resourceId as string, r.name)))
    throw scalingPolicyNotFound(r.name, r.resourceId as string);
}

export interface ScalerDeps {
  app: ScalingApp;
  clock: Clock;
  /** The most invocations of each function's alias or version in flight at once since the last
   *  call (those missing: none), taken once a round by the node that holds the lease. */
  takePeaks(): Promise<FunctionPeak[]>;
  /** Takes or renews the leader lease (true: this process scales); releases it at close. */
  lease: { acquire(): Promise<boolean>; release(): Promise<void> };
  intervalMs: number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** Applies every target's policies every intervalMs, while it holds the leader lease. */
export class ProvisionedScaler {
  private readonly deps: ScalerDeps;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(deps: ScalerDeps) {
    this.deps = deps;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.round()
        .catch((err: unknown) => this.deps.log.warn({ err }, 'provisioned scaling: a round failed'))
        .finally(() => {
          this.running = null;
        });
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.deps.lease.release().catch(() => {});
  }

  /** One round: each target with policies gets the count they ask for. */
  async round(): Promise<void> {
    const { app, clock, log } = this.deps;
    if (!(await this.deps.lease.acquire())) return;
    const [targets, policies, taken] = await Promise.all([
      app.scalableTargets.listAllTargets(),
      app.scalableTargets.listAllPolicies(),
      // Taken every round, targets or not: what is taken is cleared, so nothing piles up.
      this.deps.takePeaks(),
    ]);
    const peaks = new Map(taken.map((p) => [peakKey(p.userId, p.functionName, p.qualifier), p.peak]));
    for (const t of targets) {
      const mine = policies.filter((p) => p.userId === t.userId && p.resourceId === t.resourceId);
      if (!mine.length) continue;
      const { functionName, qualifier } = parseScalingResourceId(t.resourceId);
      const peak = peaks.get(peakKey(t.userId, functionName, qualifier)) ?? 0;
      const config = await app.provisioned.getProvisioned(t.userId, functionName, qualifier);
      // Nothing provisioned: there is no utilization to track (AWS's metric is absent too).
      if (!config) continue;
      const current = config.requested;
      const utilization = Math.min(1, peak / current);
      const now = clock.now();
      const n = combinedDecision(
        mine.map((policy) => targetTrackingDecision({ ...t, current, utilization, policy, now })),
        current,
      );
      if (n === null) continue;
      const activity = {
        userId: t.userId,
        resourceId: t.resourceId,
        activityId: randomUUID(),
        startedAt: now,
        description: `Setting desired concurrency to ${n}.`,
        cause: `target tracking (${mine.map((p) => p.name).join(', ')}): utilization ${utilization.toFixed(2)} of ${current} provisioned`,
      };
      try {
        await setCount(app, t.userId, functionName, qualifier, n);
        await app.scalableTargets.markScaled(t.userId, t.resourceId, now);
        await app.scalableTargets.recordActivity({
          ...activity,
          endedAt: clock.now(),
          statusCode: 'Successful',
          statusMessage: `Successfully set desired concurrency to ${n}.`,
        });
        log.info({ resourceId: t.resourceId, from: current, to: n, utilization }, 'provisioned scaling');
      } catch (err) {
        log.warn({ err, resourceId: t.resourceId, to: n }, 'provisioned scaling: the count could not be set');
        await app.scalableTargets
          .recordActivity({ ...activity, endedAt: clock.now(), statusCode: 'Failed', statusMessage: (err as Error).message.slice(0, 1000) })
          .catch(() => {});
      }
    }
  }
}
