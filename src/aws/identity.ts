/**
 * Who a caller is in AWS terms: a 12-digit account id per Hangar user, and ARNs in the region
 * Hangar is configured for (HANGAR_AWS_REGION).
 */
import { createHash } from 'node:crypto';

/**
 * The account id of a Hangar user: the first 8 bytes of SHA-256(`hangar-account:` + user id),
 * as a number, modulo 10^12, written with 12 digits. Deterministic (every API node, every
 * restart and every backend give the same id, with nothing stored) and stable as long as the
 * user id is. Ids are not a tenancy boundary — the user id is — so the rare collision (about
 * one in two by a million users, a birthday bound over 10^12) only makes two users' ARNs look
 * alike; it gives neither access to the other's resources.
 */
export function accountIdOf(userId: string): string {
  let id = accountIds.get(userId);
  if (id === undefined) {
    const digest = createHash('sha256').update(`hangar-account:${userId}`).digest();
    id = (digest.readBigUInt64BE(0) % 1_000_000_000_000n).toString().padStart(12, '0');
    // Every invocation names its caller's ARN: a hash each time was 1.6% of the API's time at
    // 16 concurrent invocations. Users are few; past the cap the map starts over.
    if (accountIds.size >= ACCOUNT_IDS_KEPT) accountIds.clear();
    accountIds.set(userId, id);
  }
  return id;
}
const accountIds = new Map<string, string>();
const ACCOUNT_IDS_KEPT = 10_000;

/** An ARN as AWS writes them: `arn:aws:<service>:<region>:<account>:<resource>`. */
export function arn(service: string, region: string, accountId: string, resource: string): string {
  return `arn:aws:${service}:${region}:${accountId}:${resource}`;
}

/** A Lambda function's ARN (with `qualifier`, a version's or an alias's). */
export function functionArn(region: string, accountId: string, name: string, qualifier?: string): string {
  return arn('lambda', region, accountId, `function:${name}${qualifier ? `:${qualifier}` : ''}`);
}

/** A Lambda layer's ARN (with `version`, a layer version's). */
export function layerArn(region: string, accountId: string, name: string, version?: number): string {
  return arn('lambda', region, accountId, `layer:${name}${version === undefined ? '' : `:${version}`}`);
}
