/**
 * A function's asynchronous invocation settings per qualifier (Lambda's
 * Put/Get/Update/Delete/ListFunctionEventInvokeConfig): retries, maximum event age and the
 * destinations, which must be Lambda functions of the caller's own account (core
 * checkDestination). The worker running an event reads them when it runs it
 * (invoke-async.ts), so a change applies to events already queued too.
 */
import {
  checkDestination,
  eventConfigNotFound,
  eventConfigQualifier,
  type EventInvokeConfig,
  type EventInvokeConfigPatch,
  type Page,
} from '../core/index.ts';
import { getFunction, type FunctionsApp } from './functions.ts';

/** Sets the configuration of the user's function at `qualifier` (default $LATEST): whole (Put)
 *  or only what the patch names (Update, NotFound when there is none). */
export async function putEventInvokeConfig(
  app: Pick<FunctionsApp, 'functions'>,
  userId: string,
  accountId: string,
  name: string,
  qualifier: string | undefined,
  patch: EventInvokeConfigPatch,
  replace: boolean,
): Promise<EventInvokeConfig> {
  if (patch.onSuccess) checkDestination('OnSuccess', patch.onSuccess, accountId);
  if (patch.onFailure) checkDestination('OnFailure', patch.onFailure, accountId);
  // The version or alias must exist, as Lambda requires.
  const f = await getFunction(app, userId, name, qualifier);
  return app.functions.putEventInvokeConfig(userId, f.name, eventConfigQualifier(qualifier), patch, replace);
}

export async function getEventInvokeConfig(
  app: Pick<FunctionsApp, 'functions'>,
  userId: string,
  name: string,
  qualifier: string | undefined,
): Promise<EventInvokeConfig> {
  const f = await getFunction(app, userId, name, qualifier);
  const q = eventConfigQualifier(qualifier);
  const c = await app.functions.getEventInvokeConfig(userId, f.name, q);
  if (!c) throw eventConfigNotFound(f.name, q);
  return c;
}

export async function deleteEventInvokeConfig(
  app: Pick<FunctionsApp, 'functions'>,
  userId: string,
  name: string,
  qualifier: string | undefined,
): Promise<void> {
  const f = await getFunction(app, userId, name);
  const q = eventConfigQualifier(qualifier);
  if (!(await app.functions.deleteEventInvokeConfig(userId, f.name, q))) throw eventConfigNotFound(f.name, q);
}

/**
 * A page of the function's configurations, by qualifier, after the qualifier `after` (the
 * previous page's nextCursor). Keyset on the qualifier, so a configuration put or deleted
 * between pages neither repeats nor hides another. The store reads them all and this pages:
 * a function has one per version or alias at most, as listVersionPage pages versions. The
 * store orders them by the qualifier's bytes (SQLite's BINARY, PostgreSQL's COLLATE "C"),
 * which for qualifiers (ASCII: $LATEST, digits, alias names) is JavaScript's `>` as well.
 */
export async function listEventInvokeConfigs(
  app: Pick<FunctionsApp, 'functions'>,
  userId: string,
  name: string,
  page: { after?: string; limit: number },
): Promise<Page<EventInvokeConfig>> {
  const all = await app.functions.listEventInvokeConfigs(userId, name);
  const rest = page.after === undefined ? all : all.filter((c) => c.qualifier > (page.after as string));
  const items = rest.slice(0, page.limit);
  return { items, nextCursor: rest.length > items.length ? items[items.length - 1].qualifier : null };
}
