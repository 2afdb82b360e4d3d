/**
 * What is kept of a task's stdout or stderr: all of it up to the cap (HANGAR_MAX_OUTPUT_BYTES);
 * beyond, its first half-cap and its last half-cap with a marker between that says how much was
 * left out, as CI systems keep long logs: the end, where the error usually is, survives.
 */
import type { CapturedOutput } from './types.ts';

/** How a cap splits into the bytes kept from the start and from the end. */
export function headTail(cap: number): { head: number; tail: number } {
  const head = Math.floor(cap / 2);
  return { head, tail: cap - head };
}

/** The line that stands for the bytes left out; on a line of its own in the kept log. */
export function omittedMarker(bytes: number): Buffer {
  return Buffer.from(`\n… ${bytes} bytes omitted …\n`);
}

/** The last `cap` bytes pushed into it (copied: the caller's buffers may be reused). */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes pushed out of the front. */
  dropped = 0;
  private readonly cap: number;

  constructor(cap: number) {
    this.cap = cap;
  }

  get length(): number {
    return this.size;
  }

  push(chunk: Buffer): void {
    if (chunk.length >= this.cap) {
      this.dropped += this.size + chunk.length - this.cap;
      this.chunks = this.cap > 0 ? [Buffer.from(chunk.subarray(chunk.length - this.cap))] : [];
      this.size = this.cap;
      return;
    }
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
    while (this.size > this.cap) {
      const over = this.size - this.cap;
      const first = this.chunks[0];
      if (first.length <= over) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(over);
        this.size -= over;
        this.dropped += over;
      }
    }
  }

  take(): Buffer {
    const all = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    return all;
  }
}

/** Collects one stream of an attempt. Memory: at most the cap, whatever the program writes. */
export class OutputCapture {
  private readonly headChunks: Buffer[] = [];
  private headSize = 0;
  private readonly headCap: number;
  private readonly rest: TailBuffer;
  bytes = 0;

  constructor(cap: number) {
    const { head, tail } = headTail(cap);
    this.headCap = head;
    this.rest = new TailBuffer(tail);
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let c = chunk;
    if (this.headSize < this.headCap) {
      const part = c.subarray(0, this.headCap - this.headSize);
      this.headChunks.push(Buffer.from(part));
      this.headSize += part.length;
      c = c.subarray(part.length);
    }
    if (c.length > 0) this.rest.push(c);
  }

  result(): CapturedOutput {
    const head = Buffer.concat(this.headChunks, this.headSize);
    const omitted = this.rest.dropped;
    const tail = this.rest.take();
    if (omitted === 0) return { data: Buffer.concat([head, tail]), bytes: this.bytes, truncated: false };
    const marker = omittedMarker(omitted);
    return {
      data: Buffer.concat([head, marker, tail]),
      bytes: this.bytes,
      truncated: true,
      omitted: { start: head.length, end: head.length + marker.length, bytes: omitted },
    };
  }
}
