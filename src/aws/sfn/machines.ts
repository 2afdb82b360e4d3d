/**
 * Step Functions' state machine operations: create, describe, list, update, delete, validate.
 * Logging, tracing and encryption settings are taken at their off values only (settings.ts).
 * Each reads the API reference's request shape, calls a use case (app/workflows.ts) as the
 * caller's user and writes the response shape. Create and update may publish the revision they
 * leave as a version (`publish`); a version's own operations and aliases are versions.ts's.
 */
import {
  createTaggedStateMachine,
  DEFAULT_ROLE_ARN,
  deleteStateMachine,
  getStateMachine,
  getStateMachineVersion,
  listStateMachines,
  MAX_PAGE,
  updateStateMachine,
  validateStateMachineDefinition,
} from '../../app/index.ts';
import { ErrorCode, HangarError, type StateMachine, type StateMachineType, type StateMachineVersion } from '../../core/index.ts';
import { AwsError } from '../errors.ts';
import { userOf } from '../lambda/context.ts';
import type { AwsCaller } from '../service.ts';
import { asMachineMiss, machineNameOf, qualifiedMachineOf, stateMachineArn, versionArn } from './arns.ts';
import type { SfnContext } from './context.ts';
import type { JsonOperation } from './operation.ts';
import { aboutResource, tagListOf } from './tags.ts';
import { date, field, nameOf, pageSizeOf, pageToken, paged, validation } from './shapes.ts';
import { AWS_OWNED_KEY, checkMachineSettings, LOGGING_OFF, TRACING_OFF } from './settings.ts';

/** `type`: STANDARD or EXPRESS (absent: STANDARD). */
export function typeOf(body: Record<string, unknown>): StateMachineType | undefined {
  const type = field.string(body, 'type');
  if (type !== undefined && type !== 'STANDARD' && type !== 'EXPRESS')
    throw validation(`type must be STANDARD or EXPRESS, not '${type.slice(0, 40)}'`);
  return type;
}

/** roleArn: an IAM role's ARN, refused with InvalidArn otherwise. Hangar has no IAM: it is kept and shown, not assumed. */
export function roleOf(body: Record<string, unknown>): string | undefined {
  const role = field.string(body, 'roleArn', 256);
  if (role !== undefined && !/^arn:[^:\s]+:iam::\d{12}:role\/\S{1,512}$/.test(role))
    throw new AwsError('InvalidArn', 400, `Invalid Arn: '${role}'`);
  return role;
}

/** `publish` and `versionDescription` (only with publish: ValidationException otherwise). */
function publishOf(body: Record<string, unknown>): { publish?: boolean; versionDescription?: string } {
  const publish = field.boolean(body, 'publish');
  const versionDescription = field.string(body, 'versionDescription', 256);
  if (versionDescription !== undefined && !publish) throw validation('versionDescription can only be set when publish is true');
  return { publish, versionDescription };
}

const versionField = (c: AwsCaller, v: StateMachineVersion | null) =>
  v === null ? {} : { stateMachineVersionArn: versionArn(c, v.machineName, v.version) };

export function describeMachine(c: AwsCaller, m: StateMachine): Record<string, unknown> {
  return {
    stateMachineArn: stateMachineArn(c, m.name),
    name: m.name,
    status: 'ACTIVE',
    definition: m.definition,
    roleArn: m.roleArn,
    type: m.type,
    creationDate: date(m.createdAt),
    loggingConfiguration: LOGGING_OFF,
    tracingConfiguration: TRACING_OFF,
    encryptionConfiguration: AWS_OWNED_KEY,
    revisionId: m.revisionId,
    ...(m.description ? { description: m.description } : {}),
  };
}

/** DescribeStateMachine of a version's ARN: the version's own definition, revision and description. */
function describeVersion(c: AwsCaller, m: StateMachine, v: StateMachineVersion): Record<string, unknown> {
  return {
    ...describeMachine(c, { ...m, type: v.type, definition: v.definition, roleArn: v.roleArn, revisionId: v.revisionId, description: '' }),
    stateMachineArn: versionArn(c, m.name, v.version),
    creationDate: date(v.createdAt),
    ...(v.description ? { description: v.description } : {}),
  };
}

export function machineOperations(ctx: SfnContext): JsonOperation[] {
  return [
    {
      name: 'CreateStateMachine',
      async run(call, body) {
        const name = nameOf(field.required(body, 'name'), 'state machine') as string;
        checkMachineSettings(body);
        const input = {
          name,
          definition: field.required(body, 'definition'),
          type: typeOf(body),
          roleArn: roleOf(body) ?? DEFAULT_ROLE_ARN,
          tags: tagListOf(body),
          ...publishOf(body),
        };
        const { machine, version } = await aboutResource(stateMachineArn(call.caller, name), () =>
          createTaggedStateMachine(ctx, userOf(call.caller), input),
        );
        return {
          stateMachineArn: stateMachineArn(call.caller, machine.name),
          creationDate: date(machine.createdAt),
          ...versionField(call.caller, version),
        };
      },
    },
    {
      name: 'DescribeStateMachine',
      async run(call, body) {
        const user = userOf(call.caller);
        const { machine, qualifier } = qualifiedMachineOf(call.caller, body.stateMachineArn);
        if (qualifier.kind === 'alias')
          throw validation('DescribeStateMachine takes a state machine or version ARN: describe an alias with DescribeStateMachineAlias');
        const m = await getStateMachine(ctx, user, machine);
        if (qualifier.kind === 'latest') return describeMachine(call.caller, m);
        return describeVersion(call.caller, m, await getStateMachineVersion(ctx, user, machine, qualifier.version).catch(asMachineMiss));
      },
    },
    {
      name: 'ListStateMachines',
      async run(call, body) {
        const op = 'ListStateMachines';
        const after = pageToken.read<string>(op, field.string(body, 'nextToken'), 'string');
        const page = await paged(
          pageSizeOf(body),
          (limit) => listStateMachines(ctx, userOf(call.caller), { limit, after }),
          (m) => m.name,
          op,
          MAX_PAGE,
        );
        return {
          stateMachines: page.items.map((m) => ({
            stateMachineArn: stateMachineArn(call.caller, m.name),
            name: m.name,
            type: m.type,
            creationDate: date(m.createdAt),
          })),
          ...(page.nextToken ? { nextToken: page.nextToken } : {}),
        };
      },
    },
    {
      name: 'UpdateStateMachine',
      async run(call, body) {
        const publish = publishOf(body);
        const name = machineNameOf(call.caller, body.stateMachineArn);
        checkMachineSettings(body);
        const definition = field.string(body, 'definition');
        const roleArn = roleOf(body);
        if (
          definition === undefined &&
          roleArn === undefined &&
          body.loggingConfiguration === undefined &&
          body.tracingConfiguration === undefined &&
          body.encryptionConfiguration === undefined
        )
          throw new AwsError(
            'MissingRequiredParameter',
            400,
            'Either the definition, the roleArn, the loggingConfiguration, the tracingConfiguration or the encryptionConfiguration must be specified',
          );
        const { machine: m, version } = await updateStateMachine(ctx, userOf(call.caller), name, { definition, roleArn }, publish);
        return { updateDate: date(m.updatedAt), revisionId: m.revisionId, ...versionField(call.caller, version) };
      },
    },
    {
      name: 'DeleteStateMachine',
      async run(call, body) {
        const name = machineNameOf(call.caller, body.stateMachineArn);
        // As AWS: deleting one that is not there (any more) succeeds.
        await deleteStateMachine(ctx, userOf(call.caller), name).catch((err: unknown) => {
          if (!(err instanceof HangarError && err.code === ErrorCode.StateMachineNotFound)) throw err;
        });
        return {};
      },
    },
    {
      name: 'ValidateStateMachineDefinition',
      async run(_call, body) {
        const definition = field.required(body, 'definition');
        const severity = field.string(body, 'severity');
        if (severity !== undefined && severity !== 'ERROR' && severity !== 'WARNING') throw validation('severity must be ERROR or WARNING');
        const max = pageSizeOf(body);
        // Hangar's diagnostics are all errors: both severities list them.
        const diagnostics = validateStateMachineDefinition(definition, typeOf(body));
        return {
          result: diagnostics.length === 0 ? 'OK' : 'FAIL',
          diagnostics: diagnostics
            .slice(0, max)
            .map((d) => ({ severity: d.severity, code: d.code, message: d.message, location: d.location })),
          truncated: diagnostics.length > max,
        };
      },
    },
  ];
}
