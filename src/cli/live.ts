/**
 * Following a task from the CLI: the API's Server-Sent Events (GET /tasks/{id}/logs?follow=true,
 * docs/api.md, "Live output"), as events. Output comes base64-encoded, so the bytes a task wrote are
 * the bytes the CLI writes. A dropped connection is made again from the last event id (the
 * server resumes there with no gap and no duplicate); it gives up after MAX_RETRIES failures in
 * a row.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, ConnectionError, type FunctionInvocationInfo, type HangarClient } from './client/index.ts';

export type FollowEvent =
  | { type: 'status'; status: string; attempt: number }
  | { type: 'output'; attempt: number; stream: 'stdout' | 'stderr'; data: Buffer }
  | { type: 'end'; status: string };

const MAX_RETRIES = 5;

interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

/** The frames of an SSE body, as the spec splits them (fields per line, a blank line ends one). */
async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buf = '';
  let frame: SseFrame = { id: null, event: 'message', data: '' };
  let hasData = false;
  for await (const bytes of body) {
    buf += decoder.decode(bytes, { stream: true });
    let nl: number;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (hasData) yield frame;
        frame = { id: null, event: 'message', data: '' };
        hasData = false;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') frame.id = value;
      else if (field === 'event') frame.event = value;
      else if (field === 'data') {
        frame.data = hasData ? `${frame.data}\n${value}` : value;
        hasData = true;
      }
    }
  }
}

/**
 * The frames of a live stream at `path` (the query plus `after`, from the last event id once one
 * came), made again when it breaks off; gives up after MAX_RETRIES failures in a row. An
 * ApiError (a 4xx before the stream starts) is thrown as it is. `what` names it in errors.
 */
async function* resuming(
  client: HangarClient,
  path: string,
  query: Record<string, string | number | undefined>,
  what: string,
  opts: { after?: string; signal?: AbortSignal },
): AsyncGenerator<SseFrame> {
  let after = opts.after;
  let failures = 0;
  for (;;) {
    let lastError: unknown = null;
    try {
      const res = await client.openStream(path, { ...query, after }, opts.signal);
      if (!res.body) throw new ConnectionError(client.baseUrl, 'the live stream had no body');
      for await (const f of frames(res.body)) {
        if (f.id) after = f.id;
        failures = 0;
        // 'error': the server's stream failed; resuming from the last id is what it asks for.
        if (f.event !== 'error') yield f;
      }
    } catch (err) {
      if (err instanceof ApiError || opts.signal?.aborted) throw err;
      lastError = err;
    }
    if (++failures > MAX_RETRIES) {
      if (lastError instanceof ConnectionError) throw lastError;
      throw new ConnectionError(
        client.baseUrl,
        `the live stream of ${what} broke off ${failures} times${lastError instanceof Error ? ` (${lastError.message})` : ''}`,
        lastError,
      );
    }
    await sleep(250 * 2 ** (failures - 1), undefined, { signal: opts.signal });
  }
}

/** The task's events after `after` ("<attempt>.<seq>"; from its first output by default),
 *  ending with its 'end' event. */
export async function* followTask(
  client: HangarClient,
  taskId: string,
  opts: { after?: string; signal?: AbortSignal } = {},
): AsyncGenerator<FollowEvent> {
  const path = `/tasks/${encodeURIComponent(taskId)}/logs`;
  for await (const f of resuming(client, path, { follow: 'true', encoding: 'base64' }, `task ${taskId}`, opts)) {
    const d = JSON.parse(f.data) as Record<string, unknown>;
    if (f.event === 'status') yield { type: 'status', status: String(d.status), attempt: Number(d.attempt) };
    else if (f.event === 'output')
      yield {
        type: 'output',
        attempt: Number(d.attempt),
        stream: d.stream === 'stderr' ? 'stderr' : 'stdout',
        data: Buffer.from(String(d.data), 'base64'),
      };
    else if (f.event === 'end') {
      yield { type: 'end', status: String(d.status) };
      return;
    }
  }
}

/** A function's invocations with their logs as they are recorded (GET /functions/{name}/logs/live):
 *  those since `since` (epoch ms), or the latest `limit`, then each new one, until `signal`. */
export async function* followFunctionLogs(
  client: HangarClient,
  name: string,
  opts: { since?: number; limit?: number; userId?: string; signal?: AbortSignal } = {},
): AsyncGenerator<FunctionInvocationInfo & { log: string }> {
  const query = { since: opts.since, limit: opts.limit, userId: opts.userId };
  for await (const f of resuming(client, `/functions/${encodeURIComponent(name)}/logs/live`, query, `function ${name}`, opts)) {
    if (f.event === 'invocation') yield JSON.parse(f.data) as FunctionInvocationInfo & { log: string };
  }
}
