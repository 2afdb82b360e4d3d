/**
 * Step Functions' ARNs over Hangar's names: a state machine is
 * `arn:aws:states:REGION:ACCOUNT:stateMachine:NAME`, a STANDARD execution
 * `…:execution:MACHINE:NAME`, an EXPRESS one `…:express:MACHINE:NAME:UUID`. An ARN of another
 * account or region names nothing the caller has: it is answered as a miss (the use cases' own
 * NotFound), never as a sign that something exists there.
 */
import { activityErrors, workflowErrors } from '../../core/index.ts';
import { AwsError } from '../errors.ts';
import { arn } from '../identity.ts';
import type { AwsCaller } from '../service.ts';

export const stateMachineArn = (c: AwsCaller, name: string): string => arn('states', c.region, c.accountId, `stateMachine:${name}`);
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

/** The state machine's name an ARN names; StateMachineDoesNotExist when it is not the caller's. */
export function machineNameOf(c: AwsCaller, value: unknown, field = 'stateMachineArn'): string {
  const p = parseArn(c, value, field);
  if (p.resourceType !== 'stateMachine') throw invalidArn(value as string);
  // A version's or alias's ARN (NAME:1, NAME:prod): Hangar keeps no versions.
  if (!p.own || p.names.length !== 1) throw workflowErrors.machineNotFound(value as string);
  return p.names[0];
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
