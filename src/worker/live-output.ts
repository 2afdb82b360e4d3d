/**
 * Live output, the worker's side: every piece a running attempt writes gets the attempt's next
 * sequence number and is stored within a few milliseconds, for followers on any node
 * (src/output/follow.ts). One sink per worker batches the chunks of all its attempts into one
 * store write per flush, and one write is in flight at a time: a chatty task costs the store
 * one statement per flush, not one per line.
 *
 * Live output is best effort where the captured log is not: a flush the store refuses is
 * dropped (followers skip the gap), while the attempt's whole output still reaches the blob
 * store with its outcome. Each stream is stored as it comes up to `maxBytes` per attempt; past
 * that, the stream pauses, and when the attempt ends it gets the capture's marker ("… N bytes
 * omitted …") and the same tail as the captured log (src/executor/capture.ts). Storing every
 * byte live would put a task's whole output, however large, into the database.
 */
import { headTail, omittedMarker, TailBuffer } from '../executor/index.ts';
import type { Logger } from '../log/index.ts';
import type { OutputChunk, OutputStream } from '../core/index.ts';
import type { OutputLog, Store } from '../store/index.ts';

export interface OutputSinkOptions {
  /** How long the first chunk of a batch waits for others, ms; 0: until the event loop's next
   *  turn. Chunks that come while a write is in flight always wait for it and go together. */
  flushMs: number;
  /** Bytes stored per stream per attempt as they come; of the rest, the tail at the end (HANGAR_MAX_OUTPUT_BYTES). */
  maxBytes: number;
}

/** Consecutive pieces of one stream are joined into one chunk up to this size. */
const MAX_CHUNK_BYTES = 64 * 1024;

export class OutputSink {
  private pending: OutputChunk[] = [];
  /** A drain is scheduled (flushMs); one that finds nothing to write is harmless. */
  private scheduled = false;
  private inFlight: Promise<void> | null = null;
  /** Counts the batches taken for writing: a writer appends to its last chunk only while that
   *  chunk's batch has not been taken. */
  private generation = 0;
  /** Batches stored (or dropped): the one taken at generation g makes this g + 1. */
  private completed = 0;

  private readonly store: OutputLog & Pick<Store, 'now'>;
  private readonly log: Logger;
  private readonly o: OutputSinkOptions;

  constructor(store: OutputLog & Pick<Store, 'now'>, log: Logger, o: OutputSinkOptions) {
    this.store = store;
    this.log = log;
    this.o = o;
  }

  /** A writer for one attempt. */
  open(taskId: string, attempt: number): OutputWriter {
    return new OutputWriter(this, taskId, attempt, this.o.maxBytes);
  }

  /** @internal The writer's chunk joins the next batch; returns the batch's generation. */
  add(c: OutputChunk): number {
    this.pending.push(c);
    if (!this.scheduled && !this.inFlight) {
      this.scheduled = true;
      const go = () => {
        this.scheduled = false;
        void this.drain();
      };
      // 0: the next turn of the event loop, after the pieces that arrived with this one.
      if (this.o.flushMs > 0) setTimeout(go, this.o.flushMs);
      else setImmediate(go);
    }
    return this.generation;
  }

  /** The store's time (the database's, in the scale-out shape), which chunks are stamped with,
   *  as every other time a follower compares them with. */
  now(): number {
    return this.store.now();
  }

  /** @internal Is a chunk of batch `gen` still open to appends? */
  isOpen(gen: number): boolean {
    return gen === this.generation;
  }

  /** Resolves once the chunks added at generation `gen` (and before) are stored or dropped;
   *  chunks that other attempts add meanwhile do not hold it back. */
  async flushThrough(gen: number): Promise<void> {
    while (this.completed <= gen) await (this.inFlight ?? this.drain());
  }

  private drain(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const batch = this.pending;
    if (batch.length === 0) return Promise.resolve();
    this.pending = [];
    const gen = ++this.generation;
    this.inFlight = this.store
      .appendOutput(batch)
      .catch((err: unknown) =>
        this.log.warn({ err, chunks: batch.length }, 'live output not stored; followers skip it (the full log is kept)'),
      )
      .finally(() => {
        this.inFlight = null;
        this.completed = gen;
        // What arrived meanwhile goes now: it has waited at least as long as a flush.
        if (this.pending.length > 0) void this.drain();
      });
    return this.inFlight;
  }
}

export class OutputWriter {
  private seq = 0;
  /** Bytes of each stream stored as they came (at most maxBytes). */
  private readonly streamed: Record<OutputStream, number> = { stdout: 0, stderr: 0 };
  /** Past maxBytes: the last half-cap of what has not been stored, for the attempt's end. */
  private readonly held: Record<OutputStream, TailBuffer>;
  private last: { chunk: OutputChunk; gen: number } | null = null;

  private readonly sink: OutputSink;
  readonly taskId: string;
  readonly attempt: number;
  private readonly maxBytes: number;

  constructor(sink: OutputSink, taskId: string, attempt: number, maxBytes: number) {
    this.sink = sink;
    this.taskId = taskId;
    this.attempt = attempt;
    this.maxBytes = maxBytes;
    const { tail } = headTail(maxBytes);
    this.held = { stdout: new TailBuffer(tail), stderr: new TailBuffer(tail) };
  }

  write(stream: OutputStream, data: Buffer): void {
    if (data.length === 0) return;
    const room = Math.max(0, this.maxBytes - this.streamed[stream]);
    const now = data.length > room ? data.subarray(0, room) : data;
    if (now.length > 0) {
      this.streamed[stream] += now.length;
      this.append(stream, now);
    }
    if (now.length < data.length) this.held[stream].push(data.subarray(now.length));
  }

  private append(stream: OutputStream, piece: Buffer): void {
    const last = this.last;
    if (last && last.chunk.stream === stream && this.sink.isOpen(last.gen) && last.chunk.data.length + piece.length <= MAX_CHUNK_BYTES) {
      last.chunk.data = Buffer.concat([last.chunk.data, piece]);
      return;
    }
    // Copied: the executor's buffers may be reused.
    const chunk: OutputChunk = {
      taskId: this.taskId,
      attempt: this.attempt,
      seq: ++this.seq,
      stream,
      data: Buffer.from(piece),
      at: this.sink.now(),
    };
    this.last = { chunk, gen: this.sink.add(chunk) };
  }

  /** Stores what is left: of a stream that outgrew maxBytes, the marker of what was left out
   *  and the same tail as the captured log. The attempt's outcome is recorded after this, so a
   *  follower that sees the task finished has already been able to read all of its output. */
  async close(): Promise<void> {
    for (const stream of ['stdout', 'stderr'] as const) {
      const held = this.held[stream];
      if (held.dropped > 0) this.append(stream, omittedMarker(held.dropped));
      const tail = held.take();
      for (let i = 0; i < tail.length; i += MAX_CHUNK_BYTES) this.append(stream, tail.subarray(i, i + MAX_CHUNK_BYTES));
    }
    if (this.last) await this.sink.flushThrough(this.last.gen);
  }
}
