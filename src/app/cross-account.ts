/**
 * Another account's calls on a user's function (Lambda's cross-account access): the caller names
 * the function by an ARN (or a partial ARN) with its owner's account id; the owner's policy for
 * the qualifier named decides (core crossAccountDecision); what it allows then runs as the
 * owner's own call (their function, secrets, quotas and records), the caller's account kept
 * beside it.
 *
 * An account id is a hash of a user id (aws/identity.ts accountIdOf) with nothing stored, so
 * finding the user behind one takes the users there are: AccountDirectory hashes the user id of
 * every API key (revoked ones too: a user whose keys are all revoked still owns functions) and
 * keeps the map. Why not a stored column of account ids: it would need every existing user's id
 * hashed into it by a migration (SQLite has no SHA-256 in SQL) and kept in step on every new
 * user, for a lookup made only on a cross-account call; the keys are already there and few.
 */
import {
  crossAccountDecision,
  crossAccountDenied,
  functionErrors,
  policyQualifierOf,
  type ApiKey,
  type CrossAccountAction,
  type FunctionRef,
} from '../core/index.ts';
import type { FunctionAccess } from '../store/index.ts';

/** How often at most the directory reads the keys again to find an account it does not know:
 *  a stranger's guesses cost one read of the keys a second, not one each. */
const RELOAD_EVERY_MS = 1000;

export class AccountDirectory {
  private readonly keys: { listKeys(filter: { userId?: string }): Promise<ApiKey[]> };
  private readonly accountOf: (userId: string) => string;
  private readonly now: () => number;
  private users = new Map<string, string[]>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | null = null;

  constructor(deps: {
    keys: { listKeys(filter: { userId?: string }): Promise<ApiKey[]> };
    accountOf: (userId: string) => string;
    now?: () => number;
  }) {
    this.keys = deps.keys;
    this.accountOf = deps.accountOf;
    this.now = deps.now ?? Date.now;
  }

  /** The users whose account id is `accountId`: one, or none; more only when two user ids'
   *  hashes collide (accountIdOf), which the caller settles by the function named. */
  async usersOf(accountId: string): Promise<string[]> {
    const known = this.users.get(accountId);
    if (known) return known;
    if (this.now() - this.loadedAt >= RELOAD_EVERY_MS) await this.reload();
    return this.users.get(accountId) ?? [];
  }

  private reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const users = new Map<string, string[]>();
        for (const userId of new Set((await this.keys.listKeys({})).map((k) => k.userId))) {
          const account = this.accountOf(userId);
          users.set(account, [...(users.get(account) ?? []), userId]);
        }
        this.users = users;
        this.loadedAt = this.now();
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }
}

export interface CrossAccountApp {
  functionAccess: Pick<FunctionAccess, 'getPolicy'>;
  accounts: AccountDirectory;
}

/** The owner of another account's function, when their policy lets the caller do `action`. */
export interface ForeignOwner {
  userId: string;
  accountId: string;
}

/**
 * The owner of the function `ref` names (ref.accountId: not the caller's) if their policy for the
 * qualifier named allows the caller `action`. Refused as a function not there when nothing in
 * it is for the caller (or there is no such account or function), and with Lambda's
 * AccessDeniedException when a statement for the caller does not allow this (`resource`: the
 * ARN as named, for its message).
 */
export async function foreignOwner(
  app: CrossAccountApp,
  caller: { accountId: string },
  ref: FunctionRef & { accountId: string },
  action: CrossAccountAction,
  resource: string,
): Promise<ForeignOwner> {
  let denied = false;
  for (const userId of await app.accounts.usersOf(ref.accountId)) {
    const policy = await app.functionAccess.getPolicy(userId, ref.name, policyQualifierOf(ref.qualifier));
    const decision = crossAccountDecision(policy, { action, callerAccountId: caller.accountId, qualifier: ref.qualifier });
    if (decision === 'allow') return { userId, accountId: ref.accountId };
    denied ||= decision === 'denied';
  }
  if (denied) throw crossAccountDenied(caller.accountId, action, resource);
  throw functionErrors.notFound(ref.name);
}
