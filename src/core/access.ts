/** Tenancy's model: API keys (stored by hash), users' secrets (ciphertext only) and the audit log. */

export type KeyScope = 'user' | 'admin';

export interface NewApiKey {
  id: string;
  /** SHA-256 of the raw key, hex. The raw key itself never reaches the store. */
  hash: string;
  /** The key's first characters, to tell keys apart in lists. */
  prefix: string;
  userId: string;
  scope: KeyScope;
  name: string | null;
  /** The raw key sealed under the secrets master key (src/secrets), which AWS SigV4 verification
   *  needs: there the key is the secret access key. Absent or null: the key cannot sign AWS
   *  requests (keys made before migration 0017 have none). */
  sealedKey?: string | null;
}

/** The name a key's sealed copy is bound to (the cipher's associated data, with its owner), so
 *  a sealed key moved to another key's row does not open. Users' secret names cannot take this
 *  form (they are environment variable names). */
export const apiKeySealedName = (keyId: string): string => `api-key:${keyId}`;

export interface ApiKey extends Omit<NewApiKey, 'hash' | 'sealedKey'> {
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** A key as an AWS credential: its record (revoked or not) and its sealed raw key, or null when
 *  it was made before keys kept one. */
export interface SigningKey {
  key: ApiKey;
  sealedKey: string | null;
}

export interface SecretRecord {
  userId: string;
  name: string;
  /** AES-256-GCM output as SecretBox seals it (`v2:<key id>:` and base64 of nonce, tag, data;
   *  bare base64 when sealed before the keyring). */
  ciphertext: string;
  createdAt: number;
  updatedAt: number;
}

export interface NewAuditEntry {
  at: number;
  /** The user who acted (null: unauthenticated, or the platform itself). */
  actor: string | null;
  keyId: string | null;
  /** What was done, e.g. `POST /tasks`, `task.execute`. */
  action: string;
  /** The object acted on (task id, key id, secret name), when there is one. */
  target: string | null;
  /** Where from: the client's address, or the worker's id. */
  source: string | null;
  /** HTTP status, or the execution's final state. */
  outcome: string;
  detail: Record<string, unknown> | null;
}

export interface AuditEntry extends NewAuditEntry {
  id: number;
}
