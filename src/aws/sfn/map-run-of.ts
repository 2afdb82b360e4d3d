/**
 * The Map Run a `mapRunArn` names (`arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:UUID`):
 * the caller's, its id and the machine and label in it matching. One of another account or
 * region, or another user's, is ResourceNotFound, as one that never was.
 */
import { describeMapRun, type MapRunRecord } from '../../app/index.ts';
import { workflowErrors } from '../../core/index.ts';
import { userOf } from '../lambda/context.ts';
import type { AwsCall } from '../service.ts';
import { invalidArn, parseArn } from './arns.ts';
import type { SfnContext } from './context.ts';

/** The id a Map Run ARN names; ResourceNotFound when it is not the caller's account's. */
function mapRunIdOf(call: AwsCall, value: unknown): { id: string; names: string } {
  const p = parseArn(call.caller, value, 'mapRunArn');
  if (p.resourceType !== 'mapRun' || p.names.length !== 2 || !p.names[0].includes('/')) throw invalidArn(value as string);
  if (!p.own) throw workflowErrors.mapRunNotFound(value as string);
  return { id: p.names[1], names: p.names.join(':') };
}

/** The caller's Map Run the ARN names: its id and the machine and label in it must both match. */
export async function mapRunOf(ctx: SfnContext, call: AwsCall, body: Record<string, unknown>): Promise<MapRunRecord> {
  const { id, names } = mapRunIdOf(call, body.mapRunArn);
  const run = await describeMapRun(ctx, userOf(call.caller), id);
  if (!run.arn.endsWith(`:mapRun:${names}`)) throw workflowErrors.mapRunNotFound(String(body.mapRunArn));
  return run;
}
