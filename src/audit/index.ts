/**
 * The audit log's writer for the API: an entry of every call that changes something is
 * buffered for a moment and appended in one write, off the request's path. An entry is durable
 * with the next commit, not before the response. (A worker's entry of each execution does not
 * come here: it is written with the execution's outcome, in its transaction; Outcome.audit.)
 */
import { coerceError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { NewAuditEntry, Store } from '../store/index.ts';

export class AuditSink {
  private readonly store: Store;
  private readonly log: Logger;
  private buffer: NewAuditEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(store: Store, log: Logger) {
    this.store = store;
    this.log = log;
  }

  record(entry: NewAuditEntry): void {
    this.buffer.push(entry);
    if (this.buffer.length >= 256) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), 20);
  }

  /** Appends what is buffered; resolves when it is written. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const entries = this.buffer;
    this.buffer = [];
    if (entries.length > 0) {
      this.flushing = this.flushing
        .then(() => this.store.appendAudit(entries))
        .catch((err: unknown) => this.log.error({ err: coerceError(err), lost: entries.length }, 'audit entries could not be written'));
    }
    return this.flushing;
  }
}
