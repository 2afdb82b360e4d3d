/**
 * The Step Functions adapter (issue 24): AWS Step Functions' awsJson1_0 API (the AWS SDK's
 * SFNClient) over the workflows use cases (app/workflows.ts). Every operation is a POST to `/`
 * named by `X-Amz-Target: AWSStepFunctions.<Operation>`, signed for the service `states`; its
 * errors are Step Functions' own names, each with AWS's status (shapes.ts sfnStatus).
 */
import { MAX_DEFINITION_BYTES } from '../../app/index.ts';
import { ErrorCode } from '../../core/index.ts';
import { AwsError } from '../errors.ts';
import { Protocol, type AwsService } from '../service.ts';
import type { SfnContext } from './context.ts';
import { activityOperations } from './activities.ts';
import { executionOperations } from './executions.ts';
import { machineOperations } from './machines.ts';
import { mapRunOperations } from './map-runs.ts';
import type { JsonOperation } from './operation.ts';
import { jsonBody, sfnStatus } from './shapes.ts';
import { tagOperations } from './tags.ts';
import { testStateOperations } from './test-state.ts';
import { taskOperations } from './tasks.ts';
import { versionOperations } from './versions.ts';

export type { SfnContext } from './context.ts';

export const SFN_TARGET_PREFIX = 'AWSStepFunctions';

const client = (type: string) => ({ type, status: sfnStatus(type) });

/** A definition of up to 1 MiB (AWS's limit) is sent as a JSON string: escaping its quotes and
 *  line breaks makes it longer, about a third for a pretty-printed one; twice is room enough. */
export const SFN_BODY_LIMIT = 2 * MAX_DEFINITION_BYTES + 64 * 1024;

export function sfnService(ctx: SfnContext): AwsService {
  const operations = new Map<string, JsonOperation>(
    [
      ...machineOperations(ctx),
      ...versionOperations(ctx),
      ...executionOperations(ctx),
      ...mapRunOperations(ctx),
      ...taskOperations(ctx),
      ...tagOperations(ctx),
      ...activityOperations(ctx),
      ...testStateOperations(ctx),
    ].map((op) => [op.name, op]),
  );
  return {
    signingName: 'states',
    protocol: Protocol.AwsJson1_0,
    targetPrefix: SFN_TARGET_PREFIX,
    bodyLimit: SFN_BODY_LIMIT,
    domainErrors: {
      invalid: client('ValidationException'),
      'not-found': client('ResourceNotFound'),
      conflict: client('ConflictException'),
      'too-large': client('ValidationException'),
    },
    errorCodes: {
      [ErrorCode.StateMachineDefinitionInvalid]: client('InvalidDefinition'),
      [ErrorCode.StateMachineNotFound]: client('StateMachineDoesNotExist'),
      [ErrorCode.StateMachineExists]: client('StateMachineAlreadyExists'),
      [ErrorCode.ExecutionNotFound]: client('ExecutionDoesNotExist'),
      [ErrorCode.ExecutionExists]: client('ExecutionAlreadyExists'),
      [ErrorCode.ExecutionNotRedrivable]: client('ExecutionNotRedrivable'),
      [ErrorCode.TaskTokenNotFound]: client('TaskDoesNotExist'),
      // A callback for a task that no longer waits (its execution ended): AWS says it timed out.
      [ErrorCode.ExecutionNotRunning]: client('TaskTimedOut'),
      [ErrorCode.InvalidCursor]: client('InvalidToken'),
      [ErrorCode.MapRunNotFound]: client('ResourceNotFound'),
      [ErrorCode.ActivityNotFound]: client('ActivityDoesNotExist'),
      [ErrorCode.StateMachineVersionNotFound]: client('ResourceNotFound'),
      [ErrorCode.StateMachineAliasNotFound]: client('ResourceNotFound'),
      [ErrorCode.StateMachineAliasExists]: client('ConflictException'),
      [ErrorCode.StateMachineRevisionMismatch]: client('ConflictException'),
      [ErrorCode.StateMachineVersionInUse]: client('ConflictException'),
      [ErrorCode.StateMachineVersionQuota]: client('ServiceQuotaExceededException'),
      [ErrorCode.StateMachineAliasQuota]: client('ServiceQuotaExceededException'),
    },
    async handle(call) {
      const target = call.headers['x-amz-target'];
      const name =
        typeof target === 'string' && target.startsWith(`${SFN_TARGET_PREFIX}.`) ? target.slice(SFN_TARGET_PREFIX.length + 1) : '';
      const op = operations.get(name);
      if (call.method !== 'POST' || !op)
        throw new AwsError('UnknownOperationException', 400, `Unknown operation: ${String(target ?? '(no X-Amz-Target)').slice(0, 200)}`);
      call.named(op.name, op.audited !== false);
      return { status: 200, body: await op.run(call, jsonBody(call)) };
    },
  };
}
