/** Live output: what running attempts write, chunk by chunk, in the order written. */

export type OutputStream = 'stdout' | 'stderr';

/** A piece of what an attempt wrote, in the order written: seq counts from 1 per attempt, over
 *  both streams. */
export interface OutputChunk {
  taskId: string;
  attempt: number;
  seq: number;
  stream: OutputStream;
  data: Buffer;
  at: number;
}

/** A place in a task's output: after chunk `seq` of `attempt`; { attempt: 0, seq: 0 } is the start. */
export interface OutputCursor {
  attempt: number;
  seq: number;
}
