/**
 * What every resource of the Hangar REST API client shares (global fetch, no dependencies): the
 * base URL, the key, the timeout, request shaping and errors. Error responses
 * (application/problem+json) become an `ApiError`; a failed connection becomes a
 * `ConnectionError`.
 */

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

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
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

export const enc = encodeURIComponent;

/** Sends requests to one API with one key; the resources (./tasks.ts, ./functions.ts...) shape them. */
export class Transport {
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
      return await this.request('GET', path, {
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

  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, opts);
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

  async request(method: string, path: string, opts: RequestOptions): Promise<Response> {
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

/** One group of routes (src/api/routes/<group>.ts), as methods over the shared transport. */
export class Resource {
  protected readonly transport: Transport;
  constructor(transport: Transport) {
    this.transport = transport;
  }
}

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
