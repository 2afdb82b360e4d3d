/**
 * State machine versions and aliases (Step Functions since 2023). A version is an immutable
 * snapshot of one revision of a machine (definition, role, type), numbered 1, 2, 3… per machine,
 * a number never handed out twice, not even once its version is deleted. An alias names one or
 * two versions of its machine with weights summing to 100; each execution started through it runs
 * one of them, picked by weight. What a name or a routing may be, which version a start picks and
 * whether a version may go are decided here; the store keeps them
 * (store/ports/state-machine-versions.ts) and app/state-machine-versions.ts runs them.
 */
import { Conflict, ErrorCode, InvalidInput, NotFound } from './errors.ts';
import type { StateMachine, StateMachineType } from './workflow.ts';

/** AWS's quotas: versions per machine (PublishStateMachineVersion) and aliases per machine. */
export const MAX_VERSIONS_PER_MACHINE = 1000;
export const MAX_ALIASES_PER_MACHINE = 100;

/** A published version: the machine's revision as it was when published. */
export interface StateMachineVersion {
  userId: string;
  machineName: string;
  /** 1, 2, 3… within the machine. */
  version: number;
  type: StateMachineType;
  definition: string;
  roleArn: string;
  /** The revision it snapshots: publishing that revision again answers this version. */
  revisionId: string;
  /** The version's own description (PublishStateMachineVersion's, or versionDescription). */
  description: string;
  createdAt: number;
}

/** One version an alias routes to, and the percentage of starts it takes. */
export interface AliasRoute {
  version: number;
  weight: number;
}

export interface StateMachineAlias {
  userId: string;
  machineName: string;
  name: string;
  description: string;
  /** One or two routes, weights summing to 100. */
  routing: AliasRoute[];
  createdAt: number;
  updatedAt: number;
}

export interface MachineAliasInput {
  machineName: string;
  name: string;
  description: string;
  routing: AliasRoute[];
}

export type MachineAliasPatch = Partial<Pick<MachineAliasInput, 'description' | 'routing'>>;

/** What a start runs: the machine's current revision (no qualifier), a version, or an alias. */
export type MachineQualifier = { kind: 'latest' } | { kind: 'version'; version: number } | { kind: 'alias'; alias: string };

// An alias name: 1 to 80 letters, digits, '-', '_' and '.', not all digits (a number names a
// version in an ARN, so `NAME:3` is never an alias).
const ALIAS_NAME = /^[a-zA-Z0-9_.-]{1,80}$/;

export function checkMachineAliasName(name: unknown): string {
  if (typeof name !== 'string' || !ALIAS_NAME.test(name) || /^\d+$/.test(name))
    throw new InvalidInput(
      ErrorCode.WorkflowInvalid,
      "an alias name is 1 to 80 letters, digits, '-', '_' or '.', and not a number (a number names a version)",
    );
  return name;
}

/** A version number as a qualifier or a path gives it: a whole number from 1. */
export function parseVersionNumber(text: string): number | null {
  if (!/^[1-9]\d{0,9}$/.test(text)) return null;
  return Number(text);
}

/** What `NAME:QUALIFIER` names: a version when the qualifier is a number, an alias otherwise. */
export function qualifierOf(text: string): MachineQualifier {
  const version = parseVersionNumber(text);
  return version === null ? { kind: 'alias', alias: text } : { kind: 'version', version };
}

/** A routing as AWS takes it: one or two distinct versions, whole weights 0–100 summing to 100. */
export function checkRouting(routing: unknown): AliasRoute[] {
  const bad = (why: string) => new InvalidInput(ErrorCode.WorkflowInvalid, `routingConfiguration ${why}`);
  if (!Array.isArray(routing) || routing.length < 1 || routing.length > 2) throw bad('names one or two versions');
  const out: AliasRoute[] = [];
  for (const r of routing as unknown[]) {
    const { version, weight } = (r ?? {}) as { version?: unknown; weight?: unknown };
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw bad('names versions by number (from 1)');
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100)
      throw bad('weights are whole numbers from 0 to 100');
    out.push({ version, weight });
  }
  if (out.length === 2 && out[0].version === out[1].version) throw bad('names two different versions');
  if (out.reduce((s, r) => s + r.weight, 0) !== 100) throw bad('weights must sum to 100');
  return out;
}

/**
 * The version a start through the alias runs: `random` in [0, 1) falls into one route's share of
 * 100 (Math.random in production; a seeded generator in tests). A route of weight 0 is never picked.
 */
export function pickVersion(routing: readonly AliasRoute[], random: () => number): number {
  const point = random() * 100;
  let upTo = 0;
  for (const r of routing) {
    upTo += r.weight;
    if (point < upTo) return r.version;
  }
  // Only reached with random() at 1 or rounding at the very top: the last route with a share.
  return [...routing].reverse().find((r) => r.weight > 0)?.version ?? routing[0].version;
}

/** Whether the alias sends any start to the version (DeleteStateMachineVersion refuses then). */
export function routesTo(alias: Pick<StateMachineAlias, 'routing'>, version: number): boolean {
  return alias.routing.some((r) => r.version === version);
}

/** A routing may only name versions the machine has (`have`: the numbers of those its routes name
 *  that exist). */
export function checkRoutesExist(machineName: string, routing: readonly AliasRoute[], have: readonly number[]): void {
  const missing = routing.find((r) => !have.includes(r.version));
  if (missing) throw versionErrors.versionNotFound(machineName, missing.version);
}

/** A version may be deleted only while no alias routes to it. */
export function checkVersionUnrouted(machineName: string, version: number, aliases: readonly StateMachineAlias[]): void {
  const routing = aliases.filter((a) => routesTo(a, version)).map((a) => a.name);
  if (routing.length > 0) throw versionErrors.versionInUse(machineName, version, routing);
}

/** Whether two creates of one alias are the same request (CreateStateMachineAlias is idempotent then). */
export function sameAlias(
  a: Pick<MachineAliasInput, 'description' | 'routing'>,
  b: Pick<MachineAliasInput, 'description' | 'routing'>,
): boolean {
  return (
    a.description === b.description &&
    a.routing.length === b.routing.length &&
    a.routing.every((r, i) => r.version === b.routing[i].version && r.weight === b.routing[i].weight)
  );
}

/**
 * Whether the machine's current revision may be published: the revision the caller last saw
 * (null: any) must still be the current one. The existing version of that revision, when there
 * is one, is the answer (publishing is idempotent); otherwise a new one, under the quota.
 */
export function decidePublish(
  machine: Pick<StateMachine, 'name' | 'revisionId'>,
  expectedRevisionId: string | null,
  existing: StateMachineVersion | null,
  count: number,
): { kind: 'existing'; version: StateMachineVersion } | { kind: 'new' } {
  if (expectedRevisionId !== null && expectedRevisionId !== machine.revisionId) throw versionErrors.revisionMismatch(machine.name);
  if (existing) return { kind: 'existing', version: existing };
  if (count >= MAX_VERSIONS_PER_MACHINE) throw versionErrors.tooManyVersions(machine.name);
  return { kind: 'new' };
}

/**
 * What a create of an alias does: answers the alias of that name when it is the same (idempotent),
 * is refused when it is another; otherwise a new one, whose routes must name versions the machine
 * has (`have`), under the quota (`count`: the machine's aliases).
 */
export function decideCreateAlias(
  input: MachineAliasInput,
  taken: StateMachineAlias | null,
  have: readonly number[],
  count: number,
): { kind: 'existing'; alias: StateMachineAlias } | { kind: 'new' } {
  if (taken) {
    if (!sameAlias(taken, input)) throw versionErrors.aliasExists(input.machineName, input.name);
    return { kind: 'existing', alias: taken };
  }
  checkRoutesExist(input.machineName, input.routing, have);
  if (count >= MAX_ALIASES_PER_MACHINE) throw versionErrors.tooManyAliases(input.machineName);
  return { kind: 'new' };
}

/** The machine as a version of it runs: the version's definition, role and revision. */
export function machineAtVersion(machine: StateMachine, v: StateMachineVersion): StateMachine {
  return { ...machine, type: v.type, definition: v.definition, roleArn: v.roleArn, revisionId: v.revisionId };
}

export const versionErrors = {
  versionNotFound: (machine: string, version: number) =>
    new NotFound(ErrorCode.StateMachineVersionNotFound, `State machine version does not exist: ${machine}:${version}`),
  aliasNotFound: (machine: string, alias: string) =>
    new NotFound(ErrorCode.StateMachineAliasNotFound, `State machine alias does not exist: ${machine}:${alias}`),
  aliasExists: (machine: string, alias: string) =>
    new Conflict(
      ErrorCode.StateMachineAliasExists,
      `State machine alias already exists with another description or routing: ${machine}:${alias}`,
    ),
  revisionMismatch: (machine: string) =>
    new Conflict(ErrorCode.StateMachineRevisionMismatch, `The state machine's current revision is not the one given: ${machine}`),
  versionInUse: (machine: string, version: number, aliases: string[]) =>
    new Conflict(
      ErrorCode.StateMachineVersionInUse,
      `Version ${machine}:${version} is routed to by the alias(es) ${aliases.join(', ')}: update or delete them first`,
    ),
  tooManyVersions: (machine: string) =>
    new Conflict(
      ErrorCode.StateMachineVersionQuota,
      `State machine ${machine} has ${MAX_VERSIONS_PER_MACHINE} versions: delete some first`,
    ),
  tooManyAliases: (machine: string) =>
    new Conflict(ErrorCode.StateMachineAliasQuota, `State machine ${machine} has ${MAX_ALIASES_PER_MACHINE} aliases: delete some first`),
};
