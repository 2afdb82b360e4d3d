/** An attempt's result made safe and durable: every secret value masked, the result and logs
 *  stored as blobs (a small result kept in the row), and the outcome naming them. */
import { logKey, resultKey, type BlobStore } from '../blobs/index.ts';
import { coerceError } from '../core/index.ts';
import type { CapturedOutput, ExecutionResult } from '../executor/types.ts';
import type { Logger } from '../log/index.ts';
import { redact, redactBytes } from '../secrets/index.ts';
import type { Outcome, Task } from '../core/index.ts';
import { retry } from './retry.ts';

export interface OutcomeOptions {
  blobs: BlobStore;
  /** Results up to this many bytes stay in the task's row; default INLINE_RESULT_BYTES. */
  inlineResultBytes?: number;
  /** How long to keep trying to store an attempt's result and logs in a blob store that fails
   *  before recording the outcome without them, ms; default BLOB_RETRY_MS. */
  blobRetryMs?: number;
}

/** How long a worker keeps trying to store an attempt's result and logs in a blob store that
 *  fails (S3 restarting, or not answering), ms, before it records the outcome without them. */
const BLOB_RETRY_MS = 60_000;

/** What an attempt may store as blobs, in the order summary.unstored names them. */
const BLOB_KINDS = ['result', 'stdout', 'stderr'];

/** Results up to this size are kept in the task's row instead of a blob. */
export const INLINE_RESULT_BYTES = 16 * 1024;

/**
 * Logs and large results go to the blob store, the database keeps their keys and a summary.
 * A result of at most INLINE_RESULT_BYTES stays in the row, as Trigger.dev keeps small
 * payloads: creating a file per attempt waited behind the WAL's journal commits (16 ms p50
 * per attempt at 32 concurrent submits) and capped the embedded shape near 600 tasks/s.
 */
/**
 * The attempt's result and logs as blobs, and its outcome naming them. A blob the store
 * cannot take (S3 down or not answering) is tried again for blobRetryMs, the lease held
 * meanwhile by the heartbeat; then, or when the attempt is stopped, the outcome is recorded
 * without it, and its summary says so (`unstored`): the task ran, and running it again
 * would repeat what it did.
 */
export async function storeOutcome(
  o: OutcomeOptions,
  task: Task,
  attempt: number,
  r: ExecutionResult,
  signal: AbortSignal,
  log: Logger,
): Promise<Outcome> {
  const json = JSON.stringify(r.detailedResults);
  const inline = Buffer.byteLength(json) <= (o.inlineResultBytes ?? INLINE_RESULT_BYTES);
  const unstored: string[] = [];
  const put = async (what: string, key: string, data: Buffer | string): Promise<string | null> => {
    if (await putDurably(o, key, data, signal, log)) return key;
    unstored.push(what);
    return null;
  };
  const [rKey, stdoutKey, stderrKey] = await Promise.all([
    inline ? null : put('result', resultKey(task.id, attempt), json),
    r.stdout.bytes > 0 ? put('stdout', logKey(task.id, attempt, 'stdout'), r.stdout.data) : null,
    r.stderr.bytes > 0 ? put('stderr', logKey(task.id, attempt, 'stderr'), r.stderr.data) : null,
  ]);
  // In a fixed order, whichever gave up first.
  unstored.sort((a, b) => BLOB_KINDS.indexOf(a) - BLOB_KINDS.indexOf(b));
  if (unstored.length > 0) log.error({ unstored }, 'the blob store did not take these; the outcome is recorded without them');
  return {
    status: r.status,
    failure: r.failure,
    resultJson: inline ? json : null,
    resultKey: rKey,
    stdoutKey,
    stderrKey,
    summary: {
      exitCode: r.exitCode,
      signal: r.signal,
      runMs: r.finishedAt - r.startedAt,
      stdoutBytes: r.stdout.bytes,
      stderrBytes: r.stderr.bytes,
      stdoutTruncated: r.stdout.truncated,
      stderrTruncated: r.stderr.truncated,
      ...(unstored.length > 0 ? { unstored } : {}),
    },
  };
}

/** Puts a blob, trying again with backoff for blobRetryMs after the first failure, until
 *  `signal` aborts; false if it never went in. */
function putDurably(o: OutcomeOptions, key: string, data: Buffer | string, signal: AbortSignal, log: Logger): Promise<boolean> {
  return retry(() => o.blobs.put(key, data), {
    forMs: o.blobRetryMs ?? BLOB_RETRY_MS,
    signal,
    onRetry: (err, delay) => log.warn({ err: coerceError(err), key, retryInMs: delay }, 'blob store unavailable; retrying'),
  }).then(
    () => true,
    () => false,
  );
}

/** The result with every secret value masked, before anything of it is stored. */
export function redactResult(r: ExecutionResult, values: string[]): ExecutionResult {
  return {
    ...r,
    failure: r.failure ? { ...r.failure, message: redact(r.failure.message, values) } : null,
    detailedResults: JSON.parse(
      redact(
        JSON.stringify(r.detailedResults),
        values.map((v) => JSON.stringify(v).slice(1, -1)),
      ),
    ) as Record<string, unknown>,
    stdout: redactCapture(r.stdout, values),
    stderr: redactCapture(r.stderr, values),
  };
}

/** A kept log with every secret value masked: its head and tail apart, each cut where the
 *  middle was left out, so that no part of a value survives on either side of the marker. */
function redactCapture(c: CapturedOutput, values: string[]): CapturedOutput {
  if (!c.omitted) return { ...c, data: redactBytes(c.data, values, c.truncated) };
  const head = redactBytes(c.data.subarray(0, c.omitted.start), values, true);
  const marker = c.data.subarray(c.omitted.start, c.omitted.end);
  const tail = redactBytes(c.data.subarray(c.omitted.end), values, false, true);
  return {
    ...c,
    data: Buffer.concat([head, marker, tail]),
    omitted: { ...c.omitted, start: head.length, end: head.length + marker.length },
  };
}
