/**
 * Provisioned concurrency (Lambda's PutProvisionedConcurrencyConfig): a number of instances of
 * one published version, named by its number or by an alias, kept started and warm so that
 * invocations of it find one ready (no cold start). What a request may ask for is decided here;
 * the store keeps the configurations (ports/provisioned-concurrency.ts) and each function host
 * keeps the instances (functions/provisioned.ts).
 */
import { ErrorCode, InvalidInput, NotFound } from './errors.ts';
import { LATEST, parseQualifier, type VersionRef } from './function.ts';

/** Instances one configuration may keep warm. Lambda's limit is the account's unreserved
 *  concurrency; a Hangar host has a few cores, so one configuration keeps at most 100. */
export const MAX_PROVISIONED_PER_CONFIG = 100;

/** Lambda's status of a configuration: READY once every instance asked for is started. */
export const ProvisionedStatus = { InProgress: 'IN_PROGRESS', Ready: 'READY', Failed: 'FAILED' } as const;
export type ProvisionedStatus = (typeof ProvisionedStatus)[keyof typeof ProvisionedStatus];

/** One stored configuration: `qualifier` is a version number or an alias name, never $LATEST. */
export interface ProvisionedConfig {
  userId: string;
  functionName: string;
  qualifier: string;
  requested: number;
  /** When it was last put (ms since the epoch). */
  lastModified: number;
}

const UNPUBLISHED = 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.';

/** The qualifier a configuration may be put on: a published version number or an alias. */
export function checkProvisionedQualifier(qualifier: string | undefined): string {
  if (qualifier === undefined || qualifier === '') throw new InvalidInput(ErrorCode.FunctionInvalid, UNPUBLISHED);
  const q = parseQualifier(qualifier);
  if (q.kind === 'latest') throw new InvalidInput(ErrorCode.FunctionInvalid, UNPUBLISHED);
  return qualifier;
}

/** The version an alias resolves to must be a published one too ($LATEST is refused as such). */
export function checkProvisionedVersion(version: VersionRef): number {
  if (version === LATEST) throw new InvalidInput(ErrorCode.FunctionInvalid, UNPUBLISHED);
  return version;
}

/**
 * ProvisionedConcurrentExecutions as asked: an integer from 1 to MAX_PROVISIONED_PER_CONFIG,
 * and, when the function has reserved concurrency, within it (Lambda: the provisioned instances
 * are part of the function's concurrency, so more than it reserves could never all serve).
 * `otherConfigs` is what the function's other qualifiers already keep.
 */
export function checkProvisionedCount(n: unknown, reserved: number | null, otherConfigs = 0): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw new InvalidInput(ErrorCode.FunctionInvalid, 'ProvisionedConcurrentExecutions must be an integer of at least 1');
  if (n > MAX_PROVISIONED_PER_CONFIG)
    throw new InvalidInput(
      ErrorCode.FunctionInvalid,
      `ProvisionedConcurrentExecutions is ${n}; Hangar keeps at most ${MAX_PROVISIONED_PER_CONFIG} instances warm per configuration`,
    );
  if (reserved !== null && n + otherConfigs > reserved)
    throw new InvalidInput(
      ErrorCode.FunctionInvalid,
      `Requested Provisioned Concurrency (${n + otherConfigs}) should not be greater than the reservedConcurrentExecution for function (${reserved})`,
    );
  return n;
}

/** What an instance's failed init reported (the runtime's error document). */
export interface ProvisionedInitError {
  errorType: string;
  errorMessage: string;
}

/** How much of an init error's message a StatusReason carries (a runtime may send megabytes). */
export const STATUS_REASON_MESSAGE_CHARS = 500;

/**
 * Lambda's status of a configuration given the instances started for it and the init error of
 * the last try to start the missing ones, if it failed: READY once every instance asked for is
 * started; FAILED, with the error as its reason, while some are missing because their init
 * failed (the host tries again each round, so fixed code or a passing cause turns it back);
 * else IN_PROGRESS.
 */
export function provisionedStatus(
  requested: number,
  allocated: number,
  initError: ProvisionedInitError | null = null,
): { status: ProvisionedStatus; statusReason: string | null } {
  if (allocated >= requested) return { status: ProvisionedStatus.Ready, statusReason: null };
  if (!initError) return { status: ProvisionedStatus.InProgress, statusReason: null };
  const message = initError.errorMessage.slice(0, STATUS_REASON_MESSAGE_CHARS);
  return { status: ProvisionedStatus.Failed, statusReason: `The function's init failed: ${initError.errorType}: ${message}` };
}

/** Lambda's ProvisionedConcurrencyConfigNotFoundException. */
export const provisionedNotFound = (functionName: string, qualifier: string): NotFound =>
  new NotFound(
    ErrorCode.FunctionProvisionedConfigNotFound,
    `No Provisioned Concurrency Config found for function: ${functionName}:${qualifier}`,
  );

/** How many of a configuration's instances one of `hosts` live function hosts keeps: an even
 *  share, rounded up, so that together they keep at least `requested` (embedded: all). */
export function provisionedShare(requested: number, hosts: number): number {
  return Math.ceil(requested / Math.max(1, hosts));
}
