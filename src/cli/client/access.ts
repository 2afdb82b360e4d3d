/** Who the key is, keys, secrets and the audit log: /me, /keys, /secrets, /audit (src/api/routes/access.ts). */
import { enc, Resource } from './core.ts';

export interface Me {
  userId: string | null;
  scope: 'user' | 'admin';
  keyId: string | null;
  authentication: 'keys' | 'none';
}

export interface KeyInfo {
  keyId: string;
  prefix: string;
  userId: string;
  scope: 'user' | 'admin';
  name: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface SecretInfo {
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface AuditPage {
  entries: {
    id: number;
    at: string;
    actor: string | null;
    keyId: string | null;
    action: string;
    target: string | null;
    source: string | null;
    outcome: string;
    detail: Record<string, unknown> | null;
  }[];
  nextCursor: string | null;
}

export class Access extends Resource {
  me(): Promise<Me> {
    return this.transport.json('GET', '/me');
  }

  createKey(body: { userId: string; scope?: 'user' | 'admin'; name?: string }): Promise<KeyInfo & { key: string }> {
    return this.transport.json('POST', '/keys', { body });
  }

  keys(userId?: string): Promise<{ keys: KeyInfo[] }> {
    return this.transport.json('GET', '/keys', { query: { userId } });
  }

  revokeKey(id: string): Promise<KeyInfo> {
    return this.transport.json('DELETE', `/keys/${enc(id)}`);
  }

  putSecret(name: string, value: string): Promise<SecretInfo> {
    return this.transport.json('PUT', `/secrets/${enc(name)}`, { body: { value } });
  }

  secrets(): Promise<{ secrets: SecretInfo[] }> {
    return this.transport.json('GET', '/secrets');
  }

  deleteSecret(name: string): Promise<{ name: string; deleted: true }> {
    return this.transport.json('DELETE', `/secrets/${enc(name)}`);
  }

  audit(
    query: { actor?: string; action?: string; target?: string; since?: string; cursor?: string; limit?: number } = {},
  ): Promise<AuditPage> {
    return this.transport.json('GET', '/audit', { query });
  }
}
