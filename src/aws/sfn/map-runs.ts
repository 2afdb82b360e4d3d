/**
 * Step Functions' Map Run operations: DescribeMapRun, ListMapRuns, UpdateMapRun over the use
 * cases of app/map-runs.ts. A Map Run is named by its ARN
 * (`arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:UUID`); its UUID is Hangar's id. One of
 * another account or region, or another user's, is ResourceNotFound, as one that never was.
 */
import { describeExecution, listMapRuns, MAX_PAGE, updateMapRun } from '../../app/index.ts';
import { userOf } from '../lambda/context.ts';
import { executionArn } from './arns.ts';
import type { SfnContext } from './context.ts';
import { executionOf } from './executions.ts';
import { mapRunOf } from './map-run-of.ts';
import type { JsonOperation } from './operation.ts';
import { date, field, pageSizeOf, pageToken, paged, validation } from './shapes.ts';

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
          redriveCount: run.redriveCount,
          ...(run.redriveDate === null ? {} : { redriveDate: date(run.redriveDate) }),
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
