/** What the benchmarks' no-op executors answer: success, no output, a small inline result. */
import type { ExecutionResult } from '../src/executor/types.ts';

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
