/**
 * Hangar's own exchange with its built-in runtimes, beside the Runtime API's HTTP: after an
 * HTTP upgrade on the instance's Runtime API socket (`GET /2018-06-01/runtime/hangar-frames`,
 * `Upgrade: hangar-runtime-frames/1`), both ends send frames. The HTTP exchange costs two
 * requests per invocation (POST the answer, GET the next), each parsed on both sides; measured
 * at 16 concurrent invocations on 2 cores, the runtime's half alone was ~0.8 ms of CPU per
 * invocation. Here an invocation is one frame each way: the answer says "next" too.
 *
 * A frame: type (1 byte), head length and body length (4 bytes each, big-endian), the head (a
 * small JSON object), the body (raw bytes: the event, the result, the error document).
 *   runtime → Hangar  N next {}          (the first one ends the init phase, as the first GET /next)
 *                     R response {requestId} + result        (and next)
 *                     E error {requestId, errorType} + document (and next)
 *                     I init error {errorType} + document
 *                     S stream start {requestId, contentType}    (a streamed response: awslambda.
 *                       streamifyResponse; sent at the handler's first write, or its end)
 *                     C chunk {requestId} + bytes, as the handler wrote them (≤ 1 MB a frame)
 *                     after S, R {requestId} ends the stream (its body, if any, is its last
 *                       bytes), and E {requestId, errorType} + document ends it with the error
 *                       (what the Runtime API's HTTP says in its Lambda-Runtime-Function-Error-*
 *                       trailers); both also ask for the next invocation, as without S
 *   Hangar → runtime  V invocation {requestId, deadlineMs, invokedFunctionArn, traceId?,
 *                       clientContext?, cognitoIdentity?} + event
 *                     X refusal {status, errorType, errorMessage}  (what HTTP would answer 4xx;
 *                       a streamed response past its limit is refused once, at the chunk over it)
 * The runtime's side is written again in plain JavaScript in runtimes/nodejs/bootstrap.mjs.
 */

export const FRAMES_PATH = '/2018-06-01/runtime/hangar-frames';
export const FRAMES_PROTOCOL = 'hangar-runtime-frames/1';
const HEADER_BYTES = 9;
/** A head is a few fields; anything longer is not this protocol. */
const MAX_HEAD_BYTES = 64 * 1024;

export type FrameType = 'N' | 'R' | 'E' | 'I' | 'S' | 'C' | 'V' | 'X';

/** A frame as the buffers to write. `type` is one ASCII letter: the runtime exchange's
 *  (FrameType), or another exchange's that uses the same framing (app/dispatch.ts's hop). */
export function encodeFrame(type: string, head: object, body: Buffer = EMPTY): Buffer[] {
  const h = Buffer.from(JSON.stringify(head));
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header[0] = type.charCodeAt(0);
  header.writeUInt32BE(h.length, 1);
  header.writeUInt32BE(body.length, 5);
  return body.length > 0 ? [header, h, body] : [header, h];
}
const EMPTY = Buffer.alloc(0);

export interface Frame {
  type: string;
  head: Record<string, unknown>;
  /** The body, or 'too-large' when it passed the reader's limit (then it was skipped, not kept). */
  body: Buffer | 'too-large';
}

/**
 * Splits a byte stream into frames. A body over `maxBody` bytes is skipped as it arrives and its
 * frame given as 'too-large'; a head that is not a JSON object, or longer than 64 KB, is a
 * protocol error (the connection is not ours to read further): the reader stops there, as it
 * does when stop() is called, and reads nothing after it, even bytes already pushed.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The frame being read, once its header and head are in. */
  private pending: { type: string; head: Record<string, unknown>; bodyLen: number; skip: boolean } | null = null;
  private stopped = false;

  private readonly maxBody: number;
  private readonly onFrame: (f: Frame) => void;
  private readonly onError: (message: string) => void;

  constructor(maxBody: number, onFrame: (f: Frame) => void, onError: (message: string) => void) {
    this.maxBody = maxBody;
    this.onFrame = onFrame;
    this.onError = onError;
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // A frame's handler may stop the reader: the frames behind it in this chunk are not read.
    while (!this.stopped) {
      if (!this.pending) {
        if (this.buffered < HEADER_BYTES) return;
        const header = this.peek(HEADER_BYTES);
        const headLen = header.readUInt32BE(1);
        const bodyLen = header.readUInt32BE(5);
        if (headLen > MAX_HEAD_BYTES) {
          this.fail(`frame head of ${headLen} bytes`);
          return;
        }
        if (this.buffered < HEADER_BYTES + headLen) return;
        this.take(HEADER_BYTES);
        let head: unknown;
        try {
          head = JSON.parse(this.take(headLen).toString('utf8'));
        } catch {
          head = null;
        }
        if (!head || typeof head !== 'object' || Array.isArray(head)) {
          this.fail('frame head is not a JSON object');
          return;
        }
        this.pending = {
          type: String.fromCharCode(header[0]),
          head: head as Record<string, unknown>,
          bodyLen,
          skip: bodyLen > this.maxBody,
        };
      }
      const p = this.pending;
      if (p.skip) {
        const n = Math.min(p.bodyLen, this.buffered);
        this.take(n);
        p.bodyLen -= n;
        if (p.bodyLen > 0) return;
        this.pending = null;
        this.onFrame({ type: p.type, head: p.head, body: 'too-large' });
        continue;
      }
      if (this.buffered < p.bodyLen) return;
      this.pending = null;
      this.onFrame({ type: p.type, head: p.head, body: this.take(p.bodyLen) });
    }
  }

  /** Reads nothing more, and lets go of what is buffered. */
  stop(): void {
    this.stopped = true;
    this.chunks = [];
    this.buffered = 0;
    this.pending = null;
  }

  private fail(message: string): void {
    this.stop();
    this.onError(message);
  }

  /** The first n buffered bytes, left buffered. */
  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
  }

  /** The first n buffered bytes, taken out. */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0];
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}
