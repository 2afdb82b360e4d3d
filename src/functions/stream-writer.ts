/**
 * A streamed response written on towards its caller, with backpressure: each stream Hangar writes
 * a response into (the caller's event stream or chunked body, a worker host's answer to an API
 * node) holds about STREAM_HIGH_WATER_BYTES; past that, the writer's wait settles only once it
 * has drained (or closed: a caller gone takes nothing more, and the function runs on), and until
 * then the runtime (or the worker host) is not read. A runtime writing faster than its caller
 * reads is slowed down to the caller's pace instead of being buffered here: per stream, Hangar
 * holds this high-water mark plus one piece (a runtime's piece is at most 1 MB), and the kernel's
 * socket buffers, not the 20 MB a stream may reach.
 */
import type { Readable, Writable } from 'node:stream';

/** What one stream holds before its writer waits (Node's default for byte streams, said here). */
export const STREAM_HIGH_WATER_BYTES = 64 * 1024;

/** This process's streamed responses, as tests read them: the most bytes one stream held after a
 *  write, and how many writes waited for a stream to drain. */
export const streamedHeld = { peakBytes: 0, waits: 0 };

/** Writes `parts` (one piece) to `out`; a wait when `out` holds its high-water mark or more,
 *  settled when it drains or closes. Nothing is written to a stream ended or destroyed. */
export function writeStreamed(out: Writable, parts: Buffer[]): Promise<void> | undefined {
  if (out.destroyed || out.writableEnded) return undefined;
  // Not corked: a ServerResponse corked past its high-water mark never emits 'drain' (Node 24).
  let ok = true;
  for (const p of parts) ok = out.write(p);
  const held = out.writableLength + ((out as Writable & Partial<Readable>).readableLength ?? 0);
  if (held > streamedHeld.peakBytes) streamedHeld.peakBytes = held;
  if (ok) return undefined;
  streamedHeld.waits++;
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/** Stops reading `from` while any wait given to the answer is unsettled. */
export function pauser(from: { pause(): unknown; resume(): unknown }): (wait: Promise<void>) => void {
  let waiting = 0;
  return (wait) => {
    if (waiting++ === 0) from.pause();
    const settled = () => {
      if (--waiting === 0) from.resume();
    };
    wait.then(settled, settled);
  };
}
