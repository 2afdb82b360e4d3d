/**
 * Step Functions' Map Run operations: DescribeMapRun, ListMapRuns, UpdateMapRun over the use
 * cases of app/map-runs.ts. A Map Run is named by its ARN
 * (`arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:UUID`); its UUID is Hangar's id. One of
 * another account or region, or another user's, is ResourceNotFound, as one that never was.
 */
import { describeExecution, describeMapRun, listMapRuns, MAX_PAGE, type MapRunRecord, updateMapRun } from '../../app/index.ts';
import { workflowErrors } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import type { AwsCall } from '../service.ts';
import { executionArn, invalidArn, parseArn } from './arns.ts';
import type { SfnContext } from './context.ts';
import { executionOf } from './executions.ts';
import type { JsonOperation } from './operation.ts';
import { date, field, pageSizeOf, pageToken, paged, validation } from './shapes.ts';

/** The id a Map Run ARN names; ResourceNotFound when it is not the caller's account's. */
function mapRunIdOf(call: AwsCall, value: unknown): { id: string; names: string } {
  const p = parseArn(call.caller, value, 'mapRunArn');
  if (p.resourceType !== 'mapRun' || p.names.length !== 2 || !p.names[0].includes('/')) throw invalidArn(value as string);
  if (!p.own) throw workflowErrors.mapRunNotFound(value as string);
  return { id: p.names[1], names: p.names.join(':') };
}

/** The caller's Map Run the ARN names: its id and the machine and label in it must both match. */
async function mapRunOf(ctx: SfnContext, call: AwsCall, body: Record<string, unknown>): Promise<MapRunRecord> {
  const { id, names } = mapRunIdOf(call, body.mapRunArn);
  const run = await describeMapRun(ctx, userOf(call.caller), id);
  if (!run.arn.endsWith(`:mapRun:${names}`)) throw workflowErrors.mapRunNotFound(String(body.mapRunArn));
  return run;
}

/** A number field of UpdateMapRun (its range is the use case's to check). */
function numberOf(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw validation(`${name} must be a number`);
  return v;
}

export function mapRunOperations(ctx: SfnContext): JsonOperation[] {
  return [
    {
      name: 'DescribeMapRun',
      async run(call, body) {
        const run = await mapRunOf(ctx, call, body);
        const e = await describeExecution(ctx, userOf(call.caller), run.executionId);
        return {
          mapRunArn: run.arn,
          executionArn: executionArn(call.caller, e.stateMachineName, e.name),
          status: run.status,
          startDate: date(run.startedAt),
          ...(run.stoppedAt === null ? {} : { stopDate: date(run.stoppedAt) }),
          maxConcurrency: run.maxConcurrency,
          toleratedFailurePercentage: run.toleratedFailurePercentage,
          toleratedFailureCount: run.toleratedFailureCount,
          // Iterations are branches of the execution here: its item and execution counts are one.
          itemCounts: run.counts,
          executionCounts: run.counts,
          redriveCount: 0,
        };
      },
    },
    {
      name: 'ListMapRuns',
      async run(call, body) {
        const user = userOf(call.caller);
        const e = await executionOf(ctx, call, body);
        const op = 'ListMapRuns';
        const after = pageToken.read<string>(op, field.string(body, 'nextToken'), 'string');
        const page = await paged(
          pageSizeOf(body),
          (limit) => listMapRuns(ctx, user, e.id, { limit, after }),
          (m) => m.id,
          op,
          MAX_PAGE,
        );
        const arn = executionArn(call.caller, e.stateMachineName, e.name);
        return {
          mapRuns: page.items.map((m) => ({
            executionArn: arn,
            mapRunArn: m.arn,
            stateMachineArn: m.stateMachineArn,
            startDate: date(m.startedAt),
            ...(m.stoppedAt === null ? {} : { stopDate: date(m.stoppedAt) }),
          })),
          ...(page.nextToken ? { nextToken: page.nextToken } : {}),
        };
      },
    },
    {
      name: 'UpdateMapRun',
      async run(call, body) {
        const run = await mapRunOf(ctx, call, body);
        await updateMapRun(ctx, userOf(call.caller), run.id, {
          maxConcurrency: numberOf(body, 'maxConcurrency'),
          toleratedFailureCount: numberOf(body, 'toleratedFailureCount'),
          toleratedFailurePercentage: numberOf(body, 'toleratedFailurePercentage'),
        });
        return {};
      },
    },
  ];
}
