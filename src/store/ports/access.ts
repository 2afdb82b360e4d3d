/** The access port: API keys, secrets, the audit log and shared request counts. */
import type { ApiKey, AuditEntry, NewApiKey, NewAuditEntry, SecretRecord, SigningKey } from '../../core/access.ts';
import type { Page } from '../../core/page.ts';

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  since?: number;
  until?: number;
  /** Opaque cursor from a previous page. */
  after?: string;
  limit: number;
}

export interface RequestCount {
  key: string;
  /** When the key's current window started (store clock, ms). */
  startedAt: number;
  /** Requests counted in it by every API node. */
  n: number;
}

/** Tenancy: keys, secrets and the audit log live in the same database as the tasks. */
export interface Access {
  // Tenancy: API keys, secrets and the audit log live in the same database as the tasks.
  createKey(key: NewApiKey): Promise<ApiKey>;
  /** The key (revoked or not) whose SHA-256 is `hash`. */
  keyByHash(hash: string): Promise<ApiKey | null>;
  /** The key (revoked or not) whose id is `id`, with its sealed raw key: what verifying an AWS
   *  signature made with it (access key id = key id) needs. */
  signingKey(id: string): Promise<SigningKey | null>;
  listKeys(filter: { userId?: string }): Promise<ApiKey[]>;
  /** Revoke a key; returns it (already revoked keys keep their first revocation time), or null. */
  revokeKey(id: string): Promise<ApiKey | null>;
  /** Calls the listener after a key is revoked, here or in every process sharing the store,
   *  and whenever such news may have been missed (before a LISTEN session starts, and when
   *  one is lost): what caches keys drops them. */
  subscribeKeys(listener: () => void): () => void;
  /** Record that a key was used (callers throttle this). */
  touchKey(id: string, at: number): Promise<void>;
  /** Create or replace a user's secret (ciphertext made above the store). */
  putSecret(userId: string, name: string, ciphertext: string): Promise<{ secret: SecretRecord; created: boolean }>;
  /** A user's secrets; only those named when `names` is given. */
  secretsOf(userId: string, names?: string[]): Promise<SecretRecord[]>;
  deleteSecret(userId: string, name: string): Promise<boolean>;
  appendAudit(entries: NewAuditEntry[]): Promise<void>;
  /** Newest first. */
  queryAudit(filter: AuditFilter): Promise<Page<AuditEntry>>;
  /** Delete audit entries older than the cutoff; returns how many went. */
  purgeAudit(olderThan: number, limit: number): Promise<number>;
  /** Adds requests counted in this process to the shared count of their keys' windows of
   *  `windowMs` (a window past its end starts again now) and returns each key's total and
   *  window start, with the store clock's now, and those of the `watch` keys, read only: the
   *  API's rate limit and HTTP API route throttles across API nodes (each caller its own keys).
   *  Only with StoreCapabilities.sharedRequestCounts (callers check it first); without it,
   *  where one process is the whole API (SQLite), it throws. */
  countRequests(counts: { key: string; n: number }[], windowMs: number, watch?: string[]): Promise<{ now: number; counts: RequestCount[] }>;
}
