/** A user's secrets: stored sealed (src/secrets), opened only for the tasks that name them. */
import { ErrorCode, InvalidInput, NotFound } from '../core/errors.ts';
import type { SecretBox } from '../secrets/index.ts';
import type { SecretRecord } from '../core/index.ts';
import type { Access } from '../store/index.ts';

/** Creates or replaces one secret, sealed under the master key. */
export async function putSecret(
  app: { store: Pick<Access, 'putSecret'>; secrets: SecretBox },
  userId: string,
  name: string,
  value: string,
): Promise<{ secret: SecretRecord; created: boolean }> {
  return app.store.putSecret(userId, name, app.secrets.seal(userId, name, value));
}

/** Deletes one secret; one that does not exist is NotFound. */
export async function deleteSecret(store: Pick<Access, 'deleteSecret'>, userId: string, name: string): Promise<void> {
  if (!(await store.deleteSecret(userId, name))) throw new NotFound(ErrorCode.SecretNotFound, `secret ${name} not found`);
}

/** What a worker calls to get a task's secrets as environment variables: the owner's secrets
 *  by name, opened. A task without an owner, or naming a secret deleted since its submit, gets
 *  none (its attempt is not run: worker/pool.ts). */
export function secretRevealer(
  store: Pick<Access, 'secretsOf'>,
  box: SecretBox,
): (userId: string | null, names: string[]) => Promise<Record<string, string>> {
  return async (userId, names) => {
    if (userId === null) throw new InvalidInput(ErrorCode.ValidationFailed, 'the task has no owner');
    const found = await store.secretsOf(userId, names);
    const missing = names.filter((n) => !found.some((s) => s.name === n));
    if (missing.length > 0) throw new NotFound(ErrorCode.SecretNotFound, `no secret named ${missing.join(', ')}`);
    return Object.fromEntries(found.map((s) => [s.name, box.open(userId, s.name, s.ciphertext)]));
  };
}
