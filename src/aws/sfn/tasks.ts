/** SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat: answers to a `.waitForTaskToken` Task
 *  (app/workflows.ts answerTask; only the token's owner may answer it). */
import { answerTask, MAX_INPUT_BYTES } from '../../app/index.ts';
import { AwsError } from '../errors.ts';
import { userOf } from '../lambda/context.ts';
import { MAX_CAUSE, MAX_ERROR } from './executions.ts';
import type { JsonOperation } from './operation.ts';
import { field, jsonText } from './shapes.ts';
import type { SfnContext } from './context.ts';

/** Step Functions' limit on a task token. */
const MAX_TOKEN = 2048;

function tokenOf(body: Record<string, unknown>): string {
  const token = field.string(body, 'taskToken');
  if (token === undefined || token === '' || token.length > MAX_TOKEN)
    throw new AwsError('InvalidToken', 400, 'Invalid Token: the task token is 1 to 2048 characters');
  return token;
}

export function taskOperations(ctx: SfnContext): JsonOperation[] {
  return [
    {
      name: 'SendTaskSuccess',
      audited: false,
      async run(call, body) {
        const token = tokenOf(body);
        const output = jsonText(field.string(body, 'output'), 'InvalidOutput', MAX_INPUT_BYTES);
        if (output === undefined) throw new AwsError('InvalidOutput', 400, 'output is required: JSON text');
        await answerTask(ctx, userOf(call.caller), token, { kind: 'success', output });
        return {};
      },
    },
    {
      name: 'SendTaskFailure',
      audited: false,
      async run(call, body) {
        const token = tokenOf(body);
        await answerTask(ctx, userOf(call.caller), token, {
          kind: 'failure',
          error: field.string(body, 'error', MAX_ERROR) ?? null,
          cause: field.string(body, 'cause', MAX_CAUSE) ?? null,
        });
        return {};
      },
    },
    {
      name: 'SendTaskHeartbeat',
      audited: false,
      async run(call, body) {
        await answerTask(ctx, userOf(call.caller), tokenOf(body), { kind: 'heartbeat' });
        return {};
      },
    },
  ];
}
