/** Rows of the versions and aliases tables (migration 0034) to the model and back, shared by both
 *  backends: an alias's routing is kept and read as JSON text on both. */
import type { AliasRoute, StateMachineAlias, StateMachineType, StateMachineVersion } from '../core/index.ts';
import type { Row } from './row.ts';

export function versionFromRow(r: Row): StateMachineVersion {
  return {
    userId: String(r.user_id),
    machineName: String(r.machine_name),
    version: Number(r.version),
    type: String(r.type) as StateMachineType,
    definition: String(r.definition),
    roleArn: String(r.role_arn),
    revisionId: String(r.revision_id),
    description: String(r.description),
    createdAt: Number(r.created_at),
  };
}

export function aliasFromRow(r: Row): StateMachineAlias {
  return {
    userId: String(r.user_id),
    machineName: String(r.machine_name),
    name: String(r.name),
    description: String(r.description),
    routing: JSON.parse(String(r.routing)) as AliasRoute[],
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The routing as stored: only the two fields, in order. */
export const routingText = (routing: readonly AliasRoute[]): string =>
  JSON.stringify(routing.map((r) => ({ version: r.version, weight: r.weight })));
