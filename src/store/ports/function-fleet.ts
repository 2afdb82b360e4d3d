/**
 * The function fleet port (scale-out dispatch of synchronous invocations): the worker hosts
 * that run functions advertise where they listen and what they hold (free capacity, warm idle
 * instances by version), so that an API node without workers can send an invocation to one;
 * and the invocations in flight of functions with reserved concurrency are counted here, so
 * that the limit holds across every API node. Both kinds of row expire: a host that dies stops
 * being chosen when its advert lapses, and a lease of an API node that dies frees its slot once
 * its invocation could no longer be running. Hosts also report, with each advert, the peaks of
 * invocations in flight that provisioned concurrency scaling measures (app/scaling.ts), which the
 * scaling loop takes, whichever node runs it.
 */
import type { FunctionPeak } from '../../core/scaling.ts';

/** What a worker host says of itself. */
export interface FunctionHostAdvert {
  /** Unique per process (its worker id). */
  hostId: string;
  /** Base URL API nodes send invocations to: `http://10.0.0.5:8091`. */
  address: string;
  /** Invocations it runs at once before it counts as loaded (its worker slots). */
  capacity: number;
  /** Invocations running on it now. */
  busy: number;
  /** Its warm idle instances, by warm key (functions/warm-key: user, function, version, code). */
  warm: Record<string, number>;
  /** The version of the hop protocol it takes invocations in (app/dispatch.ts HOP_VERSION);
   *  absent: 1, a host from before hop versions. Kept in the warm map's JSON under a key no
   *  warm key can be (function-host-row.ts), so adverts carry it without a migration. */
  hop?: number;
}

export interface FunctionHostEntry extends FunctionHostAdvert {
  /** As advertised; 1 where the advert has none. */
  hop: number;
  /** When the advert was written (the store's clock, ms). */
  updatedAt: number;
  expiresAt: number;
}

/** The outcome of takeConcurrency. */
export type ConcurrencyTake =
  /** A slot is held under the lease id until released or until it expires. */
  | { taken: true; reserved: number }
  /** Every slot is taken (reserved: the limit, 0 throttles all). */
  | { taken: false; reserved: number }
  /** The function has no reserved concurrency: nothing is counted, nothing to release. */
  | { taken: true; reserved: null };

export interface FunctionFleet {
  /**
   * Writes (or replaces) the host's advert, valid for ttlMs, with the most invocations of each
   * function's alias or version it ran at once since its previous advert (none given: nothing
   * ran). A peak is kept as the most the host reported since takePeaks last took it.
   */
  advertiseHost(advert: FunctionHostAdvert, ttlMs: number, peaks?: readonly FunctionPeak[]): Promise<void>;
  /** The peaks hosts reported since the last take, summed across hosts per function's alias or
   *  version (each host's most, which may not have been at the same moment), and cleared. */
  takePeaks(): Promise<FunctionPeak[]>;
  /** Removes the host's advert (it stops, or stops running functions). */
  withdrawHost(hostId: string): Promise<void>;
  /** The adverts that have not expired, by host id. */
  listHosts(): Promise<FunctionHostEntry[]>;
  /**
   * Takes one of the function's reserved-concurrency slots for one invocation, counting every
   * unexpired lease of the function from every node; the lease lasts holdMs unless released.
   * Of two concurrent takes of the last slot exactly one wins. NotFound if there is no such
   * function.
   */
  takeConcurrency(userId: string, name: string, leaseId: string, holdMs: number): Promise<ConcurrencyTake>;
  /** Frees a lease's slot (nothing if it is gone). */
  releaseConcurrency(leaseId: string): Promise<void>;
}
