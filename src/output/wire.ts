/**
 * How live events look on the wire (SSE `data:` and WebSocket messages): JSON bodies, output as
 * UTF-8 text or base64 bytes.
 */
import { StringDecoder } from 'node:string_decoder';
import type { LiveEvent } from './follow.ts';

export type OutputEncoding = 'utf8' | 'base64';

/**
 * One per connection and task: UTF-8 text is decoded per attempt and stream, so a character
 * split across two chunks comes out whole (its first bytes wait for the rest). A client that
 * resumes after a chunk that ended inside a character gets the rest of it as U+FFFD; base64
 * gives the exact bytes.
 */
export class EventEncoder {
  private readonly decoders = new Map<string, StringDecoder>();
  private readonly encoding: OutputEncoding;

  constructor(encoding: OutputEncoding) {
    this.encoding = encoding;
  }

  body(e: LiveEvent): Record<string, unknown> {
    switch (e.type) {
      case 'status':
        return { taskId: e.taskId, status: e.status, attempt: e.attempt };
      case 'end':
        return { taskId: e.taskId, status: e.status };
      case 'output': {
        const common = { taskId: e.taskId, attempt: e.attempt, seq: e.seq, stream: e.stream, at: new Date(e.at).toISOString() };
        if (this.encoding === 'base64') return { ...common, encoding: 'base64', data: e.data.toString('base64') };
        const key = `${e.attempt}:${e.stream}`;
        let d = this.decoders.get(key);
        if (!d) this.decoders.set(key, (d = new StringDecoder('utf8')));
        return { ...common, encoding: 'utf8', data: d.write(e.data) };
      }
    }
  }
}
