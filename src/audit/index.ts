/**
 * The audit log's writer for the API: an entry of every call that changes something, written
 * before the call's response goes out, so an answered call is audited even if the process dies
 * the moment after. Entries of the calls that end in one turn of the event loop share one
 * write (group commit), so a busy API adds one append per turn, not one per call. (A worker's
 * entry of each execution does not come here: it is written with the execution's outcome, in
 * its transaction; Outcome.audit.)
 */
import { coerceError } from '../core/index.ts';
import type { Logger } from '../log/index.ts';
import type { NewAuditEntry } from '../core/index.ts';
import type { Access } from '../store/index.ts';

export class AuditSink {
  private readonly store: Pick<Access, 'appendAudit'>;
  private readonly log: Logger;
  private buffer: NewAuditEntry[] = [];
  private scheduled: Promise<void> | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(store: Pick<Access, 'appendAudit'>, log: Logger) {
    this.store = store;
    this.log = log;
  }

  /** Appends the entry with the others of this turn; resolves once written (or once the
   *  failure to write it is logged: the call it records has happened either way). */
  write(entry: NewAuditEntry): Promise<void> {
    this.buffer.push(entry);
    this.scheduled ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.scheduled = null;
      return this.flush();
    });
    return this.scheduled;
  }

  /** Appends what is buffered; resolves when it is written. */
  flush(): Promise<void> {
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
