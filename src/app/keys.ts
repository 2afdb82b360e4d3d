/** API keys (created by src/auth's createKey): revoking one. */
import { ErrorCode, NotFound } from '../core/errors.ts';
import type { ApiKey } from '../core/index.ts';
import type { Access } from '../store/index.ts';

/** Revokes a key: refused from the next request on. A key that does not exist is NotFound. */
export async function revokeKey(store: Pick<Access, 'revokeKey'>, id: string): Promise<ApiKey> {
  const k = await store.revokeKey(id);
  if (!k) throw new NotFound(ErrorCode.KeyNotFound, `key ${id} not found`);
  return k;
}
