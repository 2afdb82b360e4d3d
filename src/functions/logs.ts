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
  const fields = [
    `REPORT RequestId: ${f.requestId}`,
    `Duration: ${f.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${billedMs(f)} ms`,
    `Memory Size: ${f.memoryMb} MB`,
    `Max Memory Used: ${maxMemoryMb(f)} MB`,
  ];
  if (f.initDurationMs !== null) fields.push(`Init Duration: ${f.initDurationMs.toFixed(2)} ms`);
  return `${fields.join('\t')}\n`;
}

/** Billed Duration: the duration rounded up to the millisecond, plus the init phase. */
const billedMs = (f: ReportFacts): number => Math.ceil(f.durationMs + (f.initDurationMs ?? 0));
const maxMemoryMb = (f: ReportFacts): number => (f.maxMemoryBytes === null ? 0 : Math.ceil(f.maxMemoryBytes / (1024 * 1024)));

/** How an invocation ended, as platform.report's status says it. */
export type InvocationStatus = 'success' | 'error' | 'timeout';

/**
 * The platform's records in JSON mode (LoggingConfig LogFormat JSON), one JSON object a line as
 * Lambda writes them to CloudWatch in place of START/END/REPORT: platform.start and
 * platform.report at INFO, platform.runtimeDone (END) at DEBUG; `systemLogLevel` (DEBUG, INFO,
 * WARN) keeps those at or above it. The report carries the REPORT line's facts as numbers.
 */
export function platformRecords(
  f: ReportFacts & { version: string; status: InvocationStatus; errorType?: string },
  systemLogLevel: string,
  at: Date = new Date(),
): { start: string; end: string; report: string } {
  const time = at.toISOString();
  const line = (level: 'DEBUG' | 'INFO', type: string, record: Record<string, unknown>) =>
    SYSTEM_LEVELS.indexOf(level) >= SYSTEM_LEVELS.indexOf(systemLogLevel) ? `${JSON.stringify({ time, type, record })}\n` : '';
  const failure = f.status === 'success' ? {} : { status: f.status, ...(f.errorType === undefined ? {} : { errorType: f.errorType }) };
  return {
    start: line('INFO', 'platform.start', { requestId: f.requestId, version: f.version }),
    end: line('DEBUG', 'platform.runtimeDone', { requestId: f.requestId, status: f.status, metrics: { durationMs: round2(f.durationMs) } }),
    report: line('INFO', 'platform.report', {
      requestId: f.requestId,
      metrics: {
        durationMs: round2(f.durationMs),
        billedDurationMs: billedMs(f),
        memorySizeMB: f.memoryMb,
        maxMemoryUsedMB: maxMemoryMb(f),
        ...(f.initDurationMs === null ? {} : { initDurationMs: round2(f.initDurationMs) }),
      },
      status: f.status,
      ...failure,
    }),
  };
}

const SYSTEM_LEVELS: readonly string[] = ['DEBUG', 'INFO', 'WARN'];
const round2 = (ms: number): number => Math.round(ms * 100) / 100;

/** The last LOG_TAIL_BYTES of the log, base64, as X-Amz-Log-Result carries it. */
export const logTail = (log: Buffer): string => log.subarray(Math.max(0, log.length - LOG_TAIL_BYTES)).toString('base64');
