/**
 * A Distributed Map's child executions on the Step Functions API (app/map-run-children.ts):
 * ListExecutions with mapRunArn, and DescribeExecution, GetExecutionHistory and StopExecution of a child's ARN,
 * `arn:aws:states:REGION:ACCOUNT:execution:MACHINE/LABEL:CHILD` (execution names have no `/`:
 * the `/` tells a child's ARN from an execution's).
 */
import {
  type ChildExecution,
  type ChildExecutionDetail,
  childStateMachine,
  describeChildExecution,
  findChildExecution,
  listMapRunExecutions,
  MAX_PAGE,
  stopChildExecution,
} from '../../app/index.ts';
import { type ExecutionStatus, type HistoryEventRecord, REDRIVE_STATUS, type Redrivability } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import type { AwsCall } from '../service.ts';
import type { SfnContext } from './context.ts';
import { HistoryMapper } from './history.ts';
import { mapRunOf } from './map-run-of.ts';
import { date, field, pageSizeOf, pageToken, paged } from './shapes.ts';
import { AWS_OWNED_KEY, LOGGING_OFF, TRACING_OFF } from './settings.ts';

/** An execution ARN's names: whether they are a child's (MACHINE/LABEL and the child's name). */
export const isChild = (names: { machine: string }): boolean => names.machine.includes('/');

function listItem(c: ChildExecution): Record<string, unknown> {
  return {
    executionArn: c.executionArn,
    stateMachineArn: c.stateMachineArn,
    mapRunArn: c.mapRun.arn,
    name: c.name,
    status: c.status,
    startDate: date(c.startedAt),
    ...(c.stoppedAt === null ? {} : { stopDate: date(c.stoppedAt) }),
    redriveCount: 0,
  };
}

/** ListExecutions with mapRunArn: the Map Run's children, newest first. */
export async function listChildren(ctx: SfnContext, call: AwsCall, body: Record<string, unknown>, status: ExecutionStatus | undefined) {
  const run = await mapRunOf(ctx, call, body);
  const op = 'ListExecutions:mapRun';
  const after = pageToken.read<number>(op, field.string(body, 'nextToken'), 'number');
  const page = await paged(
    pageSizeOf(body),
    (limit) => listMapRunExecutions(ctx, userOf(call.caller), run.id, { status, limit, after }),
    (c) => c.index,
    op,
    MAX_PAGE,
  );
  // itemCount is ListExecutions's only (with mapRunArn): DescribeExecution has no such field.
  const executions = page.items.map((c) => ({ ...listItem(c), itemCount: c.itemCount }));
  return { executions, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
}

/** The caller's child execution its ARN's names name, with its own view; ExecutionDoesNotExist when there is none. */
export async function findChild(ctx: SfnContext, call: AwsCall, names: { machine: string; name: string }): Promise<ChildExecutionDetail> {
  return describeChildExecution(ctx, userOf(call.caller), names.machine, names.name);
}

/** The same child without its view (no read of its events): for what needs only that it is there. */
export async function locateChild(ctx: SfnContext, call: AwsCall, names: { machine: string; name: string }): Promise<ChildExecution> {
  return findChildExecution(ctx, userOf(call.caller), names.machine, names.name);
}

/** StopExecution of a child: ABORTED, its Map counting it a failure (app/map-run-children.ts). */
export async function stopChild(
  ctx: SfnContext,
  call: AwsCall,
  names: { machine: string; name: string },
  why: { error?: string; cause?: string },
): Promise<{ stopDate: number }> {
  const { stoppedAt } = await stopChildExecution(ctx, userOf(call.caller), names.machine, names.name, why);
  return { stopDate: date(stoppedAt) };
}

/** DescribeExecution of a child. */
export function describeChild(c: ChildExecutionDetail, includeData: boolean): Record<string, unknown> {
  const { view } = c;
  return {
    ...listItem(c),
    ...(includeData ? { input: view.input } : {}),
    inputDetails: { included: includeData },
    ...(view.output !== null && includeData ? { output: view.output } : {}),
    ...(c.status === 'SUCCEEDED' ? { outputDetails: { included: includeData } } : {}),
    ...(view.error === null ? {} : { error: view.error }),
    ...(view.cause === null ? {} : { cause: view.cause }),
    ...childRedrive(c.redrive),
  };
}

/** A child that did not succeed is redriven with its parent (the Map Run's redrive): REDRIVABLE_BY_MAP_RUN. */
function childRedrive(r: Redrivability): Record<string, unknown> {
  if (r.status === 'REDRIVABLE') return { redriveStatus: REDRIVE_STATUS.RedrivableByMapRun };
  return { redriveStatus: r.status, redriveStatusReason: r.reason };
}

/** GetExecutionHistory of a child: its events as its own history has them, paged as an execution's. */
export async function childHistory(call: AwsCall, body: Record<string, unknown>, c: ChildExecutionDetail, roleArn: string) {
  const events = c.view.events;
  const reverse = field.boolean(body, 'reverseOrder') ?? false;
  const op = reverse ? 'GetExecutionHistory:reverse' : 'GetExecutionHistory';
  const after = pageToken.read<number>(op, field.string(body, 'nextToken'), 'number');
  const ordered = reverse ? [...events].reverse() : events;
  const from = (e: HistoryEventRecord) => after === undefined || (reverse ? e.id < after : e.id > after);
  const page = await paged(
    pageSizeOf(body),
    async (limit) => ordered.filter(from).slice(0, limit),
    (h) => h.id,
    op,
    MAX_PAGE,
  );
  const mapper = new HistoryMapper(
    { region: call.caller.region, roleArn, includeData: field.boolean(body, 'includeExecutionData') ?? true },
    async (afterId, limit) => events.filter((e) => e.id > afterId).slice(0, limit),
  );
  return { events: await mapper.map(page.items), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
}

/** DescribeStateMachineForExecution of a child: its Map's ItemProcessor, with the Map Run and its label. */
export async function describeChildMachine(ctx: SfnContext, call: AwsCall, c: ChildExecution): Promise<Record<string, unknown>> {
  const m = await childStateMachine(ctx, userOf(call.caller), c);
  return {
    stateMachineArn: c.stateMachineArn,
    name: c.stateMachineArn.slice(c.stateMachineArn.lastIndexOf(':') + 1),
    definition: m.definition,
    roleArn: m.roleArn,
    updateDate: date(m.startedAt),
    loggingConfiguration: LOGGING_OFF,
    tracingConfiguration: TRACING_OFF,
    encryptionConfiguration: AWS_OWNED_KEY,
    mapRunArn: c.mapRun.arn,
    label: m.label,
    revisionId: m.revisionId,
  };
}
