/**
 * TestState: one state run on its own (app/test-state.ts), its request read as the API reference
 * types it and its answer written back — each inspection step, the variables and the output as
 * JSON text, errorDetails as an object. An input that is not JSON is InvalidExecutionInput, as
 * AWS names it; the other bad fields ValidationException, a bad definition InvalidDefinition.
 */
import { MAX_INPUT_BYTES, type TestStateRequest, testState } from '../../app/index.ts';
import type { Inspection, TestStateOutcome } from '../../core/asl/index.ts';
import { userOf } from '../lambda/context.ts';
import type { SfnContext } from './context.ts';
import { roleOf } from './machines.ts';
import type { JsonOperation } from './operation.ts';
import { field, jsonText, validation } from './shapes.ts';

export function testStateOperations(ctx: SfnContext): JsonOperation[] {
  return [
    {
      name: 'TestState',
      async run(call, body) {
        roleOf(body);
        const request: TestStateRequest = {
          definition: field.required(body, 'definition'),
          stateName: field.string(body, 'stateName', 80),
          input: jsonText(field.string(body, 'input'), 'InvalidExecutionInput', MAX_INPUT_BYTES),
          variables: field.string(body, 'variables'),
          inspectionLevel: field.string(body, 'inspectionLevel'),
          revealSecrets: field.boolean(body, 'revealSecrets'),
          mock: objectOf(body, 'mock') as TestStateRequest['mock'],
          context: field.string(body, 'context'),
          stateConfiguration: objectOf(body, 'stateConfiguration') as TestStateRequest['stateConfiguration'],
        };
        return testStateResponse(await testState(ctx, userOf(call.caller), call.caller.accountId, request));
      },
    },
  ];
}

function objectOf(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw validation(`${name} must be an object`);
  return v as Record<string, unknown>;
}

const JSON_STEPS = [
  'input',
  'afterInputPath',
  'afterParameters',
  'afterArguments',
  'result',
  'afterResultSelector',
  'afterResultPath',
  'afterItemsPath',
  'afterItemSelector',
  'afterItemBatcher',
  'variables',
] as const satisfies readonly (keyof Inspection)[];

/** TestState's response shape: the values as JSON text. */
export function testStateResponse(o: TestStateOutcome): Record<string, unknown> {
  const inspectionData: Record<string, unknown> = {};
  for (const step of JSON_STEPS) if (o.inspection[step] !== undefined) inspectionData[step] = JSON.stringify(o.inspection[step]);
  for (const n of ['maxConcurrency', 'toleratedFailureCount', 'toleratedFailurePercentage'] as const)
    if (o.inspection[n] !== undefined) inspectionData[n] = o.inspection[n];
  if (o.inspection.errorDetails) inspectionData.errorDetails = o.inspection.errorDetails;
  return {
    status: o.status,
    ...(o.output !== undefined ? { output: JSON.stringify(o.output) } : {}),
    ...(o.error !== undefined ? { error: o.error } : {}),
    ...(o.cause !== undefined ? { cause: o.cause } : {}),
    ...(o.nextState !== undefined ? { nextState: o.nextState } : {}),
    ...(Object.keys(inspectionData).length > 0 ? { inspectionData } : {}),
  };
}
