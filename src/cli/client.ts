/**
 * A small HTTP client for the Hangar REST API (global fetch, no dependencies). Error
 * responses (application/problem+json) become an `ApiError`; a failed connection becomes a
 * `ConnectionError`.
 */
import type { z } from 'zod';
import type { BatchSubmitResponse, HistoryView, ListQuery, SubmitBody, SubmitResponse, TaskPage, TaskView } from '../api/schemas.ts';

export type SubmitRequest = z.input<typeof SubmitBody>;
export type SubmitResult = z.infer<typeof SubmitResponse>;
export type BatchSubmitResult = z.infer<typeof BatchSubmitResponse>;
export type Task = z.infer<typeof TaskView>;
export type Page = z.infer<typeof TaskPage>;
export type History = z.infer<typeof HistoryView>;
export type ListParams = Omit<Partial<z.input<typeof ListQuery>>, 'limit'> & { limit?: number };

export interface CancelResult {
  taskId: string;
  status: string;
  effect: 'cancelled' | 'requested' | 'already-final';
  message: string;
}

export interface Logs {
  taskId: string;
  attempt: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

export interface QueueDepth {
  queue: string;
  priority: number;
  queueType: string;
  pending: number;
  running: number;
}

export interface Queues {
  queues: { queue: string; pending: number; running: number; byPriority: QueueDepth[] }[];
  deadLettered: number;
}

export interface Health {
  status: 'healthy' | 'degraded' | 'unhealthy';
  checks: { database: boolean; storage: boolean; compute: boolean };
  metrics: Record<string, number>;
  warnings: string[];
  timestamp: string;
}

export interface Me {
  userId: string | null;
  scope: 'user' | 'admin';
  keyId: string | null;
  authentication: 'keys' | 'none';
}

export interface KeyInfo {
  keyId: string;
  prefix: string;
  userId: string;
  scope: 'user' | 'admin';
  name: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface SecretInfo {
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface AuditPage {
  entries: {
    id: number;
    at: string;
    actor: string | null;
    keyId: string | null;
    action: string;
    target: string | null;
    source: string | null;
    outcome: string;
    detail: Record<string, unknown> | null;
  }[];
  nextCursor: string | null;
}

export interface Project {
  projectId: string;
  name: string;
  userId: string | null;
  latestVersion: number;
  createdAt: string;
  filesUrl: string;
}

export interface ProjectVersion {
  version: number;
  createdAt: string;
  baseVersion: number | null;
  taskId: string | null;
  files: number;
  bytes: number;
  conflicts: string[];
}

/** An HTTP API as /http-apis shows it (src/api/routes/http-apis.ts). */
export interface HttpApiInfo {
  apiId: string;
  userId: string;
  name: string;
  cors: unknown;
  throttle: { rate: number; burst: number } | null;
  url: string;
  hostUrl: string;
  createdAt: string;
  updatedAt: string;
}

export type HttpRouteAuth = { kind: 'none' } | { kind: 'key' } | { kind: 'jwt'; issuer: string; audience: string[]; jwksUrl: string };

/** A route of an HTTP API. */
export interface HttpRouteInfo {
  apiId: string;
  routeKey: string;
  functionName: string;
  qualifier: string | null;
  auth: HttpRouteAuth;
  throttle: { rate: number; burst: number } | null;
  cacheTtlS: number;
  createdAt: string;
  updatedAt: string;
}

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
}

/** An alias as /functions/{name}/aliases shows it. */
export interface FunctionAliasInfo {
  name: string;
  functionName: string;
  userId: string;
  version: string;
  description: string;
  revisionId: string;
  createdAt: string;
  updatedAt: string;
}

export interface TerminalCommand {
  command: string;
  timeout?: number;
  env?: Record<string, string>;
  resources?: { cpu?: number; memory?: number };
}

export const FINAL_STATUSES: readonly string[] = ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'];

/** The API answered with an error (problem+json when it is Hangar answering). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly body: unknown;
  /** What the CLI adds for the user (e.g. where it looked for a key, on a 401). */
  hint: string | undefined;
  constructor(status: number, code: string, detail: string, body?: unknown) {
    super(`${detail} (${code})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.body = body;
  }
}

/** The API could not be reached at all (refused, DNS, timeout, TLS...). */
export class ConnectionError extends Error {
  readonly url: string;
  readonly reason: string;
  constructor(url: string, reason: string, cause?: unknown) {
    super(`cannot reach the Hangar API at ${url}: ${reason}`, { cause });
    this.name = 'ConnectionError';
    this.url = url;
    this.reason = reason;
  }
}

export interface ClientOptions {
  /** Per-request timeout, ms (default 30 s). */
  timeoutMs?: number;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Added to a 401's error: where the key came from, or where none was found. */
  keyHint?: string;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | undefined>;

interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with this content type. */
  raw?: { data: Buffer; type: string };
  /** Statuses besides 2xx that are answers, not errors. */
  accept?: number[];
  headers?: Record<string, string>;
  /** Instead of the per-request timeout. */
  signal?: AbortSignal;
}

export class HangarClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #apiKey: string | undefined;
  readonly #keyHint: string | undefined;

  constructor(baseUrl: string, opts: ClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#fetch = opts.fetch ?? fetch;
    this.#apiKey = opts.apiKey;
    this.#keyHint = opts.keyHint;
  }

  me(): Promise<Me> {
    return this.#json('GET', '/me');
  }

  createKey(body: { userId: string; scope?: 'user' | 'admin'; name?: string }): Promise<KeyInfo & { key: string }> {
    return this.#json('POST', '/keys', { body });
  }

  keys(userId?: string): Promise<{ keys: KeyInfo[] }> {
    return this.#json('GET', '/keys', { query: { userId } });
  }

  revokeKey(id: string): Promise<KeyInfo> {
    return this.#json('DELETE', `/keys/${enc(id)}`);
  }

  putSecret(name: string, value: string): Promise<SecretInfo> {
    return this.#json('PUT', `/secrets/${enc(name)}`, { body: { value } });
  }

  secrets(): Promise<{ secrets: SecretInfo[] }> {
    return this.#json('GET', '/secrets');
  }

  deleteSecret(name: string): Promise<{ name: string; deleted: true }> {
    return this.#json('DELETE', `/secrets/${enc(name)}`);
  }

  audit(
    query: { actor?: string; action?: string; target?: string; since?: string; cursor?: string; limit?: number } = {},
  ): Promise<AuditPage> {
    return this.#json('GET', '/audit', { query });
  }

  submit(body: SubmitRequest): Promise<SubmitResult> {
    return this.#json('POST', '/tasks', { body });
  }

  /** Up to 1,000 tasks, queued all or none. */
  submitBatch(tasks: SubmitRequest[]): Promise<BatchSubmitResult> {
    return this.#json('POST', '/tasks/batch', { body: { tasks } });
  }

  get(id: string): Promise<Task> {
    return this.#json('GET', `/tasks/${enc(id)}`);
  }

  list(params: ListParams = {}): Promise<Page> {
    return this.#json('GET', '/tasks', { query: params });
  }

  cancel(id: string): Promise<CancelResult> {
    return this.#json('POST', `/tasks/${enc(id)}/cancel`);
  }

  /** Both streams as JSON, or with `stream` only that stream's text. */
  logs(id: string, opts?: { attempt?: number }): Promise<Logs>;
  logs(id: string, opts: { attempt?: number; stream: 'stdout' | 'stderr' }): Promise<string>;
  async logs(id: string, opts: { attempt?: number; stream?: 'stdout' | 'stderr' } = {}): Promise<Logs | string> {
    const query = { attempt: opts.attempt, stream: opts.stream };
    if (opts.stream) return (await this.#request('GET', `/tasks/${enc(id)}/logs`, { query })).text();
    return this.#json('GET', `/tasks/${enc(id)}/logs`, { query });
  }

  history(id: string): Promise<History> {
    return this.#json('GET', `/tasks/${enc(id)}/history`);
  }

  queues(): Promise<Queues> {
    return this.#json('GET', '/queues');
  }

  dlq(params: { cursor?: string; limit?: number } = {}): Promise<Page> {
    return this.#json('GET', '/dlq', { query: params });
  }

  redrive(id: string): Promise<Task> {
    return this.#json('POST', `/dlq/${enc(id)}/redrive`);
  }

  createProject(body: { name: string; userId?: string }): Promise<Project> {
    return this.#json('POST', '/projects', { body });
  }

  projects(userId?: string): Promise<{ projects: Project[] }> {
    return this.#json('GET', '/projects', { query: { userId } });
  }

  project(id: string): Promise<Project & { versions: ProjectVersion[] }> {
    return this.#json('GET', `/projects/${enc(id)}`);
  }

  /** A tar or tar.gz archive as the project's next version. */
  uploadProject(id: string, archive: Buffer): Promise<ProjectVersion> {
    return this.#json('PUT', `/projects/${enc(id)}/files`, { raw: { data: archive, type: 'application/gzip' } });
  }

  /** A version (the latest unless given) as tar.gz. */
  async downloadProject(id: string, version?: number): Promise<{ version: number; archive: Buffer }> {
    const res = await this.#request('GET', `/projects/${enc(id)}/files`, { query: { version } });
    return { version: Number(res.headers.get('x-hangar-project-version')), archive: Buffer.from(await res.arrayBuffer()) };
  }

  /** Creates the function or updates it; `created` tells which. */
  /** The code: a zip, or a version of one of the user's projects (the server zips its files). */
  async deployFunction(
    name: string,
    code: Buffer | { projectId: string; version?: number },
    config: FunctionDeploy,
    userId?: string,
  ): Promise<{ function: FunctionInfo; created: boolean }> {
    const res = await this.#request('PUT', `/functions/${enc(name)}`, {
      query: { userId },
      body: { ...config, ...(Buffer.isBuffer(code) ? { zip: code.toString('base64') } : { project: code }) },
    });
    return { function: (await res.json()) as FunctionInfo, created: res.status === 201 };
  }

  functions(
    params: { userId?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ functions: FunctionInfo[]; nextCursor: string | null }> {
    return this.#json('GET', '/functions', { query: params });
  }

  function(name: string, params: { userId?: string; qualifier?: string } = {}): Promise<FunctionInfo> {
    return this.#json('GET', `/functions/${enc(name)}`, { query: params });
  }

  deleteFunction(name: string, userId?: string): Promise<{ name: string; deleted: true }> {
    return this.#json('DELETE', `/functions/${enc(name)}`, { query: { userId } });
  }

  /** Publishes $LATEST; with `revisionId`, only if it is still at that revision (If-Match). */
  publishFunction(name: string, opts: { userId?: string; description?: string; revisionId?: string } = {}): Promise<FunctionInfo> {
    return this.#json('POST', `/functions/${enc(name)}/versions`, {
      query: { userId: opts.userId },
      body: opts.description === undefined ? {} : { description: opts.description },
      headers: opts.revisionId === undefined ? undefined : { 'if-match': `"${opts.revisionId}"` },
    });
  }

  functionVersions(
    name: string,
    params: { userId?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ versions: FunctionInfo[]; nextCursor: string | null }> {
    return this.#json('GET', `/functions/${enc(name)}/versions`, { query: params });
  }

  /** Creates the alias or points it anew; `created` tells which. */
  async putFunctionAlias(
    name: string,
    alias: string,
    body: { version: string; description?: string },
    userId?: string,
  ): Promise<{ alias: FunctionAliasInfo; created: boolean }> {
    const res = await this.#request('PUT', `/functions/${enc(name)}/aliases/${enc(alias)}`, { query: { userId }, body });
    return { alias: (await res.json()) as FunctionAliasInfo, created: res.status === 201 };
  }

  functionAliases(name: string, userId?: string): Promise<{ aliases: FunctionAliasInfo[] }> {
    return this.#json('GET', `/functions/${enc(name)}/aliases`, { query: { userId } });
  }

  deleteFunctionAlias(name: string, alias: string, userId?: string): Promise<{ name: string; alias: string; deleted: true }> {
    return this.#json('DELETE', `/functions/${enc(name)}/aliases/${enc(alias)}`, { query: { userId } });
  }

  /** Reserves `reserved` concurrent instances, or removes the reservation (null). */
  functionConcurrency(name: string, reserved: number | null, userId?: string): Promise<{ name: string; reserved: number | null }> {
    const path = `/functions/${enc(name)}/concurrency`;
    return reserved === null
      ? this.#json('DELETE', path, { query: { userId } })
      : this.#json('PUT', path, { query: { userId }, body: { reserved } });
  }

  /** A function's invocations with their logs, newest first (`since`: epoch ms). */
  functionLogs(
    name: string,
    params: { userId?: string; since?: number; requestId?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ logs: (FunctionInvocationInfo & { log: string })[]; nextCursor: string | null }> {
    return this.#json('GET', `/functions/${enc(name)}/logs`, { query: params });
  }

  createHttpApi(
    body: {
      name: string;
      throttle?: { rate: number; burst: number };
      cors?: { allowOrigins: string[]; allowMethods: string[]; allowHeaders: string[]; maxAgeS?: number };
    },
    userId?: string,
  ): Promise<HttpApiInfo> {
    return this.#json('POST', '/http-apis', { query: { userId }, body });
  }

  httpApis(userId?: string): Promise<{ apis: HttpApiInfo[] }> {
    return this.#json('GET', '/http-apis', { query: { userId } });
  }

  httpApi(apiId: string, userId?: string): Promise<HttpApiInfo> {
    return this.#json('GET', `/http-apis/${enc(apiId)}`, { query: { userId } });
  }

  deleteHttpApi(apiId: string, userId?: string): Promise<{ apiId: string; deleted: true }> {
    return this.#json('DELETE', `/http-apis/${enc(apiId)}`, { query: { userId } });
  }

  addHttpRoute(
    apiId: string,
    body: {
      routeKey: string;
      functionName: string;
      qualifier?: string;
      auth?: HttpRouteAuth;
      throttle?: { rate: number; burst: number };
      cacheTtlS?: number;
    },
    userId?: string,
  ): Promise<HttpRouteInfo> {
    return this.#json('POST', `/http-apis/${enc(apiId)}/routes`, { query: { userId }, body });
  }

  httpRoutes(apiId: string, userId?: string): Promise<{ routes: HttpRouteInfo[] }> {
    return this.#json('GET', `/http-apis/${enc(apiId)}/routes`, { query: { userId } });
  }

  deleteHttpRoute(apiId: string, routeKey: string, userId?: string): Promise<{ apiId: string; routeKey: string; deleted: true }> {
    return this.#json('DELETE', `/http-apis/${enc(apiId)}/routes/${enc(routeKey)}`, { query: { userId } });
  }

  /** The function's URL (or an alias's, `qualifier`): its address and configuration. */
  functionUrl(name: string, opts: { qualifier?: string; userId?: string } = {}): Promise<FunctionUrlView> {
    return this.#json('GET', `/functions/${enc(name)}/url`, { query: opts });
  }

  /** Gives the function (or an alias) a URL, or changes its auth type and CORS. */
  putFunctionUrl(
    name: string,
    body: { authType: string; cors?: Record<string, unknown> | null },
    opts: { qualifier?: string; userId?: string } = {},
  ): Promise<FunctionUrlView> {
    return this.#json('PUT', `/functions/${enc(name)}/url`, { query: opts, body });
  }

  deleteFunctionUrl(name: string, opts: { qualifier?: string; userId?: string } = {}): Promise<{ name: string; deleted: true }> {
    return this.#json('DELETE', `/functions/${enc(name)}/url`, { query: opts });
  }

  /** Runs a function synchronously: its result (or error document, functionError set) as sent. */
  async invokeFunction(
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
  async invokeFunctionEvent(
    name: string,
    payload: Buffer | undefined,
    opts: { qualifier?: string; userId?: string } = {},
  ): Promise<{ requestId: string | null; taskId: string | null }> {
    const res = await this.#invoke(name, payload, { ...opts, type: 'Event' });
    await res.arrayBuffer();
    return { requestId: res.headers.get('x-hangar-request-id'), taskId: res.headers.get('x-hangar-task-id') };
  }

  #invoke(name: string, payload: Buffer | undefined, opts: { qualifier?: string; log?: boolean; userId?: string; type?: 'Event' }) {
    return this.#request('POST', `/functions/${enc(name)}/invoke`, {
      query: { qualifier: opts.qualifier, log: opts.log ? 'true' : undefined, userId: opts.userId, type: opts.type },
      ...(payload ? { raw: { type: 'application/json', data: payload } } : {}),
      // An invocation may run for up to Lambda's 900 s: longer than the client's usual timeout.
      signal: AbortSignal.timeout(960_000),
    });
  }

  runCommand(projectId: string, terminal: string, body: TerminalCommand): Promise<SubmitResult> {
    return this.#json('POST', `/projects/${enc(projectId)}/terminals/${enc(terminal)}/commands`, { body });
  }

  commands(projectId: string, terminal: string, params: { cursor?: string; limit?: number } = {}): Promise<Page> {
    return this.#json('GET', `/projects/${enc(projectId)}/terminals/${enc(terminal)}/commands`, { query: params });
  }

  /** 503 (unhealthy) still carries the health body, so it is returned, not thrown. */
  health(): Promise<Health> {
    return this.#json('GET', '/health', { accept: [503] });
  }

  /**
   * A long response (Server-Sent Events): the timeout bounds the wait for its headers only,
   * `signal` ends it.
   */
  async openStream(path: string, query: Query, signal?: AbortSignal): Promise<Response> {
    const ac = new AbortController();
    const abort = () => ac.abort(signal?.reason);
    signal?.addEventListener('abort', abort, { once: true });
    const timer = setTimeout(() => ac.abort(new DOMException('no answer', 'TimeoutError')), this.#timeoutMs);
    try {
      return await this.#request('GET', path, {
        query,
        accept: [],
        signal: ac.signal,
        headers: { accept: 'text/event-stream, application/problem+json' },
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  }

  async #json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.#request(method, path, opts);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(
        res.status,
        'BAD_RESPONSE',
        `${method} ${this.baseUrl}${path} answered ${res.status} with a body that is not JSON`,
      );
    }
  }

  async #request(method: string, path: string, opts: RequestOptions): Promise<Response> {
    let url = this.baseUrl + path;
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    if (qs.size > 0) url += `?${qs}`;
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json, text/plain', ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.raw) headers['content-type'] = opts.raw.type;
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        headers,
        body: opts.raw ? new Uint8Array(opts.raw.data) : opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal ?? AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      if (opts.signal?.aborted && !(opts.signal.reason instanceof DOMException && opts.signal.reason.name === 'TimeoutError')) throw err;
      throw new ConnectionError(this.baseUrl, reasonOf(err, this.#timeoutMs), err);
    }
    if (res.ok || opts.accept?.includes(res.status)) return res;
    const err = await apiError(res);
    if (res.status === 401) err.hint = this.#keyHint;
    throw err;
  }
}

const enc = encodeURIComponent;

async function apiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object') {
    const p = body as { code?: unknown; detail?: unknown; title?: unknown };
    if (typeof p.detail === 'string' || typeof p.code === 'string') {
      const detail = typeof p.detail === 'string' ? p.detail : typeof p.title === 'string' ? p.title : res.statusText;
      return new ApiError(res.status, typeof p.code === 'string' ? p.code : `HTTP_${res.status}`, detail, body);
    }
  }
  const snippet = text.trim().replace(/\s+/g, ' ').slice(0, 200);
  return new ApiError(res.status, `HTTP_${res.status}`, snippet || res.statusText || `HTTP ${res.status}`, body ?? text);
}

/** fetch() says "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND...) is in its cause. */
function reasonOf(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error && e.cause instanceof Error; i++) e = e.cause;
  if (e instanceof AggregateError && e.errors.length > 0) e = e.errors[0];
  if (e instanceof Error && e.message === 'bad port') return 'bad port (fetch refuses to connect to this port; run the API on another one)';
  if (e instanceof Error) return e.message || (e as { code?: string }).code || e.name;
  return String(e);
}

/** A function URL as GET /functions/{name}/url answers it. */
export interface FunctionUrlView {
  url: string;
  urlId: string;
  functionName: string;
  qualifier: string | null;
  userId: string;
  authType: 'NONE' | 'AWS_IAM';
  cors: {
    allowOrigins: string[];
    allowMethods: string[];
    allowHeaders: string[];
    exposeHeaders: string[];
    maxAgeS?: number;
    allowCredentials: boolean;
  } | null;
  invokeMode: string;
  createdAt: string;
  updatedAt: string;
}
