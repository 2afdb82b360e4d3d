/**
 * Functions' environment variables at rest: the `environment` column of functions and
 * function_versions holds the map sealed (AES-256-GCM under the secrets master key, as Lambda
 * encrypts them with its default KMS key), opened again when a row is read, so every caller of
 * the Functions port sees the variables as given.
 *
 * The column stays JSON on both backends: a sealed map is a JSON string (`"v1:<sealed>"`, the
 * sealed text as SecretBox makes it: `v2:<key id>:<base64>`, or bare base64 when sealed before
 * the keyring), a plain one an object. `hangar rekey` re-seals them under the current key
 * (ports/sealed-values.ts). Rows written before sealing (objects) still read; the store's
 * sealPlainEnvironments() seals them (each backend's functions.ts), called at start once the
 * secrets key check has passed, and by `hangar rekey`: published versions are never written
 * again, so sealing on the next write would leave theirs in plain text for ever, and a SQL
 * migration cannot seal (the database never holds the key). Not when the store opens: a start
 * with the wrong key would seal them under it before the check refuses it, and no right key
 * would open them again. An empty map is kept as `{}`: it tells nothing.
 *
 * The function's owner and name are the associated data: a sealed map moved to another function
 * does not open. Its versions share the name, so a publish copies $LATEST's sealed map as it is.
 */
import { Misconfigured } from '../core/index.ts';

/** What seals (SecretBox, under the secrets master key): the store knows no more of it. */
export interface Sealer {
  seal(userId: string, name: string, value: string): string;
  open(userId: string, name: string, sealed: string): string;
}

/** The column's form of a sealed map: this prefix, then the map as SecretBox seals it (which
 *  names the key that sealed it, or, sealed before the keyring, none: secrets/index.ts). */
export const SEALED_ENVIRONMENT_PREFIX = 'v1:';
const VERSION = SEALED_ENVIRONMENT_PREFIX;
/** Opened maps kept, by their owner, function and sealed text (a fresh nonce per write, so a
 *  hit is exactly that map; owner and function, so a map moved to another does not open). */
const KEPT = 1000;

/** The associated data's name: apart from the user's secrets' names, which have no colon. */
export const environmentSealedName = (functionName: string): string => `function-environment:${functionName}`;
const nameOf = environmentSealedName;

export class SealedEnvironment {
  private readonly sealer: Sealer | null;
  /** Opening costs a decryption and a parse: an invocation reads its version's snapshot each
   *  time the functions cache (cached-functions.ts, 1 s) lets it go, and the warm path should
   *  not pay it again for a map it already opened. */
  private readonly opened = new Map<string, Readonly<Record<string, string>>>();

  /** Without a sealer (stores made by tests and tools that hold no key), maps are kept plain. */
  constructor(sealer: Sealer | null) {
    this.sealer = sealer;
  }

  get sealing(): boolean {
    return this.sealer !== null;
  }

  /** The column's JSON text for a function's (or version's) environment. */
  write(userId: string, functionName: string, env: Readonly<Record<string, string>>): string {
    const json = JSON.stringify(env);
    if (!this.sealer || Object.keys(env).length === 0) return json;
    return JSON.stringify(VERSION + this.sealer.seal(userId, nameOf(functionName), json));
  }

  /** The environment from the column's JSON text, sealed or (written before sealing) plain. */
  read(userId: string, functionName: string, text: string): Record<string, string> {
    const value = JSON.parse(text) as Record<string, string> | string;
    if (typeof value !== 'string') return value;
    const key = `${userId}\0${functionName}\0${value}`;
    const hit = this.opened.get(key);
    if (hit) return { ...hit };
    if (!this.sealer)
      throw new Misconfigured(`the environment of function ${functionName} is sealed, and this store has no secrets master key`);
    if (!value.startsWith(VERSION))
      throw new Misconfigured(`the environment of function ${functionName} is sealed in a form this version does not know`);
    let env: Record<string, string>;
    try {
      env = JSON.parse(this.sealer.open(userId, nameOf(functionName), value.slice(VERSION.length))) as Record<string, string>;
    } catch (err) {
      throw new Misconfigured(
        `the environment of function ${functionName} does not open with the secrets keyring (HANGAR_SECRETS_KEY, HANGAR_SECRETS_PREVIOUS_KEYS): is the key it was sealed with among them?`,
        { cause: err },
      );
    }
    if (this.opened.size >= KEPT) this.opened.clear();
    this.opened.set(key, Object.freeze({ ...env }));
    return env;
  }
}
