/**
 * The Application Auto Scaling adapter: AWS's awsJson1_1 API (the AWS SDK's
 * ApplicationAutoScalingClient, Terraform's aws_appautoscaling_target and _policy) for one
 * slice, the target tracking of a function's provisioned concurrency (app/scaling.ts). Every
 * operation is a POST to `/` named by `X-Amz-Target: AnyScaleFrontendService.<Operation>`,
 * signed for the service `application-autoscaling`.
 */
import type { ScalingApp } from '../../app/index.ts';
import { ErrorCode } from '../../core/index.ts';
import { AwsError } from '../errors.ts';
import { Protocol, type AwsService } from '../service.ts';
import type { JsonOperation } from '../sfn/operation.ts';
import { jsonBody } from '../sfn/shapes.ts';
import { scalingOperations } from './operations.ts';
import { WHAT_HANGAR_TAKES } from './shapes.ts';
import { tagOperations } from './tags.ts';

export const SCALING_TARGET_PREFIX = 'AnyScaleFrontendService';

export type ScalingContext = ScalingApp;

const client = (type: string) => ({ type, status: 400 });

export function scalingService(ctx: ScalingContext): AwsService {
  const operations = new Map<string, JsonOperation>([...scalingOperations(ctx), ...tagOperations(ctx)].map((op) => [op.name, op]));
  return {
    signingName: 'application-autoscaling',
    protocol: Protocol.AwsJson1_1,
    targetPrefix: SCALING_TARGET_PREFIX,
    // Application Auto Scaling answers every error with 400 (its model's httpError).
    domainErrors: {
      invalid: client('ValidationException'),
      'not-found': client('ObjectNotFoundException'),
      conflict: client('ConcurrentUpdateException'),
      'too-large': client('ValidationException'),
    },
    errorCodes: {
      // The function or its qualifier is not there: AWS says the resource is not valid.
      [ErrorCode.FunctionNotFound]: client('ValidationException'),
      [ErrorCode.TagLimitExceeded]: client('TooManyTagsException'),
    },
    async handle(call) {
      const target = call.headers['x-amz-target'];
      const name =
        typeof target === 'string' && target.startsWith(`${SCALING_TARGET_PREFIX}.`) ? target.slice(SCALING_TARGET_PREFIX.length + 1) : '';
      const op = operations.get(name);
      if (call.method !== 'POST' || !op)
        throw new AwsError(
          // One of the service's other operations (scheduled actions, activities...): refused
          // as a request Hangar does not take, saying what it does.
          name ? 'ValidationException' : 'UnknownOperationException',
          400,
          `${name ? `${name.slice(0, 100)} is not taken` : `Unknown operation: ${String(target ?? '(no X-Amz-Target)').slice(0, 200)}`}: ${WHAT_HANGAR_TAKES}, through ${[...operations.keys()].join(', ')}`,
        );
      call.named(op.name);
      return { status: 200, body: await op.run(call, jsonBody(call)) };
    },
  };
}
