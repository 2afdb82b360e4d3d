/**
 * Functions beyond deploy/read/delete (functions.ts): create only, update code and
 * configuration, publish versions, aliases, reserved concurrency and a user's usage. The
 * Lambda-compatible API calls these today and the native REST routes will call the same ones,
 * so a rule (a zip is checked before it is stored, an update may be made conditional on a
 * revision) is kept once. Decisions are core/function.ts's; the store applies them.
 */
import {
  checkFunctionName,
  checkReservedConcurrency,
  Conflict,
  ErrorCode,
  functionErrors,
  newFunctionConfig,
  parseVersionRef,
  type FunctionAlias,
  type FunctionConfigInput,
  type FunctionConfigPatch,
  type FunctionSnapshot,
  type Page,
  type PublishOptions,
  type VersionRef,
} from '../core/index.ts';
import { codeOfEither, type FunctionsApp } from './functions.ts';

type Reads = Pick<FunctionsApp, 'functions'>;

/** A new function from a zip: Conflict (FUNCTION_EXISTS) if the user has one of that name,
 *  unlike deployFunction, which updates it. `publish` also publishes it as version 1. */
export async function createFunction(
  app: FunctionsApp,
  userId: string,
  input: { name: string; zip?: Buffer; imageUri?: string; config: FunctionConfigInput; publish?: boolean },
): Promise<FunctionSnapshot> {
  const name = checkFunctionName(input.name);
  // Everything is checked before the zip is stored: a refused create leaves nothing behind.
  const config = newFunctionConfig(
    input.imageUri === undefined ? input.config : { ...input.config, imageConfig: input.config.imageConfig ?? {} },
  );
  const code = await codeOfEither(app, userId, input);
  if (await app.functions.getFunction(userId, name)) throw functionErrors.exists(name);
  if (input.zip && !code.image) await app.blobs.put(code.blobKey, input.zip);
  const created = await app.functions.createFunction({ userId, name, code, ...config });
  return input.publish ? app.functions.publishVersion(userId, name) : created;
}

export interface CodeUpdate {
  /** The new code: a zip, or (a function packaged as an image) an image URI. */
  zip?: Buffer;
  imageUri?: string;
  /** Only if $LATEST is still at this revision (else Conflict, FUNCTION_REVISION_MISMATCH). */
  revisionId?: string;
  /** Publish a version of the result. */
  publish?: boolean;
  /** Check the zip and answer what $LATEST would be, changing nothing. */
  dryRun?: boolean;
}

/** New code at $LATEST. */
export async function updateFunctionCode(app: FunctionsApp, userId: string, name: string, u: CodeUpdate): Promise<FunctionSnapshot> {
  const code = await codeOfEither(app, userId, u);
  const current = await app.functions.getFunction(userId, name);
  if (!current) throw functionErrors.notFound(name);
  if (u.dryRun) return { ...current, code };
  if (u.zip && !code.image) await app.blobs.put(code.blobKey, u.zip);
  const updated = await app.functions.updateFunctionCode(userId, name, code, u.revisionId);
  return u.publish ? app.functions.publishVersion(userId, name, { revisionId: updated.revisionId }) : updated;
}

/** The patch over $LATEST's configuration (the environment replaced, not merged). */
export function updateFunctionConfiguration(
  app: Reads,
  userId: string,
  name: string,
  patch: FunctionConfigPatch,
  revisionId?: string,
): Promise<FunctionSnapshot> {
  return app.functions.updateFunctionConfiguration(userId, name, patch, revisionId);
}

/** $LATEST as the next version, or the last one if nothing that runs changed since. */
export function publishVersion(app: Reads, userId: string, name: string, opts: PublishOptions = {}): Promise<FunctionSnapshot> {
  return app.functions.publishVersion(userId, name, opts);
}

/** Deletes one published version (Conflict while an alias names it); NotFound if the function
 *  has no such version. $LATEST goes only with its function (deleteFunction). */
export async function deleteVersion(app: Reads, userId: string, name: string, version: number): Promise<void> {
  if (!(await app.functions.deleteVersion(userId, name, version))) throw functionErrors.notFound(name, version);
}

/** The published versions, oldest first, a page at a time: `after` is the last number seen. */
export async function listVersionPage(
  app: Reads,
  userId: string,
  name: string,
  page: { after?: number; limit: number },
): Promise<Page<FunctionSnapshot>> {
  const all = await app.functions.listVersions(userId, name);
  const rest = all.filter((v) => page.after === undefined || (v.version as number) > page.after);
  const items = rest.slice(0, page.limit);
  return { items, nextCursor: rest.length > items.length ? String(items[items.length - 1].version) : null };
}

/** $LATEST, then the published versions, oldest first (as Lambda lists them). */
export async function listVersions(app: Reads, userId: string, name: string): Promise<FunctionSnapshot[]> {
  const latest = await app.functions.getFunction(userId, name);
  if (!latest) throw functionErrors.notFound(name);
  return [latest, ...(await app.functions.listVersions(userId, name))];
}

export function createAlias(
  app: Reads,
  userId: string,
  functionName: string,
  alias: { name: string; version: string; description?: string },
): Promise<FunctionAlias> {
  return app.functions.createAlias(userId, functionName, { ...alias, version: parseVersionRef(alias.version) });
}

export async function getAlias(app: Reads, userId: string, functionName: string, name: string): Promise<FunctionAlias> {
  const alias = await app.functions.getAlias(userId, functionName, name);
  if (!alias) {
    // Which is missing, the function or its alias, is worth saying.
    if (!(await app.functions.getFunction(userId, functionName))) throw functionErrors.notFound(functionName);
    throw functionErrors.aliasNotFound(functionName, name);
  }
  return alias;
}

export function updateAlias(
  app: Reads,
  userId: string,
  functionName: string,
  name: string,
  patch: { version?: string; description?: string },
  revisionId?: string,
): Promise<FunctionAlias> {
  const version: VersionRef | undefined = patch.version === undefined ? undefined : parseVersionRef(patch.version);
  return app.functions.updateAlias(userId, functionName, name, { version, description: patch.description }, revisionId);
}

/**
 * Points the alias at `version`, making it if the function has none of that name (the native
 * PUT; Lambda has CreateAlias and UpdateAlias). With `revisionId`, only an update of the alias
 * at that revision: a revision cannot name an alias that does not exist yet.
 */
export async function putAlias(
  app: Reads,
  userId: string,
  functionName: string,
  name: string,
  alias: { version: string; description?: string },
  revisionId?: string,
): Promise<{ alias: FunctionAlias; created: boolean }> {
  if (revisionId === undefined && !(await app.functions.getAlias(userId, functionName, name))) {
    try {
      return { alias: await createAlias(app, userId, functionName, { name, ...alias }), created: true };
    } catch (err) {
      // Made by a concurrent PUT since the read: this one updates it instead.
      if (!(err instanceof Conflict && err.code === ErrorCode.FunctionAliasExists)) throw err;
    }
  }
  return { alias: await updateAlias(app, userId, functionName, name, alias, revisionId), created: false };
}

export async function deleteAlias(app: Reads, userId: string, functionName: string, name: string): Promise<void> {
  if (!(await app.functions.deleteAlias(userId, functionName, name))) {
    if (!(await app.functions.getFunction(userId, functionName))) throw functionErrors.notFound(functionName);
    // Lambda answers a delete of a missing alias as done: deleting twice is harmless.
  }
}

/** The function's aliases, by name; those pointing at `version` only, when given. */
export async function listAliases(app: Reads, userId: string, functionName: string, version?: string): Promise<FunctionAlias[]> {
  const all = await app.functions.listAliases(userId, functionName);
  if (version === undefined) return all;
  const ref = parseVersionRef(version);
  return all.filter((a) => a.version === ref);
}

/** Reserved concurrency: the function's, for every version. Hangar's fleet grows with its
 *  autoscaler, so a reservation is not held to today's worker slots (Lambda keeps 100 of its
 *  account limit unreserved; Hangar has no fixed account limit to keep them from). */
export function putConcurrency(app: Reads, userId: string, name: string, reserved: number): Promise<number> {
  return app.functions.putConcurrency(userId, name, checkReservedConcurrency(reserved));
}

export function getConcurrency(app: Reads, userId: string, name: string): Promise<number | null> {
  return app.functions.getConcurrency(userId, name);
}

export function deleteConcurrency(app: Reads, userId: string, name: string): Promise<void> {
  return app.functions.deleteConcurrency(userId, name);
}

/** How many functions a user has and the bytes of code they keep (every version's, as Lambda
 *  counts it). Reads every function's versions: fine for the hundreds a user has; a summary
 *  query in the port is the way on when that is too slow. */
export async function functionUsage(app: Reads, userId: string): Promise<{ functionCount: number; codeBytes: number }> {
  let functionCount = 0;
  let codeBytes = 0;
  let after: string | undefined;
  do {
    const page = await app.functions.listFunctions({ userId, after, limit: 500 });
    for (const f of page.items) {
      functionCount++;
      codeBytes += f.code.size;
      for (const v of await app.functions.listVersions(userId, f.name)) codeBytes += v.code.size;
    }
    after = page.nextCursor ?? undefined;
  } while (after);
  return { functionCount, codeBytes };
}
