/**
 * State machine versions and aliases (Step Functions since 2023): the use cases every surface
 * calls. A version snapshots the machine's current revision; an alias routes starts to one or two
 * versions by weight (app/state-machine-target.ts picks). What may be published, routed or deleted
 * is the core's (core/state-machine-version.ts); every miss is the same NotFound whether the
 * thing is another user's or no one's.
 */
import {
  checkMachineAliasName,
  checkRouting,
  ErrorCode,
  InvalidInput,
  type MachineAliasPatch,
  type StateMachineAlias,
  type StateMachineVersion,
  versionErrors,
} from '../core/index.ts';
import { checkDescription, getStateMachine, pageLimit, type WorkflowsApp } from './workflows.ts';

export interface PublishInput {
  /** Publish only while this is the machine's current revision (Conflict otherwise). */
  revisionId?: string;
  description?: string;
}

export async function publishStateMachineVersion(
  app: WorkflowsApp,
  userId: string,
  machineName: string,
  input: PublishInput,
): Promise<{ version: StateMachineVersion; created: boolean }> {
  if (input.revisionId !== undefined && (typeof input.revisionId !== 'string' || input.revisionId.length > 256))
    throw new InvalidInput(ErrorCode.WorkflowInvalid, 'revisionId is a string of at most 256 characters');
  const description = checkDescription(input.description);
  return app.stateMachineVersions.publishVersion(userId, machineName, input.revisionId ?? null, description, app.clock.now());
}

export async function getStateMachineVersion(
  app: WorkflowsApp,
  userId: string,
  machineName: string,
  version: number,
): Promise<StateMachineVersion> {
  const v = await app.stateMachineVersions.getVersion(userId, machineName, version);
  if (!v) throw versionErrors.versionNotFound(machineName, version);
  return v;
}

/** Newest first; `before` is the last number of the previous page. */
export async function listStateMachineVersions(
  app: WorkflowsApp,
  userId: string,
  machineName: string,
  page: { limit?: number; before?: number },
): Promise<StateMachineVersion[]> {
  await getStateMachine(app, userId, machineName);
  return app.stateMachineVersions.listVersions(userId, machineName, { limit: pageLimit(page.limit), before: page.before });
}

/** NotFound when there is none; Conflict while an alias routes to it. */
export async function deleteStateMachineVersion(app: WorkflowsApp, userId: string, machineName: string, version: number): Promise<void> {
  if (!(await app.stateMachineVersions.deleteVersion(userId, machineName, version)))
    throw versionErrors.versionNotFound(machineName, version);
}

export interface CreateAliasInput {
  name: string;
  description?: string;
  /** One or two versions of the machine, weights summing to 100. */
  routing: unknown;
}

export async function createStateMachineAlias(
  app: WorkflowsApp,
  userId: string,
  machineName: string,
  input: CreateAliasInput,
): Promise<{ alias: StateMachineAlias; created: boolean }> {
  const checked = {
    machineName,
    name: checkMachineAliasName(input.name),
    description: checkDescription(input.description),
    routing: checkRouting(input.routing),
  };
  return app.stateMachineVersions.createAlias(userId, checked, app.clock.now());
}

export async function getStateMachineAlias(
  app: WorkflowsApp,
  userId: string,
  machineName: string,
  name: string,
): Promise<StateMachineAlias> {
  const alias = await app.stateMachineVersions.getAlias(userId, machineName, name);
  if (!alias) throw versionErrors.aliasNotFound(machineName, name);
  return alias;
}

/** By name; only those routing to `version` when given (ListStateMachineAliases of a version ARN). */
export async function listStateMachineAliases(
  app: WorkflowsApp,
  userId: string,
  machineName: string,
  page: { limit?: number; after?: string; version?: number },
): Promise<StateMachineAlias[]> {
  await getStateMachine(app, userId, machineName);
  if (page.version !== undefined) await getStateMachineVersion(app, userId, machineName, page.version);
  return app.stateMachineVersions.listAliases(userId, machineName, { ...page, limit: pageLimit(page.limit) });
}

export async function updateStateMachineAlias(
  app: WorkflowsApp,
  userId: string,
  machineName: string,
  name: string,
  patch: { description?: string; routing?: unknown },
): Promise<StateMachineAlias> {
  const checked: MachineAliasPatch = {};
  if (patch.description !== undefined) checked.description = checkDescription(patch.description);
  if (patch.routing !== undefined) checked.routing = checkRouting(patch.routing);
  return app.stateMachineVersions.updateAlias(userId, machineName, name, checked, app.clock.now());
}

export async function deleteStateMachineAlias(app: WorkflowsApp, userId: string, machineName: string, name: string): Promise<void> {
  if (!(await app.stateMachineVersions.deleteAlias(userId, machineName, name))) throw versionErrors.aliasNotFound(machineName, name);
}
