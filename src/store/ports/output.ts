/** The output port: live output chunks, for followers on any node. */
import type { OutputChunk, OutputCursor } from '../../core/output.ts';

export interface OutputLog {
  // Live output: what running attempts write, chunk by chunk, for followers on any node.
  /** Store chunks (a chunk already stored, same task, attempt and seq, is kept as it was), then
   *  tell output subscribers here and, where capabilities say so, in other processes. */
  appendOutput(chunks: OutputChunk[]): Promise<void>;
  /** A task's chunks after `after`, in order (attempt, then seq), at most `limit`. */
  readOutput(taskId: string, after: OutputCursor, limit: number): Promise<OutputChunk[]>;
  /** Calls the listener with a task's id when chunks of it were stored, or a worker's finish
   *  ended its attempt, here or elsewhere ('*' from elsewhere: any task), so a follower sees
   *  the end at once; and with `lane:<lane>` when a task of that lane was submitted, so the
   *  lane's followers (a terminal's) look for it. */
  subscribeOutput(listener: (taskId: string) => void): () => void;
}
