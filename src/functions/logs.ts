/**
 * An invocation's log as CloudWatch shows a Lambda function's: the platform's START line, the
 * function's own output, END, and REPORT with the invocation's facts (tab-separated, as AWS
 * writes them and as log tools parse them):
 *
 *   START RequestId: <id> Version: <version>
 *   ...the function's output...
 *   END RequestId: <id>
 *   REPORT RequestId: <id>\tDuration: 4.42 ms\tBilled Duration: 338 ms\tMemory Size: 1152 MB\tMax Memory Used: 75 MB\tInit Duration: 333.05 ms
 *
 * Init Duration appears on a cold start only. Billed Duration is the duration rounded up to the
 * millisecond plus the init phase, as Lambda bills since August 2025 (a public REPORT line:
 * Duration 395.99 ms, Init Duration 265.72 ms, Billed Duration 662 ms).
 */

/** LogType Tail returns this much of the end of the log (X-Amz-Log-Result). */
export const LOG_TAIL_BYTES = 4096;

export interface ReportFacts {
  requestId: string;
  durationMs: number;
  memoryMb: number;
  /** The instance's peak memory so far (its cgroup's), bytes; null when unknown. */
  maxMemoryBytes: number | null;
  initDurationMs: number | null;
}

export const startLine = (requestId: string, version: string): string => `START RequestId: ${requestId} Version: ${version}\n`;
export const endLine = (requestId: string): string => `END RequestId: ${requestId}\n`;

export function reportLine(f: ReportFacts): string {
  const init = f.initDurationMs ?? 0;
  const fields = [
    `REPORT RequestId: ${f.requestId}`,
    `Duration: ${f.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.ceil(f.durationMs + init)} ms`,
    `Memory Size: ${f.memoryMb} MB`,
    `Max Memory Used: ${f.maxMemoryBytes === null ? 0 : Math.ceil(f.maxMemoryBytes / (1024 * 1024))} MB`,
  ];
  if (f.initDurationMs !== null) fields.push(`Init Duration: ${f.initDurationMs.toFixed(2)} ms`);
  return `${fields.join('\t')}\n`;
}

/** The last LOG_TAIL_BYTES of the log, base64, as X-Amz-Log-Result carries it. */
export const logTail = (log: Buffer): string => log.subarray(Math.max(0, log.length - LOG_TAIL_BYTES)).toString('base64');
