/**
 * The secrets master key's rotation (docs/running.md, "Rotating the secrets master key"):
 * - checkSecretsKey, at every start: the key check (ports/sealed-values.ts) must open with the
 *   keyring, or the process refuses to start, naming the setting, rather than fail each read of
 *   a sealed value later (a 5xx per request, a task that cannot get its secrets).
 * - rekey (`hangar rekey`): every sealed value not under the current key is opened with the
 *   keyring and sealed again under the current key, a batch at a time, each batch one short
 *   write where the row still holds what was read; first, functions' environments still kept
 *   plain (written before sealing) are sealed. It is idempotent (what is under the current
 *   key is left alone) and safe to interrupt: run it again. Once it reports nothing left under
 *   another key, the previous keys can be dropped.
 */
import { Misconfigured } from '../core/index.ts';
import type { SecretBox } from '../secrets/index.ts';
import { MASTER_KEY_SETTINGS, PREVIOUS_KEYS_SETTINGS, sealedKeyId } from '../secrets/index.ts';
import { SEALED_KINDS, type Resealed, type SealedKind, type SealedValues } from '../store/index.ts';

/** The key check: this text sealed with this owner and name (no user's: users' ids are not empty). */
const CHECK = { userId: '', name: 'hangar:secrets-key-check', text: 'hangar secrets key check v1' } as const;
/** Rows of each kind looked at, when the check is first written, for one that must open. */
const ADOPT_SAMPLE = 100;

/** The keyring opens nothing the database holds. */
export class WrongSecretsKey extends Misconfigured {
  constructor(box: SecretBox, what: string, sealed: string) {
    const under = sealedKeyId(sealed);
    super(
      `the secrets master key is not the one this database's values were sealed with: ${what}, sealed under ${under ? `key ${under}` : 'a key that sealed before key ids'}, opens with no key of the keyring (${box.keyIds.join(', ')}). ` +
        `Set ${MASTER_KEY_SETTINGS} to that key; while rotating it, give the old key in ${PREVIOUS_KEYS_SETTINGS} (docs/running.md, "Rotating the secrets master key").`,
    );
  }
}

const opens = (box: SecretBox, userId: string, name: string, sealed: string, text?: string): boolean => {
  try {
    const value = box.open(userId, name, sealed);
    return text === undefined || value === text;
  } catch {
    return false;
  }
};

/**
 * Opens the key check with `box`, or refuses (WrongSecretsKey). Where there is none yet (a new
 * database, or one from before the check), one value of each kind the database holds must open
 * first (else the check would be sealed under a wrong key and adopt it); then it is written.
 * Answers the id of the key it is sealed under (a previous key's: a rekey is due).
 */
export async function checkSecretsKey(store: SealedValues, box: SecretBox): Promise<{ keyId: string | null; written: boolean }> {
  let sealed = await store.keyCheck();
  let written = false;
  if (sealed === null) {
    for (const kind of SEALED_KINDS) {
      const [v] = (await store.sealedPage(kind, null, ADOPT_SAMPLE)).values;
      if (v && !opens(box, v.userId, v.name, v.sealed)) throw new WrongSecretsKey(box, `a value of kind ${kind}`, v.sealed);
    }
    const mine = box.seal(CHECK.userId, CHECK.name, CHECK.text);
    written = await store.putKeyCheck(mine, null);
    // Another process wrote it first: that one is checked as any other start's.
    sealed = written ? mine : await store.keyCheck();
  }
  if (sealed === null || !opens(box, CHECK.userId, CHECK.name, sealed, CHECK.text))
    throw new WrongSecretsKey(box, 'the key check', sealed ?? '');
  return { keyId: sealedKeyId(sealed), written };
}

/** One kind's counts: re-sealed under the current key, already under it, changed by another
 *  process between the read and the write (left alone: run again), not opened by the keyring. */
export interface RekeyCounts {
  resealed: number;
  current: number;
  changed: number;
  failed: number;
}

export interface RekeyReport {
  /** The current key's id: everything counted as resealed or current is under it. */
  keyId: string;
  /** Functions' and versions' environments found plain (written before sealing), sealed first. */
  plainSealed: number;
  kinds: Record<SealedKind, RekeyCounts>;
  keyCheck: 'resealed' | 'current';
  /** Values no key of the ring opens (their kind, owner and name): left as they are. */
  failures: { kind: SealedKind; userId: string; name: string }[];
}

/** Whether the previous keys can go: everything is under the current key. */
export const rekeyDone = (r: RekeyReport): boolean => Object.values(r.kinds).every((c) => c.changed === 0 && c.failed === 0);

/** What rekey reaches of the store: the sealed values, and the sealing of the environments kept plain. */
export interface RekeyStore {
  readonly sealedValues: SealedValues;
  sealPlainEnvironments(): Promise<number>;
}

/** Re-seals every value not under the current key, `batchSize` rows at a time (checkSecretsKey
 *  first, then the environments kept plain are sealed: only once the key is known right). */
export async function rekey(of: RekeyStore, box: SecretBox, opts: { batchSize: number }): Promise<RekeyReport> {
  const store = of.sealedValues;
  await checkSecretsKey(store, box);
  const plainSealed = await of.sealPlainEnvironments();
  const kinds = {} as Record<SealedKind, RekeyCounts>;
  const failures: RekeyReport['failures'] = [];
  for (const kind of SEALED_KINDS) {
    const counts: RekeyCounts = { resealed: 0, current: 0, changed: 0, failed: 0 };
    kinds[kind] = counts;
    let after: string | null = null;
    do {
      const page = await store.sealedPage(kind, after, opts.batchSize);
      const batch: Resealed[] = [];
      for (const v of page.values) {
        if (box.isCurrent(v.sealed)) {
          counts.current++;
          continue;
        }
        try {
          batch.push({ ref: v.ref, was: v.sealed, sealed: box.seal(v.userId, v.name, box.open(v.userId, v.name, v.sealed)) });
        } catch {
          counts.failed++;
          failures.push({ kind, userId: v.userId, name: v.name });
        }
      }
      if (batch.length > 0) {
        const written = await store.reseal(kind, batch);
        counts.resealed += written;
        counts.changed += batch.length - written;
      }
      after = page.next;
    } while (after !== null);
  }
  // Last: a node given only the previous key still starts until everything else is re-sealed.
  const check = (await store.keyCheck()) as string;
  let keyCheck: RekeyReport['keyCheck'] = 'current';
  if (!box.isCurrent(check)) {
    await store.putKeyCheck(box.seal(CHECK.userId, CHECK.name, box.open(CHECK.userId, CHECK.name, check)), check);
    keyCheck = 'resealed';
  }
  return { keyId: box.keyId, plainSealed, kinds, keyCheck, failures };
}
