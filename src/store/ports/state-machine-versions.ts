/**
 * The state machine versions port: a user's machines' published versions and their aliases
 * (core/state-machine-version.ts). Versions and aliases belong to their machine: deleting the
 * machine (ports/workflows.ts) deletes them. Every read is scoped by userId: another user's
 * version or alias is not found, never visible. What may be published, routed or deleted is
 * decided in the core; a backend reads what the decision needs and writes its outcome in one
 * transaction, under the machine's row, so that a publish, a delete of a version and a change of
 * an alias's routing to it never interleave.
 */
import type { MachineAliasInput, MachineAliasPatch, StateMachineAlias, StateMachineVersion } from '../../core/index.ts';

export interface StateMachineVersions {
  // Versions
  /**
   * Publishes the machine's current revision (core decidePublish): when a version of that
   * revision exists, it is answered with created false; otherwise the next number (never one
   * handed out before) with `description`. Conflict STATE_MACHINE_REVISION_MISMATCH when
   * `expectedRevisionId` is not null and not the current revision; NotFound
   * STATE_MACHINE_NOT_FOUND when the user has no such machine.
   */
  publishVersion(
    userId: string,
    machineName: string,
    expectedRevisionId: string | null,
    description: string,
    now: number,
  ): Promise<{ version: StateMachineVersion; created: boolean }>;
  getVersion(userId: string, machineName: string, version: number): Promise<StateMachineVersion | null>;
  /** Newest (highest number) first; `before` is the last number of the previous page. */
  listVersions(userId: string, machineName: string, page: { limit: number; before?: number }): Promise<StateMachineVersion[]>;
  /** False when there was none. Conflict STATE_MACHINE_VERSION_IN_USE while an alias routes to it
   *  (core routesTo). Its executions stay and run on. */
  deleteVersion(userId: string, machineName: string, version: number): Promise<boolean>;

  // Aliases
  /**
   * Created; or, when the name is taken by an identical alias (core sameAlias), that one with
   * created false. Conflict STATE_MACHINE_ALIAS_EXISTS when taken by another; NotFound
   * STATE_MACHINE_NOT_FOUND (no machine) or STATE_MACHINE_VERSION_NOT_FOUND (a route names a
   * version the machine does not have); Conflict STATE_MACHINE_ALIAS_QUOTA at 100 aliases.
   */
  createAlias(userId: string, input: MachineAliasInput, now: number): Promise<{ alias: StateMachineAlias; created: boolean }>;
  getAlias(userId: string, machineName: string, name: string): Promise<StateMachineAlias | null>;
  /** By name; `after` is the last name of the previous page; only those routing to `version` when given. */
  listAliases(userId: string, machineName: string, page: { limit: number; after?: string; version?: number }): Promise<StateMachineAlias[]>;
  /** The patch applied (update time now). NotFound STATE_MACHINE_ALIAS_NOT_FOUND, or
   *  STATE_MACHINE_VERSION_NOT_FOUND for a route to a version the machine does not have. */
  updateAlias(userId: string, machineName: string, name: string, patch: MachineAliasPatch, now: number): Promise<StateMachineAlias>;
  /** False when there was none. The versions it routed to stay. */
  deleteAlias(userId: string, machineName: string, name: string): Promise<boolean>;
}
