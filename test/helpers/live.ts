/** Clients of the live endpoints for tests: a WebSocket that records messages, and an SSE reader. */
import WebSocket from 'ws';

export type Msg = Record<string, unknown> & { type: string };

export class WsClient {
  readonly messages: Msg[] = [];
  readonly ws: WebSocket;
  closed: { code: number; reason: string } | null = null;
  private readonly opened: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', { headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Msg);
      this.poke();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.poke();
    });
  }

  private poke(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async send(msg: object): Promise<void> {
    await this.opened;
    this.ws.send(JSON.stringify(msg));
  }

  /** The first message (from index `from`) that matches, waiting up to `ms`. */
  async waitFor(pred: (m: Msg) => boolean, ms = 20_000, from = 0): Promise<Msg> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.messages.slice(from).find(pred);
      if (m) return m;
      if (this.closed)
        throw new Error(
          `socket closed (${this.closed.code} ${this.closed.reason}) before the message came; got ${JSON.stringify(this.messages.slice(-5))}`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${ms} ms; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  async waitClosed(ms = 20_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (!this.closed) throw new Error('socket not closed');
    return this.closed;
  }

  /** Output messages of a channel, in arrival order. */
  output(channel: string): Msg[] {
    return this.messages.filter((m) => m.type === 'output' && m.channel === channel);
  }

  close(): void {
    this.ws.close();
  }
}

export interface SseEvent {
  id: string | null;
  event: string;
  data: Record<string, unknown>;
}

/** Reads an SSE response to its end (the server ends it after the task's 'end' event). */
export async function readSse(url: string, headers: Record<string, string>): Promise<{ status: number; events: SseEvent[] }> {
  const res = await fetch(url, { headers });
  if (!res.ok || !res.body) return { status: res.status, events: [] };
  const text = await res.text();
  const events = text.split('\n\n').flatMap((block) => eventOf(block) ?? []);
  return { status: res.status, events };
}

/** One SSE block's event; null for a comment alone (a keep-alive). */
function eventOf(block: string): SseEvent | null {
  const lines = block.split('\n').filter((l) => l && !l.startsWith(':'));
  if (lines.length === 0) return null;
  const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? null;
  return { id: field('id'), event: field('event') ?? 'message', data: JSON.parse(field('data') ?? 'null') as Record<string, unknown> };
}

/** An SSE response read as it comes (for streams that do not end by themselves). */
export interface OpenSse {
  status: number;
  /** The response body when it was not a stream (an error). */
  body: string;
  /** The next event (keep-alive comments skipped); fails when the stream ends first. */
  next(): Promise<SseEvent>;
  /** Hangs up. */
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<OpenSse> {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  if (!res.ok || !res.body)
    return { status: res.status, body: await res.text(), next: () => Promise.reject(new Error('no stream')), close: () => {} };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  return {
    status: res.status,
    body: '',
    async next() {
      for (;;) {
        const end = buf.indexOf('\n\n');
        if (end >= 0) {
          const e = eventOf(buf.slice(0, end));
          buf = buf.slice(end + 2);
          if (e) return e;
          continue;
        }
        const { done, value } = await reader.read();
        if (done) throw new Error(`the stream ended; left: ${JSON.stringify(buf)}`);
        buf += decoder.decode(value, { stream: true });
      }
    },
    close() {
      ac.abort();
    },
  };
}
