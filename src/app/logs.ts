/** A task attempt's stdout and stderr, as stored when the attempt ended (or, for a log the blob
 *  store did not take then, as its live output kept it). */
import { logKey } from '../blobs/index.ts';
import { ErrorCode, Gone, NotFound } from '../core/errors.ts';
import type { OutputStream, Task } from '../core/index.ts';
import type { AppContext } from './context.ts';

export interface AttemptLogs {
  attempt: number;
  stdout: Buffer | null;
  stderr: Buffer | null;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

/** The logs of `attempt` (the latest by default); `only`, when the caller wants one stream. An
 *  attempt not run yet is NotFound; a log that was stored and is gone is Gone. */
export async function readLogs(
  app: Pick<AppContext, 'store' | 'blobs'>,
  t: Task,
  attemptAsked: number | undefined,
  only: OutputStream | undefined,
): Promise<AttemptLogs> {
  const attempt = attemptAsked ?? t.attempt;
  if (attempt < 1 || attempt > t.attempt) throw new NotFound(ErrorCode.LogNotFound, `task ${t.id} has no attempt ${attempt} yet`);
  const summary = attempt === t.attempt ? t.summary : null;
  // A log the blob store did not take when the attempt ended (it was down): what the live
  // output kept of it instead.
  const unstored = Array.isArray(summary?.unstored) ? (summary.unstored as unknown[]) : [];
  const read = (stream: OutputStream) =>
    unstored.includes(stream) ? liveLog(app, t.id, attempt, stream) : app.blobs.get(logKey(t.id, attempt, stream));
  const [stdout, stderr] = await Promise.all([read('stdout'), read('stderr')]);
  // A log that was stored and is gone (deleted from the bucket, lost with a disk) must not
  // read as a task that printed nothing.
  const missing: OutputStream[] = [];
  for (const [stream, data] of [
    ['stdout', stdout],
    ['stderr', stderr],
  ] as const) {
    if (data === null && !unstored.includes(stream) && (await logWasStored(app, t, attempt, stream))) missing.push(stream);
  }
  const wanted = only ? missing.filter((m) => m === only) : missing;
  if (wanted.length > 0) {
    const other = only ? [] : (['stdout', 'stderr'] as const).filter((m) => !missing.includes(m));
    const detail =
      `the ${wanted.join(' and ')} log of attempt ${attempt} of task ${t.id} was stored but is no longer in the blob store ` +
      `(deleted or lost), so it cannot be shown` +
      (other.length > 0 ? `; ${other[0]} is available with ?stream=${other[0]}` : '');
    throw new Gone(ErrorCode.LogUnavailable, detail);
  }
  return {
    attempt,
    stdout,
    stderr,
    stdoutTruncated: summary?.stdoutTruncated === true,
    stderrTruncated: summary?.stderrTruncated === true,
  };
}

/** Whether an attempt's stream went to the blob store when it ended (a stream that printed
 *  nothing is never stored). The task row keeps the keys of its last finished attempt; of an
 *  earlier one, the live output the store keeps says whether it printed anything. */
async function logWasStored(app: Pick<AppContext, 'store'>, t: Task, attempt: number, stream: OutputStream): Promise<boolean> {
  const key = logKey(t.id, attempt, stream);
  if ((stream === 'stdout' ? t.stdoutKey : t.stderrKey) === key) return true;
  if (attempt >= t.attempt) return false; // running, or finished without output
  return (await liveLog(app, t.id, attempt, stream)).length > 0;
}

/** One stream of an attempt as its live output stored it, chunk by chunk (best effort: a
 *  flush the store refused is missing). */
async function liveLog(app: Pick<AppContext, 'store'>, taskId: string, attempt: number, stream: OutputStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  const page = 500;
  for (let cursor = { attempt, seq: 0 }; ; ) {
    const chunks = await app.store.readOutput(taskId, cursor, page);
    for (const c of chunks) {
      if (c.attempt !== attempt) return Buffer.concat(parts);
      if (c.stream === stream) parts.push(c.data);
      cursor = { attempt, seq: c.seq };
    }
    if (chunks.length < page) return Buffer.concat(parts);
  }
}
