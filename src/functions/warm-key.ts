/**
 * The warm key of a function version: what must match for an idle instance to serve an
 * invocation (its owner, function, version, code and layers; the pool's own key adds what
 * follows from these). Worker hosts advertise their idle instances by it and API nodes look it up, so it is
 * computed the same way from a pool's instance and from a function snapshot. Hashed: short, and
 * the advert does not spell out users' function names.
 */
import { createHash } from 'node:crypto';

/** `layers`: the layersKey of its layers (functions/opt-dirs.ts), null without any. */
export function warmKey(owner: string, name: string, version: string, codeSha256Hex: string, layers: string | null = null): string {
  return createHash('sha256')
    .update(JSON.stringify(layers === null ? [owner, name, version, codeSha256Hex] : [owner, name, version, codeSha256Hex, layers]))
    .digest('base64url')
    .slice(0, 22);
}
