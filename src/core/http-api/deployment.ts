/**
 * Deployments as API Gateway makes them: a snapshot of what the gateway needs to serve the API's
 * routes when it is made — its routes (keys, targets, payload formats, auth copied from their
 * authorizers, cache TTLs: an integration or authorizer reaches the gateway only through the
 * routes made from it) and its CORS configuration, which on AWS is the API's and deployed with it.
 * What is the stage's is not in it and takes effect at once: its variables, its default throttle
 * and its route settings ($default's: the routes' throttles, which the gateway reads from the
 * live routes; a named stage's: its own).
 *
 * A stage that auto-deploys ($default unless set otherwise; one made by API Gateway's CreateStage
 * only with AutoDeploy true, as on AWS) serves the API as it is and reports the latest deployment
 * made for it; one that does not serves the deployment it names, and nothing until it names one.
 * Decided here; the store persists the answers.
 */
import { InvalidInput, ErrorCode } from '../errors.ts';
import type { CorsConfig } from './cors.ts';
import { deploymentOf } from './parts.ts';
import type { HttpApi, HttpRoute, NamedStage } from './types.ts';

/** The stage name of the stage every API has. */
export const DEFAULT_STAGE = '$default';

/** What a deployment serves: never changed once made. */
export interface HttpDeploymentSnapshot {
  cors: CorsConfig | null;
  /** By route key; each route's throttle is null (a route setting of the stage, not deployed). */
  routes: HttpRoute[];
}

export function snapshotOf(api: HttpApi, routes: readonly HttpRoute[]): HttpDeploymentSnapshot {
  return {
    cors: api.cors,
    routes: [...routes].sort((a, b) => (a.routeKey < b.routeKey ? -1 : 1)).map((r) => ({ ...r, throttle: null })),
  };
}

/** A stage's deployment state: whether it auto-deploys, and the deployment it reports or serves. */
export interface StageDeployment {
  autoDeploy: boolean;
  deploymentId: string | null;
}

/** `stage` null: $default. Named stages stored before AutoDeploy was theirs auto-deploy. */
export function stageDeploymentOf(api: HttpApi, stage: NamedStage | null): StageDeployment {
  if (stage === null) return { autoDeploy: api.autoDeploy, deploymentId: api.deploymentId };
  return { autoDeploy: stage.autoDeploy ?? true, deploymentId: stage.deploymentId ?? null };
}

/** What a request to a stage is matched against: the API as it is, one deployment, or nothing. */
export type StageServes = { kind: 'live' } | { kind: 'deployment'; deploymentId: string } | { kind: 'nothing' };

export function stageServes(state: StageDeployment): StageServes {
  if (state.autoDeploy) return { kind: 'live' };
  return state.deploymentId === null ? { kind: 'nothing' } : { kind: 'deployment', deploymentId: state.deploymentId };
}

/** What a CreateStage or UpdateStage changes of a stage's deployment; absent: as it was. */
export interface StageDeploymentChange {
  autoDeploy?: boolean;
  deploymentId?: string;
}

/**
 * A stage's deployment after a change. The deployment named must be the API's (NotFound). A
 * stage that auto-deploys serves the API as it is, so naming another deployment than the one it
 * reports is refused, as AWS refuses a DeploymentId on an auto-deploy stage.
 */
export function nextStageDeployment(api: HttpApi, before: StageDeployment, change: StageDeploymentChange): StageDeployment {
  const autoDeploy = change.autoDeploy ?? before.autoDeploy;
  if (change.deploymentId === undefined) return { autoDeploy, deploymentId: before.deploymentId };
  deploymentOf(api, change.deploymentId);
  if (autoDeploy && change.deploymentId !== before.deploymentId)
    throw new InvalidInput(
      ErrorCode.HttpApiInvalid,
      `deploymentId '${change.deploymentId}' cannot be set on a stage with autoDeploy true: it serves the API as it is now`,
    );
  return { autoDeploy, deploymentId: change.deploymentId };
}

/** A stage switched to autoDeploy false keeps serving the deployment it reports, which needs a
 *  snapshot: the deployment to make one for now (of the API as it is), if it has none. */
export function snapshotNeededAt(before: StageDeployment, after: StageDeployment, hasSnapshot: (id: string) => boolean): string | null {
  if (after.autoDeploy || after.deploymentId === null) return null;
  return before.autoDeploy && after.deploymentId === before.deploymentId && !hasSnapshot(after.deploymentId) ? after.deploymentId : null;
}

/** The stages an API's deployment is pointed at by CreateDeployment's StageName (null: none):
 *  that stage reports it and, not auto-deploying, serves it from now on. */
export function deployTo(
  api: HttpApi,
  stageName: string | null,
  deploymentId: string,
): { deploymentId: string | null; stages: NamedStage[] } {
  if (stageName === null) return { deploymentId: api.deploymentId, stages: api.stages };
  if (stageName === DEFAULT_STAGE) return { deploymentId, stages: api.stages };
  return { deploymentId: api.deploymentId, stages: api.stages.map((s) => (s.name === stageName ? { ...s, deploymentId } : s)) };
}
