/** What a built-in workload reports on fd 3 (workloads/child.ts), as read by the executor. */
import type { CapturedOutput } from './types.ts';

/** The first `cap` bytes of a stream (the built-in's fd-3 report: more than that is no report). */
export class ReportCollector {
  private readonly chunks: Buffer[] = [];
  private readonly cap: number;
  private kept = 0;
  bytes = 0;
  constructor(cap: number) {
    this.cap = cap;
  }
  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.kept < this.cap) {
      const part = chunk.length <= this.cap - this.kept ? chunk : chunk.subarray(0, this.cap - this.kept);
      this.chunks.push(part);
      this.kept += part.length;
    }
  }
  result(): CapturedOutput {
    return { data: Buffer.concat(this.chunks, this.kept), bytes: this.bytes, truncated: this.bytes > this.kept };
  }
}
