/**
 * The few calls of Hangar's native REST API the example makes (docs/api.md), with fetch: a
 * refusal throws with the problem's code and detail.
 */
export class HangarApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(method: string, path: string, status: number, body: { code?: string; detail?: string; title?: string } | string) {
    const what = typeof body === 'string' ? body : `${body.code ?? ''} ${body.detail ?? body.title ?? ''}`.trim();
    super(`${method} ${path}: ${status} ${what}`);
    this.name = 'HangarApiError';
    this.status = status;
    this.code = typeof body === 'string' ? undefined : body.code;
  }
}

export class Hangar {
  readonly url: string;
  private readonly key: string;
  constructor(url: string, key: string) {
    this.url = url.replace(/\/$/, '');
    this.key = key;
  }

  async call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.raw(method, path, body, headers);
    const text = await res.text();
    const parsed = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
    if (!res.ok) throw new HangarApiError(method, path, res.status, parsed);
    return parsed as T;
  }

  raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const isBytes = body instanceof Uint8Array;
    return fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { 'content-type': isBytes ? 'application/gzip' : 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: isBytes ? body : JSON.stringify(body) }),
    });
  }
}

/** Polls `read` every `everyMs` until it answers something other than undefined, for at most `ms`. */
export async function until<T>(what: string, read: () => Promise<T | undefined>, ms: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
