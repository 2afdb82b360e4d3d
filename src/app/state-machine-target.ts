/**
 * What a start runs (StartExecution, StartSyncExecution, the native start): the machine's current
 * revision, one of its versions, or the version an alias picks by weight (core pickVersion, with
 * the app's random: Math.random unless a test injects a seeded one). The machine it answers
 * carries the definition, role and revision the execution runs; the origin says through what it
 * started, which the execution keeps.
 */
import { type MachineQualifier, machineAtVersion, pickVersion, type StateMachine, versionErrors, workflowErrors } from '../core/index.ts';
import type { StateMachineVersions, Workflows } from '../store/index.ts';
import type { StartOrigin } from './workflow-types.ts';

export interface MachineTargetApp {
  workflows: Workflows;
  stateMachineVersions: StateMachineVersions;
  /** Where an alias's weighted pick draws from; Math.random when absent. */
  routingRandom?: () => number;
}

export async function machineForStart(
  app: MachineTargetApp,
  userId: string,
  machineName: string,
  qualifier: MachineQualifier = { kind: 'latest' },
): Promise<{ machine: StateMachine; origin: StartOrigin }> {
  const machine = await app.workflows.getStateMachine(userId, machineName);
  if (!machine) throw workflowErrors.machineNotFound(machineName);
  switch (qualifier.kind) {
    case 'latest':
      return { machine, origin: {} };
    case 'version': {
      const v = await app.stateMachineVersions.getVersion(userId, machineName, qualifier.version);
      if (!v) throw versionErrors.versionNotFound(machineName, qualifier.version);
      return { machine: machineAtVersion(machine, v), origin: { version: v.version } };
    }
    case 'alias': {
      const alias = await app.stateMachineVersions.getAlias(userId, machineName, qualifier.alias);
      if (!alias) throw versionErrors.aliasNotFound(machineName, qualifier.alias);
      const n = pickVersion(alias.routing, app.routingRandom ?? Math.random);
      // A routed version cannot be deleted (the store refuses it), so this finds it.
      const v = await app.stateMachineVersions.getVersion(userId, machineName, n);
      if (!v) throw versionErrors.versionNotFound(machineName, n);
      return { machine: machineAtVersion(machine, v), origin: { version: v.version, alias: alias.name } };
    }
    default: {
      const never: never = qualifier;
      throw new Error(`unknown qualifier ${JSON.stringify(never)}`);
    }
  }
}

/** That the machine, and the version or alias named, are the user's (NotFound otherwise), without
 *  picking from the alias: what a list of their executions needs. */
export async function checkQualified(
  app: MachineTargetApp,
  userId: string,
  machineName: string,
  qualifier: MachineQualifier = { kind: 'latest' },
): Promise<void> {
  if (!(await app.workflows.getStateMachine(userId, machineName))) throw workflowErrors.machineNotFound(machineName);
  if (qualifier.kind === 'version' && !(await app.stateMachineVersions.getVersion(userId, machineName, qualifier.version)))
    throw versionErrors.versionNotFound(machineName, qualifier.version);
  if (qualifier.kind === 'alias' && !(await app.stateMachineVersions.getAlias(userId, machineName, qualifier.alias)))
    throw versionErrors.aliasNotFound(machineName, qualifier.alias);
}
