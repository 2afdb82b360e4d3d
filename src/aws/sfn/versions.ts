/**
 * Step Functions' version and alias operations: publish, list and delete versions; create,
 * describe, update, list and delete aliases. A version is named by its ARN (`NAME:N`), an alias
 * by its (`NAME:ALIAS`); an alias's routingConfiguration names versions by ARN, all of one
 * machine. Each calls a use case (app/state-machine-versions.ts) as the caller's user.
 */
import {
  createStateMachineAlias,
  deleteStateMachineAlias,
  deleteStateMachineVersion,
  getStateMachineAlias,
  listStateMachineAliases,
  listStateMachineVersions,
  MAX_PAGE,
  publishStateMachineVersion,
  updateStateMachineAlias,
} from '../../app/index.ts';
import { type AliasRoute, ErrorCode, HangarError, type StateMachineAlias } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import type { AwsCaller } from '../service.ts';
import { aliasArn, aliasOf, machineNameOf, qualifiedMachineOf, versionArn, versionOf } from './arns.ts';
import type { SfnContext } from './context.ts';
import type { JsonOperation } from './operation.ts';
import { date, field, nameOf, pageSizeOf, pageToken, paged, validation } from './shapes.ts';

/** routingConfiguration: one or two {stateMachineVersionArn, weight}, every version of one
 *  machine; the machine, and the routes as the core takes them (it checks the weights). */
function routingOf(c: AwsCaller, body: Record<string, unknown>, required: boolean): { machine: string; routing: AliasRoute[] } | undefined {
  const list = body.routingConfiguration;
  if (list === undefined || list === null) {
    if (required) throw validation('routingConfiguration is required');
    return undefined;
  }
  if (!Array.isArray(list) || list.length < 1 || list.length > 2) throw validation('routingConfiguration names one or two versions');
  const routes = list.map((r: unknown) => {
    if (typeof r !== 'object' || r === null) throw validation('each routingConfiguration entry is an object');
    const entry = r as Record<string, unknown>;
    const weight = field.integer(entry, 'weight', 0, 100);
    if (weight === undefined) throw validation('each routingConfiguration entry has a weight from 0 to 100');
    return { ...versionOf(c, entry.stateMachineVersionArn), weight };
  });
  if (routes.some((r) => r.machine !== routes[0].machine))
    throw validation('the versions of an alias must be versions of one state machine');
  return { machine: routes[0].machine, routing: routes.map((r) => ({ version: r.version, weight: r.weight })) };
}

function routingView(c: AwsCaller, a: StateMachineAlias): { stateMachineVersionArn: string; weight: number }[] {
  return a.routing.map((r) => ({ stateMachineVersionArn: versionArn(c, a.machineName, r.version), weight: r.weight }));
}

export function versionOperations(ctx: SfnContext): JsonOperation[] {
  return [
    {
      name: 'PublishStateMachineVersion',
      async run(call, body) {
        const machine = machineNameOf(call.caller, body.stateMachineArn);
        const { version } = await publishStateMachineVersion(ctx, userOf(call.caller), machine, {
          revisionId: field.string(body, 'revisionId', 256),
          description: field.string(body, 'description', 256),
        });
        return { creationDate: date(version.createdAt), stateMachineVersionArn: versionArn(call.caller, machine, version.version) };
      },
    },
    {
      name: 'ListStateMachineVersions',
      async run(call, body) {
        const op = 'ListStateMachineVersions';
        const machine = machineNameOf(call.caller, body.stateMachineArn);
        const before = pageToken.read<number>(op, field.string(body, 'nextToken'), 'number');
        const page = await paged(
          pageSizeOf(body),
          (limit) => listStateMachineVersions(ctx, userOf(call.caller), machine, { limit, before }),
          (v) => v.version,
          op,
          MAX_PAGE,
        );
        return {
          stateMachineVersions: page.items.map((v) => ({
            stateMachineVersionArn: versionArn(call.caller, machine, v.version),
            creationDate: date(v.createdAt),
          })),
          ...(page.nextToken ? { nextToken: page.nextToken } : {}),
        };
      },
    },
    {
      name: 'DeleteStateMachineVersion',
      async run(call, body) {
        const { machine, version } = versionOf(call.caller, body.stateMachineVersionArn);
        // As AWS: deleting one that is not there (any more) succeeds; one an alias routes to is refused.
        await deleteStateMachineVersion(ctx, userOf(call.caller), machine, version).catch((err: unknown) => {
          if (!(err instanceof HangarError && err.code === ErrorCode.StateMachineVersionNotFound)) throw err;
        });
        return {};
      },
    },
    {
      name: 'CreateStateMachineAlias',
      async run(call, body) {
        const name = nameOf(field.required(body, 'name', 80), 'alias') as string;
        const { machine, routing } = routingOf(call.caller, body, true)!;
        const { alias } = await createStateMachineAlias(ctx, userOf(call.caller), machine, {
          name,
          description: field.string(body, 'description', 256),
          routing,
        });
        return { stateMachineAliasArn: aliasArn(call.caller, machine, alias.name), creationDate: date(alias.createdAt) };
      },
    },
    {
      name: 'DescribeStateMachineAlias',
      async run(call, body) {
        const { machine, alias } = aliasOf(call.caller, body.stateMachineAliasArn);
        const a = await getStateMachineAlias(ctx, userOf(call.caller), machine, alias);
        return {
          stateMachineAliasArn: aliasArn(call.caller, machine, a.name),
          name: a.name,
          ...(a.description ? { description: a.description } : {}),
          routingConfiguration: routingView(call.caller, a),
          creationDate: date(a.createdAt),
          updateDate: date(a.updatedAt),
        };
      },
    },
    {
      name: 'UpdateStateMachineAlias',
      async run(call, body) {
        const { machine, alias } = aliasOf(call.caller, body.stateMachineAliasArn);
        const description = field.string(body, 'description', 256);
        const routed = routingOf(call.caller, body, false);
        if (description === undefined && routed === undefined)
          throw validation('Either the description or the routingConfiguration must be specified');
        if (routed && routed.machine !== machine) throw validation("the alias's versions must be versions of its own state machine");
        const a = await updateStateMachineAlias(ctx, userOf(call.caller), machine, alias, { description, routing: routed?.routing });
        return { updateDate: date(a.updatedAt) };
      },
    },
    {
      name: 'ListStateMachineAliases',
      async run(call, body) {
        const op = 'ListStateMachineAliases';
        // A machine's ARN lists its aliases; a version's, those that route to it.
        const { machine, qualifier } = qualifiedMachineOf(call.caller, body.stateMachineArn);
        if (qualifier.kind === 'alias') throw validation('stateMachineArn must be a state machine or version ARN');
        const version = qualifier.kind === 'version' ? qualifier.version : undefined;
        const after = pageToken.read<string>(op, field.string(body, 'nextToken'), 'string');
        const page = await paged(
          pageSizeOf(body),
          (limit) => listStateMachineAliases(ctx, userOf(call.caller), machine, { limit, after, version }),
          (a) => a.name,
          op,
          MAX_PAGE,
        );
        return {
          stateMachineAliases: page.items.map((a) => ({
            stateMachineAliasArn: aliasArn(call.caller, machine, a.name),
            creationDate: date(a.createdAt),
          })),
          ...(page.nextToken ? { nextToken: page.nextToken } : {}),
        };
      },
    },
    {
      name: 'DeleteStateMachineAlias',
      async run(call, body) {
        const { machine, alias } = aliasOf(call.caller, body.stateMachineAliasArn);
        await deleteStateMachineAlias(ctx, userOf(call.caller), machine, alias);
        return {};
      },
    },
  ];
}
