/**
 * Step Functions' execution operations: start (and run an EXPRESS one to its end), describe,
 * stop, list, and the history. An execution is named by its ARN (machine and execution names);
 * Hangar's own id stays inside. An execution may start from a version's or an alias's ARN (it
 * runs that version, or the one the alias picks) and says so (stateMachineVersionArn,
 * stateMachineAliasArn); ListExecutions of either ARN lists those. A Map Run's child executions (ListExecutions with mapRunArn, a
 * child's ARN) are child-executions.ts's.
 */
import {
  DEFAULT_ROLE_ARN,
  executionHistory,
  findExecution,
  getStateMachine,
  listExecutions,
  MAX_INPUT_BYTES,
  MAX_PAGE,
  redriveExecution,
  startExecution,
  startSyncExecution,
  stopExecution,
} from '../../app/index.ts';
import {
  EXECUTION_STATUSES,
  type Execution,
  type ExecutionStatus,
  ErrorCode,
  HangarError,
  type MachineQualifier,
  redrivability,
  type StateMachine,
} from '../../core/index.ts';
import { AwsError } from '../errors.ts';
import { userOf } from '../lambda/context.ts';
import type { AwsCall, AwsCaller } from '../service.ts';
import {
  aliasArn,
  asMachineMiss,
  executionArn,
  executionNamesOf,
  expressArn,
  qualifiedMachineOf,
  stateMachineArn,
  versionArn,
} from './arns.ts';
import {
  childHistory,
  describeChild,
  describeChildMachine,
  findChild,
  isChild,
  listChildren,
  locateChild,
  stopChild,
} from './child-executions.ts';
import type { SfnContext } from './context.ts';
import { HistoryMapper } from './history.ts';
import type { JsonOperation } from './operation.ts';
import { date, field, jsonText, nameOf, pageSizeOf, pageToken, paged, validation } from './shapes.ts';
import { AWS_OWNED_KEY, LOGGING_OFF, TRACING_OFF } from './settings.ts';

/** Step Functions' limits on StopExecution's and SendTaskFailure's error and cause. */
export const MAX_ERROR = 256;
export const MAX_CAUSE = 32_768;

function startInput(
  body: Record<string, unknown>,
  qualifier: MachineQualifier,
): { name?: string; input?: string; qualifier: MachineQualifier } {
  return {
    name: nameOf(field.string(body, 'name'), 'execution'),
    input: jsonText(field.string(body, 'input'), 'InvalidExecutionInput', MAX_INPUT_BYTES),
    qualifier,
  };
}

const ifSet = (k: string, v: string | null) => (v === null ? {} : { [k]: v });

/** The version and alias an execution started through, as DescribeExecution and ListExecutions say them. */
function origin(c: AwsCaller, e: Execution): Record<string, string> {
  return {
    ...(e.stateMachineVersion === null ? {} : { stateMachineVersionArn: versionArn(c, e.stateMachineName, e.stateMachineVersion) }),
    ...(e.stateMachineAlias === null ? {} : { stateMachineAliasArn: aliasArn(c, e.stateMachineName, e.stateMachineAlias) }),
  };
}

function describe(c: AwsCaller, e: Execution, includeData: boolean, now: number): Record<string, unknown> {
  return {
    executionArn: executionArn(c, e.stateMachineName, e.name),
    stateMachineArn: stateMachineArn(c, e.stateMachineName),
    name: e.name,
    status: e.status,
    startDate: date(e.startedAt),
    ...(e.stoppedAt === null ? {} : { stopDate: date(e.stoppedAt) }),
    ...(includeData ? { input: e.input } : {}),
    inputDetails: { included: includeData },
    ...(e.output !== null && includeData ? { output: e.output } : {}),
    ...(e.status === 'SUCCEEDED' ? { outputDetails: { included: includeData } } : {}),
    ...ifSet('error', e.error),
    ...ifSet('cause', e.cause),
    ...redriveFields(e, now),
    ...origin(c, e),
  };
}

/** redriveCount, redriveDate, redriveStatus and its reason, as DescribeExecution says them. */
function redriveFields(e: Execution, now: number): Record<string, unknown> {
  const r = redrivability(e, now);
  return {
    redriveCount: e.redriveCount,
    ...(e.redriveDate === null ? {} : { redriveDate: date(e.redriveDate) }),
    redriveStatus: r.status,
    ...(r.status === 'NOT_REDRIVABLE' ? { redriveStatusReason: r.reason } : {}),
  };
}

/** ListExecutions' redriveFilter: REDRIVEN or NOT_REDRIVEN. */
function redriveFilterOf(body: Record<string, unknown>): boolean | undefined {
  const v = field.string(body, 'redriveFilter');
  if (v === undefined) return undefined;
  if (v !== 'REDRIVEN' && v !== 'NOT_REDRIVEN') throw validation('redriveFilter must be REDRIVEN or NOT_REDRIVEN');
  return v === 'REDRIVEN';
}

/** includedData: ALL_DATA (default) or METADATA_ONLY (no input or output). */
function includedData(body: Record<string, unknown>): boolean {
  const v = field.string(body, 'includedData');
  if (v !== undefined && v !== 'ALL_DATA' && v !== 'METADATA_ONLY') throw validation('includedData must be ALL_DATA or METADATA_ONLY');
  return v !== 'METADATA_ONLY';
}

export async function executionOf(ctx: SfnContext, call: AwsCall, body: Record<string, unknown>): Promise<Execution> {
  const { machine, name } = executionNamesOf(call.caller, body.executionArn);
  return findExecution(ctx, userOf(call.caller), machine, name);
}

/** The execution's state machine as it is now; null once it is deleted. */
async function machineOf(ctx: SfnContext, userId: string, machine: string): Promise<StateMachine | null> {
  try {
    return await getStateMachine(ctx, userId, machine);
  } catch (err) {
    if (err instanceof HangarError && err.code === ErrorCode.StateMachineNotFound) return null;
    throw err;
  }
}

export function executionOperations(ctx: SfnContext): JsonOperation[] {
  return [
    {
      name: 'StartExecution',
      audited: false,
      async run(call, body) {
        const { machine, qualifier } = qualifiedMachineOf(call.caller, body.stateMachineArn);
        const started = await startExecution(ctx, userOf(call.caller), machine, startInput(body, qualifier)).catch(asMachineMiss);
        if (started.type === 'EXPRESS')
          return { executionArn: expressArn(call.caller, machine, started.name, started.expressId), startDate: date(started.startedAt) };
        const e = started.execution;
        return { executionArn: executionArn(call.caller, e.stateMachineName, e.name), startDate: date(e.startedAt) };
      },
    },
    {
      name: 'StartSyncExecution',
      audited: false,
      async run(call, body) {
        const user = userOf(call.caller);
        const { machine: name, qualifier } = qualifiedMachineOf(call.caller, body.stateMachineArn);
        const machine = await getStateMachine(ctx, user, name);
        if (machine.type !== 'EXPRESS')
          throw new AwsError('StateMachineTypeNotSupported', 400, 'This operation is not supported by this type of state machine');
        const withData = includedData(body);
        const input = startInput(body, qualifier);
        const r = await startSyncExecution(ctx, user, machine.name, input).catch(asMachineMiss);
        return {
          executionArn: expressArn(call.caller, machine.name, r.name, r.expressId),
          stateMachineArn: stateMachineArn(call.caller, machine.name),
          name: r.name,
          startDate: date(r.startedAt),
          stopDate: date(r.stoppedAt),
          status: r.status,
          ...ifSet('error', r.error),
          ...ifSet('cause', r.cause),
          ...(withData ? { input: input.input ?? '{}' } : {}),
          inputDetails: { included: withData },
          ...(withData && r.output !== null ? { output: r.output } : {}),
          outputDetails: { included: withData },
          // AWS bills Express by 100 ms and 64 MB steps; Hangar bills nothing, but says what it would be.
          billingDetails: {
            billedMemoryUsedInMB: 64,
            billedDurationInMilliseconds: Math.max(100, Math.ceil((r.stoppedAt - r.startedAt) / 100) * 100),
          },
        };
      },
    },
    {
      name: 'DescribeExecution',
      async run(call, body) {
        const names = executionNamesOf(call.caller, body.executionArn);
        if (isChild(names)) return describeChild(await findChild(ctx, call, names), includedData(body));
        return describe(call.caller, await executionOf(ctx, call, body), includedData(body), ctx.clock.now());
      },
    },
    {
      name: 'DescribeStateMachineForExecution',
      async run(call, body) {
        const user = userOf(call.caller);
        const names = executionNamesOf(call.caller, body.executionArn);
        if (isChild(names)) return describeChildMachine(ctx, call, await locateChild(ctx, call, names));
        const e = await executionOf(ctx, call, body);
        const m = await machineOf(ctx, user, e.stateMachineName);
        // The definition the execution runs; the machine's date and role when it is still at that revision.
        const current = m !== null && m.revisionId === e.revisionId;
        return {
          stateMachineArn: stateMachineArn(call.caller, e.stateMachineName),
          name: e.stateMachineName,
          definition: e.definition,
          roleArn: m?.roleArn ?? DEFAULT_ROLE_ARN,
          updateDate: date(current ? m.updatedAt : e.startedAt),
          loggingConfiguration: LOGGING_OFF,
          tracingConfiguration: TRACING_OFF,
          encryptionConfiguration: AWS_OWNED_KEY,
          revisionId: e.revisionId,
        };
      },
    },
    {
      name: 'RedriveExecution',
      async run(call, body) {
        const names = executionNamesOf(call.caller, body.executionArn);
        const token = field.string(body, 'clientToken');
        if (token !== undefined && (token.length < 1 || token.length > 64)) throw validation('clientToken is 1 to 64 characters');
        if (isChild(names)) {
          await locateChild(ctx, call, names);
          throw new AwsError(
            'ExecutionNotRedrivable',
            400,
            "A Map Run's child execution is redriven with its parent execution (the Map Run's redrive): redrive the parent execution",
          );
        }
        const e = await executionOf(ctx, call, body);
        const redriven = await redriveExecution(ctx, userOf(call.caller), e.id, token);
        return { redriveDate: date(redriven.redriveDate ?? ctx.clock.now()) };
      },
    },
    {
      name: 'StopExecution',
      async run(call, body) {
        const names = executionNamesOf(call.caller, body.executionArn);
        if (isChild(names)) {
          const why = { error: field.string(body, 'error', MAX_ERROR), cause: field.string(body, 'cause', MAX_CAUSE) };
          return stopChild(ctx, call, names, why);
        }
        const e = await executionOf(ctx, call, body);
        const stopped = await stopExecution(ctx, userOf(call.caller), e.id, {
          error: field.string(body, 'error', MAX_ERROR),
          cause: field.string(body, 'cause', MAX_CAUSE),
        });
        return { stopDate: date(stopped.stoppedAt ?? ctx.clock.now()) };
      },
    },
    {
      name: 'ListExecutions',
      async run(call, body) {
        const byMachine = body.stateMachineArn !== undefined && body.stateMachineArn !== null;
        const byMapRun = body.mapRunArn !== undefined && body.mapRunArn !== null;
        if (byMachine === byMapRun)
          throw validation(
            byMachine ? 'Only one of StateMachine ARN or MapRun ARN can be provided' : 'Must provide a StateMachine ARN or MapRun ARN',
          );
        const status = field.string(body, 'statusFilter');
        if (status !== undefined && (status === 'PENDING_REDRIVE' || !EXECUTION_STATUSES.includes(status as ExecutionStatus)))
          throw validation(`statusFilter must be one of ${EXECUTION_STATUSES.join(', ')}`);
        const redriven = redriveFilterOf(body);
        if (byMapRun) return listChildren(ctx, call, body, status as ExecutionStatus | undefined);
        const user = userOf(call.caller);
        const { machine: name, qualifier } = qualifiedMachineOf(call.caller, body.stateMachineArn);
        const machine = await getStateMachine(ctx, user, name);
        if (machine.type !== 'STANDARD')
          throw new AwsError('StateMachineTypeNotSupported', 400, 'This operation is not supported by this type of state machine');
        const op = 'ListExecutions';
        const after = pageToken.read<string>(op, field.string(body, 'nextToken'), 'string');
        const page = await paged(
          pageSizeOf(body),
          (limit) =>
            listExecutions(ctx, user, {
              stateMachineName: machine.name,
              qualifier,
              status: status as ExecutionStatus | undefined,
              redriven,
              limit,
              after,
            }),
          (e) => e.id,
          op,
          MAX_PAGE,
        );
        return {
          executions: page.items.map((e) => ({
            executionArn: executionArn(call.caller, e.stateMachineName, e.name),
            stateMachineArn: stateMachineArn(call.caller, e.stateMachineName),
            name: e.name,
            status: e.status,
            startDate: date(e.startedAt),
            ...(e.stoppedAt === null ? {} : { stopDate: date(e.stoppedAt) }),
            redriveCount: e.redriveCount,
            ...(e.redriveDate === null ? {} : { redriveDate: date(e.redriveDate) }),
            ...origin(call.caller, e),
          })),
          ...(page.nextToken ? { nextToken: page.nextToken } : {}),
        };
      },
    },
    {
      name: 'GetExecutionHistory',
      async run(call, body) {
        const user = userOf(call.caller);
        const names = executionNamesOf(call.caller, body.executionArn);
        if (isChild(names)) {
          const child = await findChild(ctx, call, names);
          const machine = names.machine.slice(0, names.machine.indexOf('/'));
          return childHistory(call, body, child, (await machineOf(ctx, user, machine))?.roleArn ?? DEFAULT_ROLE_ARN);
        }
        const e = await executionOf(ctx, call, body);
        const reverse = field.boolean(body, 'reverseOrder') ?? false;
        // A token carries its order: one from a forward read does not continue a reverse one.
        const op = reverse ? 'GetExecutionHistory:reverse' : 'GetExecutionHistory';
        const after = pageToken.read<number>(op, field.string(body, 'nextToken'), 'number');
        const page = await paged(
          pageSizeOf(body),
          (limit) => executionHistory(ctx, user, e.id, { limit, reverse, after }),
          (h) => h.id,
          op,
          MAX_PAGE,
        );
        const mapper = new HistoryMapper(
          {
            region: call.caller.region,
            roleArn: (await machineOf(ctx, user, e.stateMachineName))?.roleArn ?? DEFAULT_ROLE_ARN,
            includeData: field.boolean(body, 'includeExecutionData') ?? true,
          },
          (from, limit) => executionHistory(ctx, user, e.id, { limit: Math.min(limit, MAX_PAGE), after: from }),
        );
        return { events: await mapper.map(page.items), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
      },
    },
  ];
}
