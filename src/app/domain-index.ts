/**
 * The gateway's index of custom domain names (core/http-api/domain.ts), per API node: every
 * domain name with its mappings, in memory, so the Host of a request is looked up
 * without waiting on the store — a request for no custom domain (the prefix and execute-api
 * forms, Hangar's own API) pays one Map lookup and nothing else, and none ever waits on a read.
 *
 * It is read again at once after a change through this node (refresh, awaited by the use
 * cases), and, where API nodes share the store, every DOMAINS_KEEP_MS in the background for changes
 * through the others: the
 * same second's staleness the gateway's cache of APIs has (API_KEEP_MS), without its per-request
 * read. While the store cannot be read, the last index read stays.
 */
import type { ServedDomain } from '../core/index.ts';
import type { Logger } from '../log/index.ts';

/** How often the index is read again in the background (changes through other API nodes). */
export const DOMAINS_KEEP_MS = 1000;

export class DomainIndex {
  private domains = new Map<string, ServedDomain>();
  private readonly load: () => Promise<ServedDomain[]>;
  private readonly log: Logger;
  /** null: no background reads (one process holds the store: every change is made here). */
  private readonly everyMs: number | null;
  private timer: NodeJS.Timeout | null = null;
  /** The read under way, which a refresh asked for meanwhile waits for and then reads again. */
  private reading: Promise<void> | null = null;
  private again = false;
  /** The last Host header that named no domain: requests to Hangar's own address repeat it and
   *  pay one comparison, not a parse and a lookup. Forgotten whenever the index is read. */
  private lastMiss: string | undefined;

  constructor(load: () => Promise<ServedDomain[]>, log: Logger, everyMs: number | null = DOMAINS_KEEP_MS) {
    this.load = load;
    this.log = log;
    this.everyMs = everyMs;
  }

  /** Reads the index, then again every everyMs until close(). */
  async start(): Promise<void> {
    await this.refresh();
    if (this.everyMs === null) return;
    this.timer = setInterval(() => void this.refresh(), this.everyMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The domain a request's Host header names (its port and case aside), if it is one. */
  forHost(host: string): ServedDomain | undefined {
    if (this.domains.size === 0 || host === this.lastMiss) return undefined;
    const colon = host.lastIndexOf(':');
    const name = (colon > 0 && !host.endsWith(']') ? host.slice(0, colon) : host).toLowerCase();
    const domain = this.domains.get(name.endsWith('.') ? name.slice(0, -1) : name);
    if (!domain) this.lastMiss = host;
    return domain;
  }

  /** Reads the index again; resolves once a read that began after the call has ended. */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        try {
          this.domains = new Map((await this.load()).map((d) => [d.domainName, d]));
          this.lastMiss = undefined;
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'domain names not read');
        }
      } while (this.again);
      this.reading = null;
    })();
    return this.reading;
  }
}
