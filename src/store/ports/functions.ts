/**
 * The functions port: users' functions ($LATEST), their published versions, aliases and
 * reserved concurrency. Metadata only: code bytes are in the BlobStore (FunctionCode.blobKey),
 * put there by the app layer. What an update or a publish means is decided in core/function.ts;
 * a backend reads, applies that decision and writes in one transaction.
 *
 * Every method is scoped by userId: another user's function is not found, never visible.
 * Reads answer null for what is not there; changes to a function that is not there throw
 * NotFound (FUNCTION_NOT_FOUND), so a caller never mistakes "nothing to do" for "done".
 */
import type {
  AliasInput,
  FunctionAlias,
  FunctionCode,
  FunctionConfigPatch,
  FunctionSnapshot,
  NewFunction,
  PublishOptions,
  Qualifier,
  VersionRef,
} from '../../core/function.ts';
import type { BreakerConfig, BreakerTransition, StoredBreakerConfig } from '../../core/circuit-breaker.ts';
import type { EventInvokeConfig, EventInvokeConfigPatch } from '../../core/function-event.ts';
import type { Page } from '../../core/page.ts';

export interface FunctionListFilter {
  userId: string;
  /** Opaque cursor from a previous page. */
  after?: string;
  limit: number;
}

export interface Functions {
  // $LATEST
  /** A new function at $LATEST, Active, with a fresh revisionId. Conflict (FUNCTION_EXISTS)
   *  if the user has one of that name: of two concurrent creates exactly one wins. */
  createFunction(f: NewFunction): Promise<FunctionSnapshot>;
  /** The function at `qualifier` (default $LATEST; an alias is resolved to its version);
   *  null if the function, the version or the alias is not there. */
  getFunction(userId: string, name: string, qualifier?: Qualifier): Promise<FunctionSnapshot | null>;
  /** A user's functions at $LATEST, by name. */
  listFunctions(filter: FunctionListFilter): Promise<Page<FunctionSnapshot>>;
  /** New code at $LATEST, if it is still at `expectRevisionId` when given (else Conflict,
   *  FUNCTION_REVISION_MISMATCH). */
  updateFunctionCode(userId: string, name: string, code: FunctionCode, expectRevisionId?: string): Promise<FunctionSnapshot>;
  /** The patch applied to $LATEST's configuration (core applyConfigPatch: InvalidInput if the
   *  result is not a valid configuration), conditional as updateFunctionCode. */
  updateFunctionConfiguration(
    userId: string,
    name: string,
    patch: FunctionConfigPatch,
    expectRevisionId?: string,
  ): Promise<FunctionSnapshot>;
  /** The function with its versions, aliases and event invoke configurations; false if there
   *  was none. */
  deleteFunction(userId: string, name: string): Promise<boolean>;

  // Versions
  /** $LATEST as the next version, or the last version if nothing that runs changed since
   *  (core planPublish, which also checks the preconditions). */
  publishVersion(userId: string, name: string, opts?: PublishOptions): Promise<FunctionSnapshot>;
  /** One published version; false if the function has none of that number. NotFound if there
   *  is no such function; Conflict (FUNCTION_VERSION_IN_USE) while an alias names it. Its
   *  number is never published again. Its event invoke configuration goes with it. */
  deleteVersion(userId: string, name: string, version: number): Promise<boolean>;
  /** Published versions, oldest first ($LATEST is getFunction's). */
  listVersions(userId: string, name: string): Promise<FunctionSnapshot[]>;

  // Aliases
  /** Conflict (FUNCTION_ALIAS_EXISTS) if the function has one of that name; NotFound if the
   *  version it names is not published. */
  createAlias(userId: string, functionName: string, alias: AliasInput): Promise<FunctionAlias>;
  getAlias(userId: string, functionName: string, name: string): Promise<FunctionAlias | null>;
  /** NotFound (FUNCTION_ALIAS_NOT_FOUND) if there is no such alias; conditional on its
   *  revisionId when given. */
  updateAlias(
    userId: string,
    functionName: string,
    name: string,
    patch: { version?: VersionRef; description?: string },
    expectRevisionId?: string,
  ): Promise<FunctionAlias>;
  /** With its event invoke configuration, as Lambda deletes it; false if there was none. */
  deleteAlias(userId: string, functionName: string, name: string): Promise<boolean>;
  /** By name. */
  listAliases(userId: string, functionName: string): Promise<FunctionAlias[]>;

  // Reserved concurrency (the function's, for every version, as Lambda's)
  putConcurrency(userId: string, name: string, reserved: number): Promise<number>;
  /** null: unreserved. NotFound if there is no such function, as for the other two. */
  getConcurrency(userId: string, name: string): Promise<number | null>;
  deleteConcurrency(userId: string, name: string): Promise<void>;

  // Circuit breaker (the function's, for every version: core/circuit-breaker.ts). Only its
  // configuration is stored; its state is kept by each process that invokes.
  /** Creates or replaces it (checked by core checkBreakerConfig first; updatedAt: the store's
   *  clock). NotFound if there is no such function. */
  putCircuitBreaker(userId: string, name: string, config: BreakerConfig): Promise<StoredBreakerConfig>;
  /** null when there is none (or no such function): read by every invocation. */
  getCircuitBreaker(userId: string, name: string): Promise<StoredBreakerConfig | null>;
  /** false if there was none. It goes with its function too. */
  deleteCircuitBreaker(userId: string, name: string): Promise<boolean>;
  /** Shares a transition of the breaker's state with the other processes: kept only if the
   *  configuration is still the one put at `updatedAt` and no later transition (by `at`) is
   *  kept; answers whether it was. A put starts with none. */
  shareCircuitBreakerTransition(userId: string, name: string, updatedAt: number, t: BreakerTransition): Promise<boolean>;

  // Asynchronous invocation settings, per function and qualifier (Lambda's EventInvokeConfig)
  /** Sets the configuration of `qualifier` ($LATEST, or a version or an alias of the function
   *  that exists: NotFound otherwise, checked in the same write, so a configuration never
   *  outlives a version or alias deleted meanwhile): `replace` (Put) sets it whole, fields not in the patch unset; an
   *  Update changes only what the patch names and throws NotFound
   *  (FUNCTION_EVENT_CONFIG_NOT_FOUND) when there is none. Decided by core
   *  applyEventInvokePatch (InvalidInput for values out of range). NotFound if there is no
   *  such function. */
  putEventInvokeConfig(
    userId: string,
    name: string,
    qualifier: string,
    patch: EventInvokeConfigPatch,
    replace: boolean,
  ): Promise<EventInvokeConfig>;
  /** null when there is none (or no such function). */
  getEventInvokeConfig(userId: string, name: string, qualifier: string): Promise<EventInvokeConfig | null>;
  /** false if there was none. */
  deleteEventInvokeConfig(userId: string, name: string, qualifier: string): Promise<boolean>;
  /** The function's configurations, by qualifier; NotFound if there is no such function. */
  listEventInvokeConfigs(userId: string, name: string): Promise<EventInvokeConfig[]>;
}
