/**
 * Functions, their invocations and logs: /functions/{name}, …/invoke, …/logs
 * (src/api/routes/functions.ts, function-invoke.ts, function-logs.ts).
 */
import { enc, Resource } from './core.ts';

/** A function as GET /functions/{name} shows it (src/api/routes/functions.ts). */
export interface FunctionInfo {
  name: string;
  userId: string;
  version: string;
  runtime: string;
  runtimeFamily: string;
  handler: string | null;
  memoryMb: number;
  timeoutS: number;
  environment: Record<string, string>;
  secrets: string[];
  network: string;
  description: string;
  state: string;
  revisionId: string;
  lastModified: string;
  code: { sha256: string; size: number; url: string };
  /** Lambda's LoggingConfig: Text, or JSON with its levels. */
  logging: { format: string; applicationLogLevel?: string; systemLogLevel?: string };
  /** A function packaged as a container image: the image and its ImageConfig overrides. */
  image?: { uri: string; name: string; entryPoint?: string[]; command?: string[]; workingDirectory?: string };
  /** Published versions (GET of one function only). */
  versions?: number;
}

/** One invocation as GET /functions/{name}/invocations shows it (src/api/routes/function-logs.ts);
 *  `log` on GET /functions/{name}/logs only. */
export interface FunctionInvocationInfo {
  requestId: string;
  functionName: string;
  userId: string;
  executedVersion: string;
  invocationType: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  initDurationMs: number | null;
  status: 'success' | 'error' | 'timeout';
  errorType: string | null;
  memoryMb: number;
  maxMemoryUsedMb: number | null;
  logBytes: number;
  log?: string;
}

/** What a deploy sends besides the zip: for a new function its runtime at least; for an
 *  existing one only the fields to change. */
export interface FunctionDeploy {
  runtime?: string;
  handler?: string;
  memoryMb?: number;
  timeoutS?: number;
  environment?: Record<string, string>;
  /** Names of the user's secrets, given to the function as environment variables. */
  secrets?: string[];
  /** `none` or `egress` (checked by the server). */
  network?: string;
  /** Text or JSON logs and JSON's levels (checked by the server); absent: unchanged. */
  logging?: { format?: string; applicationLogLevel?: string; systemLogLevel?: string };
}

/** A deploy's code: a zip, a version of one of the user's projects (the server zips its files),
 *  or a container image imported on the server (a name or an ImageUri) with ImageConfig overrides. */
export type FunctionCodeSource =
  | Buffer
  | { projectId: string; version?: number }
  | { image: string; imageConfig?: { entryPoint?: string[]; command?: string[]; workingDirectory?: string } };

export class Functions extends Resource {
  /**
   * Creates the function or updates it; `created` tells which. The code: FunctionCodeSource.
   */
  async deploy(
    name: string,
    code: FunctionCodeSource,
    config: FunctionDeploy,
    userId?: string,
  ): Promise<{ function: FunctionInfo; created: boolean }> {
    const res = await this.transport.request('PUT', `/functions/${enc(name)}`, {
      query: { userId },
      body: { ...config, ...(Buffer.isBuffer(code) ? { zip: code.toString('base64') } : 'image' in code ? code : { project: code }) },
    });
    return { function: (await res.json()) as FunctionInfo, created: res.status === 201 };
  }

  list(
    params: { userId?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ functions: FunctionInfo[]; nextCursor: string | null }> {
    return this.transport.json('GET', '/functions', { query: params });
  }

  get(name: string, params: { userId?: string; qualifier?: string } = {}): Promise<FunctionInfo> {
    return this.transport.json('GET', `/functions/${enc(name)}`, { query: params });
  }

  delete(name: string, userId?: string): Promise<{ name: string; deleted: true }> {
    return this.transport.json('DELETE', `/functions/${enc(name)}`, { query: { userId } });
  }

  /** Runs a function synchronously: its result (or error document, functionError set) as sent. */
  async invoke(
    name: string,
    payload: Buffer | undefined,
    opts: { qualifier?: string; log?: boolean; userId?: string } = {},
  ): Promise<{ payload: string; executedVersion: string | null; functionError: string | null; log: string | null }> {
    const res = await this.#invoke(name, payload, { ...opts, type: undefined });
    const log = res.headers.get('x-hangar-log-result');
    return {
      payload: await res.text(),
      executedVersion: res.headers.get('x-hangar-executed-version'),
      functionError: res.headers.get('x-hangar-function-error'),
      log: log === null ? null : Buffer.from(log, 'base64').toString('utf8'),
    };
  }

  /** Stores an Event (asynchronous) invocation: its request id and the task a worker runs it as. */
  async invokeEvent(
    name: string,
    payload: Buffer | undefined,
    opts: { qualifier?: string; userId?: string } = {},
  ): Promise<{ requestId: string | null; taskId: string | null }> {
    const res = await this.#invoke(name, payload, { ...opts, type: 'Event' });
    await res.arrayBuffer();
    return { requestId: res.headers.get('x-hangar-request-id'), taskId: res.headers.get('x-hangar-task-id') };
  }

  #invoke(name: string, payload: Buffer | undefined, opts: { qualifier?: string; log?: boolean; userId?: string; type?: 'Event' }) {
    return this.transport.request('POST', `/functions/${enc(name)}/invoke`, {
      query: { qualifier: opts.qualifier, log: opts.log ? 'true' : undefined, userId: opts.userId, type: opts.type },
      ...(payload ? { raw: { type: 'application/json', data: payload } } : {}),
      // An invocation may run for up to Lambda's 900 s: longer than the client's usual timeout.
      signal: AbortSignal.timeout(960_000),
    });
  }

  /** A function's invocations with their logs, newest first (`since`: epoch ms). */
  logs(
    name: string,
    params: { userId?: string; since?: number; requestId?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ logs: (FunctionInvocationInfo & { log: string })[]; nextCursor: string | null }> {
    return this.transport.json('GET', `/functions/${enc(name)}/logs`, { query: params });
  }
}
