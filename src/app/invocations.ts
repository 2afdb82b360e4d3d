/**
 * A function's invocation records and logs, newest first (core/invocation.ts): what
 * `GET /functions/{name}/invocations`, `…/logs`, `hangar function logs` and the dashboard read.
 * The function must exist (NotFound otherwise, as every other read of it): its records are kept
 * until retention removes them, and a function made again under the same name sees them, as a
 * Lambda function's log group outlives the function.
 */
import type { BlobStore } from '../blobs/index.ts';
import type { InvocationRecord, Page } from '../core/index.ts';
import type { FunctionInvocations, Functions } from '../store/index.ts';
import { getFunction } from './functions.ts';

export interface InvocationsApp {
  functions: Functions;
  functionInvocations: FunctionInvocations;
  blobs: BlobStore;
}

export interface InvocationQuery {
  requestId?: string;
  /** Epoch ms: only invocations that ended at or after it. */
  since?: number;
  after?: string;
  limit: number;
}

export async function listInvocations(
  app: InvocationsApp,
  userId: string,
  functionName: string,
  q: InvocationQuery,
): Promise<Page<InvocationRecord>> {
  const f = await getFunction(app, userId, functionName);
  return app.functionInvocations.listInvocations({ userId, functionName: f.name, ...q });
}

/** The records with their logs in the rows (those kept in the blob store read from it; one
 *  removed from there meanwhile is an empty log, not a failure of the page). */
export async function invocationLogs(
  app: InvocationsApp,
  userId: string,
  functionName: string,
  q: InvocationQuery,
): Promise<Page<InvocationRecord & { log: Buffer }>> {
  const page = await listInvocations(app, userId, functionName, q);
  return { items: await withLogs(page.items, app.blobs), nextCursor: page.nextCursor };
}

/** The records with their logs: in the row, or read from the blob store (one removed from
 *  there meanwhile is an empty log). */
export function withLogs(records: InvocationRecord[], blobs: BlobStore): Promise<(InvocationRecord & { log: Buffer })[]> {
  return Promise.all(
    records.map(async (r) => ({
      ...r,
      log: r.log ?? (r.logKey ? ((await blobs.get(r.logKey)) ?? Buffer.alloc(0)) : Buffer.alloc(0)),
    })),
  );
}
