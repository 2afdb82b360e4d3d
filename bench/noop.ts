/** The benchmarks' no-op work: the task they submit and what their no-op executors answer. */
import type { ExecutionResult } from '../src/executor/types.ts';
import { uuidv7 } from '../src/store/index.ts';
import type { NewTask, Outcome } from '../src/core/index.ts';

/** A no-op attempt's outcome, as the store-alone sections record it. */
export const NOOP_OUTCOME: Outcome = {
  status: 'SUCCESS',
  summary: { exitCode: 0 },
  failure: null,
  resultJson: null,
  resultKey: null,
  stdoutKey: null,
  stderrKey: null,
};

/** A no-op task with the API's defaults. */
export function noopTask(metadata: Record<string, unknown>, id: string = uuidv7()): NewTask {
  return {
    id,
    command: 'noop',
    args: null,
    shell: null,
    queue: 'default',
    priority: 1,
    userId: null,
    timeout: 300,
    visibilityTimeout: 900,
    maxAttempts: 3,
    idempotencyKey: null,
    requestHash: null,
    resources: { cpu: 256, memory: 512 },
    env: {},
    metadata,
    network: 'none',
    image: null,
    secrets: [],
    projectId: null,
    lane: null,
  };
}

export function noopResult(): ExecutionResult {
  const empty = { data: Buffer.alloc(0), bytes: 0, truncated: false };
  const wall = Date.now();
  return {
    status: 'SUCCESS',
    failure: null,
    exitCode: 0,
    signal: null,
    detailedResults: { success: true, result: { message: 'noop' } },
    stdout: empty,
    stderr: empty,
    startedAt: wall,
    finishedAt: wall,
  };
}
