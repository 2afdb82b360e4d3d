/** The AWS services Hangar speaks, one adapter each. The next ones (SQS, Kinesis, EventBridge
 *  Scheduler) are added here and nowhere else. */
import { type ApiGatewayV2Context, apiGatewayV2Service } from './apigatewayv2/index.ts';
import type { LambdaContext } from './lambda/context.ts';
import { lambdaService } from './lambda/index.ts';
import { type ScalingContext, scalingService } from './appscaling/index.ts';
import type { AwsService } from './service.ts';
import { type SfnContext, sfnService } from './sfn/index.ts';

/** What every adapter may need. */
export type ServicesContext = LambdaContext & SfnContext & ApiGatewayV2Context & ScalingContext;

export function awsServices(ctx: ServicesContext): AwsService[] {
  return [lambdaService(ctx), sfnService(ctx), apiGatewayV2Service(ctx), scalingService(ctx)];
}
