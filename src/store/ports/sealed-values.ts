/**
 * The sealed values port: every value sealed under the secrets master key (users' secrets, API
 * keys' sealed copies, functions' and their versions' environments), read a page at a time and
 * re-sealed in place (`hangar rekey`, app/rekey.ts), and the key check: a known text sealed once,
 * which tells at start whether the keyring is the one the database's values were sealed with.
 * The store never opens or seals: the sealed texts pass through it as they are.
 */

/** What is sealed, one kind per column that holds sealed values. */
export const SEALED_KINDS = ['secret', 'api-key', 'function-environment', 'function-version-environment'] as const;
export type SealedKind = (typeof SEALED_KINDS)[number];

export interface SealedValue {
  /** Which row holds it (opaque): the cursor of the next page, and what reseal names. */
  ref: string;
  /** The cipher's associated data: the owner and the name it was sealed under. */
  userId: string;
  name: string;
  /** The sealed text, as SecretBox made it. */
  sealed: string;
}

/** A page of one kind's values, and the cursor after it (null: there are no more). */
export interface SealedPage {
  values: SealedValue[];
  next: string | null;
}

/** A value's new sealed text, written only where its row still holds `was`. */
export interface Resealed {
  ref: string;
  was: string;
  sealed: string;
}

export interface SealedValues {
  /** Up to `limit` rows of `kind` after the cursor `after` (null: from the first), in a fixed
   *  order; rows that hold nothing sealed (an API key made before keys were sealed, a function
   *  without variables) are passed over but count towards `limit`. */
  sealedPage(kind: SealedKind, after: string | null, limit: number): Promise<SealedPage>;
  /** Writes each new sealed text where the row still holds `was` (a value replaced or deleted
   *  meanwhile is left as it is), in one short transaction; how many rows it wrote. */
  reseal(kind: SealedKind, values: readonly Resealed[]): Promise<number>;
  /** The key check's sealed text; null before it is first written. */
  keyCheck(): Promise<string | null>;
  /** Writes the key check where it is still `was` (null: where there is none yet); whether it
   *  wrote (false: another process wrote it first). */
  putKeyCheck(sealed: string, was: string | null): Promise<boolean>;
}
