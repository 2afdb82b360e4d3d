/**
 * Step Functions' ARNs over Hangar's names: a state machine is
 * `arn:aws:states:REGION:ACCOUNT:stateMachine:NAME`, its version N `…:stateMachine:NAME:N` and
 * its alias A `…:stateMachine:NAME:A` (an alias name is never a number), a STANDARD execution
 * `…:execution:MACHINE:NAME`, an EXPRESS one `…:express:MACHINE:NAME:UUID`. An ARN of another
 * account or region names nothing the caller has: it is answered as a miss (the use cases' own
 * NotFound), never as a sign that something exists there.
 */
import { activityErrors, ErrorCode, HangarError, type MachineQualifier, qualifierOf, workflowErrors } from '../../core/index.ts';
import { AwsError } from '../errors.ts';
import { arn } from '../identity.ts';
import type { AwsCaller } from '../service.ts';
import { sfnError } from './shapes.ts';

export const stateMachineArn = (c: AwsCaller, name: string): string => arn('states', c.region, c.accountId, `stateMachine:${name}`);
export const versionArn = (c: AwsCaller, name: string, version: number): string => `${stateMachineArn(c, name)}:${version}`;
export const aliasArn = (c: AwsCaller, name: string, alias: string): string => `${stateMachineArn(c, name)}:${alias}`;
export const executionArn = (c: AwsCaller, machine: string, name: string): string =>
  arn('states', c.region, c.accountId, `execution:${machine}:${name}`);
export const expressArn = (c: AwsCaller, machine: string, name: string, id: string): string =>
  arn('states', c.region, c.accountId, `express:${machine}:${name}:${id}`);

export interface Parsed {
  /** Whether it is the caller's: their account, this Hangar's region. */
  own: boolean;
  resourceType: string;
  /** The names after the resource type. */
  names: string[];
}

export function invalidArn(value: string): AwsError {
  return new AwsError('InvalidArn', 400, `Invalid Arn: '${value.slice(0, 300)}'`);
}

/** An ARN of Step Functions' split into its parts; InvalidArn when it is not one. */
export function parseArn(c: AwsCaller, value: unknown, field: string): Parsed {
  if (typeof value !== 'string' || value === '') throw new AwsError('ValidationException', 400, `${field} is required`);
  const parts = value.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'states' || !/^\d{12}$/.test(parts[4]) || parts.slice(6).some((p) => p === ''))
    throw invalidArn(value);
  return { own: parts[3] === c.region && parts[4] === c.accountId, resourceType: parts[5], names: parts.slice(6) };
}

/** A state machine's ARN, or one of its version's or alias's: the machine's name and what the
 *  qualifier names. StateMachineDoesNotExist when it is not the caller's. */
export function qualifiedMachineOf(
  c: AwsCaller,
  value: unknown,
  field = 'stateMachineArn',
  miss: (arn: string) => Error = workflowErrors.machineNotFound,
): { machine: string; qualifier: MachineQualifier } {
  const p = parseArn(c, value, field);
  if (p.resourceType !== 'stateMachine' || p.names.length > 2) throw invalidArn(value as string);
  if (!p.own) throw miss(value as string);
  return { machine: p.names[0], qualifier: p.names.length === 1 ? { kind: 'latest' } : qualifierOf(p.names[1]) };
}

/** The state machine's name an unqualified ARN names (a version's or alias's is refused:
 *  ValidationException); StateMachineDoesNotExist when it is not the caller's. */
export function machineNameOf(c: AwsCaller, value: unknown, field = 'stateMachineArn'): string {
  const { machine, qualifier } = qualifiedMachineOf(c, value, field);
  if (qualifier.kind !== 'latest')
    throw new AwsError('ValidationException', 400, `${field} must be a state machine's unqualified ARN, not a version's or an alias's`);
  return machine;
}

/** Another account's version or alias: ResourceNotFound, as a version or alias the caller lacks. */
const resourceMiss = (arn: string) => sfnError('ResourceNotFound', `Resource not found: '${arn.slice(0, 300)}'`);

/** The machine and version a version's ARN names. */
export function versionOf(c: AwsCaller, value: unknown, field = 'stateMachineVersionArn'): { machine: string; version: number } {
  const { machine, qualifier } = qualifiedMachineOf(c, value, field, resourceMiss);
  if (qualifier.kind !== 'version') throw invalidArn(value as string);
  return { machine, version: qualifier.version };
}

/** The machine and alias an alias's ARN names. */
export function aliasOf(c: AwsCaller, value: unknown, field = 'stateMachineAliasArn'): { machine: string; alias: string } {
  const { machine, qualifier } = qualifiedMachineOf(c, value, field, resourceMiss);
  if (qualifier.kind !== 'alias') throw invalidArn(value as string);
  return { machine, alias: qualifier.alias };
}

export const activityArn = (c: AwsCaller, name: string): string => arn('states', c.region, c.accountId, `activity:${name}`);

/** The activity's name an ARN names; ActivityDoesNotExist when it is not the caller's. */
export function activityNameOf(c: AwsCaller, value: unknown, field = 'activityArn'): string {
  const p = parseArn(c, value, field);
  if (p.resourceType !== 'activity' || p.names.length !== 1) throw invalidArn(value as string);
  if (!p.own) throw activityErrors.notFound(value as string);
  return p.names[0];
}

/** The machine and execution an execution ARN names. EXPRESS executions are not kept (as on
 *  AWS, where DescribeExecution does not know them either): a miss. */
export function executionNamesOf(c: AwsCaller, value: unknown, field = 'executionArn'): { machine: string; name: string } {
  const p = parseArn(c, value, field);
  if (p.resourceType !== 'execution' && p.resourceType !== 'express') throw invalidArn(value as string);
  if (!p.own || p.resourceType === 'express' || p.names.length !== 2) throw workflowErrors.executionNotFound(value as string);
  return { machine: p.names[0], name: p.names[1] };
}

/** A version or alias that is not there, met where a machine's ARN is taken (StartExecution,
 *  DescribeStateMachine): those operations' word for it is the machine's (they have no ResourceNotFound). */
export function asMachineMiss(err: unknown): never {
  if (
    err instanceof HangarError &&
    (err.code === ErrorCode.StateMachineVersionNotFound || err.code === ErrorCode.StateMachineAliasNotFound)
  )
    throw new AwsError('StateMachineDoesNotExist', 400, err.message);
  throw err;
}
